#include "client/locate/region_cache.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/base/status_macros.h"

namespace client::locate {

namespace {

bool Before(std::string_view key, std::string_view end) {
  return end.empty() || key < end;
}

absl::Status RegionMissError(std::string_view key) {
  return absl::UnavailableError(
      absl::StrCat("region not found for key \"", std::string(key), "\""));
}

}  // namespace

RegionVerId RegionVerId::Of(const metapb::Region& region) {
  return {region.id(), region.region_epoch().conf_ver(),
          region.region_epoch().version()};
}

bool KeyLocation::Contains(std::string_view key) const {
  return start_key <= key && Before(key, end_key);
}

bool KeyLocation::ContainsByEnd(std::string_view key) const {
  if (key.empty()) return end_key.empty();
  return start_key < key && (end_key.empty() || key <= end_key);
}

KeyLocation RegionCache::LocationOf(const metapb::Region& region) {
  return {RegionVerId::Of(region), region.start_key(), region.end_key()};
}

RegionCache::Entry* RegionCache::Find(std::string_view key, bool by_end) {
  if (by_start_.empty()) return nullptr;
  auto it = by_end && !key.empty() ? by_start_.lower_bound(std::string(key))
                                   : by_start_.upper_bound(std::string(key));
  if (by_end && key.empty()) it = by_start_.end();
  if (it == by_start_.begin()) return nullptr;
  Entry& entry = by_id_.at(std::prev(it)->second);
  const KeyLocation location = LocationOf(entry.meta);
  const bool hit =
      by_end ? location.ContainsByEnd(key) : location.Contains(key);
  return hit ? &entry : nullptr;
}

RegionCache::Entry* RegionCache::FindVer(const RegionVerId& region) {
  auto it = by_id_.find(region.id);
  if (it == by_id_.end() || !(RegionVerId::Of(it->second.meta) == region)) {
    return nullptr;
  }
  return &it->second;
}

void RegionCache::Erase(uint64_t region_id) {
  auto it = by_id_.find(region_id);
  if (it == by_id_.end()) return;
  by_start_.erase(it->second.meta.start_key());
  by_id_.erase(it);
}

RegionCache::Entry& RegionCache::Insert(const metapb::Region& region,
                                        uint64_t leader_store_id) {
  Erase(region.id());
  // Every cached region overlapping [start, end) goes: the one starting
  // before `start` when it reaches past it, and those starting inside.
  std::vector<uint64_t> overlapped;
  auto it = by_start_.upper_bound(region.start_key());
  if (it != by_start_.begin()) {
    const Entry& before = by_id_.at(std::prev(it)->second);
    if (Before(region.start_key(), before.meta.end_key())) {
      overlapped.push_back(std::prev(it)->second);
    }
  }
  for (; it != by_start_.end() && Before(it->first, region.end_key()); ++it) {
    overlapped.push_back(it->second);
  }
  for (uint64_t id : overlapped) Erase(id);
  Entry entry{region, 0, 0};
  for (int i = 0; i < region.peers_size(); ++i) {
    if (region.peers(i).store_id() == leader_store_id) {
      entry.target = static_cast<size_t>(i);
    }
  }
  by_start_[region.start_key()] = region.id();
  return by_id_[region.id()] = std::move(entry);
}

bool RegionCache::OlderThanCached(const metapb::Region& region) const {
  const uint64_t version = region.region_epoch().version();
  auto it = by_start_.upper_bound(region.start_key());
  if (it != by_start_.begin()) {
    const Entry& before = by_id_.at(std::prev(it)->second);
    if (Before(region.start_key(), before.meta.end_key()) &&
        before.meta.region_epoch().version() > version) {
      return true;
    }
  }
  for (; it != by_start_.end() && Before(it->first, region.end_key()); ++it) {
    if (by_id_.at(it->second).meta.region_epoch().version() > version) {
      return true;
    }
  }
  return false;
}

absl::StatusOr<KeyLocation> RegionCache::LocateKey(retry::Backoffer& bo,
                                                   std::string_view key) {
  if (Entry* entry = Find(key, /*by_end=*/false)) {
    ++stats_.hits;
    return LocationOf(entry->meta);
  }
  return LoadWithRetry(bo, key, /*by_end=*/false);
}

absl::StatusOr<KeyLocation> RegionCache::LocateEndKey(retry::Backoffer& bo,
                                                      std::string_view key) {
  if (Entry* entry = Find(key, /*by_end=*/true)) {
    ++stats_.hits;
    return LocationOf(entry->meta);
  }
  return LoadWithRetry(bo, key, /*by_end=*/true);
}

absl::StatusOr<KeyLocation> RegionCache::LoadWithRetry(retry::Backoffer& bo,
                                                       std::string_view key,
                                                       bool by_end) {
  // client-go: GetRegion(key), then GetPrevRegion(key) when an end key is
  // the start of the region holding it. The end of the key space is the
  // last region (one ScanRegions here).
  bool search_prev = false;
  for (;;) {
    ++stats_.pd_region_loads;
    absl::StatusOr<pdpb::GetRegionResponse> response;
    if (by_end && key.empty()) {
      absl::StatusOr<pdpb::ScanRegionsResponse> all =
          pd_.ScanRegions("", "", 0);
      if (all.ok()) {
        response.emplace();
        if (all->regions_size() > 0) {
          *response->mutable_region() = all->regions().rbegin()->region();
          *response->mutable_leader() = all->regions().rbegin()->leader();
        }
      } else {
        response = all.status();
      }
    } else {
      response = search_prev ? pd_.GetPrevRegion(key) : pd_.GetRegion(key);
    }
    if (!response.ok()) {
      RETURN_IF_ERROR(bo.Backoff(retry::kBoPDRPC, response.status()));
      continue;
    }
    const KeyLocation location = LocationOf(response->region());
    if (by_end && !search_prev && !key.empty() && response->has_region() &&
        location.start_key == key) {
      search_prev = true;
      continue;
    }
    const bool fits =
        by_end ? location.ContainsByEnd(key) : location.Contains(key);
    if (!response->has_region() || !fits) {
      search_prev = false;
      RETURN_IF_ERROR(bo.Backoff(retry::kBoRegionMiss, RegionMissError(key)));
      continue;
    }
    if (OlderThanCached(response->region())) {
      // The stores told us of a newer split or merge than PD knows yet.
      ++stats_.stale_pd_answers;
      search_prev = false;
      RETURN_IF_ERROR(
          bo.Backoff(retry::kBoRegionMiss,
                     absl::UnavailableError(absl::StrCat(
                         "PD's region ", response->region().id(), " (version ",
                         response->region().region_epoch().version(),
                         ") is older than the cached regions it overlaps"))));
      continue;
    }
    Insert(response->region(), response->leader().store_id());
    return location;
  }
}

absl::StatusOr<std::vector<KeyLocation>> RegionCache::LoadRegionsInRange(
    retry::Backoffer& bo, std::string_view start_key, std::string_view end_key,
    int32_t limit) {
  for (;;) {
    ++stats_.pd_region_loads;
    absl::StatusOr<pdpb::ScanRegionsResponse> response =
        pd_.ScanRegions(start_key, end_key, limit);
    if (!response.ok()) {
      RETURN_IF_ERROR(bo.Backoff(retry::kBoPDRPC, response.status()));
      continue;
    }
    std::vector<KeyLocation> locations;
    for (const pdpb::Region& region : response->regions()) {
      Insert(region.region(), region.leader().store_id());
      locations.push_back(LocationOf(region.region()));
    }
    // The first must hold start_key, each the next's start (no holes).
    bool whole = !locations.empty() && locations[0].Contains(start_key);
    for (size_t i = 1; whole && i < locations.size(); ++i) {
      whole = locations[i - 1].end_key == locations[i].start_key;
    }
    if (whole) return locations;
    RETURN_IF_ERROR(
        bo.Backoff(retry::kBoRegionMiss, RegionMissError(start_key)));
  }
}

absl::StatusOr<std::vector<RegionCache::KeyGroup>>
RegionCache::GroupKeysByRegion(retry::Backoffer& bo,
                               const std::vector<std::string>& keys) {
  std::vector<KeyGroup> groups;
  std::map<uint64_t, size_t> group_of;
  for (size_t i = 0; i < keys.size(); ++i) {
    ASSIGN_OR_RETURN(KeyLocation location, LocateKey(bo, keys[i]));
    auto [it, fresh] = group_of.emplace(location.region.id, groups.size());
    if (fresh) groups.push_back({std::move(location), {}});
    groups[it->second].indexes.push_back(i);
  }
  std::sort(groups.begin(), groups.end(),
            [](const KeyGroup& a, const KeyGroup& b) {
              return a.location.start_key < b.location.start_key;
            });
  return groups;
}

absl::StatusOr<std::string> RegionCache::LoadStoreAddress(retry::Backoffer& bo,
                                                          uint64_t store_id) {
  auto it = stores_.find(store_id);
  while (it == stores_.end()) {
    ++stats_.pd_store_loads;
    absl::StatusOr<metapb::Store> store = pd_.GetStore(store_id);
    if (store.ok()) {
      it = stores_.emplace(store_id, *std::move(store)).first;
    } else if (absl::IsNotFound(store.status())) {
      return store.status();
    } else {
      RETURN_IF_ERROR(bo.Backoff(retry::kBoPDRPC, store.status()));
      it = stores_.find(store_id);
    }
  }
  if (it->second.state() == metapb::Tombstone) return std::string();
  return it->second.address();
}

absl::StatusOr<std::optional<RpcContext>> RegionCache::GetRpcContext(
    retry::Backoffer& bo, const RegionVerId& region) {
  Entry* entry = FindVer(region);
  if (entry == nullptr || entry->meta.peers_size() == 0) {
    return std::optional<RpcContext>();
  }
  const metapb::Peer peer = entry->meta.peers(static_cast<int>(entry->target));
  absl::StatusOr<std::string> address = LoadStoreAddress(bo, peer.store_id());
  if (!address.ok() && !absl::IsNotFound(address.status())) {
    return address.status();
  }
  if (!address.ok() || address->empty()) {
    InvalidateRegion(region);
    return std::optional<RpcContext>();
  }
  // LoadStoreAddress may have parked: the entry may be gone.
  entry = FindVer(region);
  if (entry == nullptr) return std::optional<RpcContext>();
  return std::optional<RpcContext>(RpcContext{
      region, entry->meta.region_epoch(), peer, *std::move(address)});
}

void RegionCache::UpdateLeader(const RegionVerId& region,
                               const metapb::Peer* leader) {
  Entry* entry = FindVer(region);
  if (entry == nullptr || entry->meta.peers_size() == 0) return;
  const size_t peers = static_cast<size_t>(entry->meta.peers_size());
  if (leader != nullptr && leader->store_id() != 0) {
    for (size_t i = 0; i < peers; ++i) {
      if (entry->meta.peers(static_cast<int>(i)).store_id() ==
          leader->store_id()) {
        entry->target = i;
        return;
      }
    }
    // Ref: client-go UpdateLeader: a leader the cached region does not
    // list means the membership changed since it was loaded; rotating
    // among the stale peers could ask the same one forever.
    InvalidateRegion(region);
    return;
  }
  entry->target = (entry->target + 1) % peers;
}

void RegionCache::OnSendFail(const RpcContext& ctx) {
  Entry* entry = FindVer(ctx.region);
  if (entry == nullptr) return;
  // Another fibre may have moved the target already.
  if (entry->meta.peers(static_cast<int>(entry->target)).store_id() !=
      ctx.peer.store_id()) {
    return;
  }
  if (++entry->failed_sends >= static_cast<size_t>(entry->meta.peers_size())) {
    InvalidateRegion(ctx.region);
    return;
  }
  UpdateLeader(ctx.region, nullptr);
}

void RegionCache::OnSendSuccess(const RpcContext& ctx) {
  if (Entry* entry = FindVer(ctx.region)) entry->failed_sends = 0;
}

bool RegionCache::OnRegionEpochNotMatch(
    const RpcContext& ctx,
    const google::protobuf::RepeatedPtrField<metapb::Region>& current_regions) {
  const metapb::RegionEpoch& sent = ctx.epoch;
  bool stale = current_regions.empty();
  for (const metapb::Region& region : current_regions) {
    // A region the store knows at an older epoch than ours: its view is
    // behind; ask PD instead.
    if (region.id() == ctx.region.id &&
        (region.region_epoch().version() < sent.version() ||
         region.region_epoch().conf_ver() < sent.conf_ver())) {
      stale = true;
    }
  }
  std::vector<metapb::Region> decoded(current_regions.begin(),
                                      current_regions.end());
  for (metapb::Region& region : decoded) {
    if (!pd_.DecodeRegion(region).ok()) stale = true;
  }
  InvalidateRegion(ctx.region);
  if (stale) return false;
  for (const metapb::Region& region : decoded) {
    Insert(region, ctx.peer.store_id());
  }
  return true;
}

void RegionCache::InvalidateRegion(const RegionVerId& region) {
  if (FindVer(region) == nullptr) return;
  ++stats_.invalidations;
  Erase(region.id);
}

void RegionCache::InvalidateStore(uint64_t store_id) {
  stores_.erase(store_id);
}

const metapb::Region* RegionCache::CachedRegion(uint64_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &it->second.meta;
}

uint64_t RegionCache::TargetStore(uint64_t id) const {
  auto it = by_id_.find(id);
  if (it == by_id_.end() || it->second.meta.peers_size() == 0) return 0;
  return it->second.meta.peers(static_cast<int>(it->second.target)).store_id();
}

}  // namespace client::locate
