// balance-leader and balance-region.
#include <algorithm>
#include <vector>

#include "pd/core/operators/builder.h"
#include "pd/core/schedule/filters.h"
#include "pd/core/schedulers/scheduler.h"

namespace pd::schedulers {

using core::region::PeerRole;
using operators::Operator;
using schedule::Peer;
using schedule::RegionId;
using schedule::StoreScores;

namespace {

// Store ids sorted by `score` descending (ties: lower id first).
std::vector<StoreId> ByScoreDescending(const std::map<StoreId, int64_t>& score,
                                       const std::vector<StoreId>& stores) {
  std::vector<StoreId> sorted = stores;
  std::stable_sort(sorted.begin(), sorted.end(), [&](StoreId a, StoreId b) {
    return score.at(a) > score.at(b);
  });
  return sorted;
}

std::vector<StoreId> ByScoreAscending(const std::map<StoreId, int64_t>& score,
                                      const std::vector<StoreId>& stores) {
  std::vector<StoreId> sorted = stores;
  std::stable_sort(sorted.begin(), sorted.end(), [&](StoreId a, StoreId b) {
    return score.at(a) < score.at(b);
  });
  return sorted;
}

bool CanLead(const ScheduleContext& ctx, const cluster::RegionInfo& info,
             StoreId store) {
  const Peer* peer = info.region().FindPeerOnStore(store);
  return peer != nullptr && peer->role == PeerRole::kVoter &&
         !info.IsDownPeer(peer->id) && !info.IsPendingPeer(peer->id) &&
         ctx.config.leader_blocked_stores.count(store) == 0;
}

class BalanceLeaderScheduler final : public Scheduler {
 public:
  std::string_view name() const override { return "balance-leader"; }
  uint32_t kinds() const override { return operators::kOpLeader; }

  std::optional<Operator> Schedule(ScheduleContext& ctx) override {
    const StoreScores scores = schedule::ComputeScores(ctx);
    std::vector<StoreId> stores;
    for (const auto& [id, store] : ctx.view.stores()) {
      if (schedule::IsSourceStore(ctx, id)) stores.push_back(id);
    }
    const std::vector<StoreId> targets =
        ByScoreAscending(scores.leader_count, stores);
    for (StoreId source : ByScoreDescending(scores.leader_count, stores)) {
      for (StoreId target : targets) {
        if (scores.leader_count.at(source) - scores.leader_count.at(target) <
            ctx.config.balance_min_gap) {
          break;
        }
        if (auto op = TransferOne(ctx, source, target)) return op;
      }
    }
    return std::nullopt;
  }

 private:
  std::optional<Operator> TransferOne(ScheduleContext& ctx, StoreId source,
                                      StoreId target) {
    for (RegionId id :
         schedule::RotatedIds(ctx.view.LeadersOnStore(source), ctx.prng)) {
      const cluster::RegionInfo& info = *ctx.view.GetRegion(id);
      if (!schedule::IsHealthyForBalance(ctx, info) ||
          !CanLead(ctx, info, target))
        continue;
      auto op = operators::CreateTransferLeaderOperator(
          "balance-leader", info, target, operators::kOpLeader, ctx.now_ms);
      if (op.ok()) return op.value();
    }
    return std::nullopt;
  }
};

class BalanceRegionScheduler final : public Scheduler {
 public:
  std::string_view name() const override { return "balance-region"; }
  uint32_t kinds() const override { return operators::kOpRegion; }

  std::optional<Operator> Schedule(ScheduleContext& ctx) override {
    const StoreScores scores = schedule::ComputeScores(ctx);
    std::vector<StoreId> sources;
    std::vector<StoreId> targets;
    for (const auto& [id, store] : ctx.view.stores()) {
      if (schedule::IsSourceStore(ctx, id) &&
          schedule::StoreCanRemovePeer(ctx, scores, id)) {
        sources.push_back(id);
      }
      if (schedule::IsTargetStore(ctx, id) &&
          schedule::StoreCanAddPeer(ctx, scores, id)) {
        targets.push_back(id);
      }
    }
    targets = ByScoreAscending(scores.region_count, targets);
    sources = ByScoreDescending(scores.region_count, sources);
    // First try to move followers only, so no leader transfer is needed;
    // then allow moving a peer that leads (its leadership moves first).
    const bool leader_allowed =
        ctx.controller.KindAllowed(operators::kOpRegion | operators::kOpLeader);
    for (bool allow_leader : {false, true}) {
      if (allow_leader && !leader_allowed) break;
      for (StoreId source : sources) {
        for (StoreId target : targets) {
          if (scores.region_count.at(source) - scores.region_count.at(target) <
              ctx.config.balance_min_gap) {
            break;
          }
          if (auto op = MoveOne(ctx, source, target, allow_leader)) return op;
        }
      }
    }
    return std::nullopt;
  }

 private:
  std::optional<Operator> MoveOne(ScheduleContext& ctx, StoreId source,
                                  StoreId target, bool allow_leader) {
    for (RegionId id :
         schedule::RotatedIds(ctx.view.RegionsOnStore(source), ctx.prng)) {
      const cluster::RegionInfo& info = *ctx.view.GetRegion(id);
      if (!schedule::IsHealthyForBalance(ctx, info) ||
          info.region().FindPeerOnStore(target) != nullptr ||
          (!allow_leader && info.leader().store_id == source)) {
        continue;
      }
      auto op = operators::CreateMovePeerOperator(
          "balance-region", info, source, target, ctx.alloc_id(),
          operators::kOpRegion,
          {.use_joint_consensus = ctx.config.use_joint_consensus}, ctx.now_ms);
      if (op.ok()) return op.value();
    }
    return std::nullopt;
  }
};

}  // namespace

std::unique_ptr<Scheduler> NewBalanceLeaderScheduler() {
  return std::make_unique<BalanceLeaderScheduler>();
}

std::unique_ptr<Scheduler> NewBalanceRegionScheduler() {
  return std::make_unique<BalanceRegionScheduler>();
}

}  // namespace pd::schedulers
