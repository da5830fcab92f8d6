// A seeded random walk of splits and merges over the key space, checking
// RangesDisjoint, RangesCoverKeySpace and EpochMonotonic after every step.
// Test-only: run over the real split/merge code, and over it built with the
// MUTANT_PD_SPLIT_OVERLAP mutant, which it must catch.
#ifndef PD_CORE_INVARIANTS_SPLIT_MERGE_WALK_H_
#define PD_CORE_INVARIANTS_SPLIT_MERGE_WALK_H_

#include <cstdint>
#include <optional>

#include "pd/core/invariants/invariants.h"

namespace pd::invariants {

struct SplitMergeWalkOptions {
  uint64_t seed = 1;
  int steps = 200;
};

struct SplitMergeWalkResult {
  int steps_run = 0;
  int splits = 0;
  int merges = 0;
  std::optional<Violation> violation;  // the first one found
};

SplitMergeWalkResult RunSplitMergeWalk(const SplitMergeWalkOptions& options);

}  // namespace pd::invariants

#endif  // PD_CORE_INVARIANTS_SPLIT_MERGE_WALK_H_
