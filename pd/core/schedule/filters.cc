#include "pd/core/schedule/filters.h"

#include <algorithm>
#include <map>
#include <set>

namespace pd::schedule {

using cluster::StoreStatus;

bool IsTargetStore(const ScheduleContext& ctx, StoreId store) {
  const cluster::StoreInfo* info = ctx.view.GetStore(store);
  if (info == nullptr || ctx.view.Status(store, ctx.now_ms) != StoreStatus::kUp)
    return false;
  if (info->stats.is_busy) return false;
  const auto& stats = info->stats;
  if (stats.capacity_bytes > 0 &&
      static_cast<double>(stats.used_bytes) >
          ctx.config.low_space_ratio *
              static_cast<double>(stats.capacity_bytes)) {
    return false;
  }
  return true;
}

bool IsSourceStore(const ScheduleContext& ctx, StoreId store) {
  return ctx.view.GetStore(store) != nullptr &&
         ctx.view.Status(store, ctx.now_ms) == StoreStatus::kUp;
}

bool IsPeerDown(const ScheduleContext& ctx, const RegionInfo& info,
                const Peer& peer) {
  const cluster::StoreInfo* store = ctx.view.GetStore(peer.store_id);
  if (store == nullptr) return true;
  if (ctx.view.Status(peer.store_id, ctx.now_ms) == StoreStatus::kDown)
    return true;
  for (const cluster::DownPeer& down : info.heartbeat.down_peers) {
    if (down.peer.id == peer.id &&
        down.down_seconds * 1000 > ctx.view.options().max_store_down_time_ms) {
      return true;
    }
  }
  return false;
}

bool IsPeerOffline(const ScheduleContext& ctx, const Peer& peer) {
  const cluster::StoreInfo* store = ctx.view.GetStore(peer.store_id);
  return store != nullptr && store->state != cluster::StoreState::kUp;
}

bool IsHealthyForBalance(const ScheduleContext& ctx, const RegionInfo& info) {
  const Region& region = info.region();
  if (ctx.controller.GetOperator(region.id) != nullptr) return false;
  if (!info.heartbeat.down_peers.empty() ||
      !info.heartbeat.pending_peers.empty())
    return false;
  if (region.InJointState()) return false;
  return region.peers.size() == ctx.config.max_replicas &&
         region.IncomingVoters().size() == ctx.config.max_replicas;
}

StoreScores ComputeScores(const ScheduleContext& ctx) {
  StoreScores scores;
  scores.influence = ctx.controller.PendingInfluence(ctx.view);
  for (const auto& [id, store] : ctx.view.stores()) {
    const cluster::StoreRegionStats stats = ctx.view.RegionStatsOf(id);
    const operators::StoreInfluence& delta = scores.influence[id];
    scores.region_count[id] =
        static_cast<int64_t>(stats.region_count) + delta.region_count;
    scores.leader_count[id] =
        static_cast<int64_t>(stats.leader_count) + delta.leader_count;
  }
  return scores;
}

int64_t ScoreOf(const std::map<StoreId, int64_t>& scores, StoreId store) {
  auto it = scores.find(store);
  return it == scores.end() ? 0 : it->second;
}

bool StoreCanAddPeer(const ScheduleContext& ctx, const StoreScores& scores,
                     StoreId store) {
  auto it = scores.influence.find(store);
  const int64_t adding =
      it == scores.influence.end() ? 0 : it->second.adding_peers;
  return adding < ctx.controller.options().store_limit_add_peer;
}

bool StoreCanRemovePeer(const ScheduleContext& ctx, const StoreScores& scores,
                        StoreId store) {
  auto it = scores.influence.find(store);
  const int64_t removing =
      it == scores.influence.end() ? 0 : it->second.removing_peers;
  return removing < ctx.controller.options().store_limit_remove_peer;
}

StoreId PickTargetForPeer(const ScheduleContext& ctx, const StoreScores& scores,
                          const Region& region) {
  StoreId best = 0;
  for (const auto& [id, count] : scores.region_count) {
    if (region.FindPeerOnStore(id) != nullptr || !IsTargetStore(ctx, id) ||
        !StoreCanAddPeer(ctx, scores, id)) {
      continue;
    }
    if (best == 0 || count < scores.region_count.at(best)) best = id;
  }
  return best;
}

std::vector<RegionId> RotatedIds(const std::set<RegionId>& ids,
                                 core::base::Prng& prng) {
  std::vector<RegionId> out(ids.begin(), ids.end());
  if (out.size() > 1) {
    const size_t start = prng.Uniform(out.size());
    std::rotate(out.begin(), out.begin() + start, out.end());
  }
  return out;
}

}  // namespace pd::schedule
