// Example tests for what only MemEngine has: version collection (snapshots
// and the synced point pin versions), the corruption hooks and injected
// write/sync faults. The env::Engine contract itself is checked on MemEngine
// and RocksEngine alike by //tests/engine:engine_conformance_test; crash
// behaviour is in mem_engine_crash_test.cc, the model-based properties in
// mem_engine_property_test.cc.
#include "core/engine/mem_engine.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace core::engine {
namespace {

using env::Cf;

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

// Live keys of `cf` in `snapshot`.
size_t CountKeys(const env::Snapshot& snapshot, Cf cf) {
  size_t keys = 0;
  auto it = snapshot.NewIterator(cf, {});
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++keys;
  EXPECT_TRUE(it->status().ok()) << it->status();
  return keys;
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
  EXPECT_EQ(CountKeys(*engine.NewSnapshot(), Cf::kDefault), 2u * kKeys);
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
