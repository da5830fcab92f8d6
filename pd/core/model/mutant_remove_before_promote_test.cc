// Mutation test: built with MUTANT_PD_REMOVE_BEFORE_PROMOTE (BUILD) in the
// operator builder, which removes (or demotes) the replaced voter
// while its replacement is still a learner. With another voter dead that
// leaves no live quorum. Passes iff QuorumAlwaysAvailable reports it, for
// both the simple and the joint-consensus step sequences.
#include <gtest/gtest.h>

#include "pd/core/model/move_walk.h"

namespace pd::model {
namespace {

TEST(MutantRemoveBeforePromoteTest, QuorumAlwaysAvailableCatchesItSimple) {
  MoveWalkResult result =
      RunMoveWalk({.seed = 1, .trials = 200, .use_joint_consensus = false});
  ASSERT_TRUE(result.violation.has_value())
      << "MUTANT_PD_REMOVE_BEFORE_PROMOTE was not caught";
  EXPECT_EQ(result.violation->invariant, "QuorumAlwaysAvailable");
}

TEST(MutantRemoveBeforePromoteTest, QuorumAlwaysAvailableCatchesItJoint) {
  MoveWalkResult result =
      RunMoveWalk({.seed = 2, .trials = 200, .use_joint_consensus = true});
  ASSERT_TRUE(result.violation.has_value())
      << "MUTANT_PD_REMOVE_BEFORE_PROMOTE was not caught";
  EXPECT_EQ(result.violation->invariant, "QuorumAlwaysAvailable");
}

}  // namespace
}  // namespace pd::model
