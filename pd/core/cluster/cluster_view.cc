#include "pd/core/cluster/cluster_view.h"

#include <algorithm>
#include <sstream>

#include "core/base/check.h"

namespace pd::cluster {

namespace base = core::base;

std::string_view StoreStatusName(StoreStatus status) {
  switch (status) {
    case StoreStatus::kUp:
      return "Up";
    case StoreStatus::kDisconnected:
      return "Disconnected";
    case StoreStatus::kDown:
      return "Down";
    case StoreStatus::kOffline:
      return "Offline";
    case StoreStatus::kTombstone:
      return "Tombstone";
  }
  UNREACHABLE();
  return "";
}

bool RegionInfo::IsDownPeer(PeerId peer_id) const {
  for (const DownPeer& down : heartbeat.down_peers) {
    if (down.peer.id == peer_id) return true;
  }
  return false;
}

bool RegionInfo::IsPendingPeer(PeerId peer_id) const {
  for (const Peer& pending : heartbeat.pending_peers) {
    if (pending.id == peer_id) return true;
  }
  return false;
}

double RegionInfo::WriteBytesPerSecond() const {
  if (heartbeat.interval_ms <= 0) return 0;
  return static_cast<double>(heartbeat.bytes_written) * 1000.0 /
         static_cast<double>(heartbeat.interval_ms);
}

double RegionInfo::ReadBytesPerSecond() const {
  if (heartbeat.interval_ms <= 0) return 0;
  return static_cast<double>(heartbeat.bytes_read) * 1000.0 /
         static_cast<double>(heartbeat.interval_ms);
}

std::string UnknownStore::ToString() const {
  return "unknown store " + std::to_string(store_id);
}

std::string StoreIsTombstone::ToString() const {
  return "store " + std::to_string(store_id) + " is a tombstone";
}

std::string StaleRegion::ToString() const {
  std::ostringstream out;
  out << "region " << region_id << " epoch " << reported
      << " is stale: PD knows region " << newer_region_id << " at epoch "
      << newer;
  return out.str();
}

ClusterView::ClusterView(const ClusterOptions& options) : options_(options) {
  CHECK_GT(options_.store_disconnect_ms, 0);
  CHECK_GT(options_.max_store_down_time_ms, options_.store_disconnect_ms);
}

// ----------------------------------------------------------------- stores

base::Outcome<StoreError> ClusterView::PutStore(
    StoreId id, std::string address, std::map<std::string, std::string> labels,
    int64_t now_ms) {
  if (id == 0) {
    return base::MakeErr(
        StoreError(InvalidStoreTransition{"store id is zero"}));
  }
  auto it = stores_.find(id);
  if (it == stores_.end()) {
    StoreInfo store;
    store.id = id;
    store.last_heartbeat_ms = now_ms;
    it = stores_.emplace(id, std::move(store)).first;
  } else if (it->second.state == StoreState::kTombstone) {
    return base::MakeErr(StoreError(StoreIsTombstone{id}));
  }
  it->second.address = std::move(address);
  it->second.labels = std::move(labels);
  return base::Unit{};
}

base::Outcome<StoreError> ClusterView::HandleStoreHeartbeat(
    StoreId id, const StoreStats& stats, int64_t now_ms) {
  auto it = stores_.find(id);
  if (it == stores_.end()) return base::MakeErr(StoreError(UnknownStore{id}));
  if (it->second.state == StoreState::kTombstone) {
    return base::MakeErr(StoreError(StoreIsTombstone{id}));
  }
  it->second.stats = stats;
  it->second.last_heartbeat_ms = std::max(it->second.last_heartbeat_ms, now_ms);
  return base::Unit{};
}

base::Outcome<StoreError> ClusterView::SetStoreOffline(StoreId id) {
  auto it = stores_.find(id);
  if (it == stores_.end()) return base::MakeErr(StoreError(UnknownStore{id}));
  if (it->second.state == StoreState::kTombstone) {
    return base::MakeErr(StoreError(StoreIsTombstone{id}));
  }
  it->second.state = StoreState::kOffline;
  return base::Unit{};
}

base::Outcome<StoreError> ClusterView::SetStoreUp(StoreId id) {
  auto it = stores_.find(id);
  if (it == stores_.end()) return base::MakeErr(StoreError(UnknownStore{id}));
  if (it->second.state == StoreState::kTombstone) {
    return base::MakeErr(StoreError(StoreIsTombstone{id}));
  }
  it->second.state = StoreState::kUp;
  return base::Unit{};
}

base::Outcome<StoreError> ClusterView::BuryStore(StoreId id) {
  auto it = stores_.find(id);
  if (it == stores_.end()) return base::MakeErr(StoreError(UnknownStore{id}));
  if (it->second.state == StoreState::kTombstone) return base::Unit{};
  if (it->second.state != StoreState::kOffline) {
    return base::MakeErr(StoreError(InvalidStoreTransition{
        "only an offline store can become a tombstone"}));
  }
  if (!RegionsOnStore(id).empty()) {
    return base::MakeErr(StoreError(InvalidStoreTransition{
        "store " + std::to_string(id) + " still holds " +
        std::to_string(RegionsOnStore(id).size()) + " regions"}));
  }
  it->second.state = StoreState::kTombstone;
  return base::Unit{};
}

const StoreInfo* ClusterView::GetStore(StoreId id) const {
  auto it = stores_.find(id);
  return it == stores_.end() ? nullptr : &it->second;
}

StoreStatus ClusterView::Status(StoreId id, int64_t now_ms) const {
  const StoreInfo* store = GetStore(id);
  CHECK(store != nullptr) << "unknown store " << id;
  if (store->state == StoreState::kTombstone) return StoreStatus::kTombstone;
  if (store->state == StoreState::kOffline) return StoreStatus::kOffline;
  const int64_t silent_ms = now_ms - store->last_heartbeat_ms;
  if (silent_ms > options_.max_store_down_time_ms) return StoreStatus::kDown;
  if (silent_ms > options_.store_disconnect_ms)
    return StoreStatus::kDisconnected;
  return StoreStatus::kUp;
}

// ---------------------------------------------------------------- regions

std::vector<RegionId> ClusterView::Overlaps(const Region& region) const {
  std::vector<RegionId> overlaps;
  // Start from the last region starting at or before region.start_key.
  auto it = by_start_key_.upper_bound(region.start_key);
  if (it != by_start_key_.begin()) --it;
  for (; it != by_start_key_.end(); ++it) {
    const Region& other = regions_.at(it->second).region();
    if (!region.end_key.empty() && other.start_key >= region.end_key) break;
    if (core::region::RangesOverlap(region.start_key, region.end_key,
                                    other.start_key, other.end_key)) {
      overlaps.push_back(other.id);
    }
  }
  return overlaps;
}

base::Outcome<RegionHeartbeatError> ClusterView::CheckStale(
    const Region& region) const {
  if (const RegionInfo* same = GetRegion(region.id)) {
    if (region.epoch.IsStaleComparedTo(same->region().epoch)) {
      return base::MakeErr(RegionHeartbeatError(StaleRegion{
          region.id, region.epoch, region.id, same->region().epoch}));
    }
  }
  for (RegionId id : Overlaps(region)) {
    const Region& other = regions_.at(id).region();
    if (id != region.id && region.epoch.version < other.epoch.version) {
      return base::MakeErr(RegionHeartbeatError(
          StaleRegion{region.id, region.epoch, id, other.epoch}));
    }
  }
  return base::Unit{};
}

base::Result<RegionHeartbeatOutcome, RegionHeartbeatError>
ClusterView::HandleRegionHeartbeat(const RegionHeartbeat& heartbeat,
                                   int64_t now_ms) {
  const Region& region = heartbeat.region;
  if (auto valid = core::region::Validate(region); !valid.ok()) {
    return base::MakeErr(
        RegionHeartbeatError(InvalidHeartbeat{valid.error().ToString()}));
  }
  const Peer* leader = region.FindPeer(heartbeat.leader.id);
  if (leader == nullptr || !(*leader == heartbeat.leader) ||
      !core::region::VotesInIncoming(leader->role)) {
    return base::MakeErr(RegionHeartbeatError(
        InvalidHeartbeat{"leader is not a voter of the region"}));
  }
  if (auto fresh = CheckStale(region); !fresh.ok()) {
    return base::MakeErr(fresh.error());
  }
  RegionHeartbeatOutcome outcome;
  RegionInfo info;
  info.heartbeat = heartbeat;
  info.last_heartbeat_ms = now_ms;
  info.version_changed_ms = now_ms;
  if (const RegionInfo* old = GetRegion(region.id)) {
    outcome.epoch_changed = !(old->region().epoch == region.epoch);
    outcome.leader_changed = old->leader().id != heartbeat.leader.id;
    if (old->region().epoch.version == region.epoch.version) {
      info.version_changed_ms = old->version_changed_ms;
    }
  } else {
    outcome.is_new = true;
  }
  for (RegionId id : Overlaps(region)) {
    if (id != region.id) outcome.removed_overlaps.push_back(id);
  }
  for (RegionId id : outcome.removed_overlaps) Remove(id);
  if (!outcome.is_new) Remove(region.id);
  Insert(std::move(info));
  return outcome;
}

void ClusterView::Insert(RegionInfo info) {
  const Region& region = info.region();
  const RegionId id = region.id;
  CHECK(regions_.count(id) == 0);
  CHECK(by_start_key_.emplace(region.start_key, id).second)
      << "two regions start at " << base::EscapeBytes(region.start_key);
  const uint64_t size = info.heartbeat.approximate_size_bytes;
  for (const Peer& peer : region.peers) {
    store_regions_[peer.store_id].insert(id);
    StoreRegionStats& stats = store_stats_[peer.store_id];
    ++stats.region_count;
    stats.region_size_bytes += size;
  }
  const StoreId leader_store = info.leader().store_id;
  store_leaders_[leader_store].insert(id);
  ++store_stats_[leader_store].leader_count;
  store_stats_[leader_store].leader_size_bytes += size;
  regions_.emplace(id, std::move(info));
}

void ClusterView::Remove(RegionId id) {
  auto it = regions_.find(id);
  CHECK(it != regions_.end());
  const RegionInfo& info = it->second;
  const uint64_t size = info.heartbeat.approximate_size_bytes;
  for (const Peer& peer : info.region().peers) {
    CHECK_EQ(store_regions_[peer.store_id].erase(id), 1u);
    StoreRegionStats& stats = store_stats_[peer.store_id];
    CHECK_GE(stats.region_count, 1u);
    --stats.region_count;
    stats.region_size_bytes -= size;
  }
  const StoreId leader_store = info.leader().store_id;
  CHECK_EQ(store_leaders_[leader_store].erase(id), 1u);
  --store_stats_[leader_store].leader_count;
  store_stats_[leader_store].leader_size_bytes -= size;
  CHECK_EQ(by_start_key_.erase(info.region().start_key), 1u);
  regions_.erase(it);
}

const RegionInfo* ClusterView::GetRegion(RegionId id) const {
  auto it = regions_.find(id);
  return it == regions_.end() ? nullptr : &it->second;
}

const RegionInfo* ClusterView::GetRegionByKey(base::BytesView key) const {
  auto it = by_start_key_.upper_bound(base::Bytes(key));
  if (it == by_start_key_.begin()) return nullptr;
  --it;
  const RegionInfo& info = regions_.at(it->second);
  return info.region().ContainsKey(key) ? &info : nullptr;
}

const RegionInfo* ClusterView::PrevRegion(const Region& region) const {
  if (region.start_key.empty()) return nullptr;
  auto it = by_start_key_.lower_bound(region.start_key);
  if (it == by_start_key_.begin()) return nullptr;
  --it;
  const RegionInfo& info = regions_.at(it->second);
  return info.region().end_key == region.start_key ? &info : nullptr;
}

const RegionInfo* ClusterView::NextRegion(const Region& region) const {
  if (region.end_key.empty()) return nullptr;
  auto it = by_start_key_.find(region.end_key);
  return it == by_start_key_.end() ? nullptr : &regions_.at(it->second);
}

std::vector<const RegionInfo*> ClusterView::ScanRegions(
    base::BytesView start_key, size_t limit) const {
  std::vector<const RegionInfo*> out;
  auto it = by_start_key_.upper_bound(base::Bytes(start_key));
  if (it != by_start_key_.begin()) {
    auto prev = std::prev(it);
    if (regions_.at(prev->second).region().ContainsKey(start_key)) it = prev;
  }
  for (; it != by_start_key_.end() && (limit == 0 || out.size() < limit);
       ++it) {
    out.push_back(&regions_.at(it->second));
  }
  return out;
}

std::vector<Region> ClusterView::RegionMetas() const {
  std::vector<Region> metas;
  metas.reserve(regions_.size());
  for (const auto& [id, info] : regions_) metas.push_back(info.region());
  return metas;
}

StoreRegionStats ClusterView::RegionStatsOf(StoreId id) const {
  auto it = store_stats_.find(id);
  return it == store_stats_.end() ? StoreRegionStats{} : it->second;
}

const std::set<RegionId>& ClusterView::RegionsOnStore(StoreId id) const {
  auto it = store_regions_.find(id);
  return it == store_regions_.end() ? empty_ : it->second;
}

const std::set<RegionId>& ClusterView::LeadersOnStore(StoreId id) const {
  auto it = store_leaders_.find(id);
  return it == store_leaders_.end() ? empty_ : it->second;
}

}  // namespace pd::cluster
