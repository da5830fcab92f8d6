// Peer: one replica of one region, the Raft peer that the store runs once
// per region (and PD's replicated state runs on once). It drives a
// core::raft::RawNode over a PeerStorage and applies committed entries to an
// Applier; its owner supplies the transport and learns what happened through
// PeerHost. Ready handling is split into phases so that one ReadyLoop can
// group-commit many peers (ready_loop.h):
//
//   CollectReady(batch)  take the Ready; send `messages` (step 1); stage a
//                        snapshot (with the Applier's data) and the entries
//                        and hard state into the shared batch (step 2)
//   -- the loop writes every peer's batch at once, synced if any must be --
//   OnPersisted()        mark durable; send `persisted_messages` (step 3);
//                        RawNode::AdvanceAppend (step 4: the peer's own
//                        votes and acks count from here)
//   ApplyCommitted()     apply committed entries in order (step 5): each one
//                        with the apply state in one engine batch; conf
//                        changes applied to Raft when the Applier accepts
//                        them (with its writes in the same batch);
//                        RawNode::AdvanceApply when
//                        there were any (step 6); reads whose read index is
//                        now applied are released
//
// The peer handles one Ready at a time: the next CollectReady comes after
// ApplyCommitted. (The core would let it take the next Ready right after
// OnPersisted and apply behind; this peer does not.) A snapshot is installed
// with its persistence: its data is staged into the same batch.
//
// Every field of a Ready is acted on: CheckReadyHandled CHECKs that none was
// dropped (a snapshot or a conf change silently ignored would corrupt the
// replica).
//
// Storage errors are fail-stop (Ref: core/raft/storage.h, etcd's contract):
// the peer stops handling anything and reports PeerHost::OnHalt; its owner
// decides whether to restart the process.
//
// Thread-affinity: the store's executor; one fibre drives the phases.
#ifndef STORE_PEER_PEER_H_
#define STORE_PEER_PEER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/env/env.h"
#include "core/raft/raw_node.h"
#include "store/peer/peer_storage.h"

namespace store {

using core::raft::Message;

// The replicated state machine of a region.
class Applier {
 public:
  virtual ~Applier() = default;
  // Adds the effects of committed normal entry `entry` (non-empty data) to
  // `batch`. The peer writes `batch` with the apply state recording
  // `entry.index`, atomically, before the next entry is applied, so reads
  // made here see every earlier entry. An error halts the peer.
  virtual absl::Status ApplyEntry(const Entry& entry,
                                  core::env::WriteBatch* batch) = 0;
  // A committed conf change `change` (entry `entry`): adds the
  // application's own effects to `batch` (written with the apply state, as
  // for ApplyEntry) and says whether Raft applies the change. False makes
  // the entry a no-op for Raft too (e.g. the command it carries was built
  // against a stale epoch). By default every change is applied, with no
  // writes of the application's.
  virtual absl::StatusOr<bool> ApplyConfChange(
      const Entry& entry, const core::raft::ConfChange& change,
      core::env::WriteBatch* batch) {
    return true;
  }
  // Adds to `batch` the writes that replace the whole state with the
  // snapshot's data; written atomically with the new log and apply state.
  virtual absl::Status ApplySnapshot(const core::raft::Snapshot& snapshot,
                                     core::env::WriteBatch* batch) = 0;
  // The state as of the last applied entry, as snapshot data.
  virtual absl::StatusOr<std::string> SnapshotData() = 0;
  // Entries up to `applied_index` are applied and written (answer the
  // clients waiting on them).
  virtual void AfterApply(Index applied_index) = 0;
};

// What the peer needs from, and tells, its owner.
class PeerHost {
 public:
  virtual ~PeerHost() = default;
  // Sends a Raft message; false when the destination is unreachable.
  virtual bool Send(RegionId region_id, const Message& message) = 0;
  // Raft answered read `ctx` with `read_index` (not yet serveable).
  virtual void OnReadIndex(const std::string& ctx, Index read_index) {}
  // Read `ctx` may now be served from the applied state.
  virtual void OnReadReady(const std::string& ctx) = 0;
  // The membership changed (a conf change or a snapshot was applied).
  virtual void OnConfState(const ConfState& conf_state) {}
  // The peer stopped after a storage failure and does nothing more.
  virtual void OnHalt(const absl::Status& status) = 0;
};

struct PeerOptions {
  RegionId region_id = 0;
  // Raft settings; `applied` is set by the peer from its apply state.
  core::raft::Config raft;
  // The membership of a region never written (bootstrap).
  ConfState initial_conf_state;
};

// Which parts of a Ready have been acted on.
struct ReadyHandled {
  bool messages = false;
  bool persisted = false;  // snapshot, entries and hard state
  bool persisted_messages = false;
  bool read_states = false;
  bool committed_entries = false;
};
// CHECK-fails naming the first field of `ready` that was not handled.
void CheckReadyHandled(const core::raft::Ready& ready,
                       const ReadyHandled& handled);

class Peer {
 public:
  // Recovers the peer's durable state (reads only; nothing parks).
  static absl::StatusOr<std::unique_ptr<Peer>> Create(
      core::env::Env env, const PeerOptions& options, Applier* applier,
      PeerHost* host);
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  // The recovery's repairs and a refreshed snapshot: to be written, synced,
  // before the peer sends anything (the owner's boot).
  absl::Status WriteRecoveryRepairs();
  const std::vector<std::string>& recovery_repairs() const { return repairs_; }

  // Requests a linearizable read; PeerHost::OnReadReady(ctx) follows once
  // it may be served. An error when Raft refuses (no leader known).
  core::raft::StepResult ReadIndex(const std::string& ctx);

  // The Ready phases (see the file comment); the ReadyLoop calls them.
  bool HasReady() const { return !halted_ && raw_node_->HasReady(); }
  void CollectReady(core::env::WriteBatch* batch);
  bool ready_must_sync() const { return ready_->must_sync; }
  bool ready_records_vote() const;
  void OnPersisted();
  // Sends `persisted_messages` before they are durable (only the
  // ACK_BEFORE_SYNC mutant does this).
  void SendPersistedMessagesEarly();
  void ApplyCommitted();

  // Compacts the log up to the applied index (log GC); lagging followers
  // then catch up by snapshot.
  absl::Status CompactLog();
  // Compacts the log up to min(compact_index, applied index), with the
  // snapshot at the applied index (TiKV's CompactLog admin command).
  absl::Status CompactLogTo(Index compact_index);
  // Makes the snapshot lagging followers get the state at the applied index
  // (PeerStorage::RefreshSnapshot) without compacting the log.
  absl::Status RefreshSnapshot();

  void Halt(const absl::Status& status);
  bool halted() const { return halted_; }
  RegionId region_id() const { return storage_.region_id(); }
  core::raft::RawNode& raw_node() { return *raw_node_; }
  const core::raft::RawNode& raw_node() const { return *raw_node_; }
  const PeerStorage& storage() const { return storage_; }
  Index applied_index() const { return applied_; }

 private:
  Peer(core::env::Env env, const PeerOptions& options, Applier* applier,
       PeerHost* host, RecoveredPeerState recovered);

  void Send(const std::vector<Message>& messages);
  absl::Status ApplyEntry(const Entry& entry);
  absl::Status ApplyConfChangeEntry(const Entry& entry,
                                    core::env::WriteBatch* batch,
                                    ConfState* conf_state, bool* changed);
  void ReleaseReads();

  core::env::Env env_;
  Applier* applier_;
  PeerHost* host_;
  RecoveredPeerState recovered_;
  std::vector<std::string> repairs_;
  PeerStorage storage_;
  std::optional<core::raft::RawNode> raw_node_;
  // The Ready being handled, and what of it has been acted on.
  std::optional<core::raft::Ready> ready_;
  ReadyHandled handled_;
  Index applied_ = 0;
  bool halted_ = false;
  // Reads answered by Raft, waiting for the applied index.
  std::multimap<Index, std::string> reads_awaiting_apply_;
};

}  // namespace store

#endif  // STORE_PEER_PEER_H_
