// PeerStorage: TiKV's region-scoped key layout (golden bytes, Ref:
// components/keys/src/lib.rs raft_log_key / raft_state_key /
// apply_state_key), regions kept apart in one engine, the apply state
// codec, and crash recovery: whatever prefix of whole batches a crash keeps,
// recovery gives a consistent log that holds every synced entry.
#include "store/peer/peer_storage.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <string>
#include <vector>

#include "core/base/prng.h"
#include "core/base/testing/rapidcheck_gtest.h"
#include "core/engine/mem_engine.h"

namespace store {
namespace {

using core::env::Cf;
using core::raft::Ready;

ConfState Voters(std::vector<core::raft::NodeId> ids) {
  ConfState cs;
  cs.voters = std::move(ids);
  return cs;
}

Entry MakeEntry(Index index, Term term, std::string data = "x") {
  Entry e;
  e.index = index;
  e.term = term;
  e.data = std::move(data);
  return e;
}

std::string Hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

TEST(PeerStorageTest, KeysHaveTikvsLayout) {
  EXPECT_EQ(Hex(RaftLogKey(7, 5)),
            "0102000000000000000701"
            "0000000000000005");
  EXPECT_EQ(Hex(RaftStateKey(7)),
            "010200000000000000"
            "0702");
  EXPECT_EQ(Hex(ApplyStateKey(7)),
            "010200000000000000"
            "0703");
  // A region's log keys sort together, by index, before its state keys.
  EXPECT_LT(RaftLogKey(7, 1), RaftLogKey(7, 256));
  EXPECT_LT(RaftLogKey(7, UINT64_MAX), RaftStateKey(7));
  EXPECT_LT(ApplyStateKey(7), RaftLogKey(8, 0));
}

TEST(PeerStorageTest, ApplyStateRoundTripsAndRejectsGarbage) {
  ApplyState state{.applied_index = 9,
                   .truncated_index = 4,
                   .truncated_term = 2,
                   .conf_state = Voters({1, 2, 3})};
  state.conf_state.learners = {4};
  state.conf_state.voters_outgoing = {1, 2};
  state.conf_state.auto_leave = true;
  const std::string bytes = EncodeApplyState(state);
  ApplyState decoded;
  ASSERT_TRUE(DecodeApplyState(bytes, &decoded));
  EXPECT_EQ(decoded, state);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    ApplyState partial;
    EXPECT_FALSE(DecodeApplyState(bytes.substr(0, cut), &partial)) << cut;
  }
  ApplyState bad = state;
  bad.truncated_index = 10;  // truncated past applied: never written
  EXPECT_FALSE(DecodeApplyState(EncodeApplyState(bad), &decoded));
}

Ready ReadyWith(std::vector<Entry> entries, HardState hs) {
  Ready rd;
  rd.entries = std::move(entries);
  rd.hard_state = hs;
  rd.must_sync = true;
  return rd;
}

TEST(PeerStorageTest, RegionsShareAnEngineWithoutMixing) {
  core::engine::MemEngine engine;
  core::env::WriteBatch batch;
  for (RegionId region : {1, 2}) {
    auto recovered = RecoverPeerState(engine, region, Voters({1}));
    ASSERT_TRUE(recovered.ok());
    PeerStorage storage(region, *recovered);
    std::vector<Entry> entries;
    for (Index i = 1; i <= region * 2; ++i) entries.push_back(MakeEntry(i, 1));
    storage.Stage(ReadyWith(entries, {.term = 1, .vote = 1, .commit = 1}),
                  &batch);
  }
  ASSERT_TRUE(engine.Write(batch, {.sync = true}).ok());
  for (RegionId region : {1, 2}) {
    auto recovered = RecoverPeerState(engine, region, Voters({1}));
    ASSERT_TRUE(recovered.ok());
    EXPECT_EQ(recovered->entries.size(), region * 2);
    EXPECT_TRUE(recovered->repairs.empty());
  }
  auto fresh = RecoverPeerState(engine, 3, Voters({1, 2}));
  ASSERT_TRUE(fresh.ok());
  EXPECT_TRUE(fresh->entries.empty());
  EXPECT_EQ(fresh->apply_state.conf_state, Voters({1, 2}));
}

// A split or bootstrap starts a region at TiKV's initial (index, term) = (5,
// 5): recovery sees a log truncated there, applied and committed there, a
// vote kept; clearing removes it all and leaves the other region alone.
TEST(PeerStorageTest, InitialStateRecoversTruncatedAndClearRemovesIt) {
  core::engine::MemEngine engine;
  core::env::WriteBatch batch;
  InitialStateWrite(7, 5, 5, Voters({1, 2, 3}), {.term = 6, .vote = 2}, &batch);
  InitialStateWrite(8, 5, 5, Voters({4}), {.term = 5}, &batch);
  ASSERT_TRUE(engine.Write(batch, {.sync = true}).ok());
  auto recovered = RecoverPeerState(engine, 7, {});
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(recovered->apply_state,
            (ApplyState{.applied_index = 5,
                        .truncated_index = 5,
                        .truncated_term = 5,
                        .conf_state = Voters({1, 2, 3})}));
  EXPECT_EQ(recovered->hard_state,
            (HardState{.term = 6, .vote = 2, .commit = 5}));
  EXPECT_TRUE(recovered->entries.empty());
  EXPECT_TRUE(recovered->repairs.empty());
  PeerStorage storage(7, *recovered);
  EXPECT_EQ(storage.LastIndex(), 5u);
  EXPECT_EQ(storage.storage().FirstIndex(), 6u);
  // Nothing applied since the truncation: the snapshot at 5 gets the data.
  storage.RefreshSnapshot("state at 5");
  auto snapshot = storage.storage().GetSnapshot();
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ(snapshot->metadata.index, 5u);
  EXPECT_EQ(snapshot->metadata.conf_state, Voters({1, 2, 3}));
  EXPECT_EQ(snapshot->data, "state at 5");
  EXPECT_EQ(storage.storage().GetInitialState().hard_state.vote, 2u);

  core::env::WriteBatch clear;
  ClearPeerStateWrite(7, &clear);
  ASSERT_TRUE(engine.Write(clear, {.sync = true}).ok());
  auto cleared = RecoverPeerState(engine, 7, Voters({9}));
  ASSERT_TRUE(cleared.ok());
  EXPECT_EQ(cleared->apply_state, ApplyState{.conf_state = Voters({9})});
  EXPECT_TRUE(cleared->hard_state.IsEmpty());
  auto other = RecoverPeerState(engine, 8, {});
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->apply_state.applied_index, 5u);
}

// A peer that restarts with nothing applied since its log was compacted
// (applied == truncated, as right after a compaction or a snapshot install)
// refreshes the snapshot at that same index: the snapshot lagging followers
// get carries the state again, and the unapplied log after it stays.
TEST(PeerStorageTest, ARestartRightAfterCompactionRefreshesTheSnapshot) {
  core::engine::MemEngine engine;
  {
    auto recovered = RecoverPeerState(engine, 1, Voters({1}));
    ASSERT_TRUE(recovered.ok());
    PeerStorage storage(1, *recovered);
    core::env::WriteBatch batch;
    std::vector<Entry> entries;
    for (Index i = 1; i <= 5; ++i) entries.push_back(MakeEntry(i, 1));
    storage.Stage(ReadyWith(entries, {.term = 1, .vote = 1, .commit = 5}),
                  &batch);
    storage.ApplyStateWrite(5, Voters({1}), &batch);
    storage.CompactToApplied("state@5", &batch);
    storage.Stage(ReadyWith({MakeEntry(6, 1), MakeEntry(7, 1)},
                            {.term = 1, .vote = 1, .commit = 5}),
                  &batch);
    ASSERT_TRUE(engine.Write(batch, {.sync = true}).ok());
  }
  auto recovered = RecoverPeerState(engine, 1, Voters({1}));
  ASSERT_TRUE(recovered.ok());
  ASSERT_EQ(recovered->apply_state.applied_index, 5u);
  ASSERT_EQ(recovered->apply_state.truncated_index, 5u);
  PeerStorage storage(1, *recovered);
  storage.RefreshSnapshot("state@5");
  auto snapshot = storage.storage().GetSnapshot();
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ(snapshot->metadata.index, 5u);
  EXPECT_EQ(snapshot->metadata.term, 1u);
  EXPECT_EQ(snapshot->data, "state@5");
  EXPECT_EQ(storage.storage().FirstIndex(), 6u);
  EXPECT_EQ(storage.LastIndex(), 7u);
  EXPECT_EQ(storage.storage().GetInitialState().hard_state.commit, 5u);
}

// A peer that restarts with entries applied past its compacted log
// refreshes the snapshot at the applied index; compacting right away, with
// nothing applied since, keeps that snapshot.
TEST(PeerStorageTest, CompactingRightAfterARestartKeepsTheRefreshedSnapshot) {
  core::engine::MemEngine engine;
  {
    auto recovered = RecoverPeerState(engine, 1, Voters({1}));
    ASSERT_TRUE(recovered.ok());
    PeerStorage storage(1, *recovered);
    core::env::WriteBatch batch;
    std::vector<Entry> entries;
    for (Index i = 1; i <= 8; ++i) entries.push_back(MakeEntry(i, 1));
    storage.Stage(ReadyWith(entries, {.term = 1, .vote = 1, .commit = 8}),
                  &batch);
    storage.ApplyStateWrite(3, Voters({1}), &batch);
    storage.CompactToApplied("state@3", &batch);
    storage.ApplyStateWrite(6, Voters({1}), &batch);
    ASSERT_TRUE(engine.Write(batch, {.sync = true}).ok());
  }
  auto recovered = RecoverPeerState(engine, 1, Voters({1}));
  ASSERT_TRUE(recovered.ok());
  PeerStorage storage(1, *recovered);
  storage.RefreshSnapshot("state@6");
  core::env::WriteBatch batch;
  storage.CompactToApplied("state@6 again", &batch);
  EXPECT_EQ(storage.apply_state().truncated_index, 6u);
  EXPECT_EQ(storage.storage().FirstIndex(), 7u);
  EXPECT_EQ(storage.LastIndex(), 8u);
  auto snapshot = storage.storage().GetSnapshot();
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ(snapshot->metadata.index, 6u);
  EXPECT_EQ(snapshot->data, "state@6");
}

// A CompactLog truncates below the applied index (raft log GC keeps the
// entries a lagging follower still needs) while the snapshot is made at the
// applied index. Refreshing that snapshot (after a split) with nothing
// applied since keeps the log between the truncation point and the
// snapshot, so a later CompactLog in that range still finds its term.
// Found by the cluster workload, seeds 136 and 166.
TEST(PeerStorageTest, RefreshingKeepsTheLogBetweenTruncationAndSnapshot) {
  core::engine::MemEngine engine;
  auto recovered = RecoverPeerState(engine, 1, Voters({1}));
  ASSERT_TRUE(recovered.ok());
  PeerStorage storage(1, *recovered);
  core::env::WriteBatch batch;
  std::vector<Entry> entries;
  for (Index i = 1; i <= 9; ++i) entries.push_back(MakeEntry(i, 1));
  storage.Stage(ReadyWith(entries, {.term = 1, .vote = 1, .commit = 9}),
                &batch);
  storage.ApplyStateWrite(8, Voters({1}), &batch);
  storage.CompactTo(3, "state@8", &batch);
  ASSERT_EQ(storage.apply_state().truncated_index, 3u);
  storage.RefreshSnapshot("state@8 after the split");
  EXPECT_EQ(storage.storage().FirstIndex(), 4u);
  EXPECT_EQ(storage.LastIndex(), 9u);
  auto snapshot = storage.storage().GetSnapshot();
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ(snapshot->metadata.index, 8u);
  EXPECT_EQ(snapshot->data, "state@8 after the split");
  storage.CompactTo(5, "state@8 again", &batch);
  EXPECT_EQ(storage.apply_state().truncated_index, 5u);
  EXPECT_EQ(storage.apply_state().truncated_term, 1u);
  EXPECT_EQ(storage.storage().FirstIndex(), 6u);
}

TEST(PeerStorageTest, ABrokenPrevTermChainIsCutAndTheTermRaised) {
  core::engine::MemEngine engine;
  auto recovered = RecoverPeerState(engine, 1, Voters({1}));
  ASSERT_TRUE(recovered.ok());
  PeerStorage storage(1, *recovered);
  core::env::WriteBatch batch;
  storage.Stage(ReadyWith({MakeEntry(1, 1), MakeEntry(2, 1), MakeEntry(3, 2)},
                          {.term = 1, .vote = 1, .commit = 3}),
                &batch);
  ASSERT_TRUE(engine.Write(batch, {.sync = true}).ok());
  // Entry 3 rewritten by hand with a prev_term that does not link up (as a
  // bug or a foreign write would leave it).
  core::env::WriteBatch foreign;
  foreign.Put(Cf::kRaft, RaftLogKey(1, 3), std::string("\x02\x00\x07x", 4));
  ASSERT_TRUE(engine.Write(foreign, {.sync = true}).ok());
  auto after = RecoverPeerState(engine, 1, Voters({1}));
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->entries.size(), 2u);
  EXPECT_EQ(after->hard_state.commit, 2u) << "clamped to the last index";
  ASSERT_FALSE(after->repairs.empty());
  EXPECT_NE(after->repairs[0].find("discarded the log from index 3"),
            std::string::npos);
}

TEST(PeerStorageTest, CorruptRecordsAreDataLoss) {
  core::engine::MemEngine engine;
  core::env::WriteBatch batch;
  batch.Put(Cf::kRaft, ApplyStateKey(1), "\xff");
  ASSERT_TRUE(engine.Write(batch, {.sync = true}).ok());
  auto recovered = RecoverPeerState(engine, 1, Voters({1}));
  EXPECT_EQ(recovered.status().code(), absl::StatusCode::kDataLoss);
}

std::vector<Term> Terms(const std::vector<Entry>& entries) {
  std::vector<Term> terms;
  for (const Entry& e : entries) terms.push_back(e.term);
  return terms;
}

// Any run of Readies (some synced, some not), then a crash: the recovered
// log is the log after some prefix of the Readies that includes every
// synced one (batches are atomic, only an unsynced suffix is lost), and the
// durable view before the crash showed the log as of the last sync.
RC_GTEST_PROP_N(PeerStorageProperty, CrashKeepsAPrefixOfWholeReadies, 100, 40,
                ()) {
  core::engine::MemEngine engine;
  auto recovered = RecoverPeerState(engine, 5, Voters({1}));
  RC_ASSERT(recovered.ok());
  PeerStorage storage(5, *recovered);
  std::vector<std::vector<Term>> logs = {{}};  // the log after each Ready
  size_t last_synced = 0;
  Term term = 1;
  const int readies = *rc::gen::inRange(1, 12);
  for (int r = 0; r < readies; ++r) {
    const Index first = *rc::gen::inRange<Index>(1, storage.LastIndex() + 2);
    if (*rc::gen::arbitrary<bool>()) ++term;
    std::vector<Entry> entries;
    std::vector<Term> log = logs.back();
    log.resize(first - 1);
    for (int i = 0, n = *rc::gen::inRange(1, 4); i < n; ++i) {
      entries.push_back(MakeEntry(first + i, term));
      log.push_back(term);
    }
    core::env::WriteBatch batch;
    storage.Stage(
        ReadyWith(entries, {.term = term, .vote = 1, .commit = first - 1}),
        &batch);
    const bool sync = *rc::gen::arbitrary<bool>();
    RC_ASSERT(engine.Write(batch, {.sync = sync}).ok());
    logs.push_back(log);
    if (sync) {
      storage.MarkDurable();
      last_synced = logs.size() - 1;
    }
  }
  RC_ASSERT(Terms(storage.DurableView(1).entries) == logs[last_synced]);
  core::base::Prng prng(*rc::gen::arbitrary<uint64_t>());
  engine.SimulateCrash(prng);
  auto after = RecoverPeerState(engine, 5, Voters({1}));
  RC_ASSERT(after.ok());
  const std::vector<Term> kept = Terms(after->entries);
  bool is_a_kept_prefix = false;
  for (size_t k = last_synced; k < logs.size(); ++k) {
    is_a_kept_prefix = is_a_kept_prefix || logs[k] == kept;
  }
  RC_ASSERT(is_a_kept_prefix);
  RC_ASSERT(after->repairs.empty());
  RC_ASSERT(after->hard_state.commit <= kept.size());
}

}  // namespace
}  // namespace store
