// What checkers and schedulers see: the cluster view, the operator
// controller (for pending operators and their influence), the configuration,
// the current time, a seeded PRNG and a peer-id source. Pure: nothing here
// reads a clock or ambient randomness.
#ifndef PD_CORE_SCHEDULE_CONTEXT_H_
#define PD_CORE_SCHEDULE_CONTEXT_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <vector>

#include "core/base/prng.h"
#include "pd/core/cluster/cluster_view.h"
#include "pd/core/operators/controller.h"
#include "pd/core/operators/operator.h"

namespace pd::schedule {

using cluster::RegionInfo;
using core::region::Peer;
using core::region::PeerId;
using core::region::Region;
using core::region::RegionId;
using core::region::StoreId;
using operators::Operator;

constexpr uint64_t kMiB = uint64_t{1} << 20;

// Ref: PD pkg/schedule/config/config.go defaults (reference/tikv.md §4.5).
struct ScheduleConfig {
  size_t max_replicas = 3;
  // Merge checker.
  uint64_t max_merge_region_size_bytes = 54 * kMiB;
  uint64_t max_merge_region_keys = 540'000;
  int64_t split_merge_interval_ms = 3'600'000;
  // Split checker (TiKV region-max-size = 1.5 x region-split-size).
  uint64_t region_split_size_bytes = 256 * kMiB;
  uint64_t region_max_size_bytes = 384 * kMiB;
  uint64_t region_max_keys = 3'840'000;
  // A store above this used/capacity ratio receives no new peers.
  double low_space_ratio = 0.8;
  // Balance schedulers move only when the source's score exceeds the
  // target's by at least this much (after pending operators), so that a
  // move never inverts the order and the schedulers stop at balance.
  int64_t balance_min_gap = 2;
  // Hot-region scheduler: a region is hot above this flow.
  double hot_region_min_bytes_per_second = 1.0 * kMiB;
  // Replace peers through joint consensus.
  bool use_joint_consensus = false;
  // Stores that must not receive leaders (set for evict-leader).
  std::set<StoreId> leader_blocked_stores;
};

// Returns a fresh peer id, or 0 when none is available now.
using IdSource = std::function<uint64_t()>;

struct ScheduleContext {
  const cluster::ClusterView& view;
  const operators::OperatorController& controller;
  const ScheduleConfig& config;
  int64_t now_ms = 0;
  core::base::Prng& prng;
  IdSource alloc_id;
};

}  // namespace pd::schedule

#endif  // PD_CORE_SCHEDULE_CONTEXT_H_
