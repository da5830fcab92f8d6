// An operator: a sequence of steps on one region, created against the
// region's epoch, advanced by heartbeats, and ended by success, timeout,
// cancellation or replacement.
//
// Ref: PD pkg/schedule/operator/operator.go (OpKind, OpStatus, Check,
// CheckTimeout, influence); reference/tikv.md §4.5.
#ifndef PD_CORE_OPERATORS_OPERATOR_H_
#define PD_CORE_OPERATORS_OPERATOR_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pd/core/cluster/cluster_view.h"
#include "pd/core/operators/step.h"

namespace pd::operators {

// Bit flags; an operator has one or more kinds, and each kind has its own
// limit in the controller.
enum OpKind : uint32_t {
  kOpLeader = 1u << 0,   // moves leaders
  kOpRegion = 1u << 1,   // moves peers (balance)
  kOpReplica = 1u << 2,  // repairs replica count or health
  kOpMerge = 1u << 3,
  kOpSplit = 1u << 4,
  kOpHotRegion = 1u << 5,
  kOpAdmin = 1u << 6,  // asked for by an administrator (evict-leader, ...)
};
inline constexpr uint32_t kAllOpKinds[] = {kOpLeader, kOpRegion, kOpReplica,
                                           kOpMerge,  kOpSplit,  kOpHotRegion,
                                           kOpAdmin};
std::string OpKindsToString(uint32_t kinds);

enum class OpStatus : uint8_t {
  kCreated,  // added, no step dispatched yet
  kStarted,  // a command was sent
  kSuccess,
  kCanceled,  // a step became impossible or the region went away
  kReplaced,  // a more urgent operator took the region
  kExpired,   // not started within OperatorOptions::expire_ms
  kTimeout,   // a step took too long
};
std::string_view OpStatusName(OpStatus status);
inline bool IsEndStatus(OpStatus status) {
  return status != OpStatus::kCreated && status != OpStatus::kStarted;
}

struct OperatorOptions {
  // Ref: PD OperatorExpireTime = 3 s.
  int64_t expire_ms = 3'000;
  // Ref: PD FastStepWaitTime / SlowStepWaitTime (size-independent here).
  int64_t fast_step_timeout_ms = 60'000;
  int64_t slow_step_timeout_ms = 10 * 60'000;
};

// How a pending operator will change per-store counts once it is done, so
// schedulers do not over-schedule a store (Ref: PD OpInfluence).
struct StoreInfluence {
  int64_t region_count = 0;
  int64_t leader_count = 0;
  int64_t region_size_bytes = 0;
  int64_t adding_peers = 0;    // AddLearner steps still to finish
  int64_t removing_peers = 0;  // RemovePeer steps still to finish
};
using Influence = std::map<StoreId, StoreInfluence>;

class Operator {
 public:
  Operator(std::string desc, RegionId region_id, RegionEpoch epoch,
           uint32_t kinds, std::vector<OpStep> steps, int64_t create_ms);

  const std::string& desc() const { return desc_; }
  RegionId region_id() const { return region_id_; }
  const RegionEpoch& epoch() const { return epoch_; }
  uint32_t kinds() const { return kinds_; }
  const std::vector<OpStep>& steps() const { return steps_; }
  size_t current_step_index() const { return current_; }
  OpStatus status() const { return status_; }
  int64_t create_ms() const { return create_ms_; }

  // Skips every finished step given the latest heartbeat. Returns the step to
  // carry out next, or nullptr when the operator ended (success, or
  // cancellation because the next step became impossible).
  const OpStep* Check(const RegionInfo& info, int64_t now_ms);
  // Records that the current step's command was sent.
  void MarkStarted(int64_t now_ms);
  // Ends the operator as expired or timed out when its deadline passed.
  // Returns true when it did.
  bool CheckTimeout(int64_t now_ms, const OperatorOptions& options);
  void End(OpStatus status);

  // The effect of the unfinished steps on per-store counts (added into
  // `influence`). `info` gives the region size and current leader.
  void AddInfluence(const RegionInfo& info, Influence& influence) const;

  std::string ToString() const;

 private:
  std::string desc_;
  RegionId region_id_;
  RegionEpoch epoch_;
  uint32_t kinds_;
  std::vector<OpStep> steps_;
  size_t current_ = 0;
  OpStatus status_ = OpStatus::kCreated;
  int64_t create_ms_;
  int64_t step_start_ms_;
};

}  // namespace pd::operators

#endif  // PD_CORE_OPERATORS_OPERATOR_H_
