#include "core/base/check.h"
#include "pd/core/checker/checkers.h"
#include "pd/core/operators/builder.h"
#include "pd/core/schedule/filters.h"

namespace pd::checker {

using core::region::PeerRole;
using operators::Operator;
using schedule::Peer;
using schedule::Region;
using schedule::StoreId;

namespace {

std::optional<Operator> Replace(ScheduleContext& ctx,
                                const cluster::RegionInfo& info,
                                const Peer& peer, const char* desc) {
  const Region& region = info.region();
  // With more replicas than needed, dropping the bad one is enough.
  if (region.peers.size() > ctx.config.max_replicas) {
    auto op = operators::CreateRemovePeerOperator(
        desc, info, peer.store_id, operators::kOpReplica, ctx.now_ms);
    if (op.ok()) return op.value();
    return std::nullopt;
  }
  const schedule::StoreScores scores = schedule::ComputeScores(ctx);
  const StoreId target = schedule::PickTargetForPeer(ctx, scores, region);
  if (target == 0) return std::nullopt;
  auto op = operators::CreateMovePeerOperator(
      desc, info, peer.store_id, target, ctx.alloc_id(), operators::kOpReplica,
      {.use_joint_consensus = ctx.config.use_joint_consensus}, ctx.now_ms);
  if (op.ok()) return op.value();
  return std::nullopt;
}

// Lower is removed first.
int RemovalRank(ScheduleContext& ctx, const cluster::RegionInfo& info,
                const Peer& peer) {
  if (peer.role == PeerRole::kLearner) return 0;
  if (schedule::IsPeerDown(ctx, info, peer)) return 1;
  if (schedule::IsPeerOffline(ctx, peer)) return 2;
  if (!schedule::IsSourceStore(ctx, peer.store_id)) return 3;  // disconnected
  return 4;
}

std::optional<Operator> RemoveExcess(ScheduleContext& ctx,
                                     const cluster::RegionInfo& info) {
  const schedule::StoreScores scores = schedule::ComputeScores(ctx);
  const Peer* worst = nullptr;
  for (const Peer& peer : info.region().peers) {
    if (worst == nullptr) {
      worst = &peer;
      continue;
    }
    const int rank = RemovalRank(ctx, info, peer);
    const int worst_rank = RemovalRank(ctx, info, *worst);
    if (rank < worst_rank ||
        (rank == worst_rank &&
         schedule::ScoreOf(scores.region_count, peer.store_id) >
             schedule::ScoreOf(scores.region_count, worst->store_id))) {
      worst = &peer;
    }
  }
  CHECK(worst != nullptr);
  auto op = operators::CreateRemovePeerOperator(
      "remove-extra-replica", info, worst->store_id, operators::kOpReplica,
      ctx.now_ms);
  if (op.ok()) return op.value();
  return std::nullopt;
}

}  // namespace

std::optional<Operator> CheckReplicas(ScheduleContext& ctx,
                                      const cluster::RegionInfo& info) {
  const Region& region = info.region();
  if (ctx.controller.GetOperator(region.id) != nullptr ||
      region.InJointState()) {
    return std::nullopt;
  }
  for (const Peer& peer : region.peers) {
    if (schedule::IsPeerDown(ctx, info, peer)) {
      return Replace(ctx, info, peer, "replace-down-replica");
    }
  }
  for (const Peer& peer : region.peers) {
    if (schedule::IsPeerOffline(ctx, peer)) {
      return Replace(ctx, info, peer, "replace-offline-replica");
    }
  }
  if (region.IncomingVoters().size() < ctx.config.max_replicas) {
    const schedule::StoreScores scores = schedule::ComputeScores(ctx);
    const StoreId target = schedule::PickTargetForPeer(ctx, scores, region);
    if (target == 0) return std::nullopt;
    auto op = operators::CreateAddPeerOperator(
        "make-up-replica", info, target, ctx.alloc_id(), operators::kOpReplica,
        ctx.now_ms);
    if (op.ok()) return op.value();
    return std::nullopt;
  }
  if (region.peers.size() > ctx.config.max_replicas)
    return RemoveExcess(ctx, info);
  return std::nullopt;
}

std::optional<Operator> CheckSplit(ScheduleContext& ctx,
                                   const cluster::RegionInfo& info) {
  if (ctx.controller.GetOperator(info.region().id) != nullptr)
    return std::nullopt;
  if (info.heartbeat.approximate_size_bytes <=
          ctx.config.region_max_size_bytes &&
      info.heartbeat.approximate_keys <= ctx.config.region_max_keys) {
    return std::nullopt;
  }
  return operators::CreateSplitOperator("split-oversized-region", info, {},
                                        operators::kOpSplit, ctx.now_ms);
}

}  // namespace pd::checker
