// Region errors: why a store cannot serve a request for a region at all,
// so the client must re-route or retry (kvrpcpb responses' region_error).
// One struct per errorpb.Error arm this store produces, carrying the data the
// client reacts to (reference tikv.md §1.4, with client-go's reaction); the
// kvproto binding maps them one to one. Ref: kvproto proto/errorpb.proto.
#ifndef STORE_STORAGE_REGION_ERROR_H_
#define STORE_STORAGE_REGION_ERROR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/base/bytes.h"
#include "core/region/region.h"

namespace store::storage {

using core::region::Peer;
using core::region::PeerId;
using core::region::Region;
using core::region::RegionEpoch;
using core::region::RegionId;
using core::region::StoreId;

// The peer is not the leader; `leader` when it knows who is.
struct NotLeader {
  RegionId region_id = 0;
  std::optional<Peer> leader;
  bool operator==(const NotLeader&) const = default;
};

// The store has no peer of the region.
struct RegionNotFound {
  RegionId region_id = 0;
  bool operator==(const RegionNotFound&) const = default;
};

// A key of the request lies outside the region's [start_key, end_key).
struct KeyNotInRegion {
  core::base::Bytes key;
  RegionId region_id = 0;
  core::base::Bytes start_key;
  core::base::Bytes end_key;
  bool operator==(const KeyNotInRegion&) const = default;
};

// The request's epoch is not the region's: it split, merged or changed
// membership. `current_regions` lets the client update its cache.
struct EpochNotMatch {
  std::vector<Region> current_regions;
  bool operator==(const EpochNotMatch&) const = default;
};

// The term changed under the proposal; retry.
struct StaleCommand {
  bool operator==(const StaleCommand&) const = default;
};

// Flow control (the scheduler's pending writes over their limit, a write
// stall); back off.
struct ServerIsBusy {
  std::string reason;
  uint64_t backoff_ms = 0;
  bool operator==(const ServerIsBusy&) const = default;
};

// The request was meant for another store at this address.
struct StoreNotMatch {
  StoreId request_store_id = 0;
  StoreId actual_store_id = 0;
  bool operator==(const StoreNotMatch&) const = default;
};

// The request names a peer of the region other than this store's.
struct MismatchPeerId {
  PeerId request_peer_id = 0;
  PeerId store_peer_id = 0;
  bool operator==(const MismatchPeerId&) const = default;
};

// The proposal exceeds raft-entry-max-size.
struct RaftEntryTooLarge {
  RegionId region_id = 0;
  uint64_t entry_size = 0;
  bool operator==(const RaftEntryTooLarge&) const = default;
};

// A new leader has not yet synced max_ts from the TSO: async-commit and 1PC
// prewrites must back off.
struct MaxTimestampNotSynced {
  bool operator==(const MaxTimestampNotSynced&) const = default;
};

using RegionError =
    std::variant<NotLeader, RegionNotFound, KeyNotInRegion, EpochNotMatch,
                 StaleCommand, ServerIsBusy, StoreNotMatch, MismatchPeerId,
                 RaftEntryTooLarge, MaxTimestampNotSynced>;

// One line for logs and error messages, e.g. "NotLeader{region 3, leader
// peer 7 on store 2}".
std::string RegionErrorToString(const RegionError& error);

// KeyNotInRegion unless `key` lies in the region.
std::optional<KeyNotInRegion> CheckKeyInRegion(const Region& region,
                                               core::base::BytesView key);

}  // namespace store::storage

#endif  // STORE_STORAGE_REGION_ERROR_H_
