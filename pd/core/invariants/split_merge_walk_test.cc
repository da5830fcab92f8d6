// The split/merge random walk keeps RangesDisjoint, RangesCoverKeySpace and
// EpochMonotonic over many seeds with the real split and merge code.
#include "pd/core/invariants/split_merge_walk.h"

#include <gtest/gtest.h>

namespace pd::invariants {
namespace {

// Ref: TiKV BatchSplit / CommitMerge epoch rules (reference/tikv.md §3).
TEST(SplitMergeWalkTest, InvariantsHoldAcrossSplitsAndMerges) {
  int total_splits = 0;
  int total_merges = 0;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    SplitMergeWalkResult result =
        RunSplitMergeWalk({.seed = seed, .steps = 150});
    ASSERT_FALSE(result.violation.has_value())
        << "seed " << seed << ": " << result.violation->ToString();
    EXPECT_EQ(result.steps_run, 150);
    total_splits += result.splits;
    total_merges += result.merges;
  }
  // The walk really exercised both operations.
  EXPECT_GT(total_splits, 1000);
  EXPECT_GT(total_merges, 300);
}

}  // namespace
}  // namespace pd::invariants
