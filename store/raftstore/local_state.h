// The store's persisted metadata (keys.h): who the store is (StoreIdent)
// and, per region, its description and lifecycle state (RegionLocalState:
// Normal for a live peer, Tombstone for a destroyed one, kept so that the
// destroyed peer's old messages are refused). Bootstrap writes the first of
// both, as TiKV's bootstrap_store and PD's first-region bootstrap
// (prepare_bootstrap_cluster) do.
//
// Fibre contract: the functions that write may park the calling fibre (an
// engine write); reads do not.
#ifndef STORE_RAFTSTORE_LOCAL_STATE_H_
#define STORE_RAFTSTORE_LOCAL_STATE_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/env/engine.h"
#include "core/raft/types.h"
#include "core/region/region.h"
#include "proto/metapb.pb.h"
#include "proto/raft_serverpb.pb.h"

namespace store::raftstore {

// The ident on the engine; nullopt before bootstrap. kDataLoss when it
// does not parse.
absl::StatusOr<std::optional<raft_serverpb::StoreIdent>> LoadStoreIdent(
    core::env::Engine& engine);

// Writes the ident (synced). Refused (kFailedPrecondition) when the engine
// already belongs to another cluster or store; a repeat is a no-op.
absl::Status BootstrapStore(core::env::Engine& engine, uint64_t cluster_id,
                            uint64_t store_id);

// Adds the region's local state to `batch` (with `merge_state` when the
// region is Merging).
void RegionStateWrite(
    const metapb::Region& region, raft_serverpb::PeerState state,
    core::env::WriteBatch* batch,
    const std::optional<raft_serverpb::MergeState>& merge_state = {});

// Every region state on the engine, by region id. kDataLoss when one does
// not parse.
absl::StatusOr<std::vector<raft_serverpb::RegionLocalState>> LoadRegionStates(
    core::env::Engine& engine);

// The Raft membership a region's peers make (peer ids are Raft ids).
core::raft::ConfState ConfStateOf(const core::region::Region& region);

// Adds a new region's state and its peer's initial Raft state (log
// truncated at kRaftInitLogIndex) to `batch`, keeping `hard_state`'s term
// and vote when they are newer (a peer that existed before, uninitialized,
// may have voted).
void InitialRegionWrite(const core::region::Region& region,
                        const core::raft::HardState& hard_state,
                        core::env::WriteBatch* batch);

// Bootstraps a region on this store (synced): the first region of a
// cluster, written on every store that hosts one of its peers before they
// start (as PD's bootstrap does). Refused (kFailedPrecondition) when the
// store has no peer of it or the region already exists here;
// kInvalidArgument when it is not a valid region.
absl::Status BootstrapRegion(core::env::Engine& engine, uint64_t store_id,
                             const metapb::Region& region);

}  // namespace store::raftstore

#endif  // STORE_RAFTSTORE_LOCAL_STATE_H_
