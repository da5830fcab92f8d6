#include "pd/core/scatter/region_scatterer.h"

#include <limits>
#include <set>
#include <utility>
#include <vector>

#include "pd/core/schedule/filters.h"

namespace pd::scatter {
namespace {

using core::region::Peer;
using operators::BuildError;
using operators::OpStep;

operators::BuildResult<std::optional<operators::Operator>> Fail(
    std::string reason) {
  return core::base::MakeErr(BuildError{std::move(reason)});
}

int64_t CountOf(const std::map<StoreId, int64_t>& counts, StoreId store) {
  auto it = counts.find(store);
  return it == counts.end() ? 0 : it->second;
}

// The store of `candidates` outside `excluded` with the smallest count
// (ties: lowest id); 0 when none is left.
StoreId LeastUsed(const std::set<StoreId>& candidates,
                  const std::set<StoreId>& excluded,
                  const std::map<StoreId, int64_t>& counts) {
  StoreId best = 0;
  int64_t best_count = std::numeric_limits<int64_t>::max();
  for (StoreId store : candidates) {
    if (excluded.contains(store)) continue;
    const int64_t count = CountOf(counts, store);
    if (count < best_count) {
      best = store;
      best_count = count;
    }
  }
  return best;
}

struct Placement {
  std::vector<std::pair<Peer, StoreId>> moves;  // old voter -> new store
  std::set<StoreId> voter_stores;
  StoreId leader_store = 0;
};

// Keeps each voter whose store is as little used as any free candidate;
// moves the others to the least used candidates that hold no peer yet.
std::optional<Placement> PlaceVoters(const std::vector<Peer>& voters,
                                     const core::region::Region& region,
                                     const std::set<StoreId>& candidates,
                                     const std::map<StoreId, int64_t>& peers) {
  Placement placement;
  std::set<StoreId> holding;  // stores with any peer of the region
  for (const Peer& peer : region.peers) holding.insert(peer.store_id);
  for (const Peer& voter : voters) {
    const StoreId cheapest =
        LeastUsed(candidates, placement.voter_stores, peers);
    const bool keep = candidates.contains(voter.store_id) &&
                      !placement.voter_stores.contains(voter.store_id) &&
                      (cheapest == 0 || CountOf(peers, voter.store_id) <=
                                            CountOf(peers, cheapest));
    if (keep) {
      placement.voter_stores.insert(voter.store_id);
      continue;
    }
    std::set<StoreId> excluded = placement.voter_stores;
    excluded.insert(holding.begin(), holding.end());
    const StoreId target = LeastUsed(candidates, excluded, peers);
    if (target == 0) return std::nullopt;
    placement.moves.emplace_back(voter, target);
    placement.voter_stores.insert(target);
  }
  return placement;
}

// Adds and promotes every new voter, moves the leader, then removes the old
// voters: the region never has fewer live voters than it started with.
std::vector<OpStep> ScatterSteps(const Placement& placement,
                                 StoreId old_leader_store,
                                 const schedule::IdSource& alloc_id) {
  std::vector<OpStep> steps;
  for (const auto& [old_peer, to_store] : placement.moves) {
    const core::region::PeerId peer_id = alloc_id();
    steps.push_back(operators::AddLearner{to_store, peer_id});
    steps.push_back(operators::PromoteLearner{to_store, peer_id});
  }
  if (placement.leader_store != old_leader_store) {
    steps.push_back(
        operators::TransferLeader{old_leader_store, placement.leader_store});
  }
  for (const auto& [old_peer, to_store] : placement.moves) {
    steps.push_back(operators::RemovePeer{old_peer.store_id, old_peer.id});
  }
  return steps;
}

}  // namespace

operators::BuildResult<std::optional<operators::Operator>>
RegionScatterer::Scatter(const schedule::ScheduleContext& ctx,
                         RegionId region_id, const std::string& group) {
  const cluster::RegionInfo* info = ctx.view.GetRegion(region_id);
  if (info == nullptr) {
    return Fail("region " + std::to_string(region_id) + " is unknown");
  }
  const core::region::Region& region = info->region();
  if (region.InJointState()) return Fail("region is in a joint state");
  for (const Peer& peer : region.peers) {
    if (info->IsPendingPeer(peer.id) ||
        schedule::IsPeerDown(ctx, *info, peer)) {
      return Fail("region has a pending or down peer");
    }
  }
  std::set<StoreId> candidates;
  for (const auto& [store, unused] : ctx.view.stores()) {
    if (schedule::IsTargetStore(ctx, store)) candidates.insert(store);
  }
  GroupCounts& counts = groups_[group];
  std::optional<Placement> placement =
      PlaceVoters(region.IncomingVoters(), region, candidates, counts.peers);
  if (!placement.has_value()) return Fail("too few stores to place the voters");
  // The leader stays when its store is kept and as little used as any.
  const StoreId old_leader = info->leader().store_id;
  const StoreId cheapest =
      LeastUsed(placement->voter_stores, {}, counts.leaders);
  placement->leader_store = placement->voter_stores.contains(old_leader) &&
                                    CountOf(counts.leaders, old_leader) <=
                                        CountOf(counts.leaders, cheapest)
                                ? old_leader
                                : cheapest;
  for (StoreId store : placement->voter_stores) ++counts.peers[store];
  ++counts.leaders[placement->leader_store];
  if (placement->moves.empty() && placement->leader_store == old_leader) {
    return std::optional<operators::Operator>();
  }
  uint32_t kinds = operators::kOpAdmin;
  if (!placement->moves.empty()) kinds |= operators::kOpRegion;
  if (placement->leader_store != old_leader) kinds |= operators::kOpLeader;
  return std::optional<operators::Operator>(operators::Operator(
      "scatter-region", region.id, region.epoch, kinds,
      ScatterSteps(*placement, old_leader, ctx.alloc_id), ctx.now_ms));
}

int64_t RegionScatterer::PeersPlaced(const std::string& group,
                                     StoreId store) const {
  auto it = groups_.find(group);
  return it == groups_.end() ? 0 : CountOf(it->second.peers, store);
}

int64_t RegionScatterer::LeadersPlaced(const std::string& group,
                                       StoreId store) const {
  auto it = groups_.find(group);
  return it == groups_.end() ? 0 : CountOf(it->second.leaders, store);
}

}  // namespace pd::scatter
