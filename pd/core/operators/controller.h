// The operator controller (pure): keeps at most one operator per region,
// enforces per-kind and per-store limits, advances operators on region
// heartbeats (returning the command to send), and drops operators that
// expire, time out or become impossible.
//
// Ref: PD pkg/schedule/operator/operator_controller.go; limits from PD
// pkg/schedule/config/config.go (reference/tikv.md §4.5).
#ifndef PD_CORE_OPERATORS_CONTROLLER_H_
#define PD_CORE_OPERATORS_CONTROLLER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "pd/core/cluster/cluster_view.h"
#include "pd/core/operators/operator.h"
#include "pd/core/operators/step.h"

namespace pd::operators {

struct ControllerOptions {
  // Per-kind limits on concurrent operators (PD defaults).
  uint64_t leader_schedule_limit = 4;
  uint64_t region_schedule_limit = 2048;
  uint64_t replica_schedule_limit = 64;
  uint64_t merge_schedule_limit = 8;
  uint64_t split_schedule_limit = 64;
  uint64_t hot_region_schedule_limit = 4;
  uint64_t admin_schedule_limit = 1024;
  // Per-store limits: concurrent peer additions (snapshots received) and
  // removals on one store. PD's store limit is a rate; a concurrency cap is
  // the pure equivalent.
  int64_t store_limit_add_peer = 16;
  int64_t store_limit_remove_peer = 16;
  OperatorOptions op;

  uint64_t LimitOf(uint32_t kind) const;
};

enum class RejectReason : uint8_t {
  kRegionUnknown,
  kEpochStale,
  kRegionBusy,  // another operator of equal or higher priority runs there
  kKindLimit,
  kStoreLimit,
  kStepStale,
};
std::string_view RejectReasonName(RejectReason reason);

struct Rejected {
  RejectReason reason = RejectReason::kRegionBusy;
  std::string detail;
  std::string ToString() const;
};

struct ControllerCounters {
  uint64_t added = 0;
  std::map<uint32_t, uint64_t> added_by_kind;  // one count per kind flag
  std::map<OpStatus, uint64_t> ended;
  uint64_t commands_sent = 0;
};

class OperatorController {
 public:
  explicit OperatorController(const ControllerOptions& options);

  const ControllerOptions& options() const { return options_; }

  // Adds one operator after checking the region, its epoch, priorities and
  // limits. A replica-repair or admin operator replaces a lower-priority one
  // (never a merge).
  core::base::Outcome<Rejected> AddOperator(Operator op,
                                            const cluster::ClusterView& view,
                                            int64_t now_ms);
  // Adds all or none (the two halves of a merge).
  core::base::Outcome<Rejected> AddOperators(std::vector<Operator> ops,
                                             const cluster::ClusterView& view,
                                             int64_t now_ms);

  // True when another operator with these kinds fits under the kind limits.
  bool KindAllowed(uint32_t kinds) const;
  uint64_t CountOfKind(uint32_t kind) const;

  // Processes a heartbeat from the region leader (after the view accepted
  // it): skips finished steps, ends finished or impossible operators, and
  // returns the command to send back, if any.
  std::optional<RegionCommand> Dispatch(const RegionInfo& info, int64_t now_ms);
  // The view dropped the region (merged away or replaced by a split): its
  // operator ends, as a success when it was the source of a merge.
  void OnRegionRemoved(RegionId region_id);
  // Ends operators whose deadline passed, whether or not heartbeats arrive.
  void PruneTimedOut(int64_t now_ms);

  const Operator* GetOperator(RegionId region_id) const;
  const std::map<RegionId, Operator>& operators() const { return operators_; }
  // Influence of all pending operators on per-store counts.
  Influence PendingInfluence(const cluster::ClusterView& view) const;
  const ControllerCounters& counters() const { return counters_; }
  // The regions given an operator since the last call, oldest first: the
  // server sends each one's first step to the leader at once rather than
  // waiting for its next heartbeat (Ref: PD operator_controller.go
  // addOperatorLocked -> SendScheduleCommand).
  std::vector<RegionId> TakeNewlyAdded();

 private:
  core::base::Outcome<Rejected> CheckAdd(const Operator& op,
                                         const cluster::ClusterView& view,
                                         const Influence& pending) const;
  void Insert(Operator op);
  // Ends and removes the region's operator, and cancels a merge partner.
  void Finish(RegionId region_id, OpStatus status);
  Influence StepLoad() const;

  ControllerOptions options_;
  std::map<RegionId, Operator> operators_;
  std::map<RegionId, RegionId> merge_partner_;
  std::vector<RegionId> newly_added_;
  ControllerCounters counters_;
};

}  // namespace pd::operators

#endif  // PD_CORE_OPERATORS_CONTROLLER_H_
