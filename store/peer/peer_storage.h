// PeerStorage: the durable Raft state of one region's peer, kept in the
// engine's `raft` column family under keys scoped by region id, and mirrored
// in memory for the Raft core. One store holds many of them in one engine.
//
// Layout in Cf::kRaft (DO NOT CHANGE: persisted). Keys follow TiKV's
// components/keys (local prefix 0x01, region raft prefix 0x02):
//   raft_state_key(r)   = 01 02 BE64(r) 02   varint term | vote | commit
//   apply_state_key(r)  = 01 02 BE64(r) 03   varint applied_index |
//                         truncated_index | truncated_term | conf state
//   raft_log_key(r, i)  = 01 02 BE64(r) 01 BE64(i)
//                         varint term | u8 type | varint prev_term | data
// conf state: four varint-counted lists of varint ids (voters, outgoing
// voters, learners, next learners) and a u8 auto_leave.
// `prev_term` is the term of the entry before (the truncated term before the
// first): recovery checks the chain, so a log that does not link up is
// never trusted.
//
// Writes. A Ready's entries and hard state go into one WriteBatch (Stage),
// which the Ready loop writes with every other peer's in one engine write
// (group commit). The engine keeps whole batches, a prefix of the unsynced
// ones (core/env/engine.h), so a surviving hard state always comes with its
// entries. The apply state is written by the peer in the same batch as the
// applied data it covers (ApplyStateWrite).
//
// Recovery (Recover) reads what a crash left and repairs it:
//   * the log is the longest run after the truncated index whose indexes are
//     contiguous and whose prev_term chain holds; the rest is deleted;
//   * if the last log term exceeds the hard state's term, the term is raised
//     and the vote cleared (no vote in that term was made durable);
//   * the commit index is clamped into [applied, last index].
// Every discarded record was unsynced, so nothing acknowledged is lost.
//
// Durability tracking: until MarkDurable, staged state is written but maybe
// not durable; DurableView shows what a crash is guaranteed to keep (for the
// simulator's invariant checks).
//
// Thread-affinity: the store's executor.
#ifndef STORE_PEER_PEER_STORAGE_H_
#define STORE_PEER_PEER_STORAGE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/env/engine.h"
#include "core/raft/invariants/invariants.h"
#include "core/raft/raw_node.h"
#include "core/raft/storage.h"
#include "core/raft/types.h"

namespace store {

using core::raft::ConfState;
using core::raft::Entry;
using core::raft::HardState;
using core::raft::Index;
using core::raft::Term;
using RegionId = uint64_t;

std::string RaftStateKey(RegionId region_id);
std::string ApplyStateKey(RegionId region_id);
std::string RaftLogKey(RegionId region_id, Index index);

// What the peer has applied, recorded with the data it covers.
struct ApplyState {
  Index applied_index = 0;
  // The log is compacted up to here (a snapshot covers it).
  Index truncated_index = 0;
  Term truncated_term = 0;
  ConfState conf_state;
  bool operator==(const ApplyState&) const = default;
};

std::string EncodeApplyState(const ApplyState& state);
bool DecodeApplyState(std::string_view in, ApplyState* state);

// Adds to `batch` the durable state of a peer that starts with its log
// truncated at (index, term): applied there, with membership `conf_state`
// and hard state `hard_state` (whose commit is raised to `index`). A region
// created by a split or a bootstrap starts so (Ref: TiKV
// write_initial_states, RAFT_INIT_LOG_INDEX): a new peer of it with an
// empty log then needs a snapshot, which carries the region's data.
void InitialStateWrite(RegionId region_id, Index index, Term term,
                       const ConfState& conf_state, HardState hard_state,
                       core::env::WriteBatch* batch);

// Adds to `batch` the deletion of everything PeerStorage keeps for region
// `region_id` (its log, raft state and apply state): the peer is destroyed.
void ClearPeerStateWrite(RegionId region_id, core::env::WriteBatch* batch);

struct RecoveredPeerState {
  HardState hard_state;
  ApplyState apply_state;
  // Contiguous from apply_state.truncated_index + 1.
  std::vector<Entry> entries;
  // Writes that make the engine agree with the recovered state (empty when
  // nothing needed repair), and what they repair, for logs.
  core::env::WriteBatch repair;
  std::vector<std::string> repairs;
};

// Reads and repairs (in memory; the caller writes `repair`) the durable
// state of region `region_id`. A region never written recovers as empty
// with `initial_conf_state` (bootstrap). kDataLoss when a checksum shows
// corruption or a record does not decode.
absl::StatusOr<RecoveredPeerState> RecoverPeerState(
    core::env::Engine& engine, RegionId region_id,
    const ConfState& initial_conf_state);

class PeerStorage {
 public:
  PeerStorage(RegionId region_id, const RecoveredPeerState& recovered);
  PeerStorage(const PeerStorage&) = delete;
  PeerStorage& operator=(const PeerStorage&) = delete;

  RegionId region_id() const { return region_id_; }
  // What the Raft core reads.
  const core::raft::Storage& storage() const { return mirror_; }

  // Step 2 of the Ready contract for entries and hard state: puts them into
  // the mirror (truncating any conflicting suffix) and into `batch`.
  void Stage(const core::raft::Ready& ready, core::env::WriteBatch* batch);
  // Step 2 for a snapshot: the log is replaced by it. Adds the deletion of
  // the old log and the new apply state to `batch`.
  void StageSnapshot(const core::raft::Snapshot& snapshot,
                     core::env::WriteBatch* batch);
  // Everything staged so far is durable.
  void MarkDurable();
  bool HasUndurable() const { return undurable_; }

  // The apply state as of `applied_index` with membership `conf_state`, for
  // the batch that carries the applied data.
  void ApplyStateWrite(Index applied_index, const ConfState& conf_state,
                       core::env::WriteBatch* batch);
  const ApplyState& apply_state() const { return apply_state_; }

  // Compacts the log up to the applied index, keeping `snapshot_data` (the
  // state machine at that index) as the snapshot lagging followers get.
  // Adds the log deletion and the apply state to `batch`.
  void CompactToApplied(std::string snapshot_data,
                        core::env::WriteBatch* batch);
  // As CompactToApplied, but the log is compacted only up to
  // min(compact_index, applied index) (log GC keeps what lagging peers
  // still replicate from); the snapshot is at the applied index.
  void CompactTo(Index compact_index, std::string snapshot_data,
                 core::env::WriteBatch* batch);
  // Makes the snapshot followers get `snapshot_data` (the state machine at
  // the applied index), at the applied index: after a restart it must carry
  // data again, and after a membership change it must name the new members
  // (a snapshot whose configuration excludes its receiver is refused).
  void RefreshSnapshot(std::string snapshot_data);

  const HardState& durable_hard_state() const { return durable_hs_; }
  // The durable log, from max(lo, first index) on.
  core::raft::invariants::LogView DurableView(Index lo) const;
  Index LastIndex() const { return mirror_.LastIndex(); }
  Index DurableLastIndex() const {
    return diverged_ ? divergence_ - 1 + durable_tail_.size()
                     : mirror_.LastIndex();
  }

 private:
  Term TermAt(Index index) const;
  void RememberReplaced(Index first);

  const RegionId region_id_;
  core::raft::MemoryStorage mirror_;
  ApplyState apply_state_;
  HardState durable_hs_;
  // While something staged is not durable: the durable log differs from
  // the mirror from `divergence_` on, where it holds `durable_tail_`.
  bool undurable_ = false;
  bool diverged_ = false;
  Index divergence_ = 0;
  std::vector<Entry> durable_tail_;
};

}  // namespace store

#endif  // STORE_PEER_PEER_STORAGE_H_
