// Checker tests over hand-built cluster views, in the style of tikv/pd's
// replica_checker_test.go, merge_checker_test.go and split_checker_test.go.
#include "pd/core/checker/checkers.h"

#include <gtest/gtest.h>

#include "pd/core/schedule/test_cluster.h"

namespace pd::checker {
namespace {

using core::region::PeerRole;
using operators::AddLearner;
using operators::MergeRegion;
using operators::Operator;
using operators::PromoteLearner;
using operators::RemovePeer;
using operators::SplitRegion;
using operators::TransferLeader;
using schedule::kMiB;
using schedule::StoreId;
using schedule::TestCluster;

template <typename T>
const T& StepAs(const Operator& op, size_t index) {
  EXPECT_LT(index, op.steps().size()) << op.ToString();
  return std::get<T>(op.steps().at(index));
}

TEST(ReplicaCheckerTest, HealthyRegionNeedsNothing) {
  TestCluster tc;
  tc.AddStores(4);
  const auto& info = tc.AddRegion(1, {1, 2, 3});
  auto ctx = tc.Context();
  EXPECT_FALSE(CheckReplicas(ctx, info).has_value());
}

TEST(ReplicaCheckerTest, AddsMissingReplicaOnTheEmptiestStore) {
  TestCluster tc;
  tc.AddStores(5);
  tc.AddRegion(10, {1, 2, 3});
  tc.AddRegion(11, {1, 2, 4});
  const auto& info = tc.AddRegion(1, {1, 2});
  auto ctx = tc.Context();
  auto op = CheckReplicas(ctx, info);
  ASSERT_TRUE(op.has_value());
  EXPECT_EQ(op->desc(), "make-up-replica");
  EXPECT_EQ(op->kinds(), operators::kOpReplica);
  EXPECT_EQ(StepAs<AddLearner>(*op, 0).to_store, 5u);  // store 5 holds nothing
  StepAs<PromoteLearner>(*op, 1);
}

// Ref: PD replica checker: a peer down for longer than max-store-down-time
// is replaced.
TEST(ReplicaCheckerTest, ReplacesDownReplica) {
  TestCluster tc;
  tc.AddStores(4);
  tc.AddRegion(1, {1, 2, 3});
  tc.MakeStoreDown(3);
  auto ctx = tc.Context();
  auto op = CheckReplicas(ctx, *tc.view().GetRegion(1));
  ASSERT_TRUE(op.has_value());
  EXPECT_EQ(op->desc(), "replace-down-replica");
  EXPECT_EQ(StepAs<AddLearner>(*op, 0).to_store, 4u);
  EXPECT_EQ(StepAs<RemovePeer>(*op, 2).from_store, 3u);
}

TEST(ReplicaCheckerTest, ReportedDownPeerIsReplaced) {
  TestCluster tc;
  tc.AddStores(4);
  tc.AddRegion(1, {1, 2, 3});
  const auto& info = tc.Update(1, [](cluster::RegionHeartbeat& beat) {
    beat.down_peers.push_back({beat.region.peers[2], 31 * 60});
  });
  auto ctx = tc.Context();
  auto op = CheckReplicas(ctx, info);
  ASSERT_TRUE(op.has_value());
  EXPECT_EQ(StepAs<RemovePeer>(*op, 2).from_store, 3u);
  // A peer down for a short time is left alone.
  const auto& brief = tc.Update(1, [](cluster::RegionHeartbeat& beat) {
    beat.down_peers[0].down_seconds = 60;
  });
  EXPECT_FALSE(CheckReplicas(ctx, brief).has_value());
}

TEST(ReplicaCheckerTest, ReplacesOfflineReplicaAndMovesTheLeaderFirst) {
  TestCluster tc;
  tc.AddStores(4);
  tc.AddRegion(1, {1, 2, 3});
  tc.MakeStoreOffline(1);  // the leader's store
  auto ctx = tc.Context();
  auto op = CheckReplicas(ctx, *tc.view().GetRegion(1));
  ASSERT_TRUE(op.has_value());
  EXPECT_EQ(op->desc(), "replace-offline-replica");
  EXPECT_EQ(StepAs<TransferLeader>(*op, 0).to_store, 2u);
  EXPECT_EQ(StepAs<AddLearner>(*op, 1).to_store, 4u);
  EXPECT_EQ(StepAs<RemovePeer>(*op, 3).from_store, 1u);
}

TEST(ReplicaCheckerTest, NoTargetNoOperator) {
  TestCluster tc;
  tc.AddStores(3);
  tc.AddRegion(1, {1, 2, 3});
  tc.MakeStoreOffline(3);
  auto ctx = tc.Context();
  EXPECT_FALSE(CheckReplicas(ctx, *tc.view().GetRegion(1)).has_value());
}

TEST(ReplicaCheckerTest, LowSpaceStoreIsNotATarget) {
  TestCluster tc;
  tc.AddStores(5);
  tc.SetStoreUsage(4, 100, 90);  // above the 0.8 low-space ratio
  tc.AddRegion(7, {1, 2, 5});
  const auto& info = tc.AddRegion(1, {1, 2});
  auto ctx = tc.Context();
  auto op = CheckReplicas(ctx, info);
  ASSERT_TRUE(op.has_value());
  EXPECT_EQ(StepAs<AddLearner>(*op, 0).to_store, 3u);
}

TEST(ReplicaCheckerTest, RemovesExcessPreferringLearnersThenBusiestStore) {
  TestCluster tc;
  tc.AddStores(5);
  tc.AddRegion(10, {2, 3, 4});
  tc.AddRegion(11, {2, 3, 5});
  tc.AddRegion(1, {1, 2, 3, 4});
  auto ctx = tc.Context();
  auto op = CheckReplicas(ctx, *tc.view().GetRegion(1));
  ASSERT_TRUE(op.has_value());
  EXPECT_EQ(op->desc(), "remove-extra-replica");
  // Stores 2 and 3 hold the most regions; the lowest id among equals loses
  // the peer unless it leads: store 2.
  EXPECT_EQ(StepAs<RemovePeer>(*op, 0).from_store, 2u);
  const auto& with_learner = tc.Update(1, [](cluster::RegionHeartbeat& beat) {
    beat.region.peers[3].role = PeerRole::kLearner;
    beat.region.epoch.conf_ver += 1;
  });
  op = CheckReplicas(ctx, with_learner);
  ASSERT_TRUE(op.has_value());
  EXPECT_EQ(StepAs<RemovePeer>(*op, 0).from_store, 4u);
}

// Bad input is never a crash: a heartbeat may name stores PD does not know;
// their peers count as down and are removed first.
TEST(ReplicaCheckerTest, PeersOnUnknownStoresAreRemovedFirst) {
  TestCluster tc;
  tc.AddStores(3);
  const auto& info = tc.AddRegion(1, {1, 2, 8, 9});
  auto ctx = tc.Context();
  auto op = CheckReplicas(ctx, info);
  ASSERT_TRUE(op.has_value());
  EXPECT_EQ(op->desc(), "replace-down-replica");
  const StoreId removed = StepAs<RemovePeer>(*op, 0).from_store;
  EXPECT_TRUE(removed == 8 || removed == 9) << op->ToString();
}

TEST(ReplicaCheckerTest, SkipsRegionsWithAnOperatorOrInJointState) {
  TestCluster tc;
  tc.AddStores(4);
  const auto& info = tc.AddRegion(1, {1, 2});
  auto ctx = tc.Context();
  auto op = CheckReplicas(ctx, info);
  ASSERT_TRUE(op.has_value());
  ASSERT_TRUE(tc.controller().AddOperator(*op, tc.view(), tc.now_ms()).ok());
  EXPECT_FALSE(CheckReplicas(ctx, info).has_value());
}

TEST(SplitCheckerTest, SplitsOversizedRegions) {
  TestCluster tc;
  tc.AddStores(3);
  const auto& small = tc.AddRegion(1, {1, 2, 3}, 100 * kMiB);
  const auto& big = tc.AddRegion(2, {1, 2, 3}, 400 * kMiB);
  auto ctx = tc.Context();
  EXPECT_FALSE(CheckSplit(ctx, small).has_value());
  auto op = CheckSplit(ctx, big);
  ASSERT_TRUE(op.has_value());
  EXPECT_EQ(op->kinds(), operators::kOpSplit);
  EXPECT_TRUE(StepAs<SplitRegion>(*op, 0).split_keys.empty());
}

TEST(MergeCheckerTest, MergesIntoTheSmallerNeighbour) {
  TestCluster tc;
  tc.AddStores(3);
  tc.AddRegion(1, {1, 2, 3}, 30 * kMiB);
  tc.AddRegion(2, {1, 2, 3}, 10 * kMiB);
  tc.AddRegion(3, {2, 3, 1}, 20 * kMiB);
  auto ctx = tc.Context();
  auto ops = CheckMerge(ctx, *tc.view().GetRegion(2));
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[0].region_id(), 2u);
  EXPECT_EQ(ops[1].region_id(), 3u);
  EXPECT_FALSE(StepAs<MergeRegion>(ops[0], 0).is_passive);
  EXPECT_TRUE(StepAs<MergeRegion>(ops[1], 0).is_passive);
}

TEST(MergeCheckerTest, LeavesBigOrYoungOrUnhealthyRegions) {
  TestCluster tc;
  tc.AddStores(4);
  tc.AddRegion(2, {1, 2, 3}, 10 * kMiB);
  tc.AddRegion(3, {1, 2, 3}, 250 * kMiB);  // too big to merge
  tc.AddRegion(4, {1, 2, 3}, 250 * kMiB);
  auto ctx = tc.Context();
  EXPECT_TRUE(CheckMerge(ctx, *tc.view().GetRegion(3)).empty());
  // Region 2's only neighbour is region 3, and the result would exceed the
  // split size.
  EXPECT_TRUE(CheckMerge(ctx, *tc.view().GetRegion(2)).empty());
  tc.AddRegion(1, {1, 2, 3}, 5 * kMiB);
  auto ops = CheckMerge(ctx, *tc.view().GetRegion(2));
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[1].region_id(), 1u);
  // Recently split: wait for split_merge_interval.
  tc.config().split_merge_interval_ms = 3'600'000;
  EXPECT_TRUE(CheckMerge(ctx, *tc.view().GetRegion(2)).empty());
  tc.config().split_merge_interval_ms = 0;
  // A pending peer makes the region unhealthy.
  const auto& pending = tc.Update(2, [](cluster::RegionHeartbeat& beat) {
    beat.pending_peers.push_back(beat.region.peers[1]);
  });
  EXPECT_TRUE(CheckMerge(ctx, pending).empty());
}

TEST(MergeCheckerTest, AlignsPeersBeforeMerging) {
  TestCluster tc;
  tc.AddStores(4);
  tc.AddRegion(1, {1, 2, 4}, 10 * kMiB);
  tc.AddRegion(2, {1, 2, 3}, 10 * kMiB);
  auto ctx = tc.Context();
  auto ops = CheckMerge(ctx, *tc.view().GetRegion(1));
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].desc(), "align-peers-for-merge");
  EXPECT_EQ(ops[0].kinds(), operators::kOpMerge | operators::kOpRegion);
  EXPECT_EQ(StepAs<AddLearner>(ops[0], 0).to_store, 3u);
  EXPECT_EQ(StepAs<RemovePeer>(ops[0], 2).from_store, 4u);
}

}  // namespace
}  // namespace pd::checker
