// Example tests for MemEngine: the env::Engine contract (core/env/engine.h)
// case by case, version collection, corruption and injected write/sync faults.
// Crash behaviour is in mem_engine_crash_test.cc; the model-based properties
// are in mem_engine_property_test.cc.
#include "core/engine/mem_engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace core::engine {
namespace {

using env::Cf;
using ::testing::ElementsAre;
using ::testing::Pair;
using namespace std::string_literals;
using KeyValues = std::vector<std::pair<std::string, std::string>>;

std::optional<std::string> MustGet(env::Engine& engine, Cf cf,
                                   std::string_view key) {
  auto got = engine.Get(cf, key);
  EXPECT_TRUE(got.ok()) << got.status();
  return got.ok() ? *got : std::nullopt;
}

void MustWrite(env::Engine& engine, const env::WriteBatch& batch,
               bool sync = false) {
  ASSERT_TRUE(engine.Write(batch, env::WriteOptions{.sync = sync}).ok());
}

void MustPut(env::Engine& engine, Cf cf, std::string_view key,
             std::string_view value) {
  env::WriteBatch batch;
  batch.Put(cf, key, value);
  MustWrite(engine, batch);
}

KeyValues Scan(const env::Snapshot& snapshot, Cf cf,
               const env::IteratorOptions& options = {}, bool reverse = false) {
  KeyValues out;
  auto it = snapshot.NewIterator(cf, options);
  if (reverse) {
    for (it->SeekToLast(); it->Valid(); it->Prev()) {
      out.emplace_back(it->key(), it->value());
    }
  } else {
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out.emplace_back(it->key(), it->value());
    }
  }
  EXPECT_TRUE(it->status().ok()) << it->status();
  return out;
}

TEST(MemEngineTest, PutGetDeleteAreSeparatePerColumnFamily) {
  MemEngine engine;
  MustPut(engine, Cf::kDefault, "k", "default-value");
  MustPut(engine, Cf::kLock, "k", "lock-value");
  EXPECT_EQ(MustGet(engine, Cf::kDefault, "k"), "default-value");
  EXPECT_EQ(MustGet(engine, Cf::kLock, "k"), "lock-value");
  EXPECT_EQ(MustGet(engine, Cf::kWrite, "k"), std::nullopt);

  env::WriteBatch batch;
  batch.Delete(Cf::kDefault, "k");
  MustWrite(engine, batch);
  EXPECT_EQ(MustGet(engine, Cf::kDefault, "k"), std::nullopt);
  EXPECT_EQ(MustGet(engine, Cf::kLock, "k"), "lock-value");
}

TEST(MemEngineTest, EmptyKeyAndEmptyValueAreOrdinary) {
  MemEngine engine;
  MustPut(engine, Cf::kRaft, "", "");
  EXPECT_EQ(MustGet(engine, Cf::kRaft, ""), "");
  EXPECT_THAT(Scan(*engine.NewSnapshot(), Cf::kRaft),
              ElementsAre(Pair("", "")));
}

TEST(MemEngineTest, LaterOpsInABatchWin) {
  MemEngine engine;
  env::WriteBatch batch;
  batch.Put(Cf::kDefault, "a", "1");
  batch.Delete(Cf::kDefault, "a");
  batch.Delete(Cf::kDefault, "b");
  batch.Put(Cf::kDefault, "b", "2");
  batch.Put(Cf::kDefault, "c", "3");
  batch.DeleteRange(Cf::kDefault, "c", "d");
  batch.DeleteRange(Cf::kDefault, "x", "z");
  batch.Put(Cf::kDefault, "y", "4");
  MustWrite(engine, batch);
  EXPECT_THAT(Scan(*engine.NewSnapshot(), Cf::kDefault),
              ElementsAre(Pair("b", "2"), Pair("y", "4")));
}

TEST(MemEngineTest, DeleteRangeIsHalfOpenAndPerColumnFamily) {
  MemEngine engine;
  env::WriteBatch batch;
  for (std::string key : {"a"s, "b"s, "b\0"s, "c"s, "d"s}) {
    batch.Put(Cf::kWrite, key, "w");
    batch.Put(Cf::kDefault, key, "d");
  }
  MustWrite(engine, batch);
  env::WriteBatch range;
  range.DeleteRange(Cf::kWrite, "b", "d");
  MustWrite(engine, range);
  auto snapshot = engine.NewSnapshot();
  EXPECT_THAT(Scan(*snapshot, Cf::kWrite),
              ElementsAre(Pair("a", "w"), Pair("d", "w")));
  EXPECT_EQ(Scan(*snapshot, Cf::kDefault).size(), 5u);
}

TEST(MemEngineTest, SnapshotIgnoresLaterWrites) {
  MemEngine engine;
  MustPut(engine, Cf::kDefault, "a", "old");
  MustPut(engine, Cf::kDefault, "b", "old");
  MustPut(engine, Cf::kDefault, "c", "old");
  auto snapshot = engine.NewSnapshot();

  MustPut(engine, Cf::kDefault, "a", "new");
  env::WriteBatch batch;
  batch.Delete(Cf::kDefault, "b");
  batch.DeleteRange(Cf::kDefault, "c", "z");
  batch.Put(Cf::kDefault, "d", "new");
  MustWrite(engine, batch);

  EXPECT_THAT(
      Scan(*snapshot, Cf::kDefault),
      ElementsAre(Pair("a", "old"), Pair("b", "old"), Pair("c", "old")));
  EXPECT_EQ(*snapshot->Get(Cf::kDefault, "b"), "old");
  EXPECT_EQ(*snapshot->Get(Cf::kDefault, "d"), std::nullopt);
  EXPECT_THAT(Scan(*engine.NewSnapshot(), Cf::kDefault),
              ElementsAre(Pair("a", "new"), Pair("d", "new")));
}

TEST(MemEngineTest, SnapshotAndIteratorOutliveTheEngine) {
  std::shared_ptr<const env::Snapshot> snapshot;
  std::unique_ptr<env::Iterator> it;
  {
    MemEngine engine;
    MustPut(engine, Cf::kDefault, "k", "v");
    snapshot = engine.NewSnapshot();
    it = snapshot->NewIterator(Cf::kDefault, {});
  }
  snapshot.reset();
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "k");
  EXPECT_EQ(it->value(), "v");
}

TEST(MemEngineTest, IteratorRespectsBoundsInBothDirections) {
  MemEngine engine;
  env::WriteBatch batch;
  for (std::string key : {"a", "b", "c", "d", "e"}) {
    batch.Put(Cf::kDefault, key, key + "v");
  }
  MustWrite(engine, batch);
  auto snapshot = engine.NewSnapshot();
  env::IteratorOptions bounds{.lower_bound = "b", .upper_bound = "d"};
  EXPECT_THAT(Scan(*snapshot, Cf::kDefault, bounds),
              ElementsAre(Pair("b", "bv"), Pair("c", "cv")));
  EXPECT_THAT(Scan(*snapshot, Cf::kDefault, bounds, /*reverse=*/true),
              ElementsAre(Pair("c", "cv"), Pair("b", "bv")));

  auto it = snapshot->NewIterator(Cf::kDefault, bounds);
  it->Seek("a");  // Clamped up to the lower bound.
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "b");
  it->Seek("d");
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev("z");  // Clamped below the upper bound.
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "c");
  it->SeekForPrev("a");
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

TEST(MemEngineTest, SeekAndSeekForPrevFindNearestKeys) {
  MemEngine engine;
  env::WriteBatch batch;
  batch.Put(Cf::kLock, "b", "1");
  batch.Put(Cf::kLock, "d", "2");
  batch.Put(Cf::kLock, "f", "3");
  batch.Delete(Cf::kLock, "d");
  MustWrite(engine, batch);
  auto it = engine.NewSnapshot()->NewIterator(Cf::kLock, {});
  it->Seek("c");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "f");  // "d" is deleted.
  it->Prev();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "b");
  it->SeekForPrev("e");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "b");
  it->SeekForPrev("b");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "b");
  it->Next();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "f");
  it->Next();
  EXPECT_FALSE(it->Valid());
  it->Seek("g");
  EXPECT_FALSE(it->Valid());
}

TEST(MemEngineTest, OverwritesWithoutSnapshotsKeepOneVersion) {
  MemEngine engine;
  for (int i = 0; i < 1000; ++i) {
    MustPut(engine, Cf::kDefault, "hot", std::to_string(i));
  }
  EXPECT_EQ(engine.VersionCountForTest(), 1u);
  env::WriteBatch batch;
  batch.Delete(Cf::kDefault, "hot");
  MustWrite(engine, batch);
  EXPECT_EQ(engine.VersionCountForTest(), 0u);
}

TEST(MemEngineTest, SyncedPointKeepsItsVersionUntilTheNextSync) {
  MemEngine engine;
  MustPut(engine, Cf::kDefault, "k", "synced");
  ASSERT_TRUE(engine.Sync().ok());
  for (int i = 0; i < 10; ++i) MustPut(engine, Cf::kDefault, "k", "x");
  // The synced version (for a crash) and the newest one.
  EXPECT_EQ(engine.VersionCountForTest(), 2u);
  ASSERT_TRUE(engine.Sync().ok());
  MustPut(engine, Cf::kDefault, "k", "y");
  EXPECT_EQ(engine.VersionCountForTest(), 2u);
}

TEST(MemEngineTest, ReleasedSnapshotsLetVersionsBeCollected) {
  MemEngine engine;
  ASSERT_TRUE(engine.Sync().ok());
  std::vector<std::shared_ptr<const env::Snapshot>> snapshots;
  for (int i = 0; i < 5; ++i) {
    MustPut(engine, Cf::kDefault, "k", std::to_string(i));
    snapshots.push_back(engine.NewSnapshot());
  }
  EXPECT_EQ(engine.VersionCountForTest(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(*snapshots[i]->Get(Cf::kDefault, "k"), std::to_string(i));
  }
  snapshots.clear();
  MustPut(engine, Cf::kDefault, "k", "last");
  // Only the newest: the synced point predates every version of the key.
  EXPECT_EQ(engine.VersionCountForTest(), 1u);
  ASSERT_TRUE(engine.Sync().ok());
  MustPut(engine, Cf::kDefault, "k", "after-sync");
  EXPECT_EQ(engine.VersionCountForTest(), 2u);  // Newest + synced point.
}

TEST(MemEngineTest, ReleasedSnapshotGarbageIsCollectedByLaterWrites) {
  MemEngine engine;
  constexpr int kKeys = 500;
  auto write_all = [&](std::string_view prefix) {
    env::WriteBatch batch;
    for (int i = 0; i < kKeys; ++i) {
      batch.Put(Cf::kDefault, std::string(prefix) + std::to_string(i), "v");
    }
    MustWrite(engine, batch, /*sync=*/true);
  };
  write_all("k");
  auto snapshot = engine.NewSnapshot();
  write_all("k");
  EXPECT_EQ(engine.VersionCountForTest(), 2u * kKeys);
  snapshot.reset();  // Nothing needs the older versions any more...
  EXPECT_EQ(engine.VersionCountForTest(), 2u * kKeys);
  write_all("other");  // ...and the rolling cursor reclaims them.
  EXPECT_EQ(engine.VersionCountForTest(), 2u * kKeys);
  EXPECT_EQ(Scan(*engine.NewSnapshot(), Cf::kDefault).size(), 2u * kKeys);
  for (int i = 0; i < kKeys; ++i) {
    EXPECT_EQ(MustGet(engine, Cf::kDefault, "k" + std::to_string(i)), "v");
  }
}

TEST(MemEngineTest, CorruptValueIsReportedAsDataLossNeverAsBytes) {
  MemEngine engine;
  MustPut(engine, Cf::kWrite, "a", "value-a");
  MustPut(engine, Cf::kWrite, "b", "value-b");
  MustPut(engine, Cf::kWrite, "empty", "");
  ASSERT_TRUE(engine.CorruptValue(Cf::kWrite, "b"));
  ASSERT_TRUE(engine.CorruptValue(Cf::kWrite, "empty"));
  EXPECT_FALSE(engine.CorruptValue(Cf::kWrite, "missing"));

  EXPECT_EQ(MustGet(engine, Cf::kWrite, "a"), "value-a");
  EXPECT_EQ(engine.Get(Cf::kWrite, "b").status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(engine.Get(Cf::kWrite, "empty").status().code(),
            absl::StatusCode::kDataLoss);
  auto snapshot = engine.NewSnapshot();
  EXPECT_EQ(snapshot->Get(Cf::kWrite, "b").status().code(),
            absl::StatusCode::kDataLoss);

  auto it = snapshot->NewIterator(Cf::kWrite, {});
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "a");
  it->Next();
  EXPECT_FALSE(it->Valid());
  EXPECT_EQ(it->status().code(), absl::StatusCode::kDataLoss);

  // Overwriting the damaged key stores fresh, checksummed bytes.
  MustPut(engine, Cf::kWrite, "b", "fixed");
  EXPECT_EQ(MustGet(engine, Cf::kWrite, "b"), "fixed");
}

TEST(MemEngineTest, CorruptRandomValueHitsAStoredValue) {
  MemEngine engine;
  EXPECT_FALSE([&] {
    base::Prng prng(1);
    return engine.CorruptRandomValue(prng);
  }());
  MustPut(engine, Cf::kRaft, "only", "v");
  base::Prng prng(7);
  ASSERT_TRUE(engine.CorruptRandomValue(prng));
  EXPECT_EQ(engine.Get(Cf::kRaft, "only").status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(MemEngineTest, FailedWriteAppliesNothing) {
  ScriptedFaultInjector faults;
  MemEngine engine(MemEngineOptions{.fault_injector = &faults});
  faults.FailNextWrite(IoError("test"));
  faults.FailNextWrite(NoSpaceError("test"));
  env::WriteBatch batch;
  batch.Put(Cf::kDefault, "a", "1");
  batch.Put(Cf::kLock, "b", "2");
  EXPECT_EQ(engine.Write(batch, {}).code(), absl::StatusCode::kInternal);
  EXPECT_EQ(engine.Write(batch, {}).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(MustGet(engine, Cf::kDefault, "a"), std::nullopt);
  EXPECT_EQ(MustGet(engine, Cf::kLock, "b"), std::nullopt);
  EXPECT_EQ(engine.unsynced_batch_count(), 0u);
  MustWrite(engine, batch);  // The queue is used up.
  EXPECT_EQ(MustGet(engine, Cf::kLock, "b"), "2");
}

TEST(MemEngineTest, FailedSyncLeavesWritesVisibleButUnsynced) {
  ScriptedFaultInjector faults;
  MemEngine engine(MemEngineOptions{.fault_injector = &faults});
  env::WriteBatch batch;
  batch.Put(Cf::kDefault, "a", "1");
  faults.FailNextSync(IoError("fsync"));
  EXPECT_EQ(engine.Write(batch, {.sync = true}).code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(MustGet(engine, Cf::kDefault, "a"), "1");
  EXPECT_EQ(engine.unsynced_batch_count(), 1u);
  faults.FailNextSync(IoError("fsync"));
  EXPECT_EQ(engine.Sync().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(engine.unsynced_batch_count(), 1u);
  EXPECT_TRUE(engine.Sync().ok());
  EXPECT_EQ(engine.unsynced_batch_count(), 0u);
}

TEST(MemEngineTest, RandomFaultInjectorIsDeterministicPerSeed) {
  auto run = [](uint64_t seed) {
    base::Prng prng(seed);
    RandomFaultInjector faults(prng, RandomFaultOptions{.write_io_error = 0.2,
                                                        .write_no_space = 0.2,
                                                        .sync_io_error = 0.3});
    std::string outcomes;
    env::WriteBatch batch;
    for (int i = 0; i < 200; ++i) {
      outcomes += absl::StatusCodeToString(faults.BeforeWrite(batch).code());
      outcomes += absl::StatusCodeToString(faults.BeforeSync().code());
    }
    return outcomes;
  };
  const std::string first = run(42);
  EXPECT_EQ(first, run(42));
  EXPECT_NE(first, run(43));
  EXPECT_NE(first.find("INTERNAL"), std::string::npos);
  EXPECT_NE(first.find("RESOURCE_EXHAUSTED"), std::string::npos);
}

}  // namespace
}  // namespace core::engine
