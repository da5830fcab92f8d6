// RaftLogStore: the Raft log and hard state of one register node, kept in
// the engine's `raft` column family and mirrored in memory for the core.
//
// Layout in Cf::kRaft (DO NOT CHANGE: persisted):
//   "hs"               varint term | varint vote | varint commit
//   "e" + BE64(index)  varint term | u8 type | varint prev_term | data
// `prev_term` is the term of the entry before (0 before index 1). With it,
// recovery can tell a consistent log from one that a torn batch left with
// holes or with new entries sitting on stale ones.
//
// Durability. Stage() adds a Ready's entries and hard state to the mirror
// (which the core reads) and to a StagedWrite; the driver writes it
// (WriteStaged) and, once a sync has returned OK, calls MarkDurable(). Until
// then the staged state is "written but not durable": DurableView shows
// what a crash is guaranteed to keep, for the invariant checker.
//
// The entries and the hard state go in two batches, entries first. The
// engine keeps a prefix of the unsynced batches (and may tear the first lost
// one), so a surviving hard state implies that its entries survived whole:
// a recovered commit index always refers to the log it was written with.
// (In one batch, a torn write could keep a new commit index over an old
// entry it was never about.)
//
// Recovery (RecoverRaftState) reads what a crash left and repairs what the
// engine's crash model allows (a lost suffix of unsynced batches, and a torn
// first lost batch: any subset of its ops):
//   * the log is the longest prefix from index 1 that is contiguous and whose
//     prev_term chain holds; the rest is deleted;
//   * if the log's last term exceeds the hard state's term (entries kept,
//     hard state lost), the term is raised and the vote cleared (no vote in
//     that term was ever made durable, or the term would have been);
//   * the commit index is clamped to the last index.
// Every discarded entry was unsynced, so nothing acknowledged is lost.
//
// Thread-affinity: the node's executor.
#ifndef SIM_REGISTER_RAFT_LOG_STORE_H_
#define SIM_REGISTER_RAFT_LOG_STORE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/env/engine.h"
#include "core/raft/invariants/invariants.h"
#include "core/raft/raw_node.h"
#include "core/raft/storage.h"
#include "core/raft/types.h"

namespace sim::register_kv {

using core::raft::Entry;
using core::raft::HardState;
using core::raft::Index;
using core::raft::Term;

std::string HardStateKey();
std::string EntryKey(Index index);

// One Ready's writes, in the order they must reach the engine.
struct StagedWrite {
  core::env::WriteBatch entries;
  core::env::WriteBatch hard_state;
  bool empty() const { return entries.empty() && hard_state.empty(); }
};

// Writes `staged` (entries, then hard state); with `sync`, the last write
// syncs both.
absl::Status WriteStaged(core::env::Engine& engine, const StagedWrite& staged,
                         bool sync);

struct RecoveredRaftState {
  HardState hard_state;
  // Contiguous from index 1.
  std::vector<Entry> entries;
  // Writes that make the engine agree with the recovered state (empty when
  // nothing needed repair), and what they repair, for logs.
  core::env::WriteBatch repair;
  std::vector<std::string> repairs;
};

// Reads and repairs (in memory; the caller writes `repair`) the durable Raft
// state. kDataLoss when a checksum shows corruption, or when a record does
// not decode.
absl::StatusOr<RecoveredRaftState> RecoverRaftState(core::env::Engine& engine);

class RaftLogStore {
 public:
  RaftLogStore(const core::raft::ConfState& conf_state,
               const RecoveredRaftState& recovered);
  RaftLogStore(const RaftLogStore&) = delete;
  RaftLogStore& operator=(const RaftLogStore&) = delete;

  // What the Raft core reads.
  const core::raft::Storage& storage() const { return mirror_; }

  // Step 2 of the Ready contract: puts the Ready's entries (truncating any
  // conflicting suffix) and hard state into the mirror and into `staged`.
  void Stage(const core::raft::Ready& ready, StagedWrite* staged);
  // Everything staged so far is durable.
  void MarkDurable();
  bool HasUndurable() const { return undurable_; }

  const HardState& durable_hard_state() const { return durable_hs_; }
  // The durable log, from max(lo, 1) on.
  core::raft::invariants::LogView DurableView(Index lo) const;
  Index LastIndex() const { return mirror_.LastIndex(); }
  // The last index of DurableView.
  Index DurableLastIndex() const {
    return diverged_ ? divergence_ - 1 + durable_tail_.size()
                     : mirror_.LastIndex();
  }

 private:
  Term TermAt(Index index) const;

  core::raft::MemoryStorage mirror_;
  HardState durable_hs_;
  // While something staged is not durable: the durable log differs from
  // the mirror from `divergence_` on, where it holds `durable_tail_`.
  bool undurable_ = false;
  bool diverged_ = false;
  Index divergence_ = 0;
  std::vector<Entry> durable_tail_;
};

}  // namespace sim::register_kv

#endif  // SIM_REGISTER_RAFT_LOG_STORE_H_
