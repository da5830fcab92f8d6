// RaftLogStore and RecoverRaftState over MemEngine: staged state reaches the
// engine in the documented layout; the durable view is what a sync made
// durable; and after a crash that loses unsynced batches and tears one,
// recovery yields a consistent log that keeps everything synced and
// committed (the property), repairing holes, stale tails and hard states
// (the examples).
#include "sim/register/raft_log_store.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include "core/base/prng.h"
#include "core/base/testing/rapidcheck_gtest.h"
#include "core/engine/mem_engine.h"

namespace sim::register_kv {
namespace {

using core::env::Cf;
using core::raft::ConfState;
using core::raft::Ready;

ConfState ThreeVoters() { return ConfState{.voters = {1, 2, 3}}; }

std::vector<Entry> Entries(Index first, std::vector<Term> terms) {
  std::vector<Entry> out;
  for (Term t : terms) {
    out.push_back(
        Entry{.term = t,
              .index = first,
              .data = "d" + std::to_string(first) + "@" + std::to_string(t)});
    ++first;
  }
  return out;
}

// Stages `ready`, writes it (synced or not) and marks it durable if synced.
// Returns the number of engine batches written.
int Persist(RaftLogStore& store, core::env::Engine& engine, const Ready& ready,
            bool sync) {
  StagedWrite staged;
  store.Stage(ready, &staged);
  CHECK(WriteStaged(engine, staged, sync).ok());
  if (sync) store.MarkDurable();
  return (staged.entries.empty() ? 0 : 1) + (staged.hard_state.empty() ? 0 : 1);
}

RecoveredRaftState Recover(core::env::Engine& engine) {
  auto state = RecoverRaftState(engine);
  CHECK(state.ok()) << state.status();
  return *std::move(state);
}

TEST(RaftLogStoreTest, PersistsAndRecoversEntriesAndHardState) {
  core::engine::MemEngine engine;
  RaftLogStore store(ThreeVoters(), Recover(engine));
  Persist(
      store, engine,
      Ready{.hard_state = HardState{2, 1, 2}, .entries = Entries(1, {1, 2, 2})},
      true);
  RecoveredRaftState state = Recover(engine);
  EXPECT_EQ(state.hard_state, (HardState{2, 1, 2}));
  EXPECT_EQ(state.entries, Entries(1, {1, 2, 2}));
  EXPECT_TRUE(state.repair.empty());
  EXPECT_EQ(store.LastIndex(), 3u);
}

// Ref: Raft paper §5.3: a follower deletes a conflicting entry and all that
// follow it.
TEST(RaftLogStoreTest, AConflictingAppendTruncatesTheStoredSuffix) {
  core::engine::MemEngine engine;
  RaftLogStore store(ThreeVoters(), Recover(engine));
  Persist(store, engine, Ready{.entries = Entries(1, {1, 1, 1, 1, 1})}, true);
  Persist(store, engine,
          Ready{.hard_state = HardState{2, 0, 0}, .entries = Entries(3, {2})},
          true);
  EXPECT_EQ(Recover(engine).entries, [] {
    auto e = Entries(1, {1, 1});
    auto tail = Entries(3, {2});
    e.insert(e.end(), tail.begin(), tail.end());
    return e;
  }());
}

TEST(RaftLogStoreTest, DurableViewLagsUntilTheSync) {
  core::engine::MemEngine engine;
  RaftLogStore store(ThreeVoters(), Recover(engine));
  Persist(
      store, engine,
      Ready{.hard_state = HardState{1, 1, 0}, .entries = Entries(1, {1, 1, 1})},
      true);
  StagedWrite staged;
  store.Stage(
      Ready{.hard_state = HardState{2, 2, 1}, .entries = Entries(2, {2})},
      &staged);
  EXPECT_TRUE(store.HasUndurable());
  EXPECT_EQ(store.durable_hard_state(), (HardState{1, 1, 0}));
  EXPECT_EQ(store.DurableView(1).entries, Entries(1, {1, 1, 1}));
  EXPECT_EQ(store.DurableView(3).first_index, 3u);
  EXPECT_EQ(store.DurableView(3).entries, Entries(3, {1}));
  EXPECT_EQ(store.LastIndex(), 2u) << "the mirror has the staged log";
  store.MarkDurable();
  EXPECT_EQ(store.durable_hard_state(), (HardState{2, 2, 1}));
  EXPECT_EQ(store.DurableView(1).entries.size(), 2u);
}

// A torn batch kept entry 3 of a new term but lost entry 2 and the delete
// of the stale tail: recovery keeps only the consistent prefix.
TEST(RaftLogStoreTest, RecoveryDropsHolesAndBrokenChains) {
  core::engine::MemEngine engine;
  RaftLogStore store(ThreeVoters(), Recover(engine));
  Persist(store, engine,
          Ready{.hard_state = HardState{1, 1, 1},
                .entries = Entries(1, {1, 1, 1, 1})},
          true);
  RaftLogStore rewritten(ThreeVoters(), Recover(engine));
  StagedWrite staged;
  rewritten.Stage(Ready{.entries = Entries(2, {2, 2})}, &staged);
  const auto& ops = staged.entries.ops();
  core::env::WriteBatch torn;  // only the put of entry 3 survived
  torn.Put(ops[1].cf, ops[1].key, ops[1].value);
  ASSERT_TRUE(engine.Write(torn, {.sync = true}).ok());
  RecoveredRaftState state = Recover(engine);
  EXPECT_EQ(state.entries, Entries(1, {1, 1})) << "entry 3 sits on a stale 2";
  ASSERT_EQ(state.repairs.size(), 1u);
  EXPECT_EQ(state.repairs[0], "discarded the log from index 3");
  ASSERT_TRUE(engine.Write(state.repair, {.sync = true}).ok());
  EXPECT_TRUE(Recover(engine).repair.empty()) << "repairs are idempotent";
}

TEST(RaftLogStoreTest, RecoveryRaisesTheTermAndClampsTheCommit) {
  core::engine::MemEngine engine;
  RaftLogStore store(ThreeVoters(), Recover(engine));
  Persist(
      store, engine,
      Ready{.hard_state = HardState{1, 3, 9}, .entries = Entries(1, {1, 3})},
      true);
  RecoveredRaftState state = Recover(engine);
  EXPECT_EQ(state.hard_state, (HardState{3, core::raft::kNone, 2}));
  EXPECT_EQ(state.repairs.size(), 2u);
}

TEST(RaftLogStoreTest, CorruptionIsDataLoss) {
  core::engine::MemEngine engine;
  RaftLogStore store(ThreeVoters(), Recover(engine));
  Persist(store, engine, Ready{.entries = Entries(1, {1, 1})}, true);
  ASSERT_TRUE(engine.CorruptValue(Cf::kRaft, EntryKey(2)));
  auto state = RecoverRaftState(engine);
  ASSERT_FALSE(state.ok());
  EXPECT_EQ(state.status().code(), absl::StatusCode::kDataLoss);
}

// Model of a follower's log: appends only above the commit index, with
// non-decreasing terms; each Ready is one batch, synced or not. After a
// crash (losing a suffix of unsynced batches), recovery must give a
// consistent log whose entries each come from the log just before or just
// after the first lost batch, and must keep the synced committed prefix.
RC_GTEST_PROP_N(RaftLogStoreProperty, CrashRecoveryKeepsWhatWasSynced, 60, 40,
                ()) {
  core::base::Prng prng(*rc::gen::arbitrary<uint64_t>());
  core::engine::MemEngine engine;
  RaftLogStore store(ThreeVoters(), Recover(engine));
  std::vector<std::vector<Entry>> logs = {{}};  // after each batch
  HardState hs;
  std::vector<Entry> log, synced_log;
  HardState synced_hs;
  const int steps = *rc::gen::inRange(1, 25);
  for (int step = 0; step < steps; ++step) {
    Ready ready;
    if (prng.OneIn(3)) hs.term += 1;
    const Index first =
        hs.commit + 1 + prng.Uniform(log.size() - hs.commit + 1);
    std::vector<Term> terms(1 + prng.Uniform(3), hs.term == 0 ? 1 : hs.term);
    hs.term = std::max<Term>(hs.term, 1);
    ready.entries = Entries(first, terms);
    log.resize(first - 1);
    log.insert(log.end(), ready.entries.begin(), ready.entries.end());
    hs.commit += prng.Uniform(log.size() - hs.commit + 1);
    ready.hard_state = hs;
    const bool sync = prng.OneIn(2);
    const int batches = Persist(store, engine, ready, sync);
    for (int b = 0; b < batches; ++b) logs.push_back(log);
    if (sync) {
      synced_log = log;
      synced_hs = hs;
    }
    RC_ASSERT(store.DurableView(1).entries == synced_log);
    RC_ASSERT(store.durable_hard_state() == synced_hs);
  }
  const size_t unsynced = engine.unsynced_batch_count();
  const auto report = engine.SimulateCrash(prng);
  RecoveredRaftState state = Recover(engine);
  const size_t kept = logs.size() - 1 - unsynced + report.surviving_batches;
  const std::vector<Entry>& before = logs[kept];
  const std::vector<Entry>& after = logs[std::min(kept + 1, logs.size() - 1)];
  for (const Entry& e : state.entries) {
    const bool from_before =
        e.index <= before.size() && before[e.index - 1] == e;
    const bool from_after = e.index <= after.size() && after[e.index - 1] == e;
    RC_ASSERT(from_before || from_after);
  }
  RC_ASSERT(state.hard_state.term >= synced_hs.term);
  RC_ASSERT(state.hard_state.commit >= synced_hs.commit);
  RC_ASSERT(state.entries.size() >= synced_hs.commit);
  for (Index i = 1; i <= synced_hs.commit; ++i) {
    RC_ASSERT(state.entries[i - 1] == synced_log[i - 1]);
  }
  RC_ASSERT(state.hard_state.commit <= state.entries.size());
  // The recovered commit index covers only entries that were committed:
  // they never change, so the last log agrees with them.
  for (Index i = 1; i <= state.hard_state.commit; ++i) {
    RC_ASSERT(state.entries[i - 1] == log[i - 1]);
  }
  ASSERT_TRUE(engine.Write(state.repair, {.sync = true}).ok());
  RC_ASSERT(Recover(engine).repair.empty());
}

}  // namespace
}  // namespace sim::register_kv
