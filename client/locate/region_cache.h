// RegionCache: key -> region (+ the peer to send to, and its store's
// address), loaded from PD and corrected by the region errors stores
// answer (tikv/client-go internal/locate/region_cache.go).
//
// Behaviour (client-go's):
//   * Lookup. Regions sit in a map sorted by start key; a key belongs to the
//     region with the greatest start <= key whose end is > key (or empty).
//     A miss asks PD (GetRegion; GetPrevRegion for end keys; ScanRegions to
//     load a range at once) and inserts the answer, dropping every cached
//     region it overlaps. PD errors back off BoPDRPC; "no region there"
//     backs off BoRegionMiss; both within the operation's Backoffer. A PD
//     answer older (by version) than a cached region it overlaps is not
//     taken: the stores already told of a newer split or merge, so the
//     client backs off BoRegionMiss until PD has heard of it too.
//   * The peer. A region is sent to its leader (PD's, or the first peer
//     when PD names none). NotLeader with a hint switches to the hinted
//     peer; without one, to the next peer. A send failure also moves to the
//     next peer; once every peer failed in a row the region is dropped (PD
//     is asked again). A success resets that count.
//   * EpochNotMatch replaces the region with the answer's current_regions
//     (the sent-to store stays the target where it holds a peer); none, or
//     one older than the cached epoch, drops it. RegionNotFound,
//     KeyNotInRegion and unknown errors drop the region; StoreNotMatch
//     drops the region and the store's address.
//   * Stores. Addresses come from GetStore, cached per store id; a store
//     PD does not know, or a tombstone, drops the region.
//
// Thread-affinity: fibres of one executor (calls may park in PD calls and
// backoffs; the cache stays consistent across them).
#ifndef CLIENT_LOCATE_REGION_CACHE_H_
#define CLIENT_LOCATE_REGION_CACHE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/locate/region_source.h"
#include "client/retry/backoff.h"
#include "proto/metapb.pb.h"
#include "proto/pdpb.pb.h"

namespace client::locate {

// A region at one epoch (client-go's RegionVerID).
struct RegionVerId {
  uint64_t id = 0;
  uint64_t conf_ver = 0;
  uint64_t version = 0;
  friend bool operator==(const RegionVerId&, const RegionVerId&) = default;
  static RegionVerId Of(const metapb::Region& region);
};

// Where a key is: its region and the region's range.
struct KeyLocation {
  RegionVerId region;
  std::string start_key;
  std::string end_key;  // empty: to the end of the key space
  bool Contains(std::string_view key) const;
  // True when `key` is in (start, end] (an exclusive upper bound).
  bool ContainsByEnd(std::string_view key) const;
};

// What a request to a region needs: the region, the peer and its store.
struct RpcContext {
  RegionVerId region;
  metapb::RegionEpoch epoch;
  metapb::Peer peer;
  std::string address;
};

struct RegionCacheStats {
  uint64_t pd_region_loads = 0;   // GetRegion/GetPrevRegion/ScanRegions calls
  uint64_t pd_store_loads = 0;    // GetStore calls
  uint64_t hits = 0;              // lookups answered from the cache
  uint64_t invalidations = 0;     // regions dropped
  uint64_t stale_pd_answers = 0;  // PD regions older than cached ones
};

class RegionCache {
 public:
  explicit RegionCache(RegionSource& pd) : pd_(pd) {}
  RegionCache(const RegionCache&) = delete;
  RegionCache& operator=(const RegionCache&) = delete;

  // The region holding `key`.
  absl::StatusOr<KeyLocation> LocateKey(retry::Backoffer& bo,
                                        std::string_view key);
  // The region holding the keys just below `key` (key as an exclusive end:
  // start < key <= end); empty `key` is the end of the key space.
  absl::StatusOr<KeyLocation> LocateEndKey(retry::Backoffer& bo,
                                           std::string_view key);
  // Loads the regions of [start_key, end_key) (empty end: to the end) with
  // one ScanRegions, at most `limit`; their locations in key order.
  absl::StatusOr<std::vector<KeyLocation>> LoadRegionsInRange(
      retry::Backoffer& bo, std::string_view start_key,
      std::string_view end_key, int32_t limit);
  // `keys` grouped by region, regions in key order of their first key;
  // each group lists indexes into `keys` in their order there.
  struct KeyGroup {
    KeyLocation location;
    std::vector<size_t> indexes;
  };
  absl::StatusOr<std::vector<KeyGroup>> GroupKeysByRegion(
      retry::Backoffer& bo, const std::vector<std::string>& keys);

  // The peer to send `region` to; nullopt when the cache no longer holds
  // that region at that epoch (the caller locates its keys again).
  absl::StatusOr<std::optional<RpcContext>> GetRpcContext(
      retry::Backoffer& bo, const RegionVerId& region);

  // ----- what region errors and sends teach (no-ops for another epoch)
  // NotLeader: the hinted leader (by store), or the next peer when
  // `leader` is null; a hinted leader on a store the cached region does
  // not list drops the region (its membership changed).
  void UpdateLeader(const RegionVerId& region, const metapb::Peer* leader);
  // A send to `ctx` failed: the next peer, or drop the region once every
  // peer failed in a row.
  void OnSendFail(const RpcContext& ctx);
  void OnSendSuccess(const RpcContext& ctx);
  // EpochNotMatch: replaces `ctx`'s region with `current_regions`; false
  // when they were empty or stale (the region is dropped).
  bool OnRegionEpochNotMatch(
      const RpcContext& ctx,
      const google::protobuf::RepeatedPtrField<metapb::Region>&
          current_regions);
  void InvalidateRegion(const RegionVerId& region);
  void InvalidateStore(uint64_t store_id);

  // ----- inspection (tests)
  // The cached region with `id`; null when none.
  const metapb::Region* CachedRegion(uint64_t id) const;
  // The store the cached region `id` is sent to; 0 when none.
  uint64_t TargetStore(uint64_t id) const;
  size_t size() const { return by_id_.size(); }
  const RegionCacheStats& stats() const { return stats_; }

 private:
  struct Entry {
    metapb::Region meta;
    size_t target = 0;        // index into meta.peers()
    size_t failed_sends = 0;  // consecutive, across peers
  };

  // The cached entry holding `key` (by end key when `by_end`); null.
  Entry* Find(std::string_view key, bool by_end);
  Entry* FindVer(const RegionVerId& region);
  // Inserts `region` (dropping what it overlaps), sending to the peer on
  // `leader_store_id` when it has one.
  Entry& Insert(const metapb::Region& region, uint64_t leader_store_id);
  void Erase(uint64_t region_id);
  // True when a cached region overlapping `region` has a newer version
  // (PD has not heard of a split or merge the stores told us of).
  bool OlderThanCached(const metapb::Region& region) const;
  // Asks PD once per attempt until it names a region `accept` takes.
  absl::StatusOr<KeyLocation> LoadWithRetry(retry::Backoffer& bo,
                                            std::string_view key, bool by_end);
  // The store's address; empty for a tombstone; NOT_FOUND when PD knows
  // no such store.
  absl::StatusOr<std::string> LoadStoreAddress(retry::Backoffer& bo,
                                               uint64_t store_id);
  static KeyLocation LocationOf(const metapb::Region& region);

  RegionSource& pd_;
  // start key -> region id; region id -> entry.
  std::map<std::string, uint64_t> by_start_;
  std::map<uint64_t, Entry> by_id_;
  std::map<uint64_t, metapb::Store> stores_;
  RegionCacheStats stats_;
};

}  // namespace client::locate

#endif  // CLIENT_LOCATE_REGION_CACHE_H_
