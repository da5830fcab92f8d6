#include "pd/core/operators/controller.h"

#include "core/base/check.h"

namespace pd::operators {

namespace base = core::base;

uint64_t ControllerOptions::LimitOf(uint32_t kind) const {
  switch (kind) {
    case kOpLeader:
      return leader_schedule_limit;
    case kOpRegion:
      return region_schedule_limit;
    case kOpReplica:
      return replica_schedule_limit;
    case kOpMerge:
      return merge_schedule_limit;
    case kOpSplit:
      return split_schedule_limit;
    case kOpHotRegion:
      return hot_region_schedule_limit;
    case kOpAdmin:
      return admin_schedule_limit;
  }
  UNREACHABLE() << kind;
  return 0;
}

std::string_view RejectReasonName(RejectReason reason) {
  switch (reason) {
    case RejectReason::kRegionUnknown:
      return "region unknown";
    case RejectReason::kEpochStale:
      return "epoch stale";
    case RejectReason::kRegionBusy:
      return "region busy";
    case RejectReason::kKindLimit:
      return "kind limit";
    case RejectReason::kStoreLimit:
      return "store limit";
    case RejectReason::kStepStale:
      return "step stale";
  }
  UNREACHABLE();
  return "";
}

std::string Rejected::ToString() const {
  return "operator rejected (" + std::string(RejectReasonName(reason)) +
         "): " + detail;
}

namespace {

int Priority(uint32_t kinds) {
  if (kinds & kOpAdmin) return 3;
  if (kinds & kOpReplica) return 2;
  return 1;
}

base::Outcome<Rejected> Reject(RejectReason reason, std::string detail) {
  return base::MakeErr(Rejected{reason, std::move(detail)});
}

}  // namespace

OperatorController::OperatorController(const ControllerOptions& options)
    : options_(options) {
  CHECK_GT(options_.store_limit_add_peer, 0);
  CHECK_GT(options_.store_limit_remove_peer, 0);
}

uint64_t OperatorController::CountOfKind(uint32_t kind) const {
  uint64_t count = 0;
  for (const auto& [id, op] : operators_) {
    if (op.kinds() & kind) ++count;
  }
  return count;
}

bool OperatorController::KindAllowed(uint32_t kinds) const {
  for (uint32_t kind : kAllOpKinds) {
    if ((kinds & kind) && CountOfKind(kind) >= options_.LimitOf(kind))
      return false;
  }
  return true;
}

Influence OperatorController::StepLoad() const {
  // Only the step counters matter here; sizes come from the view.
  Influence load;
  RegionInfo empty;
  for (const auto& [id, op] : operators_) {
    empty.heartbeat.region.id = id;
    op.AddInfluence(empty, load);
  }
  return load;
}

base::Outcome<Rejected> OperatorController::CheckAdd(
    const Operator& op, const cluster::ClusterView& view,
    const Influence& pending) const {
  const RegionInfo* info = view.GetRegion(op.region_id());
  if (info == nullptr) {
    return Reject(RejectReason::kRegionUnknown,
                  "region " + std::to_string(op.region_id()));
  }
  if (!(info->region().epoch == op.epoch())) {
    return Reject(RejectReason::kEpochStale, op.desc());
  }
  if (!CheckStep(op.steps().front(), *info).ok()) {
    return Reject(RejectReason::kStepStale, op.desc());
  }
  if (const Operator* existing = GetOperator(op.region_id())) {
    if ((existing->kinds() & kOpMerge) ||
        Priority(op.kinds()) <= Priority(existing->kinds())) {
      return Reject(RejectReason::kRegionBusy, existing->desc());
    }
  }
  if (!KindAllowed(op.kinds())) {
    return Reject(RejectReason::kKindLimit, OpKindsToString(op.kinds()));
  }
  Influence mine;
  op.AddInfluence(*info, mine);
  for (const auto& [store, delta] : mine) {
    auto it = pending.find(store);
    const StoreInfluence load =
        it == pending.end() ? StoreInfluence{} : it->second;
    if ((delta.adding_peers > 0 && load.adding_peers + delta.adding_peers >
                                       options_.store_limit_add_peer) ||
        (delta.removing_peers > 0 &&
         load.removing_peers + delta.removing_peers >
             options_.store_limit_remove_peer)) {
      return Reject(RejectReason::kStoreLimit,
                    "store " + std::to_string(store));
    }
  }
  return base::Unit{};
}

void OperatorController::Insert(Operator op) {
  const RegionId id = op.region_id();
  if (operators_.count(id) != 0) Finish(id, OpStatus::kReplaced);
  ++counters_.added;
  for (uint32_t kind : kAllOpKinds) {
    if (op.kinds() & kind) ++counters_.added_by_kind[kind];
  }
  operators_.emplace(id, std::move(op));
  newly_added_.push_back(id);
}

std::vector<RegionId> OperatorController::TakeNewlyAdded() {
  std::vector<RegionId> taken;
  taken.swap(newly_added_);
  return taken;
}

base::Outcome<Rejected> OperatorController::AddOperator(
    Operator op, const cluster::ClusterView& view, int64_t now_ms) {
  if (auto checked = CheckAdd(op, view, StepLoad()); !checked.ok())
    return checked;
  Insert(std::move(op));
  return base::Unit{};
}

base::Outcome<Rejected> OperatorController::AddOperators(
    std::vector<Operator> ops, const cluster::ClusterView& view,
    int64_t now_ms) {
  CHECK(!ops.empty());
  const Influence load = StepLoad();
  for (const Operator& op : ops) {
    if (auto checked = CheckAdd(op, view, load); !checked.ok()) return checked;
    if (ops.size() > 1 && GetOperator(op.region_id()) != nullptr) {
      return Reject(RejectReason::kRegionBusy, op.desc());
    }
  }
  if (ops.size() == 2) {
    merge_partner_[ops[0].region_id()] = ops[1].region_id();
    merge_partner_[ops[1].region_id()] = ops[0].region_id();
  }
  for (Operator& op : ops) Insert(std::move(op));
  return base::Unit{};
}

void OperatorController::Finish(RegionId region_id, OpStatus status) {
  auto it = operators_.find(region_id);
  if (it == operators_.end()) return;
  it->second.End(status);
  ++counters_.ended[it->second.status()];
  const bool succeeded = it->second.status() == OpStatus::kSuccess;
  operators_.erase(it);
  auto partner = merge_partner_.find(region_id);
  if (partner == merge_partner_.end()) return;
  const RegionId other = partner->second;
  merge_partner_.erase(partner);
  merge_partner_.erase(other);
  // A failed half cancels the other; a successful one leaves it to finish
  // from its own heartbeat.
  if (!succeeded) Finish(other, OpStatus::kCanceled);
}

std::optional<RegionCommand> OperatorController::Dispatch(
    const RegionInfo& info, int64_t now_ms) {
  auto it = operators_.find(info.region().id);
  if (it == operators_.end()) return std::nullopt;
  Operator& op = it->second;
  const OpStep* step = op.Check(info, now_ms);
  if (step == nullptr) {
    Finish(info.region().id, op.status());
    return std::nullopt;
  }
  if (op.CheckTimeout(now_ms, options_.op)) {
    Finish(info.region().id, op.status());
    return std::nullopt;
  }
  op.MarkStarted(now_ms);
  std::optional<RegionCommand> command = CommandFor(*step, info);
  if (command.has_value()) ++counters_.commands_sent;
  return command;
}

void OperatorController::OnRegionRemoved(RegionId region_id) {
  const Operator* op = GetOperator(region_id);
  if (op == nullptr) return;
  const OpStep& step = op->steps()[op->current_step_index()];
  const auto* merge = std::get_if<MergeRegion>(&step);
  const bool merged_away = merge != nullptr && !merge->is_passive;
  Finish(region_id, merged_away ? OpStatus::kSuccess : OpStatus::kCanceled);
}

void OperatorController::PruneTimedOut(int64_t now_ms) {
  std::vector<RegionId> ended;
  for (auto& [id, op] : operators_) {
    if (op.CheckTimeout(now_ms, options_.op)) ended.push_back(id);
  }
  for (RegionId id : ended) {
    // Finishing one half of a merge may already have removed the other.
    auto it = operators_.find(id);
    if (it != operators_.end()) Finish(id, it->second.status());
  }
}

const Operator* OperatorController::GetOperator(RegionId region_id) const {
  auto it = operators_.find(region_id);
  return it == operators_.end() ? nullptr : &it->second;
}

Influence OperatorController::PendingInfluence(
    const cluster::ClusterView& view) const {
  Influence influence;
  for (const auto& [id, op] : operators_) {
    if (const RegionInfo* info = view.GetRegion(id))
      op.AddInfluence(*info, influence);
  }
  return influence;
}

}  // namespace pd::operators
