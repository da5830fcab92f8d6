// Raft log GC on a three-store cluster: under a write load every replica's
// log stays bounded (the leader proposes CompactLog once every peer passed
// an index, each replica compacts at apply); a follower that was down past
// the compaction catches up by snapshot; past the count limit the leader
// compacts to its applied index even while a follower lags. Ref: TiKV
// tests/integrations/raftstore/test_compact_log.rs (test_compact_log,
// test_compact_count_limit), PeerFsm::on_raft_gc_log_tick.
#include <gtest/gtest.h>

#include <string>

#include "tests/raftstore/cluster.h"

namespace store::raftstore::testing {
namespace {

struct LogShape {
  core::raft::Index truncated = 0;
  core::raft::Index last = 0;
};

LogShape LogOf(Cluster& cluster, uint64_t store_id) {
  const PeerFsm* peer = cluster.store(store_id)->FindPeer(kFirstRegionId);
  const store::PeerStorage& storage = peer->raft_peer().storage();
  return {storage.apply_state().truncated_index, storage.LastIndex()};
}

std::string Key(int i) { return "key" + std::to_string(i); }

void PutMany(Cluster& cluster, int from, int to) {
  for (int i = from; i < to; ++i) {
    auto answer = cluster.MustPut(Key(i), "v" + std::to_string(i));
    ASSERT_FALSE(answer.header().has_error()) << ErrorOf(answer);
  }
}

ClusterOptions GcOptions() {
  ClusterOptions options;
  options.raft_log_gc = {.tick_interval_ticks = 5,
                         .threshold = 20,
                         .count_limit = 1000,
                         .size_limit_bytes = 1 << 20};
  return options;
}

TEST(RaftLogGcTest, TheLogStaysBoundedUnderAWriteLoad) {
  Cluster cluster(GcOptions());
  cluster.BootstrapFirstRegion({1, 2, 3});
  cluster.StartAll();
  ASSERT_NE(cluster.WaitForLeader(kFirstRegionId), 0u);
  PutMany(cluster, 0, 400);
  cluster.RunFor(Duration::Seconds(1));
  for (uint64_t id : cluster.store_ids()) {
    const LogShape log = LogOf(cluster, id);
    EXPECT_GT(log.truncated, 300u) << "store " << id;
    // Bounded by the threshold plus what one GC interval writes.
    EXPECT_LT(log.last - log.truncated, 100u) << "store " << id;
    EXPECT_EQ(cluster.Get(id, Key(399)), "v399") << "store " << id;
  }
}

TEST(RaftLogGcTest, AFollowerDownPastTheCompactionCatchesUpBySnapshot) {
  ClusterOptions options = GcOptions();
  // Past 100 applied entries the leader compacts without waiting for the
  // follower that is down.
  options.raft_log_gc.count_limit = 100;
  Cluster cluster(options);
  cluster.BootstrapFirstRegion({1, 2, 3});
  cluster.StartAll();
  const uint64_t leader = cluster.WaitForLeader(kFirstRegionId);
  ASSERT_NE(leader, 0u);
  PutMany(cluster, 0, 10);
  const uint64_t down = leader == 3 ? 2 : 3;
  ASSERT_TRUE(
      cluster.RunUntil([&] { return cluster.Get(down, Key(9)).has_value(); }));
  const core::raft::Index down_last = LogOf(cluster, down).last;
  cluster.Crash(down);
  PutMany(cluster, 10, 400);
  ASSERT_TRUE(cluster.RunUntil([&] {
    const uint64_t now = cluster.LeaderStore(kFirstRegionId);
    return now != 0 && LogOf(cluster, now).truncated > down_last + 1;
  }));
  cluster.Restart(down);
  ASSERT_TRUE(
      cluster.RunUntil([&] { return cluster.Get(down, Key(399)) == "v399"; }));
  EXPECT_EQ(cluster.Get(down, Key(200)), "v200");
  // It holds no log from before its crash: it was replaced by a snapshot.
  EXPECT_GT(LogOf(cluster, down).truncated, down_last);
}

}  // namespace
}  // namespace store::raftstore::testing
