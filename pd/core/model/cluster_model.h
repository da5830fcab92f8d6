// A pure model of the TiKV stores for PD's model runs (the convergence run,
// the move-peer walk): it holds the true region layout, executes PD's
// commands as region leaders would (through the same core/region split,
// merge and conf-change functions the store uses), re-elects leaders lost
// with a dead store, and reports heartbeats.
//
// Simplifications: commands apply at once (no Raft log); a new learner needs
// one Tick() to receive its snapshot; a dead store never comes back.
#ifndef PD_CORE_MODEL_CLUSTER_MODEL_H_
#define PD_CORE_MODEL_CLUSTER_MODEL_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/region/region.h"
#include "pd/core/cluster/cluster_view.h"
#include "pd/core/operators/step.h"

namespace pd::model {

using core::region::Peer;
using core::region::PeerId;
using core::region::Region;
using core::region::RegionId;
using core::region::StoreId;

struct ModelRegion {
  Region region;
  StoreId leader_store = 0;  // 0: no leader (lost quorum)
  uint64_t size_bytes = 0;
  uint64_t keys = 0;
  uint64_t write_bytes_per_second = 0;
  uint64_t read_bytes_per_second = 0;
  std::set<PeerId> pending;  // learners waiting for a snapshot
};

struct ModelStore {
  StoreId id = 0;
  bool alive = true;
  int64_t died_ms = 0;
  uint64_t capacity_bytes = 0;
};

struct CommandRefused {
  std::string reason;
  std::string ToString() const { return "command refused: " + reason; }
};

// Keys are 8-byte big-endian numbers so that split points can be computed.
core::base::Bytes ModelKey(uint64_t number);

class ClusterModel {
 public:
  // Ids for regions and peers created by splits start at `split_id_base`
  // (TiKV would ask PD's allocator; a disjoint range is equivalent here).
  explicit ClusterModel(uint64_t split_id_base = uint64_t{1} << 40);

  void AddStore(StoreId id, uint64_t capacity_bytes);
  void KillStore(StoreId id, int64_t now_ms);
  bool StoreAlive(StoreId id) const;
  const std::map<StoreId, ModelStore>& stores() const { return stores_; }

  // Requires a valid region whose range overlaps no existing one.
  void AddRegion(ModelRegion region);
  const std::map<RegionId, ModelRegion>& regions() const { return regions_; }
  std::vector<Region> Regions() const;

  // Executes `command` on the region as its leader would.
  core::base::Outcome<CommandRefused> Apply(
      RegionId region_id, const operators::RegionCommand& command);

  // Store-side progress between rounds: learners on live stores finish their
  // snapshot, and regions whose leader died elect a live voter when a quorum
  // is available.
  void Tick();

  // Heartbeats of every region with a live leader, in region id order.
  std::vector<cluster::RegionHeartbeat> RegionHeartbeats(
      int64_t now_ms, int64_t interval_ms) const;
  // Stats of every live store.
  std::map<StoreId, cluster::StoreStats> StoreHeartbeats() const;

 private:
  core::base::Outcome<CommandRefused> ApplyConfChange(
      ModelRegion& target, const operators::RegionCommand& command);
  core::base::Outcome<CommandRefused> ApplySplit(
      RegionId region_id, const operators::SplitRegionCommand& command);
  core::base::Outcome<CommandRefused> ApplyMerge(
      RegionId region_id, const operators::MergeCommand& command);
  void ElectLeader(ModelRegion& model);

  uint64_t next_id_;
  std::map<StoreId, ModelStore> stores_;
  std::map<RegionId, ModelRegion> regions_;
};

}  // namespace pd::model

#endif  // PD_CORE_MODEL_CLUSTER_MODEL_H_
