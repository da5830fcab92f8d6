// Spec: PdOperator.tla QuorumAlwaysAvailable. Move-peer operators built by
// the real builder keep a live quorum at every step, with simple and joint
// membership changes, even when another voter's store is dead.
#include "pd/core/model/move_walk.h"

#include <gtest/gtest.h>

namespace pd::model {
namespace {

TEST(MoveWalkTest, MovePeerKeepsALiveQuorumSimple) {
  MoveWalkResult result =
      RunMoveWalk({.seed = 1, .trials = 200, .use_joint_consensus = false});
  ASSERT_FALSE(result.violation.has_value()) << result.violation->ToString();
  EXPECT_EQ(result.trials_run, 200);
  EXPECT_GT(result.operators_succeeded, 180);
}

TEST(MoveWalkTest, MovePeerKeepsALiveQuorumJoint) {
  MoveWalkResult result =
      RunMoveWalk({.seed = 2, .trials = 200, .use_joint_consensus = true});
  ASSERT_FALSE(result.violation.has_value()) << result.violation->ToString();
  EXPECT_GT(result.operators_succeeded, 180);
}

}  // namespace
}  // namespace pd::model
