// Hibernate regions on a three-store cluster: idle regions stop ticking
// (the leader asks, every follower agrees), so 1,000 idle regions cost
// near-zero ticks and Ready rounds over a simulated minute; a write wakes
// its region and is applied everywhere; a follower whose leader died while
// the group slept wakes after its timeout and a new leader is elected.
// Ref: TiKV tests/integrations/raftstore/test_hibernate.rs
// (test_proposal_prevent_sleep, test_inconsistent_configuration),
// components/raftstore/src/store/hibernate_state.rs.
#include <gtest/gtest.h>

#include <iostream>
#include <string>
#include <vector>

#include "tests/raftstore/cluster.h"

namespace store::raftstore::testing {
namespace {

ClusterOptions HibernateCluster(int follower_wake_ticks) {
  ClusterOptions options;
  options.hibernate = {.enabled = true,
                       .idle_ticks = 10,
                       .follower_wake_ticks = follower_wake_ticks};
  return options;
}

struct Work {
  uint64_t ticks = 0;
  uint64_t ready_iterations = 0;
};

Work WorkOf(Cluster& cluster) {
  Work work;
  for (uint64_t id : cluster.store_ids()) {
    Store* store = cluster.store(id);
    if (store == nullptr) continue;
    work.ticks += store->stats().peer_ticks;
    work.ready_iterations += store->ready_loop_stats().iterations;
  }
  return work;
}

bool AllHibernated(Cluster& cluster, uint64_t region_id) {
  for (uint64_t id : cluster.store_ids()) {
    Store* store = cluster.store(id);
    if (store == nullptr) continue;
    const PeerFsm* peer = store->FindPeer(region_id);
    if (peer == nullptr || !peer->hibernated()) return false;
  }
  return true;
}

std::string RegionKey(int i) {
  std::string digits = std::to_string(i);
  return "k" + std::string(4 - digits.size(), '0') + digits;
}

TEST(HibernateTest, AThousandIdleRegionsSpendNearZeroTicks) {
  constexpr int kRegions = 1000;
  ClusterOptions options = HibernateCluster(1'000'000);
  // TiKV's 1 s base tick scaled down less than elsewhere: the simulator
  // walks every peer on each tick.
  options.tick_interval = Duration::Milliseconds(100);
  options.hibernate.idle_ticks = 5;
  Cluster cluster(options);
  cluster.BootstrapFirstRegion({1, 2, 3});
  cluster.StartAll();
  ASSERT_NE(cluster.WaitForLeader(kFirstRegionId), 0u);
  std::vector<std::string> split_keys;
  for (int i = 1; i < kRegions; ++i) split_keys.push_back(RegionKey(i));
  auto answer = cluster.Split(split_keys);
  ASSERT_FALSE(answer.header().has_error()) << ErrorOf(answer);
  ASSERT_TRUE(cluster.RunUntil(
      [&] {
        for (uint64_t id : cluster.store_ids()) {
          if (cluster.store(id)->Regions().size() != kRegions) return false;
          if (cluster.store(id)->hibernated_peer_count() != kRegions) {
            return false;
          }
        }
        return true;
      },
      Duration::Seconds(120)));
  const Work before = WorkOf(cluster);
  cluster.RunFor(Duration::Seconds(60));
  const Work after = WorkOf(cluster);
  // Awake, 3,000 peers would tick 600 times each (100 ms ticks).
  const uint64_t awake_ticks = 3ull * kRegions * 600;
  std::cout << "hibernate: " << kRegions
            << " regions, one simulated minute: " << after.ticks - before.ticks
            << " peer ticks (awake: " << awake_ticks << "), "
            << after.ready_iterations - before.ready_iterations
            << " Ready iterations\n";
  EXPECT_EQ(after.ticks - before.ticks, 0u);
  EXPECT_EQ(after.ready_iterations - before.ready_iterations, 0u);
}

TEST(HibernateTest, AWriteWakesTheRegionAndItSleepsAgain) {
  Cluster cluster(HibernateCluster(1'000'000));
  cluster.BootstrapFirstRegion({1, 2, 3});
  cluster.StartAll();
  ASSERT_NE(cluster.WaitForLeader(kFirstRegionId), 0u);
  ASSERT_TRUE(cluster.RunUntil([&] { return AllHibernated(cluster, 1); }));
  const Work asleep = WorkOf(cluster);
  ASSERT_FALSE(cluster.MustPut("k", "v").header().has_error());
  ASSERT_TRUE(cluster.RunUntil([&] {
    for (uint64_t id : cluster.store_ids()) {
      if (cluster.Get(id, "k") != "v") return false;
    }
    return true;
  }));
  EXPECT_GT(WorkOf(cluster).ticks, asleep.ticks) << "it woke";
  EXPECT_TRUE(cluster.RunUntil([&] { return AllHibernated(cluster, 1); }));
}

TEST(HibernateTest, AFollowerWakesAfterItsTimeoutWhenTheLeaderDied) {
  Cluster cluster(HibernateCluster(300));
  cluster.BootstrapFirstRegion({1, 2, 3});
  cluster.StartAll();
  const uint64_t leader = cluster.WaitForLeader(kFirstRegionId);
  ASSERT_NE(leader, 0u);
  ASSERT_TRUE(cluster.RunUntil([&] { return AllHibernated(cluster, 1); }));
  cluster.Crash(leader);
  // Asleep, nobody notices within the wake timeout (3 s of 10 ms ticks).
  cluster.RunFor(Duration::Seconds(2));
  EXPECT_EQ(cluster.LeaderStore(kFirstRegionId), 0u);
  ASSERT_TRUE(cluster.RunUntil(
      [&] {
        const uint64_t now = cluster.LeaderStore(kFirstRegionId);
        return now != 0 && now != leader;
      },
      Duration::Seconds(10)));
  EXPECT_FALSE(cluster.MustPut("after", "1").header().has_error());
}

}  // namespace
}  // namespace store::raftstore::testing
