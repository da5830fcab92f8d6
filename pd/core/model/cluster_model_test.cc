// The cluster model executes PD commands as region leaders would: conf
// changes, leader transfer, split and merge, with refusals, leader
// re-election and heartbeats that report down and pending peers.
#include "pd/core/model/cluster_model.h"

#include <gtest/gtest.h>

#include "pd/core/invariants/invariants.h"

namespace pd::model {
namespace {

using core::region::ConfChangeType;
using core::region::PeerChange;
using core::region::PeerRole;

ClusterModel TwoRegions() {
  ClusterModel model(1000);
  for (StoreId id = 1; id <= 4; ++id) model.AddStore(id, 1000);
  for (RegionId id = 1; id <= 2; ++id) {
    ModelRegion region;
    region.region.id = id;
    region.region.start_key = id == 1 ? "" : ModelKey(1u << 20);
    region.region.end_key = id == 1 ? ModelKey(1u << 20) : "";
    region.region.epoch = {1, 1};
    for (StoreId store = 1; store <= 3; ++store) {
      region.region.peers.push_back({id * 10 + store, store, PeerRole::kVoter});
    }
    region.leader_store = 1;
    region.size_bytes = 100;
    model.AddRegion(region);
  }
  return model;
}

TEST(ClusterModelTest, ConfChangesAndPendingLearners) {
  ClusterModel model = TwoRegions();
  PeerChange add{ConfChangeType::kAddLearnerNode, {99, 4, PeerRole::kVoter}};
  ASSERT_TRUE(model.Apply(1, operators::ChangePeerCommand{add}).ok());
  auto beats = model.RegionHeartbeats(0, 1000);
  ASSERT_EQ(beats.size(), 2u);
  ASSERT_EQ(beats[0].pending_peers.size(), 1u);
  EXPECT_EQ(beats[0].region.epoch.conf_ver, 2u);
  model.Tick();
  EXPECT_TRUE(model.RegionHeartbeats(0, 1000)[0].pending_peers.empty());
  // The leader cannot be removed.
  PeerChange remove_leader{ConfChangeType::kRemoveNode,
                           {11, 1, PeerRole::kVoter}};
  EXPECT_FALSE(
      model.Apply(1, operators::ChangePeerCommand{remove_leader}).ok());
  // A duplicate add is refused with the core/region error.
  EXPECT_FALSE(model.Apply(1, operators::ChangePeerCommand{add}).ok());
}

TEST(ClusterModelTest, LeaderTransferAndReElection) {
  ClusterModel model = TwoRegions();
  ASSERT_TRUE(
      model
          .Apply(1, operators::TransferLeaderCommand{{13, 3, PeerRole::kVoter}})
          .ok());
  EXPECT_EQ(model.regions().at(1).leader_store, 3u);
  model.KillStore(3, 5'000);
  model.Tick();
  EXPECT_EQ(model.regions().at(1).leader_store, 1u);  // lowest live voter
  auto beats = model.RegionHeartbeats(65'000, 1000);
  ASSERT_EQ(beats[0].down_peers.size(), 1u);
  EXPECT_EQ(beats[0].down_peers[0].down_seconds, 60);
  EXPECT_EQ(model.StoreHeartbeats().count(3), 0u);
  // Without a quorum there is no leader and no heartbeat.
  model.KillStore(1, 6'000);
  model.Tick();
  EXPECT_EQ(model.regions().at(1).leader_store, 0u);
  EXPECT_TRUE(model.RegionHeartbeats(7'000, 1000).empty());
}

TEST(ClusterModelTest, SplitAtTheMiddleAndMergeBack) {
  ClusterModel model = TwoRegions();
  ASSERT_TRUE(model.Apply(1, operators::SplitRegionCommand{}).ok());
  EXPECT_EQ(model.regions().size(), 3u);
  EXPECT_TRUE(invariants::RangesCoverKeySpace(model.Regions()).ok());
  const ModelRegion& left =
      model.regions().begin()->second;  // id 1: right part
  EXPECT_EQ(left.region.start_key, ModelKey(1u << 19));
  EXPECT_EQ(left.size_bytes, 50u);
  // Merge region 1 (right half) into region 2.
  const Region target = model.regions().at(2).region;
  ASSERT_TRUE(model.Apply(1, operators::MergeCommand{target}).ok());
  EXPECT_EQ(model.regions().size(), 2u);
  EXPECT_EQ(model.regions().at(2).region.start_key, ModelKey(1u << 19));
  EXPECT_EQ(model.regions().at(2).size_bytes, 150u);
  EXPECT_TRUE(invariants::RangesCoverKeySpace(model.Regions()).ok());
  // A merge planned against an old target epoch is refused.
  EXPECT_FALSE(model
                   .Apply(model.regions().begin()->first,
                          operators::MergeCommand{target})
                   .ok());
}

}  // namespace
}  // namespace pd::model
