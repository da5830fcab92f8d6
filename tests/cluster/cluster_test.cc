// Whole-cluster scenarios on the simulator (sim/cluster): 3 PD members and
// 3 stores booted from empty disks. Each says what it checks. Ref: TiKV
// tests/integrations/raftstore (test_bootstrap.rs, test_split_region.rs,
// test_transfer_leader.rs) run with a PD, and PD's replica checker tests.
#include "sim/cluster/cluster.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <string>
#include <tuple>

namespace sim::cluster {
namespace {

constexpr Duration kLimit = Duration::Seconds(60);

// PD's view of the region holding `key` (empty region when none).
pdpb::GetRegionResponse PdRegion(Cluster& c, const std::string& key) {
  pdpb::GetRegionResponse out;
  EXPECT_TRUE(c.RunClient([&](client::pd::PdClient& pd) {
    auto region = pd.GetRegion(key, pd.Now() + Duration::Seconds(20));
    if (region.ok()) out = *region;
  }));
  return out;
}

// The first region as the stores know it has voters on every store.
bool ReplicatedEverywhere(Cluster& c) {
  auto region = c.RegionForKey("");
  if (!region.has_value() || region->peers.size() != 3) return false;
  for (const auto& peer : region->peers) {
    if (peer.role != core::region::PeerRole::kVoter) return false;
  }
  return c.LeaderOf(region->id) != 0;
}

class ClusterTest : public ::testing::Test {
 protected:
  void Boot(ClusterOptions options = {}) {
    cluster_ = std::make_unique<Cluster>(options);
    cluster_->Start();
    ASSERT_TRUE(cluster_->RunUntil(
        [&] {
          for (int s = 1; s <= cluster_->store_count(); ++s) {
            if (cluster_->node(s) == nullptr) return false;
          }
          return true;
        },
        kLimit))
        << "the stores did not all join";
  }
  std::unique_ptr<Cluster> cluster_;
};

// From empty disks: every store joins with its own id, exactly one of them
// bootstraps the cluster, and PD's replica checker brings the first region
// from one replica to three; PD's view agrees.
TEST_F(ClusterTest, BootsThroughPdAndReplicatesTheFirstRegion) {
  Boot();
  Cluster& c = *cluster_;
  std::set<uint64_t> ids;
  for (int s = 1; s <= c.store_count(); ++s) ids.insert(c.store_id(s));
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids.count(0), 0u);
  EXPECT_EQ(c.bootstrapped_count(), 1);
  ASSERT_TRUE(c.RunUntil([&] { return ReplicatedEverywhere(c); }, kLimit))
      << "PD did not bring the first region to 3 replicas";
  ASSERT_TRUE(c.RunUntil(
      [&] { return PdRegion(c, "").region().peers_size() == 3; }, kLimit));
  EXPECT_TRUE(c.Put("k1", "v1"));
}

// The split checker of the first region's leader finds it past a small
// region-max-size, takes the new ids from PD (AskBatchSplit), splits, and
// reports the split; PD learns the new regions from their leaders'
// heartbeats, so GetRegion by key answers with them.
TEST_F(ClusterTest, SplitCheckerSplitsThroughPd) {
  ClusterOptions options;
  options.split_check.tick_interval_ticks = 10;
  options.split_check.region_max_size_bytes = 4 << 10;
  options.split_check.region_split_size_bytes = 2 << 10;
  Boot(options);
  Cluster& c = *cluster_;
  ASSERT_TRUE(c.RunUntil([&] { return ReplicatedEverywhere(c); }, kLimit));
  const uint64_t first_region = c.RegionForKey("")->id;
  const std::string value(100, 'v');
  for (int i = 0; i < 60; ++i) {
    char key[8];
    snprintf(key, sizeof(key), "k%03d", i);
    ASSERT_TRUE(c.Put(key, value)) << key;
  }
  ASSERT_TRUE(c.RunUntil(
      [&] {
        auto low = c.RegionForKey("k000");
        auto high = c.RegionForKey("k059");
        return low && high && low->id != high->id;
      },
      kLimit))
      << "the region did not split";
  // PD answers with the split regions: "k000" and "k059" in different ones.
  ASSERT_TRUE(c.RunUntil(
      [&] {
        const auto low = PdRegion(c, "k000");
        const auto high = PdRegion(c, "k059");
        return low.region().id() != 0 && high.region().id() != 0 &&
               low.region().id() != high.region().id();
      },
      kLimit))
      << "PD did not learn the split";
  uint64_t asked = 0, reported = 0;
  for (int s = 1; s <= c.store_count(); ++s) {
    store::pd_worker::PdIdSource* ids = c.node(s)->pd_ids();
    asked += ids->stats().batch_splits_asked;
    reported += ids->stats().batch_splits_reported;
  }
  EXPECT_GT(asked, 0u);
  EXPECT_GT(reported, 0u);
  EXPECT_NE(PdRegion(c, "k000").region().id(), 0u);
  (void)first_region;
}

// An evict-leader scheduler on PD's leader makes transfer-leader operators
// for the store that leads the first region; its PD worker executes them
// and the leadership moves off that store for good.
TEST_F(ClusterTest, TransferLeaderOperatorExecutes) {
  Boot();
  Cluster& c = *cluster_;
  ASSERT_TRUE(c.RunUntil([&] { return ReplicatedEverywhere(c); }, kLimit));
  const uint64_t region_id = c.RegionForKey("")->id;
  const int leader = c.LeaderOf(region_id);
  ASSERT_NE(leader, 0);
  const int pd_leader = c.pd().Leader();
  ASSERT_NE(pd_leader, 0);
  c.pd().host(pd_leader)->member().coordinator()->EvictLeaders(
      {c.store_id(leader)});
  ASSERT_TRUE(c.RunUntil(
      [&] {
        const int now = c.LeaderOf(region_id);
        return now != 0 && now != leader;
      },
      kLimit))
      << "the leader did not move";
  EXPECT_GT(c.node(leader)->pd_worker()->stats().operators_executed, 0u);
  c.RunFor(Duration::Seconds(3));
  EXPECT_NE(c.LeaderOf(region_id), leader);
  EXPECT_TRUE(c.Put("after", "transfer"));
}

// A follower store crashes, misses writes, restarts from its disk: it keeps
// its store id (no second bootstrap), catches up, and heartbeats PD again.
TEST_F(ClusterTest, CrashedStoreRejoins) {
  Boot();
  Cluster& c = *cluster_;
  ASSERT_TRUE(c.RunUntil([&] { return ReplicatedEverywhere(c); }, kLimit));
  ASSERT_TRUE(c.Put("k1", "v1"));
  const uint64_t region_id = c.RegionForKey("")->id;
  const int leader = c.LeaderOf(region_id);
  const int follower = leader % c.store_count() + 1;
  const uint64_t id = c.store_id(follower);
  c.CrashStore(follower);
  ASSERT_TRUE(c.Put("k2", "v2"));
  c.RestartStore(follower);
  ASSERT_TRUE(c.RunUntil([&] { return c.node(follower) != nullptr; }, kLimit));
  EXPECT_EQ(c.store_id(follower), id);
  EXPECT_EQ(c.bootstrapped_count(), 1);
  ASSERT_TRUE(c.RunUntil([&] { return c.Get(follower, "k2") == "v2"; }, kLimit))
      << "the restarted store did not catch up";
  ASSERT_TRUE(c.RunUntil(
      [&] {
        return c.node(follower)->pd_worker()->stats().store_heartbeats > 0;
      },
      kLimit));
}

// One RegionHeartbeat stream per store while PD's leader stays; when PD's
// leader crashes, each store opens a new stream to the next leader and
// heartbeats its regions again, so the new leader's view has the region
// with its leader and every peer.
TEST_F(ClusterTest, HeartbeatStreamFollowsPdLeader) {
  Boot();
  Cluster& c = *cluster_;
  ASSERT_TRUE(c.RunUntil([&] { return ReplicatedEverywhere(c); }, kLimit));
  c.RunFor(Duration::Seconds(2));
  for (int s = 1; s <= c.store_count(); ++s) {
    EXPECT_EQ(c.node(s)->pd_worker()->stats().streams_opened, 1u) << s;
  }
  const int region_leader = c.LeaderOf(c.RegionForKey("")->id);
  const uint64_t heartbeats_before =
      c.node(region_leader)->pd_worker()->stats().region_heartbeats;
  const int old_pd = c.pd().Leader();
  c.pd().Crash(old_pd);
  ASSERT_TRUE(c.RunUntil(
      [&] {
        const int now = c.pd().Leader();
        return now != 0 && now != old_pd;
      },
      kLimit));
  ASSERT_TRUE(c.RunUntil(
      [&] {
        return c.node(region_leader)->pd_worker()->stats().streams_opened >= 2;
      },
      kLimit))
      << "the store did not reconnect";
  EXPECT_GT(c.node(region_leader)->pd_worker()->stats().region_heartbeats,
            heartbeats_before);
  ASSERT_TRUE(c.RunUntil(
      [&] {
        const pdpb::GetRegionResponse first = PdRegion(c, "");
        return first.region().peers_size() == 3 &&
               first.leader().store_id() == c.store_id(region_leader);
      },
      kLimit));
}

// A leader's heartbeat carries its region's approximate size and keys and,
// once a follower's store has been gone for max_peer_down_duration, that
// peer as down; PD's view shows it down too.
TEST_F(ClusterTest, HeartbeatReportsSizeAndDownPeers) {
  ClusterOptions options;
  options.pd_worker.max_peer_down_duration = Duration::Seconds(2);
  Boot(options);
  Cluster& c = *cluster_;
  ASSERT_TRUE(c.RunUntil([&] { return ReplicatedEverywhere(c); }, kLimit));
  ASSERT_TRUE(c.Put("size-key", std::string(1000, 'x')));
  const uint64_t region_id = c.RegionForKey("")->id;
  const int leader = c.LeaderOf(region_id);
  auto heartbeat = c.node(leader)->pd_worker()->RegionHeartbeatFor(region_id);
  ASSERT_TRUE(heartbeat.has_value());
  EXPECT_GE(heartbeat->approximate_size(), 1000u);
  EXPECT_GE(heartbeat->approximate_keys(), 1u);
  EXPECT_EQ(heartbeat->down_peers_size(), 0);
  EXPECT_EQ(heartbeat->leader().store_id(), c.store_id(leader));

  const int follower = leader % c.store_count() + 1;
  c.CrashStore(follower);
  ASSERT_TRUE(c.RunUntil(
      [&] {
        const pdpb::GetRegionResponse region = PdRegion(c, "");
        return region.down_peers_size() == 1 &&
               region.down_peers(0).peer().store_id() == c.store_id(follower);
      },
      kLimit))
      << "PD did not hear of the down peer";
}

// The same seed gives the same run: the same store ids, and the same trace
// hash of every scheduling decision after 5 simulated seconds.
TEST(ClusterDeterminismTest, SameSeedSameRun) {
  auto run = [](uint64_t seed) {
    ClusterOptions options;
    options.seed = seed;
    Cluster c(options);
    c.Start();
    c.RunFor(Duration::Seconds(5));
    return std::make_tuple(c.store_id(1), c.store_id(2), c.store_id(3),
                           c.sim().loop().trace_hash());
  };
  const auto first = run(7);
  EXPECT_EQ(first, run(7));
  EXPECT_NE(std::get<3>(first), std::get<3>(run(8)));
}

}  // namespace
}  // namespace sim::cluster
