// SimDisk: a fault window fails writes (EIO or ENOSPC, nothing applied)
// and syncs until it ends; a sync costs the syncing fibre at least the
// minimum latency, an unsynced write nothing; a corrupted value reads as
// kDataLoss, never as wrong bytes, and a disk is corrupted at most once.
#include "sim/host/sim_disk.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace sim {
namespace {

using core::base::Duration;
using core::base::Instant;
using core::env::Cf;
using core::env::WriteBatch;

WriteBatch Batch(const std::string& key) {
  WriteBatch batch;
  batch.Put(Cf::kDefault, key, "v");
  return batch;
}

struct Fixture {
  Fixture() : loop(SimLoopOptions{}), owner(loop.AddProcess({})) {}
  ~Fixture() { loop.Shutdown(); }
  SimLoop loop;
  ProcessId owner;
};

TEST(SimDiskTest, AFaultWindowFailsWritesAndSyncsUntilItEnds) {
  Fixture f;
  SimDisk disk(f.loop, f.owner, 1, SimDiskOptions{});
  disk.OpenFaultWindow(f.loop.Now() + Duration::Seconds(1), 1.0);
  const absl::Status write = disk.Write(Batch("a"), {});
  // EIO or ENOSPC.
  EXPECT_TRUE(absl::IsInternal(write) || absl::IsResourceExhausted(write))
      << write;
  EXPECT_EQ(*disk.Get(Cf::kDefault, "a"), std::nullopt) << "not applied";
  EXPECT_TRUE(absl::IsInternal(disk.Sync()));
  EXPECT_EQ(disk.stats().injected_errors, 2u);
  f.loop.RunFor(Duration::Seconds(1));
  EXPECT_TRUE(disk.Write(Batch("a"), {}).ok()) << "the window ended";
  EXPECT_TRUE(disk.Sync().ok());
}

TEST(SimDiskTest, ASyncParksTheFibreAndAnUnsyncedWriteDoesNot) {
  Fixture f;
  SimDiskOptions options;
  options.sync_latency_min = Duration::Milliseconds(2);
  options.stall_probability = 0;
  SimDisk disk(f.loop, f.owner, 1, options);
  Duration unsynced, synced;
  f.loop.Boot(f.owner, [&] {
    f.loop.executor(f.owner).Spawn("writer", [&] {
      const Instant start = f.loop.Now();
      ASSERT_TRUE(disk.Write(Batch("a"), {.sync = false}).ok());
      unsynced = f.loop.Now() - start;
      ASSERT_TRUE(disk.Write(Batch("b"), {.sync = true}).ok());
      synced = f.loop.Now() - start;
    });
    return std::make_unique<ProcessState>();
  });
  f.loop.RunFor(Duration::Seconds(1));
  EXPECT_EQ(unsynced, Duration::Zero());
  EXPECT_GE(synced, Duration::Milliseconds(2));
  EXPECT_EQ(disk.stats().syncs, 1u);
}

TEST(SimDiskTest, CorruptionReadsAsDataLossAndHappensOnce) {
  Fixture f;
  SimDisk disk(f.loop, f.owner, 1, SimDiskOptions{});
  EXPECT_FALSE(disk.CorruptRandomValue()) << "nothing stored yet";
  ASSERT_TRUE(disk.Write(Batch("a"), {.sync = true}).ok());
  EXPECT_TRUE(disk.CorruptRandomValue());
  EXPECT_TRUE(absl::IsDataLoss(disk.Get(Cf::kDefault, "a").status()));
  EXPECT_FALSE(disk.CorruptRandomValue()) << "at most once per disk";
  EXPECT_EQ(disk.stats().corruptions, 1u);
}

}  // namespace
}  // namespace sim
