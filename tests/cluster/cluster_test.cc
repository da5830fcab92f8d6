// Whole-cluster scenarios on the simulator (sim/cluster): 3 PD members and
// 3 stores booted from empty disks. Each says what it checks. Ref: TiKV
// tests/integrations/raftstore (test_bootstrap.rs, test_split_region.rs,
// test_transfer_leader.rs) run with a PD, and PD's replica checker tests.
#include "sim/cluster/cluster.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

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

}  // namespace
}  // namespace sim::cluster
