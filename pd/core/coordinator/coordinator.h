// The pure scheduling loop of PD: heartbeats update the cluster view and
// advance operators (returning the command for the region leader); a round
// prunes timed-out operators, patrols every region with the checkers, and
// runs the schedulers. The PD server drives it with its clock and network.
//
// Ref: PD pkg/schedule/coordinator.go (patrolRegions, runScheduler),
// server/cluster HandleRegionHeartbeat.
#ifndef PD_CORE_COORDINATOR_COORDINATOR_H_
#define PD_CORE_COORDINATOR_COORDINATOR_H_

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/base/prng.h"
#include "core/base/result.h"
#include "pd/core/cluster/cluster_view.h"
#include "pd/core/operators/controller.h"
#include "pd/core/scatter/region_scatterer.h"
#include "pd/core/schedule/context.h"
#include "pd/core/schedulers/scheduler.h"

namespace pd::coordinator {

using schedule::StoreId;

struct CoordinatorOptions {
  cluster::ClusterOptions cluster;
  operators::ControllerOptions controller;
  schedule::ScheduleConfig schedule;
  bool enable_replica_checker = true;
  bool enable_split_checker = true;
  bool enable_merge_checker = true;
  // How many times each scheduler is asked for an operator per round.
  int max_schedule_calls_per_round = 16;
};

struct RoundStats {
  // Operators added this round, by checker or scheduler name.
  std::map<std::string, int> added;
  int rejected = 0;
  // Offline stores that held no region any more and became tombstones.
  std::vector<StoreId> buried;
};

class Coordinator {
 public:
  // `prng` drives the randomized schedulers; `alloc_id` supplies peer ids.
  Coordinator(const CoordinatorOptions& options, core::base::Prng& prng,
              schedule::IdSource alloc_id);

  const cluster::ClusterView& view() const { return view_; }
  cluster::ClusterView& mutable_view() { return view_; }
  const operators::OperatorController& controller() const {
    return controller_;
  }
  const schedule::ScheduleConfig& config() const { return options_.schedule; }

  void AddScheduler(std::unique_ptr<schedulers::Scheduler> scheduler);
  // Adds an evict-leader scheduler and blocks the stores for other leader
  // moves.
  void EvictLeaders(const std::set<StoreId>& stores);

  core::base::Outcome<cluster::StoreError> OnStoreHeartbeat(
      StoreId store, const cluster::StoreStats& stats, int64_t now_ms);
  // Applies the heartbeat and returns the command for the region leader.
  core::base::Result<std::optional<operators::RegionCommand>,
                     cluster::RegionHeartbeatError>
  OnRegionHeartbeat(const cluster::RegionHeartbeat& heartbeat, int64_t now_ms);

  // What ScatterRegion asks for: an operator spreading the region's voters
  // and leader over the stores as the group's earlier regions were
  // (pd/core/scatter). "already placed" is success with nothing to do.
  core::base::Outcome<std::string> ScatterRegion(schedule::RegionId region_id,
                                                 const std::string& group,
                                                 int64_t now_ms);
  // What SplitRegions asks for: a split of the region holding `keys` (all
  // inside it) at those keys.
  core::base::Outcome<std::string> SplitRegion(
      schedule::RegionId region_id, std::vector<core::base::Bytes> keys,
      int64_t now_ms);

  // The first command of each operator added since the last call (by a
  // round, ScatterRegion or SplitRegion), dispatched against the region as
  // last heartbeated, for the server to send to the leader now instead of
  // on the leader's next heartbeat (which may be a minute away). Regions
  // whose operator ended or has nothing to send are left out.
  std::vector<std::pair<schedule::RegionId, operators::RegionCommand>>
  TakeNewCommands(int64_t now_ms);

  // Prunes timed-out operators, buries offline stores that no region uses
  // any more (Ref: PD checkStores), patrols every region with the checkers,
  // then runs the schedulers.
  RoundStats RunRound(int64_t now_ms);

 private:
  void BuryEmptyOfflineStores(RoundStats& stats);
  void Patrol(schedule::ScheduleContext& ctx, RoundStats& stats);
  void RunSchedulers(schedule::ScheduleContext& ctx, RoundStats& stats);
  bool Add(std::vector<operators::Operator> ops, const std::string& source,
           int64_t now_ms, RoundStats& stats);

  CoordinatorOptions options_;
  core::base::Prng& prng_;
  schedule::IdSource alloc_id_;
  cluster::ClusterView view_;
  operators::OperatorController controller_;
  std::vector<std::unique_ptr<schedulers::Scheduler>> schedulers_;
  scatter::RegionScatterer scatterer_;
};

}  // namespace pd::coordinator

#endif  // PD_CORE_COORDINATOR_COORDINATOR_H_
