// Snapshots by export/ingest on a three-store cluster: a follower that was
// down past the leader's log compaction catches up by a snapshot streamed
// in chunks, which replaces its whole range (a key deleted meanwhile is
// gone); the bytes sent are about the region's data; a crash while the
// snapshot arrives and installs leaves the old replica or the new one,
// never a mix. Ref: TiKV tests/integrations/raftstore/test_snap.rs
// (test_node_huge_snapshot: a follower isolated past the compaction gets a
// snapshot; test_server_snap_gc), components/raftstore/src/store/snap.rs.
//
// Built twice: as snapshot_test, and with SNAPSHOT_MUTANT_CHECKS as the
// target of the mutant test for MUTANT_STORE_SNAPSHOT_KEEPS_OLD_RANGE
// (which must observe the deleted key surviving).
#include <gtest/gtest.h>

#include <iostream>
#include <string>

#include "tests/raftstore/cluster.h"

namespace store::raftstore::testing {
namespace {

std::string Key(int i) { return "key" + std::to_string(i); }

ClusterOptions SnapshotOptions() {
  ClusterOptions options;
  // Past 100 applied entries the leader compacts without waiting for a
  // follower that is down.
  options.raft_log_gc = {.tick_interval_ticks = 5,
                         .threshold = 20,
                         .count_limit = 100,
                         .size_limit_bytes = 1 << 20};
  return options;
}

core::raft::Index LastIndexOf(Cluster& cluster, uint64_t store_id) {
  return cluster.store(store_id)
      ->FindPeer(kFirstRegionId)
      ->raft_peer()
      .storage()
      .LastIndex();
}

core::raft::Index TruncatedIndexOf(Cluster& cluster, uint64_t store_id) {
  return cluster.store(store_id)
      ->FindPeer(kFirstRegionId)
      ->raft_peer()
      .storage()
      .apply_state()
      .truncated_index;
}

class SnapshotTest : public ::testing::Test {
 protected:
  SnapshotTest() : cluster_(SnapshotOptions()) {}

  void SetUp() override {
    cluster_.BootstrapFirstRegion({1, 2, 3});
    cluster_.StartAll();
    leader_ = cluster_.WaitForLeader(kFirstRegionId);
    ASSERT_NE(leader_, 0u);
    down_ = leader_ == 3 ? 2 : 3;
  }

  // Writes "gone" and "stay", takes `down_` down once it has them, deletes
  // "gone" and writes `puts` values of `value_bytes` until the leader's log
  // no longer reaches back to `down_`'s, then restarts `down_`.
  void MissTheCompaction(int puts, size_t value_bytes) {
    ASSERT_FALSE(cluster_.MustPut("gone", "1").header().has_error());
    ASSERT_FALSE(cluster_.MustPut("stay", "1").header().has_error());
    ASSERT_TRUE(cluster_.RunUntil(
        [&] { return cluster_.Get(down_, "stay").has_value(); }));
    const core::raft::Index down_last = LastIndexOf(cluster_, down_);
    cluster_.Crash(down_);
    raft_cmdpb::RaftCmdRequest del =
        cluster_.Command(*cluster_.GetRegion(kFirstRegionId), leader_);
    raft_cmdpb::Request* request = del.add_requests();
    request->set_cmd_type(raft_cmdpb::Delete);
    request->mutable_delete_()->set_key("gone");
    auto deleted = cluster_.Call(leader_, del);
    ASSERT_TRUE(deleted.has_value());
    ASSERT_FALSE(deleted->header().has_error()) << ErrorOf(*deleted);
    for (int i = 0; i < puts; ++i) {
      auto answer = cluster_.MustPut(Key(i), std::string(value_bytes, 'v'));
      ASSERT_FALSE(answer.header().has_error()) << ErrorOf(answer);
    }
    ASSERT_TRUE(cluster_.RunUntil([&] {
      const uint64_t now = cluster_.LeaderStore(kFirstRegionId);
      return now != 0 && TruncatedIndexOf(cluster_, now) > down_last + 1;
    }));
    leader_ = cluster_.LeaderStore(kFirstRegionId);
    cluster_.Restart(down_);
  }

  bool CaughtUp(int puts) {
    return cluster_.store(down_) != nullptr &&
           cluster_.Get(down_, Key(puts - 1)).has_value();
  }

  Cluster cluster_;
  uint64_t leader_ = 0;
  uint64_t down_ = 0;
};

#if !defined(SNAPSHOT_MUTANT_CHECKS)

TEST_F(SnapshotTest, AFollowerPastTheCompactionCatchesUpByASnapshot) {
  MissTheCompaction(150, 10);
  ASSERT_TRUE(cluster_.RunUntil([&] { return CaughtUp(150); }));
  EXPECT_GE(cluster_.store(leader_)->stats().snapshots_sent, 1u);
  EXPECT_GE(cluster_.store(down_)->stats().snapshots_received, 1u);
  EXPECT_EQ(cluster_.Get(down_, "stay"), "1");
  EXPECT_EQ(cluster_.Get(down_, Key(75)), std::string(10, 'v'));
  EXPECT_EQ(cluster_.Get(down_, "gone"), std::nullopt)
      << "the snapshot replaces the old range";
}

// The stream carries the region's keys and values and little else.
TEST_F(SnapshotTest, TheBytesSentAreAboutTheDataSize) {
  constexpr int kPuts = 200;
  constexpr size_t kValueBytes = 1000;
  MissTheCompaction(kPuts, kValueBytes);
  ASSERT_TRUE(cluster_.RunUntil([&] { return CaughtUp(kPuts); }));
  const StoreStats& sent = cluster_.store(leader_)->stats();
  ASSERT_GE(sent.snapshots_sent, 1u);
  const uint64_t data_per_snapshot =
      sent.snapshot_data_bytes_sent / sent.snapshots_sent;
  const uint64_t frames_per_snapshot =
      sent.snapshot_frame_bytes_sent / sent.snapshots_sent;
  // Data keys ("z" + key) and values of CF default: "stay" and the puts.
  uint64_t data_bytes = 1 + 4 + 1;
  for (int i = 0; i < kPuts; ++i) data_bytes += 1 + Key(i).size() + kValueBytes;
  std::cout << "snapshot: " << sent.snapshots_sent << " sent, "
            << data_per_snapshot << " data bytes and " << frames_per_snapshot
            << " frame bytes each, region data " << data_bytes << " bytes\n";
  // The snapshot is made at a compaction: the last few puts may follow it
  // by log.
  EXPECT_LE(data_per_snapshot, data_bytes);
  EXPECT_GE(data_per_snapshot, data_bytes - data_bytes / 10);
  // Chunk headers, checksums and the one envelope: under 5%.
  EXPECT_GE(frames_per_snapshot, data_per_snapshot);
  EXPECT_LE(frames_per_snapshot, data_per_snapshot + data_per_snapshot / 20);
}

// A crash at any moment while the snapshot arrives and installs leaves the
// old replica (it still has "gone", none of the new keys) or the new one
// (no "gone", the snapshot's keys, maybe later ones by log); after the
// restart it catches up either way.
TEST_F(SnapshotTest, ACrashDuringTheSnapshotLeavesTheOldOrTheNewReplica) {
  MissTheCompaction(150, 10);
  int saw_old = 0, saw_new = 0;
  // Later and later crashes: the first ones come before the snapshot is
  // installed, the last ones after.
  for (int step = 1; step <= 16; ++step) {
    cluster_.RunFor(Duration::Milliseconds(10 * step));
    cluster_.Crash(down_);
    const bool gone = !cluster_.Get(down_, "gone").has_value();
    // The puts were sequential: any state a replica passed through holds a
    // prefix of them.
    int prefix = 0;
    while (prefix < 150 && cluster_.Get(down_, Key(prefix))) ++prefix;
    for (int i = prefix; i < 150; ++i) {
      EXPECT_FALSE(cluster_.Get(down_, Key(i)).has_value())
          << "a mix after a crash at step " << step;
    }
    if (gone) {
      EXPECT_GT(prefix, 0) << "a mix after a crash at step " << step;
      ++saw_new;
    } else {
      EXPECT_EQ(prefix, 0) << "a mix after a crash at step " << step;
      ++saw_old;
    }
    cluster_.Restart(down_);
  }
  std::cout << "crash points: " << saw_old << " old, " << saw_new << " new\n";
  EXPECT_GT(saw_old, 0);
  EXPECT_GT(saw_new, 0);
  ASSERT_TRUE(cluster_.RunUntil([&] { return CaughtUp(150); }));
  EXPECT_EQ(cluster_.Get(down_, "gone"), std::nullopt);
}

#else  // SNAPSHOT_MUTANT_CHECKS

// Passes iff the mutant is caught: the deleted key survives the snapshot.
TEST_F(SnapshotTest, TheOldRangeSurvivesTheSnapshot) {
  MissTheCompaction(150, 10);
  ASSERT_TRUE(cluster_.RunUntil([&] { return CaughtUp(150); }));
  EXPECT_EQ(cluster_.Get(down_, "gone"), "1");
}

#endif

}  // namespace
}  // namespace store::raftstore::testing
