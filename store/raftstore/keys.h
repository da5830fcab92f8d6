// The raftstore's key layout in the engine (DO NOT CHANGE: persisted),
// after TiKV's components/keys/src/lib.rs:
//
//   store ident         CF raft   01 01 raft_serverpb.StoreIdent
//   prepare bootstrap   CF raft   01 02 metapb.Region
//   region local state  CF raft   01 03 BE64(region) 01 RegionLocalState
//   user data           CF default/lock/write   'z' + key
//
// The region's Raft log, raft state and apply state (01 02 BE64(region) ..)
// are PeerStorage's (store/peer/peer_storage.h). Every local key lives in CF
// raft, which commands may not write; data keys carry TiKV's DATA_PREFIX so
// that a region's range is bounded even when its end key is +infinity (the
// end of the data key space is 'z' + 1).
#ifndef STORE_RAFTSTORE_KEYS_H_
#define STORE_RAFTSTORE_KEYS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/bytes.h"
#include "core/env/engine.h"
#include "core/raft/types.h"

namespace store::raftstore {

using RegionId = uint64_t;

// A region created by bootstrap or split starts with its log truncated
// here (Ref: TiKV RAFT_INIT_LOG_INDEX / RAFT_INIT_LOG_TERM): a peer created
// empty by a message is behind the leader's first index, so it catches up by
// snapshot rather than replaying a log it has no base for.
inline constexpr core::raft::Index kRaftInitLogIndex = 5;
inline constexpr core::raft::Term kRaftInitLogTerm = 5;

std::string StoreIdentKey();
// The first region a store prepared for the cluster's bootstrap and has not
// yet seen PD accept or refuse (Ref: TiKV keys PREPARE_BOOTSTRAP_KEY, 01 02,
// which no region's Raft key equals: those carry a region id after it).
std::string PrepareBootstrapKey();
std::string RegionStateKey(RegionId region_id);
// Every region state key lies in [RegionMetaMinKey, RegionMetaMaxKey).
std::string RegionMetaMinKey();
std::string RegionMetaMaxKey();
// The region id of a region state key; nullopt for any other key.
std::optional<RegionId> DecodeRegionStateKey(std::string_view key);

// User key <-> engine data key.
std::string DataKey(core::base::BytesView key);
// The data key bounding a region's range from above: DataKey(end_key), or
// the end of the data key space when end_key is empty (+infinity).
std::string DataEndKey(core::base::BytesView end_key);
// The user key of a data key; nullopt when `data_key` is not one.
std::optional<std::string_view> OriginKey(std::string_view data_key);

// The column family a command names: "default" (or empty), "lock",
// "write". CF raft holds local state and is never a command's.
std::optional<core::env::Cf> DataCfFromName(std::string_view name);
inline constexpr core::env::Cf kDataCfs[] = {
    core::env::Cf::kDefault, core::env::Cf::kLock, core::env::Cf::kWrite};

}  // namespace store::raftstore

#endif  // STORE_RAFTSTORE_KEYS_H_
