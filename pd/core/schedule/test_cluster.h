// Test helper: hand-built cluster views for checker and scheduler tests, in
// the style of tikv/pd's mockcluster (AddLeaderStore, AddLeaderRegion, ...).
#ifndef PD_CORE_SCHEDULE_TEST_CLUSTER_H_
#define PD_CORE_SCHEDULE_TEST_CLUSTER_H_

#include <cstdint>
#include <memory>
#include <set>
#include <vector>

#include "core/base/prng.h"
#include "pd/core/cluster/cluster_view.h"
#include "pd/core/operators/controller.h"
#include "pd/core/schedule/context.h"

namespace pd::schedule {

class TestCluster {
 public:
  TestCluster();

  // Registers stores 1..count, all Up with a fresh heartbeat at now_ms.
  void AddStores(StoreId count);
  void AddStore(StoreId id);
  // Stops heartbeats from the store: it becomes Down (now_ms moves on).
  void MakeStoreDown(StoreId id);
  void MakeStoreOffline(StoreId id);
  void SetStoreUsage(StoreId id, uint64_t capacity_bytes, uint64_t used_bytes);
  // Adds a region over [ModelKey(id), ModelKey(id + 1)) with voters on
  // `stores`; the first store holds the leader.
  const RegionInfo& AddRegion(RegionId id, std::vector<StoreId> stores,
                              uint64_t size_bytes = 10 * kMiB);
  // Replaces the region's heartbeat after `change`.
  const RegionInfo& Update(
      RegionId id,
      const std::function<void(cluster::RegionHeartbeat&)>& change);
  // Adds `count` regions with the leader on `leader_store` and followers on
  // `follower_stores`, ids from `first_id`.
  void AddLeaderRegions(RegionId first_id, int count, StoreId leader_store,
                        std::vector<StoreId> follower_stores);

  ScheduleContext Context();
  cluster::ClusterView& view() { return view_; }
  operators::OperatorController& controller() { return controller_; }
  ScheduleConfig& config() { return config_; }
  int64_t& now_ms() { return now_ms_; }

 private:
  cluster::ClusterView view_;
  operators::OperatorController controller_;
  ScheduleConfig config_;
  core::base::Prng prng_{42};
  int64_t now_ms_ = 10 * 3'600'000;  // far from zero: merges are allowed
  uint64_t next_peer_id_ = 1'000'000;
  std::set<StoreId> down_;
};

}  // namespace pd::schedule

#endif  // PD_CORE_SCHEDULE_TEST_CLUSTER_H_
