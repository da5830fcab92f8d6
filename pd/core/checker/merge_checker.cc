#include "pd/core/checker/checkers.h"
#include "pd/core/operators/builder.h"
#include "pd/core/schedule/filters.h"

namespace pd::checker {

using operators::Operator;
using schedule::Peer;
using schedule::Region;
using schedule::StoreId;

namespace {

bool IsSmall(const ScheduleContext& ctx, const cluster::RegionInfo& info) {
  return info.heartbeat.approximate_size_bytes <=
             ctx.config.max_merge_region_size_bytes &&
         info.heartbeat.approximate_keys <= ctx.config.max_merge_region_keys;
}

bool CanMerge(const ScheduleContext& ctx, const cluster::RegionInfo& info) {
  return schedule::IsHealthyForBalance(ctx, info) &&
         ctx.now_ms - info.version_changed_ms >=
             ctx.config.split_merge_interval_ms;
}

// Moves one source peer that is not on a target store onto a target store
// the source lacks.
std::vector<Operator> AlignOnePeer(ScheduleContext& ctx,
                                   const cluster::RegionInfo& source,
                                   const cluster::RegionInfo& target) {
  const Region& from = source.region();
  const Region& to = target.region();
  StoreId move_from = 0;
  StoreId move_to = 0;
  for (const Peer& peer : from.peers) {
    if (to.FindPeerOnStore(peer.store_id) == nullptr) {
      move_from = peer.store_id;
      break;
    }
  }
  for (const Peer& peer : to.peers) {
    if (from.FindPeerOnStore(peer.store_id) == nullptr) {
      move_to = peer.store_id;
      break;
    }
  }
  if (move_from == 0 || move_to == 0 || !schedule::IsTargetStore(ctx, move_to))
    return {};
  auto op = operators::CreateMovePeerOperator(
      "align-peers-for-merge", source, move_from, move_to, ctx.alloc_id(),
      operators::kOpMerge | operators::kOpRegion,
      {.use_joint_consensus = ctx.config.use_joint_consensus}, ctx.now_ms);
  if (!op.ok()) return {};
  return {op.value()};
}

}  // namespace

std::vector<Operator> CheckMerge(ScheduleContext& ctx,
                                 const cluster::RegionInfo& info) {
  if (!CanMerge(ctx, info) || !IsSmall(ctx, info)) return {};
  const cluster::RegionInfo* best = nullptr;
  for (const cluster::RegionInfo* candidate :
       {ctx.view.PrevRegion(info.region()),
        ctx.view.NextRegion(info.region())}) {
    if (candidate == nullptr || !CanMerge(ctx, *candidate)) continue;
    if (candidate->heartbeat.approximate_size_bytes +
            info.heartbeat.approximate_size_bytes >
        ctx.config.region_split_size_bytes) {
      continue;
    }
    if (best == nullptr || candidate->heartbeat.approximate_size_bytes <
                               best->heartbeat.approximate_size_bytes) {
      best = candidate;
    }
  }
  if (best == nullptr) return {};
  if (!operators::PeersAligned(info.region(), best->region())) {
    return AlignOnePeer(ctx, info, *best);
  }
  auto ops =
      operators::CreateMergeOperators("merge-region", info, *best, ctx.now_ms);
  if (!ops.ok()) return {};
  return {ops.value().first, ops.value().second};
}

}  // namespace pd::checker
