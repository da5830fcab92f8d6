#include "pd/core/coordinator/coordinator.h"

#include "core/base/check.h"
#include "pd/core/checker/checkers.h"

namespace pd::coordinator {

namespace base = core::base;

Coordinator::Coordinator(const CoordinatorOptions& options, base::Prng& prng,
                         schedule::IdSource alloc_id)
    : options_(options),
      prng_(prng),
      alloc_id_(std::move(alloc_id)),
      view_(options.cluster),
      controller_(options.controller) {
  CHECK(alloc_id_ != nullptr);
}

void Coordinator::AddScheduler(
    std::unique_ptr<schedulers::Scheduler> scheduler) {
  schedulers_.push_back(std::move(scheduler));
}

void Coordinator::EvictLeaders(const std::set<StoreId>& stores) {
  options_.schedule.leader_blocked_stores.insert(stores.begin(), stores.end());
  AddScheduler(schedulers::NewEvictLeaderScheduler(stores));
}

base::Outcome<cluster::StoreError> Coordinator::OnStoreHeartbeat(
    StoreId store, const cluster::StoreStats& stats, int64_t now_ms) {
  return view_.HandleStoreHeartbeat(store, stats, now_ms);
}

base::Result<std::optional<operators::RegionCommand>,
             cluster::RegionHeartbeatError>
Coordinator::OnRegionHeartbeat(const cluster::RegionHeartbeat& heartbeat,
                               int64_t now_ms) {
  auto outcome = view_.HandleRegionHeartbeat(heartbeat, now_ms);
  if (!outcome.ok()) return base::MakeErr(outcome.error());
  for (schedule::RegionId removed : outcome.value().removed_overlaps) {
    controller_.OnRegionRemoved(removed);
  }
  return controller_.Dispatch(*view_.GetRegion(heartbeat.region.id), now_ms);
}

std::vector<std::pair<schedule::RegionId, operators::RegionCommand>>
Coordinator::TakeNewCommands(int64_t now_ms) {
  std::vector<std::pair<schedule::RegionId, operators::RegionCommand>> out;
  std::set<schedule::RegionId> seen;
  for (schedule::RegionId id : controller_.TakeNewlyAdded()) {
    if (!seen.insert(id).second) continue;  // replaced within the batch
    const cluster::RegionInfo* info = view_.GetRegion(id);
    if (info == nullptr) continue;
    if (auto command = controller_.Dispatch(*info, now_ms)) {
      out.emplace_back(id, std::move(*command));
    }
  }
  return out;
}

bool Coordinator::Add(std::vector<operators::Operator> ops,
                      const std::string& source, int64_t now_ms,
                      RoundStats& stats) {
  if (ops.empty()) return false;
  auto added =
      ops.size() == 1
          ? controller_.AddOperator(std::move(ops.front()), view_, now_ms)
          : controller_.AddOperators(std::move(ops), view_, now_ms);
  if (!added.ok()) {
    ++stats.rejected;
    return false;
  }
  ++stats.added[source];
  return true;
}

void Coordinator::Patrol(schedule::ScheduleContext& ctx, RoundStats& stats) {
  // Collect ids first: adding operators does not change the view, but keep
  // the iteration independent of it anyway.
  std::vector<schedule::RegionId> ids;
  ids.reserve(view_.regions().size());
  for (const auto& [id, info] : view_.regions()) ids.push_back(id);
  for (schedule::RegionId id : ids) {
    const cluster::RegionInfo* info = view_.GetRegion(id);
    if (info == nullptr || controller_.GetOperator(id) != nullptr) continue;
    if (options_.enable_replica_checker) {
      if (auto op = checker::CheckReplicas(ctx, *info)) {
        if (controller_.KindAllowed(op->kinds()))
          Add({*op}, "replica-checker", ctx.now_ms, stats);
        continue;
      }
    }
    if (options_.enable_split_checker) {
      if (auto op = checker::CheckSplit(ctx, *info)) {
        if (controller_.KindAllowed(op->kinds()))
          Add({*op}, "split-checker", ctx.now_ms, stats);
        continue;
      }
    }
    if (options_.enable_merge_checker &&
        controller_.KindAllowed(operators::kOpMerge)) {
      std::vector<operators::Operator> ops = checker::CheckMerge(ctx, *info);
      if (!ops.empty()) Add(std::move(ops), "merge-checker", ctx.now_ms, stats);
    }
  }
}

void Coordinator::RunSchedulers(schedule::ScheduleContext& ctx,
                                RoundStats& stats) {
  for (const auto& scheduler : schedulers_) {
    for (int call = 0; call < options_.max_schedule_calls_per_round; ++call) {
      if (!controller_.KindAllowed(scheduler->kinds())) break;
      std::optional<operators::Operator> op = scheduler->Schedule(ctx);
      if (!op.has_value()) break;
      if (!Add({std::move(*op)}, std::string(scheduler->name()), ctx.now_ms,
               stats))
        break;
    }
  }
}

void Coordinator::BuryEmptyOfflineStores(RoundStats& stats) {
  std::vector<StoreId> empty;
  for (const auto& [id, store] : view_.stores()) {
    if (store.state == cluster::StoreState::kOffline &&
        view_.RegionsOnStore(id).empty()) {
      empty.push_back(id);
    }
  }
  for (StoreId id : empty) {
    if (view_.BuryStore(id).ok()) stats.buried.push_back(id);
  }
}

core::base::Outcome<std::string> Coordinator::ScatterRegion(
    schedule::RegionId region_id, const std::string& group, int64_t now_ms) {
  schedule::ScheduleContext ctx{view_,  controller_, options_.schedule,
                                now_ms, prng_,       alloc_id_};
  auto op = scatterer_.Scatter(ctx, region_id, group);
  if (!op.ok()) return base::MakeErr(op.error().ToString());
  if (!op->has_value()) return base::Unit{};
  auto added = controller_.AddOperator(**std::move(op), view_, now_ms);
  if (!added.ok()) return base::MakeErr(added.error().ToString());
  return base::Unit{};
}

core::base::Outcome<std::string> Coordinator::SplitRegion(
    schedule::RegionId region_id, std::vector<core::base::Bytes> keys,
    int64_t now_ms) {
  const cluster::RegionInfo* info = view_.GetRegion(region_id);
  if (info == nullptr) {
    return base::MakeErr("region " + std::to_string(region_id) + " is unknown");
  }
  for (const core::base::Bytes& key : keys) {
    if (!info->region().ContainsKey(key) || key == info->region().start_key) {
      return base::MakeErr("split key is not inside region " +
                           std::to_string(region_id));
    }
  }
  auto added = controller_.AddOperator(
      operators::CreateSplitOperator("split-region", *info, std::move(keys),
                                     operators::kOpAdmin, now_ms),
      view_, now_ms);
  if (!added.ok()) return base::MakeErr(added.error().ToString());
  return base::Unit{};
}

RoundStats Coordinator::RunRound(int64_t now_ms) {
  RoundStats stats;
  controller_.PruneTimedOut(now_ms);
  BuryEmptyOfflineStores(stats);
  schedule::ScheduleContext ctx{view_,  controller_, options_.schedule,
                                now_ms, prng_,       alloc_id_};
  Patrol(ctx, stats);
  RunSchedulers(ctx, stats);
  return stats;
}

}  // namespace pd::coordinator
