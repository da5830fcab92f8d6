// Schedulers: cluster-wide policies that turn a cluster view into operators,
// one operator per call (Ref: PD pkg/schedule/schedulers; Scheduler.Schedule).
// Each accounts for pending operators through their influence on store
// scores, so repeated calls within one round spread the work.
//
//  - balance-leader: leader counts; transfer from the most to the least loaded.
//  - balance-region: region (peer) counts; move a peer from the most to the
//    least loaded store.
//  - hot-region: by reported flow; move a hot written region's peer away
//    from the store with the most write flow, or a hot read region's leader
//    away from the store with the most read flow.
//  - evict-leader: move every leader off the given stores.
//  - shuffle-leader / shuffle-region: random transfers / moves (testing).
#ifndef PD_CORE_SCHEDULERS_SCHEDULER_H_
#define PD_CORE_SCHEDULERS_SCHEDULER_H_

#include <memory>
#include <optional>
#include <set>
#include <string_view>

#include "pd/core/schedule/context.h"

namespace pd::schedulers {

using schedule::ScheduleContext;
using schedule::StoreId;

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  virtual std::string_view name() const = 0;
  // The kinds of the operators it creates (the coordinator skips it when the
  // controller has no room for them).
  virtual uint32_t kinds() const = 0;
  virtual std::optional<operators::Operator> Schedule(ScheduleContext& ctx) = 0;
};

std::unique_ptr<Scheduler> NewBalanceLeaderScheduler();
std::unique_ptr<Scheduler> NewBalanceRegionScheduler();
std::unique_ptr<Scheduler> NewHotRegionScheduler();
// The caller also adds `stores` to ScheduleConfig::leader_blocked_stores so
// that other schedulers do not move leaders back.
std::unique_ptr<Scheduler> NewEvictLeaderScheduler(std::set<StoreId> stores);
std::unique_ptr<Scheduler> NewShuffleLeaderScheduler();
std::unique_ptr<Scheduler> NewShuffleRegionScheduler();

}  // namespace pd::schedulers

#endif  // PD_CORE_SCHEDULERS_SCHEDULER_H_
