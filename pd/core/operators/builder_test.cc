// Operator builders: step sequences for leader transfer, add, remove and move
// (simple and joint), split and merge, plus refusals.
// Ref: PD pkg/schedule/operator/builder_test.go (behaviour, not code).
#include "pd/core/operators/builder.h"

#include <gtest/gtest.h>

namespace pd::operators {
namespace {

using core::region::PeerRole;

RegionInfo ThreeVoters(StoreId leader_store = 1) {
  RegionInfo info;
  info.heartbeat.region.id = 7;
  info.heartbeat.region.start_key = "a";
  info.heartbeat.region.end_key = "m";
  info.heartbeat.region.epoch = {.conf_ver = 3, .version = 2};
  info.heartbeat.region.peers = {{71, 1, PeerRole::kVoter},
                                 {72, 2, PeerRole::kVoter},
                                 {73, 3, PeerRole::kVoter}};
  info.heartbeat.leader = *info.heartbeat.region.FindPeerOnStore(leader_store);
  return info;
}

template <typename T>
const T& StepAs(const Operator& op, size_t index) {
  EXPECT_LT(index, op.steps().size());
  return std::get<T>(op.steps()[index]);
}

TEST(BuilderTest, TransferLeader) {
  auto op = CreateTransferLeaderOperator("tl", ThreeVoters(), 3, kOpLeader, 0);
  ASSERT_TRUE(op.ok());
  EXPECT_EQ(op.value().steps().size(), 1u);
  EXPECT_EQ(StepAs<TransferLeader>(op.value(), 0).to_store, 3u);
  EXPECT_EQ(op.value().epoch(), (RegionEpoch{3, 2}));
  EXPECT_FALSE(
      CreateTransferLeaderOperator("tl", ThreeVoters(), 1, kOpLeader, 0).ok());
  EXPECT_FALSE(
      CreateTransferLeaderOperator("tl", ThreeVoters(), 9, kOpLeader, 0).ok());
}

TEST(BuilderTest, MovePeerAddsAndPromotesBeforeRemoving) {
  auto op =
      CreateMovePeerOperator("move", ThreeVoters(), 2, 4, 99, kOpRegion, {}, 0);
  ASSERT_TRUE(op.ok()) << op.error().ToString();
  ASSERT_EQ(op.value().steps().size(), 3u);
  EXPECT_EQ(StepAs<AddLearner>(op.value(), 0).to_store, 4u);
  EXPECT_EQ(StepAs<PromoteLearner>(op.value(), 1).peer_id, 99u);
  EXPECT_EQ(StepAs<RemovePeer>(op.value(), 2).peer_id, 72u);
  EXPECT_EQ(op.value().kinds(), kOpRegion);
}

TEST(BuilderTest, MovingTheLeaderTransfersItFirst) {
  auto op = CreateMovePeerOperator("move", ThreeVoters(1), 1, 4, 99, kOpRegion,
                                   {}, 0);
  ASSERT_TRUE(op.ok());
  ASSERT_EQ(op.value().steps().size(), 4u);
  EXPECT_EQ(StepAs<TransferLeader>(op.value(), 0).to_store, 2u);
  EXPECT_EQ(op.value().kinds(), kOpRegion | kOpLeader);
}

TEST(BuilderTest, JointMove) {
  auto op = CreateMovePeerOperator("move", ThreeVoters(), 3, 4, 99, kOpRegion,
                                   {.use_joint_consensus = true}, 0);
  ASSERT_TRUE(op.ok());
  ASSERT_EQ(op.value().steps().size(), 4u);
  const auto& enter = StepAs<ChangePeerV2Enter>(op.value(), 1);
  ASSERT_EQ(enter.promote.size(), 1u);
  ASSERT_EQ(enter.demote.size(), 1u);
  EXPECT_EQ(enter.promote[0].to_store, 4u);
  EXPECT_EQ(enter.demote[0].to_store, 3u);
  StepAs<ChangePeerV2Leave>(op.value(), 2);
  EXPECT_EQ(StepAs<RemovePeer>(op.value(), 3).from_store, 3u);
}

TEST(BuilderTest, MovingALearnerNeedsNoPromotion) {
  RegionInfo info = ThreeVoters();
  info.heartbeat.region.peers.push_back({74, 4, PeerRole::kLearner});
  auto op = CreateMovePeerOperator("move", info, 4, 5, 99, kOpRegion, {}, 0);
  ASSERT_TRUE(op.ok());
  ASSERT_EQ(op.value().steps().size(), 2u);
  StepAs<AddLearner>(op.value(), 0);
  StepAs<RemovePeer>(op.value(), 1);
}

TEST(BuilderTest, Refusals) {
  EXPECT_FALSE(
      CreateMovePeerOperator("m", ThreeVoters(), 9, 4, 99, kOpRegion, {}, 0)
          .ok());
  EXPECT_FALSE(
      CreateMovePeerOperator("m", ThreeVoters(), 1, 2, 99, kOpRegion, {}, 0)
          .ok());
  EXPECT_FALSE(
      CreateMovePeerOperator("m", ThreeVoters(), 1, 4, 0, kOpRegion, {}, 0)
          .ok());
  EXPECT_FALSE(
      CreateAddPeerOperator("a", ThreeVoters(), 2, 99, kOpReplica, 0).ok());
  EXPECT_FALSE(
      CreateRemovePeerOperator("r", ThreeVoters(), 9, kOpReplica, 0).ok());
  // No other healthy voter to take the leadership.
  RegionInfo lonely = ThreeVoters();
  lonely.heartbeat.region.peers.resize(1);
  EXPECT_FALSE(CreateRemovePeerOperator("r", lonely, 1, kOpReplica, 0).ok());
}

TEST(BuilderTest, AddAndRemove) {
  auto add = CreateAddPeerOperator("add", ThreeVoters(), 4, 99, kOpReplica, 0);
  ASSERT_TRUE(add.ok());
  ASSERT_EQ(add.value().steps().size(), 2u);
  auto remove =
      CreateRemovePeerOperator("remove", ThreeVoters(2), 2, kOpReplica, 0);
  ASSERT_TRUE(remove.ok());
  ASSERT_EQ(remove.value().steps().size(), 2u);
  EXPECT_EQ(StepAs<TransferLeader>(remove.value(), 0).to_store, 1u);
  EXPECT_EQ(StepAs<RemovePeer>(remove.value(), 1).from_store, 2u);
}

TEST(BuilderTest, MergeNeedsAdjacentAlignedRegions) {
  RegionInfo source = ThreeVoters();
  RegionInfo target = ThreeVoters();
  target.heartbeat.region.id = 8;
  target.heartbeat.region.start_key = "m";
  target.heartbeat.region.end_key = "";
  auto ops = CreateMergeOperators("merge", source, target, 0);
  ASSERT_TRUE(ops.ok());
  EXPECT_EQ(ops.value().first.region_id(), 7u);
  EXPECT_EQ(ops.value().second.region_id(), 8u);
  EXPECT_TRUE(StepAs<MergeRegion>(ops.value().second, 0).is_passive);
  target.heartbeat.region.peers[2].store_id = 5;
  EXPECT_FALSE(CreateMergeOperators("merge", source, target, 0).ok());
  target = ThreeVoters();
  target.heartbeat.region.id = 8;
  target.heartbeat.region.start_key = "n";
  target.heartbeat.region.end_key = "";
  EXPECT_FALSE(CreateMergeOperators("merge", source, target, 0).ok());
}

}  // namespace
}  // namespace pd::operators
