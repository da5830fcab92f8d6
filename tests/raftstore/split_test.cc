// Split at given keys: a BatchSplit admin command applied atomically with
// the new regions' metadata, epochs bumped, new peers on every store
// started with the parent's leader's store leading. Ref: TiKV
// tests/integrations/raftstore/test_split_region.rs (test_server_split_region,
// test_split_epoch_not_match, test_node_split_region_diff_check style).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/raftstore/cluster.h"

namespace store::raftstore::testing {
namespace {

class SplitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.BootstrapFirstRegion({1, 2, 3});
    cluster_.StartAll();
    ASSERT_NE(cluster_.WaitForLeader(kFirstRegionId), 0u);
  }
  bool EveryStoreHosts(size_t regions) {
    for (uint64_t id : cluster_.store_ids()) {
      Store* store = cluster_.store(id);
      if (store == nullptr || store->Regions().size() != regions) return false;
    }
    return true;
  }

  Cluster cluster_;
};

TEST_F(SplitTest, SplitThenWritesOnBothHalves) {
  ASSERT_FALSE(cluster_.MustPut("a", "left").header().has_error());
  ASSERT_FALSE(cluster_.MustPut("x", "right").header().has_error());
  const core::region::Region parent = *cluster_.GetRegion(kFirstRegionId);
  const uint64_t parent_leader = cluster_.LeaderStore(kFirstRegionId);
  auto answer = cluster_.Split({"m"});
  ASSERT_FALSE(answer.header().has_error()) << ErrorOf(answer);
  const auto& regions = answer.admin_response().splits().regions();
  ASSERT_EQ(regions.size(), 2);
  // Right derive: the parent keeps ["m", +inf); the new region takes the
  // left. Both versions are the parent's + 1; conf_ver is unchanged.
  EXPECT_EQ(regions[0].start_key(), "");
  EXPECT_EQ(regions[0].end_key(), "m");
  EXPECT_NE(regions[0].id(), kFirstRegionId);
  EXPECT_EQ(regions[1].id(), kFirstRegionId);
  EXPECT_EQ(regions[1].start_key(), "m");
  for (const auto& region : regions) {
    EXPECT_EQ(region.region_epoch().version(), parent.epoch.version + 1);
    EXPECT_EQ(region.region_epoch().conf_ver(), parent.epoch.conf_ver);
    EXPECT_EQ(region.peers_size(), 3);
  }
  const uint64_t left = regions[0].id();
  ASSERT_TRUE(cluster_.RunUntil([&] { return EveryStoreHosts(2); }));
  // The parent's leader's store leads the new region (it campaigned).
  EXPECT_EQ(cluster_.WaitForLeader(left), parent_leader);
  EXPECT_FALSE(cluster_.MustPut("b", "left2").header().has_error());
  EXPECT_FALSE(cluster_.MustPut("y", "right2").header().has_error());
  ASSERT_TRUE(cluster_.RunUntil([&] {
    for (uint64_t id : cluster_.store_ids()) {
      if (cluster_.Get(id, "b") != "left2" || cluster_.Get(id, "y") != "right2")
        return false;
    }
    return true;
  }));
  // The data written before the split stays where it was.
  for (uint64_t id : cluster_.store_ids()) {
    EXPECT_EQ(cluster_.Get(id, "a"), "left");
    EXPECT_EQ(cluster_.Get(id, "x"), "right");
  }
}

// Several keys in one BatchSplit; each further split bumps the version.
TEST_F(SplitTest, ABatchSplitCutsAtEveryKey) {
  auto answer = cluster_.Split({"c", "f", "p"});
  ASSERT_FALSE(answer.header().has_error()) << ErrorOf(answer);
  const auto& regions = answer.admin_response().splits().regions();
  ASSERT_EQ(regions.size(), 4);
  EXPECT_EQ(regions[1].start_key(), "c");
  EXPECT_EQ(regions[2].start_key(), "f");
  EXPECT_EQ(regions[3].start_key(), "p");
  ASSERT_TRUE(cluster_.RunUntil([&] { return EveryStoreHosts(4); }));
  for (const std::string key : {"a", "d", "g", "q"}) {
    EXPECT_FALSE(cluster_.MustPut(key, key).header().has_error()) << key;
  }
  auto again = cluster_.Split({"h"});
  ASSERT_FALSE(again.header().has_error()) << ErrorOf(again);
  EXPECT_EQ(again.admin_response().splits().regions(1).region_epoch().version(),
            regions[2].region_epoch().version() + 1);
}

// Bad split keys and stale epochs are refused with nothing changed.
TEST_F(SplitTest, ABadSplitIsRefused) {
  ASSERT_FALSE(cluster_.Split({"m"}).header().has_error());
  ASSERT_TRUE(cluster_.RunUntil([&] { return EveryStoreHosts(2); }));
  // A split at the region's own start key cuts off nothing: refused.
  const core::region::Region right = *cluster_.RegionForKey("n");
  const uint64_t leader = cluster_.WaitForLeader(right.id);
  raft_cmdpb::RaftCmdRequest cmd = cluster_.Command(right, leader);
  cmd.mutable_admin_request()->set_cmd_type(raft_cmdpb::BatchSplit);
  raft_cmdpb::SplitRequest* split =
      cmd.mutable_admin_request()->mutable_splits()->add_requests();
  split->set_split_key("m");  // the region's own start key
  split->set_new_region_id(cluster_.AllocId());
  for (int i = 0; i < 3; ++i) split->add_new_peer_ids(cluster_.AllocId());
  auto refused = cluster_.Call(leader, cmd);
  ASSERT_TRUE(refused.has_value());
  EXPECT_TRUE(refused->header().has_error());
  EXPECT_FALSE(refused->header().error().has_epoch_not_match());
  // Built against the parent's old epoch.
  cmd.mutable_header()->mutable_region_epoch()->set_version(1);
  split->set_split_key("t");
  auto stale = cluster_.Call(leader, cmd);
  ASSERT_TRUE(stale.has_value());
  EXPECT_TRUE(stale->header().error().has_epoch_not_match());
  EXPECT_TRUE(EveryStoreHosts(2));
}

// The split's region metadata is written with the apply state of the split
// entry: a store that crashes right after applying it comes back with both
// regions (or re-applies the split from its log), never with one region
// over the other's range.
TEST_F(SplitTest, ASplitSurvivesACrashOfAFollower) {
  const uint64_t leader = cluster_.LeaderStore(kFirstRegionId);
  const uint64_t follower = leader == 3 ? 2 : 3;
  ASSERT_FALSE(cluster_.Split({"m"}).header().has_error());
  ASSERT_TRUE(cluster_.RunUntil(
      [&] { return cluster_.store(follower)->Regions().size() == 2; }));
  cluster_.Crash(follower);
  cluster_.Restart(follower);
  ASSERT_TRUE(cluster_.RunUntil([&] { return EveryStoreHosts(2); }));
  EXPECT_FALSE(cluster_.MustPut("a", "1").header().has_error());
  ASSERT_TRUE(
      cluster_.RunUntil([&] { return cluster_.Get(follower, "a") == "1"; }));
  std::vector<core::region::Region> regions =
      cluster_.store(follower)->Regions();
  ASSERT_EQ(regions.size(), 2u);
  EXPECT_FALSE(
      core::region::RangesOverlap(regions[0].start_key, regions[0].end_key,
                                  regions[1].start_key, regions[1].end_key));
}

}  // namespace
}  // namespace store::raftstore::testing
