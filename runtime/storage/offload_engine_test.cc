// OffloadEngine on RocksDB: synced writes and Sync run on the pool while
// the loop keeps running other fibres; a fibre killed while its write is on
// the pool leaves the engine consistent. (The Engine contract itself is
// //tests/engine's conformance suite; the env suite runs through this
// wrapper too.)
#include "runtime/storage/offload_engine.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "runtime/storage/rocks_engine.h"
#include "runtime/storage/scratch_dir.h"

namespace runtime::storage {
namespace {

using core::env::Cf;
using core::env::WriteBatch;

std::shared_ptr<core::env::Engine> OpenRocks(const ScratchDir& dir) {
  auto rocks = RocksEngine::Open(dir.path() + "/db", {});
  EXPECT_TRUE(rocks.ok()) << rocks.status();
  return std::shared_ptr<core::env::Engine>(*std::move(rocks));
}

TEST(OffloadEngineTest, SyncedWritesLeaveTheLoopRunning) {
  ScratchDir dir("offload");
  EpollLoop loop;
  OffloadEngine engine(loop, OpenRocks(dir));
  int yields = 0;
  bool writes_done = false;
  loop.Spawn("ticker", [&] {
    while (!writes_done) {
      loop.Yield();
      ++yields;
    }
  });
  loop.Spawn("writer", [&] {
    for (int i = 0; i < 50; ++i) {
      WriteBatch batch;
      batch.Put(Cf::kRaft, "k" + std::to_string(i), std::string(4096, 'v'));
      ASSERT_TRUE(engine.Write(batch, {.sync = true}).ok());
    }
    EXPECT_TRUE(engine.Sync().ok());
    EXPECT_EQ(engine.Get(Cf::kRaft, "k49").value(), std::string(4096, 'v'));
    auto size = engine.ApproximateSize(Cf::kRaft, "", "");
    ASSERT_TRUE(size.ok());
    EXPECT_GE(size->keys, 25u);
    writes_done = true;
    loop.Stop();
  });
  loop.Run();
  EXPECT_TRUE(writes_done);
  EXPECT_EQ(engine.offloaded_calls(), 52u);
  // The ticker ran while every fsync was on the pool.
  EXPECT_GE(yields, 50);
  loop.Shutdown();
}

TEST(OffloadEngineTest, UnsyncedWritesRunInline) {
  ScratchDir dir("offload_inline");
  EpollLoop loop;
  OffloadEngine engine(loop, OpenRocks(dir));
  loop.Spawn("writer", [&] {
    WriteBatch batch;
    batch.Put(Cf::kDefault, "a", "1");
    EXPECT_TRUE(engine.Write(batch, {.sync = false}).ok());
    EXPECT_EQ(engine.NewSnapshot()->Get(Cf::kDefault, "a").value(), "1");
    loop.Stop();
  });
  loop.Run();
  EXPECT_EQ(engine.offloaded_calls(), 0u);
  loop.Shutdown();
}

TEST(OffloadEngineTest, AFibreKilledMidWriteLeavesTheBatchWholeOrAbsent) {
  ScratchDir dir("offload_kill");
  std::shared_ptr<core::env::Engine> rocks = OpenRocks(dir);
  {
    EpollLoop loop;
    OffloadEngine engine(loop, rocks);
    loop.Spawn("writer", [&] {
      WriteBatch batch;  // Destroyed by the kill; the pool has a copy.
      for (int i = 0; i < 100; ++i) {
        batch.Put(Cf::kDefault, "k" + std::to_string(i), "v");
      }
      engine.Write(batch, {.sync = true}).IgnoreError();
      ADD_FAILURE() << "resumed after Shutdown";
    });
    loop.Spawn("stopper", [&] { loop.Stop(); });
    loop.Run();
    loop.Shutdown();  // Kills the writer while its write may be on the pool.
  }                   // The engine joins its pool first.
  const bool first = rocks->Get(Cf::kDefault, "k0").value().has_value();
  const bool last = rocks->Get(Cf::kDefault, "k99").value().has_value();
  EXPECT_EQ(first, last) << "a batch is atomic";
}

}  // namespace
}  // namespace runtime::storage
