// Store and region filters shared by checkers and schedulers, and store
// scores that include the influence of pending operators.
// Ref: PD pkg/schedule/filter (behaviour, not code).
#ifndef PD_CORE_SCHEDULE_FILTERS_H_
#define PD_CORE_SCHEDULE_FILTERS_H_

#include <vector>

#include "pd/core/schedule/context.h"

namespace pd::schedule {

// Up (heartbeating, not offline) and not low on space: may receive a peer.
bool IsTargetStore(const ScheduleContext& ctx, StoreId store);
// Up: may give away peers or leaders through balancing.
bool IsSourceStore(const ScheduleContext& ctx, StoreId store);
// A peer whose store is Down, or that the leader reports down for longer
// than max-store-down-time.
bool IsPeerDown(const ScheduleContext& ctx, const RegionInfo& info,
                const Peer& peer);
bool IsPeerOffline(const ScheduleContext& ctx, const Peer& peer);

// No down or pending peer, not joint, exactly max_replicas voters and no
// learner, and no operator running: safe to rebalance or merge.
bool IsHealthyForBalance(const ScheduleContext& ctx, const RegionInfo& info);

// Per-store scores with the influence of pending operators.
struct StoreScores {
  std::map<StoreId, int64_t> region_count;
  std::map<StoreId, int64_t> leader_count;
  operators::Influence influence;
};
StoreScores ComputeScores(const ScheduleContext& ctx);
// The score of `store`, 0 for a store PD does not know (a heartbeat may name
// one before it registers).
int64_t ScoreOf(const std::map<StoreId, int64_t>& scores, StoreId store);

// The target-store candidate with the fewest regions (ties: lowest id) that
// holds no peer of `region` and is under its add-peer limit; 0 when none.
StoreId PickTargetForPeer(const ScheduleContext& ctx, const StoreScores& scores,
                          const Region& region);

// Whether the controller would accept another AddLearner on / RemovePeer
// from the store.
bool StoreCanAddPeer(const ScheduleContext& ctx, const StoreScores& scores,
                     StoreId store);
bool StoreCanRemovePeer(const ScheduleContext& ctx, const StoreScores& scores,
                        StoreId store);

// The region ids of `ids` rotated to start at a seeded random position, so
// that schedulers do not always pick the same regions.
std::vector<RegionId> RotatedIds(const std::set<RegionId>& ids,
                                 core::base::Prng& prng);

}  // namespace pd::schedule

#endif  // PD_CORE_SCHEDULE_FILTERS_H_
