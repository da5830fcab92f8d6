// PD's view of the cluster, fed by store and region heartbeats. Pure: time is
// passed in as now_ms; all containers are ordered so iteration is
// deterministic.
//
// Ref: PD pkg/core (BasicCluster, RegionsInfo, StoreInfo); pdpb
// RegionHeartbeatRequest / StoreStats; reference/tikv.md §4.4, §4.6.
#ifndef PD_CORE_CLUSTER_CLUSTER_VIEW_H_
#define PD_CORE_CLUSTER_CLUSTER_VIEW_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "core/region/region.h"

namespace pd::cluster {

using core::region::ErrorToString;
using core::region::Peer;
using core::region::PeerId;
using core::region::Region;
using core::region::RegionEpoch;
using core::region::RegionId;
using core::region::StoreId;

struct ClusterOptions {
  // Ref: PD pkg/core/store.go storeDisconnectDuration.
  int64_t store_disconnect_ms = 20'000;
  // Ref: PD schedule config max-store-down-time (30 min).
  int64_t max_store_down_time_ms = 30 * 60 * 1000;
};

// The administrative state an operator sets (Ref: metapb.StoreState).
enum class StoreState : uint8_t { kUp, kOffline, kTombstone };

// The state schedulers act on: the administrative state combined with
// heartbeat liveness. Priority: Tombstone, Offline, Down, Disconnected, Up.
enum class StoreStatus : uint8_t {
  kUp,
  kDisconnected,
  kDown,
  kOffline,
  kTombstone
};

std::string_view StoreStatusName(StoreStatus status);

// Ref: pdpb.StoreStats (the subset PD schedules with).
struct StoreStats {
  uint64_t capacity_bytes = 0;
  uint64_t available_bytes = 0;
  uint64_t used_bytes = 0;
  uint64_t sending_snap_count = 0;
  uint64_t receiving_snap_count = 0;
  bool is_busy = false;
};

struct StoreInfo {
  StoreId id = 0;
  std::string address;
  StoreState state = StoreState::kUp;
  std::map<std::string, std::string> labels;
  int64_t last_heartbeat_ms = 0;  // registration time until the first one
  StoreStats stats;
};

// Ref: pdpb.PeerStats.
struct DownPeer {
  Peer peer;
  int64_t down_seconds = 0;
};

// Ref: pdpb.RegionHeartbeatRequest (the subset PD schedules with). Flow
// counters cover the last `interval_ms`.
struct RegionHeartbeat {
  Region region;
  Peer leader;
  std::vector<DownPeer> down_peers;
  std::vector<Peer> pending_peers;
  uint64_t approximate_size_bytes = 0;
  uint64_t approximate_keys = 0;
  uint64_t bytes_written = 0;
  uint64_t bytes_read = 0;
  int64_t interval_ms = 60'000;
};

struct RegionInfo {
  RegionHeartbeat heartbeat;
  int64_t last_heartbeat_ms = 0;
  // When the region's range (version) last changed; PD does not merge a
  // region soon after a split (split-merge-interval).
  int64_t version_changed_ms = 0;

  const Region& region() const { return heartbeat.region; }
  const Peer& leader() const { return heartbeat.leader; }
  bool IsDownPeer(PeerId peer_id) const;
  bool IsPendingPeer(PeerId peer_id) const;
  double WriteBytesPerSecond() const;
  double ReadBytesPerSecond() const;
};

// Per-store aggregates over the regions in the view.
struct StoreRegionStats {
  uint64_t region_count = 0;
  uint64_t leader_count = 0;
  uint64_t region_size_bytes = 0;
  uint64_t leader_size_bytes = 0;
};

// Errors.
struct UnknownStore {
  StoreId store_id = 0;
  std::string ToString() const;
};
struct StoreIsTombstone {
  StoreId store_id = 0;
  std::string ToString() const;
};
struct InvalidStoreTransition {
  std::string reason;
  std::string ToString() const { return "invalid store transition: " + reason; }
};
using StoreError =
    std::variant<UnknownStore, StoreIsTombstone, InvalidStoreTransition>;

// The heartbeat describes a region older than what PD already knows
// (Ref: PD ErrRegionIsStale).
struct StaleRegion {
  RegionId region_id = 0;
  RegionEpoch reported;
  RegionId newer_region_id = 0;
  RegionEpoch newer;
  std::string ToString() const;
};
struct InvalidHeartbeat {
  std::string reason;
  std::string ToString() const { return "invalid region heartbeat: " + reason; }
};
using RegionHeartbeatError = std::variant<StaleRegion, InvalidHeartbeat>;

struct RegionHeartbeatOutcome {
  bool is_new = false;
  bool epoch_changed = false;
  bool leader_changed = false;
  // Regions whose ranges the reported one covers; they were dropped.
  std::vector<RegionId> removed_overlaps;
};

class ClusterView {
 public:
  explicit ClusterView(const ClusterOptions& options);

  const ClusterOptions& options() const { return options_; }

  // ----- stores
  // Registers a store or updates its address and labels. A tombstone store
  // cannot come back.
  core::base::Outcome<StoreError> PutStore(
      StoreId id, std::string address,
      std::map<std::string, std::string> labels, int64_t now_ms);
  core::base::Outcome<StoreError> HandleStoreHeartbeat(StoreId id,
                                                       const StoreStats& stats,
                                                       int64_t now_ms);
  // Up -> Offline (PD "remove store"); PD then moves its replicas away.
  core::base::Outcome<StoreError> SetStoreOffline(StoreId id);
  // Offline -> Up (cancel the removal).
  core::base::Outcome<StoreError> SetStoreUp(StoreId id);
  // Offline -> Tombstone, only once no region has a peer on the store.
  core::base::Outcome<StoreError> BuryStore(StoreId id);

  const StoreInfo* GetStore(StoreId id) const;
  const std::map<StoreId, StoreInfo>& stores() const { return stores_; }
  // Requires a known store.
  StoreStatus Status(StoreId id, int64_t now_ms) const;

  // ----- regions
  // Applies a heartbeat from a region leader. Rejects a heartbeat whose epoch
  // is older than the region with the same id, or whose version is older than
  // an overlapping region's; otherwise the reported region replaces the one
  // with its id and every region it overlaps.
  core::base::Result<RegionHeartbeatOutcome, RegionHeartbeatError>
  HandleRegionHeartbeat(const RegionHeartbeat& heartbeat, int64_t now_ms);

  const RegionInfo* GetRegion(RegionId id) const;
  const RegionInfo* GetRegionByKey(core::base::BytesView key) const;
  // The region ending at `region.start_key` / starting at `region.end_key`,
  // when PD knows one.
  const RegionInfo* PrevRegion(const Region& region) const;
  const RegionInfo* NextRegion(const Region& region) const;
  // Regions in key order starting with the one containing start_key (or the
  // first after it), at most `limit` (0 = no limit).
  std::vector<const RegionInfo*> ScanRegions(core::base::BytesView start_key,
                                             size_t limit) const;
  const std::map<RegionId, RegionInfo>& regions() const { return regions_; }
  std::vector<Region> RegionMetas() const;

  StoreRegionStats RegionStatsOf(StoreId id) const;
  // Ids of regions with a peer / the leader on the store, ascending.
  const std::set<RegionId>& RegionsOnStore(StoreId id) const;
  const std::set<RegionId>& LeadersOnStore(StoreId id) const;

 private:
  core::base::Outcome<RegionHeartbeatError> CheckStale(
      const Region& region) const;
  std::vector<RegionId> Overlaps(const Region& region) const;
  void Insert(RegionInfo info);
  void Remove(RegionId id);

  ClusterOptions options_;
  std::map<StoreId, StoreInfo> stores_;
  std::map<RegionId, RegionInfo> regions_;
  std::map<core::base::Bytes, RegionId> by_start_key_;
  std::map<StoreId, std::set<RegionId>> store_regions_;
  std::map<StoreId, std::set<RegionId>> store_leaders_;
  std::map<StoreId, StoreRegionStats> store_stats_;
  const std::set<RegionId> empty_;
};

}  // namespace pd::cluster

#endif  // PD_CORE_CLUSTER_CLUSTER_VIEW_H_
