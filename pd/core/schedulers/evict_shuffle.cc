// evict-leader, shuffle-leader and shuffle-region.
// Ref: PD
// pkg/schedule/schedulers/{evict_leader,shuffle_leader,shuffle_region}.go.
#include <vector>

#include "pd/core/operators/builder.h"
#include "pd/core/schedule/filters.h"
#include "pd/core/schedulers/scheduler.h"

namespace pd::schedulers {

using core::region::PeerRole;
using operators::Operator;
using schedule::Peer;
using schedule::RegionId;

namespace {

class EvictLeaderScheduler final : public Scheduler {
 public:
  explicit EvictLeaderScheduler(std::set<StoreId> stores)
      : stores_(std::move(stores)) {}
  std::string_view name() const override { return "evict-leader"; }
  uint32_t kinds() const override { return operators::kOpLeader; }

  std::optional<Operator> Schedule(ScheduleContext& ctx) override {
    const schedule::StoreScores scores = schedule::ComputeScores(ctx);
    for (StoreId store : stores_) {
      for (RegionId id : ctx.view.LeadersOnStore(store)) {
        const cluster::RegionInfo& info = *ctx.view.GetRegion(id);
        if (ctx.controller.GetOperator(id) != nullptr) continue;
        StoreId target = 0;
        for (const Peer& peer : info.region().peers) {
          if (peer.role != PeerRole::kVoter ||
              stores_.count(peer.store_id) != 0 || info.IsDownPeer(peer.id) ||
              info.IsPendingPeer(peer.id) ||
              !schedule::IsSourceStore(ctx, peer.store_id)) {
            continue;
          }
          if (target == 0 || scores.leader_count.at(peer.store_id) <
                                 scores.leader_count.at(target)) {
            target = peer.store_id;
          }
        }
        if (target == 0) continue;
        auto op = operators::CreateTransferLeaderOperator(
            "evict-leader", info, target, operators::kOpLeader, ctx.now_ms);
        if (op.ok()) return op.value();
      }
    }
    return std::nullopt;
  }

 private:
  std::set<StoreId> stores_;
};

std::vector<StoreId> UpStores(const ScheduleContext& ctx) {
  std::vector<StoreId> stores;
  for (const auto& [id, store] : ctx.view.stores()) {
    if (schedule::IsSourceStore(ctx, id)) stores.push_back(id);
  }
  return stores;
}

// Ref: PD shuffle-leader: pick a random store, then a random region with a
// follower there, and move the leader to it.
class ShuffleLeaderScheduler final : public Scheduler {
 public:
  std::string_view name() const override { return "shuffle-leader"; }
  uint32_t kinds() const override { return operators::kOpLeader; }

  std::optional<Operator> Schedule(ScheduleContext& ctx) override {
    const std::vector<StoreId> stores = UpStores(ctx);
    if (stores.empty()) return std::nullopt;
    const StoreId target = stores[ctx.prng.Uniform(stores.size())];
    if (ctx.config.leader_blocked_stores.count(target) != 0)
      return std::nullopt;
    for (RegionId id :
         schedule::RotatedIds(ctx.view.RegionsOnStore(target), ctx.prng)) {
      const cluster::RegionInfo& info = *ctx.view.GetRegion(id);
      if (info.leader().store_id == target ||
          !schedule::IsHealthyForBalance(ctx, info))
        continue;
      auto op = operators::CreateTransferLeaderOperator(
          "shuffle-leader", info, target, operators::kOpLeader, ctx.now_ms);
      if (op.ok()) return op.value();
    }
    return std::nullopt;
  }
};

// Ref: PD shuffle-region: a random peer of a random region moves to a random
// store.
class ShuffleRegionScheduler final : public Scheduler {
 public:
  std::string_view name() const override { return "shuffle-region"; }
  uint32_t kinds() const override { return operators::kOpRegion; }

  std::optional<Operator> Schedule(ScheduleContext& ctx) override {
    const std::vector<StoreId> stores = UpStores(ctx);
    if (stores.size() < 2) return std::nullopt;
    const StoreId source = stores[ctx.prng.Uniform(stores.size())];
    for (RegionId id :
         schedule::RotatedIds(ctx.view.RegionsOnStore(source), ctx.prng)) {
      const cluster::RegionInfo& info = *ctx.view.GetRegion(id);
      if (!schedule::IsHealthyForBalance(ctx, info)) continue;
      std::vector<StoreId> targets;
      for (StoreId store : stores) {
        if (info.region().FindPeerOnStore(store) == nullptr &&
            schedule::IsTargetStore(ctx, store)) {
          targets.push_back(store);
        }
      }
      if (targets.empty()) continue;
      const StoreId target = targets[ctx.prng.Uniform(targets.size())];
      auto op = operators::CreateMovePeerOperator(
          "shuffle-region", info, source, target, ctx.alloc_id(),
          operators::kOpRegion,
          {.use_joint_consensus = ctx.config.use_joint_consensus}, ctx.now_ms);
      if (op.ok()) return op.value();
    }
    return std::nullopt;
  }
};

}  // namespace

std::unique_ptr<Scheduler> NewEvictLeaderScheduler(std::set<StoreId> stores) {
  return std::make_unique<EvictLeaderScheduler>(std::move(stores));
}

std::unique_ptr<Scheduler> NewShuffleLeaderScheduler() {
  return std::make_unique<ShuffleLeaderScheduler>();
}

std::unique_ptr<Scheduler> NewShuffleRegionScheduler() {
  return std::make_unique<ShuffleRegionScheduler>();
}

}  // namespace pd::schedulers
