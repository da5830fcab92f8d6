// hot-region: balances reported write flow (by moving peers) and read flow
// (by moving leaders).
// Ref: PD pkg/schedule/schedulers/hot_region.go (behaviour, simplified to
// byte rates).
#include <algorithm>
#include <map>
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

struct Flows {
  std::map<StoreId, double> write;  // sum over peers
  std::map<StoreId, double> read;   // sum over leaders
};

Flows ComputeFlows(const ScheduleContext& ctx) {
  Flows flows;
  for (const auto& [id, store] : ctx.view.stores()) {
    flows.write[id] = 0;
    flows.read[id] = 0;
  }
  for (const auto& [id, info] : ctx.view.regions()) {
    for (const Peer& peer : info.region().peers) {
      flows.write[peer.store_id] += info.WriteBytesPerSecond();
    }
    flows.read[info.leader().store_id] += info.ReadBytesPerSecond();
  }
  return flows;
}

// Hot regions among `ids`, hottest first by `flow`.
std::vector<const cluster::RegionInfo*> HotRegions(
    const ScheduleContext& ctx, const std::set<RegionId>& ids,
    double (cluster::RegionInfo::*flow)() const) {
  std::vector<const cluster::RegionInfo*> hot;
  for (RegionId id : ids) {
    const cluster::RegionInfo* info = ctx.view.GetRegion(id);
    if ((info->*flow)() >= ctx.config.hot_region_min_bytes_per_second &&
        schedule::IsHealthyForBalance(ctx, *info)) {
      hot.push_back(info);
    }
  }
  std::stable_sort(hot.begin(), hot.end(), [&](const auto* a, const auto* b) {
    return (a->*flow)() > (b->*flow)();
  });
  return hot;
}

StoreId HottestSource(const ScheduleContext& ctx,
                      const std::map<StoreId, double>& flow) {
  StoreId best = 0;
  for (const auto& [id, value] : flow) {
    if (!schedule::IsSourceStore(ctx, id)) continue;
    if (best == 0 || value > flow.at(best)) best = id;
  }
  return best;
}

class HotRegionScheduler final : public Scheduler {
 public:
  std::string_view name() const override { return "hot-region"; }
  uint32_t kinds() const override { return operators::kOpHotRegion; }

  std::optional<Operator> Schedule(ScheduleContext& ctx) override {
    const Flows flows = ComputeFlows(ctx);
    if (auto op = MoveHotWrite(ctx, flows)) return op;
    return MoveHotRead(ctx, flows);
  }

 private:
  // A move helps only when the target stays below what the source had:
  // target + flow < source. That also prevents moving the region back.
  std::optional<Operator> MoveHotWrite(ScheduleContext& ctx,
                                       const Flows& flows) {
    const StoreId source = HottestSource(ctx, flows.write);
    if (source == 0) return std::nullopt;
    const schedule::StoreScores scores = schedule::ComputeScores(ctx);
    for (const cluster::RegionInfo* info :
         HotRegions(ctx, ctx.view.RegionsOnStore(source),
                    &cluster::RegionInfo::WriteBytesPerSecond)) {
      const double flow = info->WriteBytesPerSecond();
      StoreId target = 0;
      for (const auto& [id, value] : flows.write) {
        if (info->region().FindPeerOnStore(id) != nullptr ||
            !schedule::IsTargetStore(ctx, id) ||
            !schedule::StoreCanAddPeer(ctx, scores, id)) {
          continue;
        }
        if (target == 0 || value < flows.write.at(target)) target = id;
      }
      if (target == 0 ||
          flows.write.at(target) + flow >= flows.write.at(source))
        continue;
      auto op = operators::CreateMovePeerOperator(
          "move-hot-write-peer", *info, source, target, ctx.alloc_id(),
          operators::kOpHotRegion,
          {.use_joint_consensus = ctx.config.use_joint_consensus}, ctx.now_ms);
      if (op.ok()) return op.value();
    }
    return std::nullopt;
  }

  std::optional<Operator> MoveHotRead(ScheduleContext& ctx,
                                      const Flows& flows) {
    const StoreId source = HottestSource(ctx, flows.read);
    if (source == 0) return std::nullopt;
    for (const cluster::RegionInfo* info :
         HotRegions(ctx, ctx.view.LeadersOnStore(source),
                    &cluster::RegionInfo::ReadBytesPerSecond)) {
      const double flow = info->ReadBytesPerSecond();
      StoreId target = 0;
      for (const Peer& peer : info->region().peers) {
        if (peer.store_id == source || peer.role != PeerRole::kVoter ||
            !schedule::IsSourceStore(ctx, peer.store_id) ||
            ctx.config.leader_blocked_stores.count(peer.store_id) != 0) {
          continue;
        }
        if (target == 0 ||
            flows.read.at(peer.store_id) < flows.read.at(target)) {
          target = peer.store_id;
        }
      }
      if (target == 0 || flows.read.at(target) + flow >= flows.read.at(source))
        continue;
      auto op = operators::CreateTransferLeaderOperator(
          "transfer-hot-read-leader", *info, target, operators::kOpHotRegion,
          ctx.now_ms);
      if (op.ok()) return op.value();
    }
    return std::nullopt;
  }
};

}  // namespace

std::unique_ptr<Scheduler> NewHotRegionScheduler() {
  return std::make_unique<HotRegionScheduler>();
}

}  // namespace pd::schedulers
