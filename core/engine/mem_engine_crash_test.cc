// Crash semantics of MemEngine (the durability contract of core/env/engine.h):
//   SyncedBatchesSurviveCrash: a batch acknowledged as synced (a Write with
//     sync = true, or any Write before a successful Sync) survives a crash.
//   CrashKeepsBatchPrefix: after a crash the state equals the state after some
//     prefix of whole batches; batches are never reordered nor torn.
// The property test checks both by brute force over the model states of every
// prefix, independently of what SimulateCrash reports.
// Ref: leveldb db/fault_injection_test.cc; TigerBeetle src/testing/storage.zig.
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "core/base/check.h"
#include "core/base/testing/rapidcheck_gtest.h"
#include "core/engine/engine_generators.h"
#include "core/engine/engine_model.h"
#include "core/engine/mem_engine.h"
#include "core/engine/mem_engine_properties.h"

namespace core::engine {
namespace {

using env::Cf;
using testing::EngineModel;

using testing::Capture;

RC_GTEST_PROP_N(MemEngineCrashProperty, CrashKeepsSyncedBatchesAndAPrefix, 120,
                100, ()) {
  testing::PropertyCrashKeepsSyncedPrefix();
}

// The crash hook really loses data, and only whole batches: over many seeds,
// a run with five unsynced four-op batches sees every batch kept and none
// kept, and always a multiple of four keys (no batch torn).
TEST(MemEngineCrashTest, CrashOutcomesVaryWithTheSeedButBatchesStayWhole) {
  std::set<size_t> survivors;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    MemEngine engine;
    for (int i = 0; i < 5; ++i) {
      env::WriteBatch batch;
      for (int op = 0; op < 4; ++op) {
        batch.Put(Cf::kDefault, "k" + std::to_string(i * 4 + op), "v");
      }
      ASSERT_TRUE(engine.Write(batch, {}).ok());
    }
    base::Prng prng(seed);
    const CrashReport report = engine.SimulateCrash(prng);
    survivors.insert(report.surviving_batches);
    // Exactly the keys of the kept batches: k0 .. k(4 * kept - 1).
    const EngineModel after = Capture(engine);
    ASSERT_EQ(after.table(Cf::kDefault).size(), report.surviving_batches * 4);
    for (size_t key = 0; key < report.surviving_batches * 4; ++key) {
      EXPECT_TRUE(after.Get(Cf::kDefault, "k" + std::to_string(key)));
    }
  }
  EXPECT_EQ(survivors, (std::set<size_t>{0, 1, 2, 3, 4, 5}));
}

TEST(MemEngineCrashTest, SameSeedSameOutcome) {
  auto run = [](uint64_t seed) {
    MemEngine engine;
    for (int i = 0; i < 8; ++i) {
      env::WriteBatch batch;
      batch.Put(Cf::kLock, std::to_string(i), "v");
      batch.Put(Cf::kWrite, std::to_string(i), "w");
      EXPECT_TRUE(engine.Write(batch, {}).ok());
    }
    base::Prng prng(seed);
    engine.SimulateCrash(prng);
    return Capture(engine);
  };
  EXPECT_EQ(run(5), run(5));
}

TEST(MemEngineCrashTest, SyncedWritesSurviveAndUnsyncedMayNot) {
  MemEngine engine;
  env::WriteBatch first;
  first.Put(Cf::kRaft, "hard_state", "term=3");
  ASSERT_TRUE(engine.Write(first, {.sync = true}).ok());
  env::WriteBatch second;
  second.Put(Cf::kRaft, "entry", "1");
  ASSERT_TRUE(engine.Write(second, {}).ok());
  ASSERT_TRUE(engine.Sync().ok());
  env::WriteBatch third;
  third.Put(Cf::kRaft, "hard_state", "term=4");
  third.Put(Cf::kRaft, "unsynced", "x");
  ASSERT_TRUE(engine.Write(third, {}).ok());

  base::Prng prng(0);
  // Find a seed that drops the unsynced batch (about half of them do).
  bool lost_once = false;
  for (int attempt = 0; attempt < 64 && !lost_once; ++attempt) {
    MemEngine copy;
    ASSERT_TRUE(copy.Write(first, {.sync = true}).ok());
    ASSERT_TRUE(copy.Write(second, {.sync = true}).ok());
    ASSERT_TRUE(copy.Write(third, {}).ok());
    const CrashReport report = copy.SimulateCrash(prng);
    EXPECT_EQ(*copy.Get(Cf::kRaft, "entry"), "1");
    if (report.surviving_batches == 0) {
      lost_once = true;
      EXPECT_EQ(*copy.Get(Cf::kRaft, "hard_state"), "term=3");
      EXPECT_EQ(*copy.Get(Cf::kRaft, "unsynced"), std::nullopt);
    }
  }
  EXPECT_TRUE(lost_once);
  engine.SimulateCrash(prng);
  EXPECT_EQ(*engine.Get(Cf::kRaft, "entry"), "1");
}

TEST(MemEngineCrashTest, SnapshotTakenBeforeACrashStillShowsItsState) {
  base::Prng prng(1);
  // Retry seeds until the unsynced write is lost (about half of them).
  for (int attempt = 0; attempt < 64; ++attempt) {
    MemEngine engine;
    env::WriteBatch batch;
    batch.Put(Cf::kDefault, "k", "unsynced");
    ASSERT_TRUE(engine.Write(batch, {}).ok());
    auto before = engine.NewSnapshot();
    if (engine.SimulateCrash(prng).surviving_batches != 0) continue;
    EXPECT_EQ(*engine.Get(Cf::kDefault, "k"), std::nullopt);
    EXPECT_EQ(*before->Get(Cf::kDefault, "k"), "unsynced");
    return;
  }
  FAIL() << "no seed lost the unsynced write";
}

TEST(MemEngineCrashTest, SyncedCorruptionSurvivesTheCrash) {
  MemEngine engine;
  env::WriteBatch batch;
  batch.Put(Cf::kWrite, "k", "v");
  ASSERT_TRUE(engine.Write(batch, {.sync = true}).ok());
  ASSERT_TRUE(engine.CorruptValue(Cf::kWrite, "k"));
  base::Prng prng(3);
  engine.SimulateCrash(prng);
  EXPECT_EQ(engine.Get(Cf::kWrite, "k").status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(MemEngineCrashTest, BatchWhoseSyncFailedIsNotDurable) {
  ScriptedFaultInjector faults;
  MemEngine engine(MemEngineOptions{.fault_injector = &faults});
  env::WriteBatch batch;
  batch.Put(Cf::kDefault, "k", "v");
  faults.FailNextSync(IoError("fsync"));
  ASSERT_FALSE(engine.Write(batch, {.sync = true}).ok());
  EXPECT_EQ(engine.unsynced_batch_count(), 1u);
  base::Prng prng(11);
  const CrashReport report = engine.SimulateCrash(prng);
  EXPECT_EQ(report.unsynced_batches, 1u);
  EXPECT_EQ(engine.Get(Cf::kDefault, "k")->has_value(),
            report.surviving_batches == 1);
}

}  // namespace
}  // namespace core::engine
