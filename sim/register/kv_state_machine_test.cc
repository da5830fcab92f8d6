// KvStateMachine over MemEngine: put, compare-and-swap and reads; duplicates
// are answered from the client's session (Ref: Raft thesis §6.3); snapshot
// data round-trips; and the property: however crashes interrupt application
// (losing a suffix of unsynced batches), re-applying the log from the
// recovered applied index gives exactly the state and the outcomes of
// applying it once without crashes. ApplyAll plays the peer's part: each
// entry's effects and its applied index in one batch.
#include "sim/register/kv_state_machine.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <map>

#include "core/base/check.h"
#include "core/base/prng.h"
#include "core/base/testing/rapidcheck_gtest.h"
#include "core/engine/mem_engine.h"

namespace sim::register_kv {
namespace {

using core::raft::Entry;
using core::raft::Index;

Entry Make(Index index, const Command& command) {
  return Entry{.term = 1, .index = index, .data = EncodeCommand(command)};
}

Command Put(uint64_t client, uint64_t seq, std::string key, int64_t value) {
  return Command{CommandKind::kPut, client, seq, std::move(key), value, 0};
}

Command Cas(uint64_t client, uint64_t seq, std::string key, int64_t expected,
            int64_t value) {
  return Command{CommandKind::kCas, client, seq,
                 std::move(key),    value,  expected};
}

constexpr char kAppliedKey[] = "applied";

absl::Status TryApplyAll(KvStateMachine& sm, core::env::Engine& engine,
                         const std::vector<Entry>& entries,
                         std::vector<AppliedCommand>* results) {
  sm.set_on_applied([results](const std::vector<AppliedCommand>& applied) {
    results->insert(results->end(), applied.begin(), applied.end());
  });
  for (const Entry& entry : entries) {
    core::env::WriteBatch batch;
    if (!entry.data.empty()) {
      if (absl::Status s = sm.ApplyEntry(entry, &batch); !s.ok()) return s;
    }
    batch.Put(core::env::Cf::kRaft, kAppliedKey, std::to_string(entry.index));
    if (absl::Status s = engine.Write(batch, {}); !s.ok()) return s;
  }
  if (!entries.empty()) sm.AfterApply(entries.back().index);
  return absl::OkStatus();
}

std::vector<AppliedCommand> ApplyAll(KvStateMachine& sm,
                                     core::env::Engine& engine,
                                     const std::vector<Entry>& entries) {
  std::vector<AppliedCommand> results;
  absl::Status s = TryApplyAll(sm, engine, entries, &results);
  CHECK(s.ok()) << s;
  return results;
}

Index AppliedIndex(core::env::Engine& engine) {
  auto raw = engine.Get(core::env::Cf::kRaft, kAppliedKey);
  CHECK(raw.ok());
  return raw->has_value() ? std::stoull(**raw) : 0;
}

TEST(KvStateMachineTest, PutCasAndRead) {
  core::engine::MemEngine engine;
  KvStateMachine sm(engine);
  EXPECT_EQ(*sm.Read("x"), std::nullopt);
  auto results =
      ApplyAll(sm, engine,
               {Make(1, Cas(1, 1, "x", 0, 5)), Make(2, Put(1, 2, "x", 3)),
                Entry{.term = 1, .index = 3}, Make(4, Cas(2, 1, "x", 3, 4))});
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].outcome, Outcome::kCasFailed) << "absent key";
  EXPECT_EQ(results[1].outcome, Outcome::kOk);
  EXPECT_EQ(results[2].outcome, Outcome::kOk);
  EXPECT_EQ(results[2].index, 4u);
  EXPECT_EQ(*sm.Read("x"), std::optional<int64_t>(4));
}

TEST(KvStateMachineTest, SnapshotDataReplacesTheWholeState) {
  core::engine::MemEngine source_engine, target_engine;
  KvStateMachine source(source_engine), target(target_engine);
  ApplyAll(source, source_engine,
           {Make(1, Put(1, 1, "x", 7)), Make(2, Put(2, 1, "y", 8))});
  ApplyAll(target, target_engine, {Make(1, Put(3, 1, "z", 9))});
  core::raft::Snapshot snapshot;
  snapshot.metadata.index = 2;
  snapshot.data = *source.SnapshotData();
  core::env::WriteBatch batch;
  ASSERT_TRUE(target.ApplySnapshot(snapshot, &batch).ok());
  ASSERT_TRUE(target_engine.Write(batch, {}).ok());
  EXPECT_EQ(*KvStateMachine::Contents(target_engine),
            *KvStateMachine::Contents(source_engine));
  EXPECT_EQ(*target.Read("z"), std::nullopt) << "the old state is gone";
  snapshot.data = std::string("\x05") + "abc";  // a length past the end
  EXPECT_EQ(target.ApplySnapshot(snapshot, &batch).code(),
            absl::StatusCode::kDataLoss);
}

// Ref: Raft thesis §6.3: a retried request is not applied twice; its
// outcome comes from the session.
TEST(KvStateMachineTest, DuplicatesAreAnsweredFromTheSession) {
  core::engine::MemEngine engine;
  KvStateMachine sm(engine);
  ApplyAll(sm, engine, {Make(1, Put(1, 1, "x", 1))});
  auto results =
      ApplyAll(sm, engine,
               {Make(2, Cas(1, 2, "x", 1, 2)), Make(3, Put(2, 1, "x", 1)),
                Make(4, Cas(1, 2, "x", 1, 2)), Make(5, Put(1, 1, "x", 9))});
  ASSERT_EQ(results.size(), 3u) << "seq 1 of client 1 is stale: no answer";
  EXPECT_EQ(results[2].outcome, Outcome::kOk) << "cached, not re-executed";
  EXPECT_EQ(results[2].index, 4u);
  EXPECT_EQ(*sm.Read("x"), std::optional<int64_t>(1));
}

TEST(KvStateMachineTest, UndecodableEntryIsDataLoss) {
  core::engine::MemEngine engine;
  KvStateMachine sm(engine);
  std::vector<AppliedCommand> results;
  absl::Status s = TryApplyAll(
      sm, engine, {Entry{.term = 1, .index = 1, .data = "garbage"}}, &results);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
}

// Random commands over few keys and clients (with retried duplicates),
// applied in random chunks with random syncs and crashes.
RC_GTEST_PROP_N(KvStateMachineProperty, CrashesNeverChangeStateOrOutcomes, 80,
                50, ()) {
  core::base::Prng prng(*rc::gen::arbitrary<uint64_t>());
  std::vector<Entry> log;
  std::map<uint64_t, uint64_t> next_seq;
  const int n = *rc::gen::inRange(1, 60);
  for (int i = 0; i < n; ++i) {
    const uint64_t client = 1 + prng.Uniform(3);
    uint64_t& seq = next_seq[client];
    if (seq == 0 || !prng.OneIn(4)) ++seq;  // else: a retry of the same seq
    const std::string key = prng.OneIn(2) ? "a" : "b";
    const Command c = prng.OneIn(2)
                          ? Put(client, seq, key, prng.UniformInRange(0, 3))
                          : Cas(client, seq, key, prng.UniformInRange(0, 3),
                                prng.UniformInRange(0, 3));
    log.push_back(prng.OneIn(8) ? Entry{.term = 1, .index = log.size() + 1}
                                : Make(log.size() + 1, c));
  }
  core::engine::MemEngine reference_engine;
  KvStateMachine reference(reference_engine);
  std::map<std::pair<uint64_t, uint64_t>, Outcome> expected;
  for (const AppliedCommand& r : ApplyAll(reference, reference_engine, log)) {
    expected.emplace(std::make_pair(r.client, r.seq), r.outcome);
  }

  core::engine::MemEngine engine;
  Index applied = 0;
  while (applied < log.size()) {
    KvStateMachine sm(engine);
    const Index upto = applied + 1 + prng.Uniform(log.size() - applied);
    std::vector<Entry> chunk(log.begin() + applied, log.begin() + upto);
    for (const AppliedCommand& r : ApplyAll(sm, engine, chunk)) {
      auto it = expected.find({r.client, r.seq});
      RC_ASSERT(it != expected.end());
      RC_ASSERT(it->second == r.outcome);
    }
    if (prng.OneIn(3)) RC_ASSERT(engine.Sync().ok());
    if (prng.OneIn(2)) {
      engine.SimulateCrash(prng);
      const Index recovered = AppliedIndex(engine);
      RC_ASSERT(recovered <= upto);
      applied = recovered;
    } else {
      applied = upto;
    }
  }
  RC_ASSERT(*KvStateMachine::Contents(engine) ==
            *KvStateMachine::Contents(reference_engine));
}

}  // namespace
}  // namespace sim::register_kv
