// IsFinished / CheckStep / CommandFor tables for every step kind, in the
// style of PD's step_test.go.
#include "pd/core/operators/step.h"

#include <gtest/gtest.h>

namespace pd::operators {
namespace {

using core::region::ConfChangeType;
using core::region::PeerRole;

RegionInfo Info(std::vector<Peer> peers, StoreId leader_store,
                std::vector<Peer> pending = {}) {
  RegionInfo info;
  info.heartbeat.region.id = 1;
  info.heartbeat.region.start_key = "a";
  info.heartbeat.region.end_key = "z";
  info.heartbeat.region.epoch = {.conf_ver = 1, .version = 1};
  info.heartbeat.region.peers = std::move(peers);
  info.heartbeat.leader = *info.heartbeat.region.FindPeerOnStore(leader_store);
  info.heartbeat.pending_peers = std::move(pending);
  return info;
}

const Peer kV1{1, 1, PeerRole::kVoter};
const Peer kV2{2, 2, PeerRole::kVoter};
const Peer kV3{3, 3, PeerRole::kVoter};

TEST(StepTest, TransferLeader) {
  TransferLeader step{1, 2};
  EXPECT_FALSE(IsFinished(step, Info({kV1, kV2, kV3}, 1)));
  EXPECT_TRUE(IsFinished(step, Info({kV1, kV2, kV3}, 2)));
  EXPECT_TRUE(CheckStep(step, Info({kV1, kV2, kV3}, 1)).ok());
  EXPECT_FALSE(
      CheckStep(step, Info({kV1, {2, 2, PeerRole::kLearner}, kV3}, 1)).ok());
  auto command = CommandFor(step, Info({kV1, kV2, kV3}, 1));
  ASSERT_TRUE(command.has_value());
  EXPECT_EQ(std::get<TransferLeaderCommand>(*command).peer, kV2);
}

TEST(StepTest, AddLearnerWaitsForTheSnapshot) {
  AddLearner step{4, 4};
  const Peer learner{4, 4, PeerRole::kLearner};
  EXPECT_FALSE(IsFinished(step, Info({kV1, kV2, kV3}, 1)));
  EXPECT_FALSE(IsFinished(step, Info({kV1, kV2, kV3, learner}, 1, {learner})));
  EXPECT_TRUE(IsFinished(step, Info({kV1, kV2, kV3, learner}, 1)));
  // Another peer on the target store makes the step impossible.
  EXPECT_FALSE(
      CheckStep(step, Info({kV1, kV2, kV3, {9, 4, PeerRole::kLearner}}, 1))
          .ok());
  auto command = CommandFor(step, Info({kV1, kV2, kV3}, 1));
  ASSERT_TRUE(command.has_value());
  EXPECT_EQ(std::get<ChangePeerCommand>(*command).change.type,
            ConfChangeType::kAddLearnerNode);
  // Added but pending: nothing more to send.
  EXPECT_FALSE(CommandFor(step, Info({kV1, kV2, kV3, learner}, 1, {learner}))
                   .has_value());
}

TEST(StepTest, PromoteAndRemove) {
  const Peer learner{4, 4, PeerRole::kLearner};
  const Peer voter{4, 4, PeerRole::kVoter};
  PromoteLearner promote{4, 4};
  EXPECT_FALSE(IsFinished(promote, Info({kV1, kV2, kV3, learner}, 1)));
  EXPECT_TRUE(IsFinished(promote, Info({kV1, kV2, kV3, voter}, 1)));
  EXPECT_FALSE(CheckStep(promote, Info({kV1, kV2, kV3}, 1)).ok());
  RemovePeer remove{3, 3};
  EXPECT_FALSE(IsFinished(remove, Info({kV1, kV2, kV3}, 1)));
  EXPECT_TRUE(IsFinished(remove, Info({kV1, kV2}, 1)));
  EXPECT_FALSE(CheckStep(remove, Info({kV1, kV2, kV3}, 3)).ok());  // the leader
  EXPECT_EQ(
      std::get<ChangePeerCommand>(*CommandFor(remove, Info({kV1, kV2, kV3}, 1)))
          .change.type,
      ConfChangeType::kRemoveNode);
}

TEST(StepTest, JointEnterAndLeave) {
  ChangePeerV2Enter enter{{{4, 4}}, {{3, 3}}};
  ChangePeerV2Leave leave{{{4, 4}}, {{3, 3}}};
  const RegionInfo before =
      Info({kV1, kV2, kV3, {4, 4, PeerRole::kLearner}}, 1);
  const RegionInfo joint = Info({kV1,
                                 kV2,
                                 {3, 3, PeerRole::kDemotingVoter},
                                 {4, 4, PeerRole::kIncomingVoter}},
                                1);
  const RegionInfo after =
      Info({kV1, kV2, {3, 3, PeerRole::kLearner}, {4, 4, PeerRole::kVoter}}, 1);
  EXPECT_FALSE(IsFinished(enter, before));
  EXPECT_TRUE(IsFinished(enter, joint));
  EXPECT_TRUE(IsFinished(enter, after));
  EXPECT_FALSE(IsFinished(leave, joint));
  EXPECT_TRUE(IsFinished(leave, after));
  auto command = CommandFor(enter, before);
  ASSERT_TRUE(command.has_value());
  EXPECT_EQ(std::get<ChangePeerV2Command>(*command).changes.size(), 2u);
  EXPECT_TRUE(
      std::get<ChangePeerV2Command>(*CommandFor(leave, joint)).changes.empty());
  // Demoting the leader is refused.
  EXPECT_FALSE(
      CheckStep(enter, Info({kV1, kV2, kV3, {4, 4, PeerRole::kLearner}}, 3))
          .ok());
}

TEST(StepTest, SplitAndMerge) {
  const RegionInfo info = Info({kV1, kV2, kV3}, 1);
  SplitRegion split{"a", "z", {}};
  EXPECT_FALSE(IsFinished(split, info));
  RegionInfo shrunk = info;
  shrunk.heartbeat.region.end_key = "m";
  EXPECT_TRUE(IsFinished(split, shrunk));

  Region target = info.region();
  target.id = 2;
  target.start_key = "z";
  target.end_key = "";
  MergeRegion active{info.region(), target, false};
  MergeRegion passive{info.region(), target, true};
  EXPECT_FALSE(IsFinished(active, info));
  auto command = CommandFor(active, info);
  ASSERT_TRUE(command.has_value());
  EXPECT_EQ(std::get<MergeCommand>(*command).target.id, 2u);
  RegionInfo target_info = info;
  target_info.heartbeat.region = target;
  EXPECT_FALSE(CommandFor(passive, target_info).has_value());
  EXPECT_FALSE(IsFinished(passive, target_info));
  target_info.heartbeat.region.start_key = "a";
  target_info.heartbeat.region.epoch.version = 3;
  EXPECT_TRUE(IsFinished(passive, target_info));
  // A source whose epoch moved on cannot be merged as planned.
  RegionInfo changed = info;
  changed.heartbeat.region.epoch.conf_ver = 2;
  EXPECT_FALSE(CheckStep(active, changed).ok());
}

}  // namespace
}  // namespace pd::operators
