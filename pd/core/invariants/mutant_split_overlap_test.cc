// Mutation test: built with MUTANT_PD_SPLIT_OVERLAP (BUILD) in
// core/region split_merge, in which a split's left part also covers the split
// key. The test passes iff the split/merge walk reports RangesDisjoint.
#include <gtest/gtest.h>

#include "pd/core/invariants/split_merge_walk.h"

namespace pd::invariants {
namespace {

TEST(MutantSplitOverlapTest, RangesDisjointCatchesOverlappingSplit) {
  SplitMergeWalkResult result = RunSplitMergeWalk({.seed = 7, .steps = 50});
  ASSERT_TRUE(result.violation.has_value())
      << "MUTANT_PD_SPLIT_OVERLAP was not caught";
  EXPECT_EQ(result.violation->invariant, "RangesDisjoint")
      << result.violation->ToString();
}

}  // namespace
}  // namespace pd::invariants
