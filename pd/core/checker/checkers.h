// Checkers: per-region repairs PD's patrol runs over every region.
//  - CheckReplicas: down, offline, missing and excess replicas.
//  - CheckSplit: oversized regions.
//  - CheckMerge: small regions merged into a small adjacent neighbour, after
//    aligning their peers.
// Each returns the operators to add (none when the region is fine). They skip
// regions that already have an operator.
// Ref: PD pkg/schedule/checker (replica_checker.go, merge_checker.go,
// split_checker.go); reference/tikv.md §4.5.
#ifndef PD_CORE_CHECKER_CHECKERS_H_
#define PD_CORE_CHECKER_CHECKERS_H_

#include <optional>
#include <vector>

#include "pd/core/schedule/context.h"

namespace pd::checker {

using schedule::ScheduleContext;

// In priority order: (1) a down peer is replaced (or just removed when
// there are more replicas than needed); (2) an offline peer is replaced;
// (3) a missing replica is added on the store with the fewest regions;
// (4) an excess peer is removed, preferring learners, then unhealthy peers,
// then the store with the most regions. Joint regions are left alone.
std::optional<operators::Operator> CheckReplicas(
    ScheduleContext& ctx, const cluster::RegionInfo& info);

// A region above region_max_size_bytes or region_max_keys is split in the
// middle.
std::optional<operators::Operator> CheckSplit(ScheduleContext& ctx,
                                              const cluster::RegionInfo& info);

// A healthy region smaller than max_merge_region_size/keys, whose range has
// not changed for split_merge_interval, is merged into its smaller healthy
// neighbour when the result stays under region_split_size_bytes. When their
// peers differ, one peer of the source is moved first (one operator);
// otherwise the merge pair is returned (two operators).
std::vector<operators::Operator> CheckMerge(ScheduleContext& ctx,
                                            const cluster::RegionInfo& info);

}  // namespace pd::checker

#endif  // PD_CORE_CHECKER_CHECKERS_H_
