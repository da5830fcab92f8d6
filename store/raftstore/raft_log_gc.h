// Raft log GC: when the leader of a region proposes CompactLog, and up to
// which index (Ref: TiKV PeerFsm::on_raft_gc_log_tick,
// components/raftstore/src/store/fsm/peer.rs, and its raft-log-gc-* knobs).
//
// Every `tick_interval_ticks` base ticks the leader looks at its log:
//   * once the applied part is over `count_limit` entries or the log over
//     `size_limit_bytes`, it compacts up to the applied index: followers
//     behind that catch up by snapshot;
//   * otherwise, once every peer has replicated `threshold` entries past the
//     first index, it compacts up to the least replicated index (nobody
//     needs a snapshot);
//   * otherwise nothing.
// The compact index is one below the chosen index, as TiKV does. Every
// replica applies the CompactLog entry by compacting its own log there.
// (TiKV's raft-log-reserve-max-ticks, which compacts below the threshold
// after a few idle GC ticks, is not done.)
//
// Pure: the caller gathers the state.
#ifndef STORE_RAFTSTORE_RAFT_LOG_GC_H_
#define STORE_RAFTSTORE_RAFT_LOG_GC_H_

#include <cstdint>
#include <optional>

#include "core/raft/raft.h"
#include "core/raft/types.h"
#include "proto/metapb.pb.h"
#include "proto/raft_cmdpb.pb.h"

namespace store::raftstore {

struct RaftLogGcOptions {
  // TiKV raft-log-gc-tick-interval (10 s; 3 s in recent releases) over
  // raft-base-tick-interval (1 s).
  int tick_interval_ticks = 10;
  // TiKV raft-log-gc-threshold.
  uint64_t threshold = 50;
  // TiKV raft-log-gc-count-limit: 3/4 of region-split-size (96 MiB) in
  // 1 KiB entries.
  uint64_t count_limit = 96 * 1024 * 3 / 4;
  // TiKV raft-log-gc-size-limit: 3/4 of region-split-size.
  uint64_t size_limit_bytes = uint64_t{96} * 1024 * 1024 * 3 / 4;
};

// What the leader knows of its log.
struct RaftLogGcState {
  core::raft::Index applied_index = 0;
  core::raft::Index first_index = 0;
  core::raft::Index last_index = 0;
  // The least index every peer (voters and learners) has replicated.
  core::raft::Index replicated_index = 0;
  // Payload bytes of the entries held.
  uint64_t log_bytes = 0;
};

// The index to compact up to (inclusive), or nullopt for none.
std::optional<core::raft::Index> RaftLogGcCompactIndex(
    const RaftLogGcState& state, const RaftLogGcOptions& options);

// The state of the leader `raft` with `applied_index`, read from its log and
// progress.
RaftLogGcState RaftLogGcStateOf(const core::raft::Raft& raft,
                                core::raft::Index applied_index);

// The CompactLog admin command for the region `region_id`, from `peer`.
raft_cmdpb::RaftCmdRequest CompactLogCommand(uint64_t region_id,
                                             const metapb::Peer& peer,
                                             const metapb::RegionEpoch& epoch,
                                             core::raft::Index compact_index,
                                             core::raft::Term compact_term);

}  // namespace store::raftstore

#endif  // STORE_RAFTSTORE_RAFT_LOG_GC_H_
