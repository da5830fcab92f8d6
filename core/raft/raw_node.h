// RawNode: the thread-unsafe API of one Raft node, and the Ready contract
// between the pure core and its driver.
//
// The driver loop (Ref: etcd/raft README, raft-rs RawNode):
//   node.Tick() on every tick; node.Step(msg) for every message received;
//   node.Propose / ProposeConfChange / ReadIndex / TransferLeader on request;
//   node.ReportSnapshot for every MsgSnap sent (see below);
//   if (node.HasReady()) {
//     Ready rd = node.GetReady();
//     1. send rd.messages (they may go out before anything is persisted);
//     2. persist rd.snapshot, rd.entries (truncating any conflicting suffix)
//        and rd.hard_state, durably (fsync) when rd.must_sync; install the
//        snapshot's state together with it (the snapshot replaces the
//        state machine);
//     3. only then send rd.persisted_messages;
//     4. node.AdvanceAppend(): everything of rd is persisted; the node's
//        own votes and acks count from now on, and a new Ready may be taken;
//     5. apply rd.committed_entries in order, calling ApplyConfChange for
//        kConfChange entries; serve rd.read_states once the applied index
//        reaches each ReadState::index;
//     6. if rd.committed_entries was not empty, node.AdvanceApply().
//   }
// Sending a persisted message before step 2 completes breaks Raft's safety
// (a vote or an acknowledged entry could be forgotten in a crash).
//
// Only one Ready may be outstanding: GetReady CHECKs that the previous one
// went through AdvanceAppend, and HasReady is false in between. Applying may
// run behind persistence (Ref: raft-rs advance_append / advance_apply): after
// AdvanceAppend the driver may take Ready N+1, and persist it, before Ready
// N's committed entries are applied. Committed entries handed out are never
// handed out again; AdvanceApply reports the oldest Ready's committed entries
// applied, so the driver applies (and reports) Readies in order. At most
// Config::max_committed_size_per_ready_bytes of committed payload is handed
// out and not yet applied (at least one entry). A Ready carrying a snapshot
// is handed out only once every committed entry handed out before it is
// applied (HasReady stays false until then; Ref: TiKV's
// ready_to_handle_pending_snap), since the snapshot replaces the state they
// build on.
#ifndef CORE_RAFT_RAW_NODE_H_
#define CORE_RAFT_RAW_NODE_H_

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/base/prng.h"
#include "core/base/result.h"
#include "core/raft/raft.h"
#include "core/raft/storage.h"
#include "core/raft/types.h"

namespace core::raft {

struct Ready {
  // Increases by one per Ready of this RawNode.
  uint64_t number = 0;
  // Set when leader or role changed since the last Ready (volatile).
  std::optional<SoftState> soft_state;
  // Set when term, vote or commit changed: persist it (step 2).
  std::optional<HardState> hard_state;
  // Reads that become serveable once applied >= ReadState::index.
  std::vector<ReadState> read_states;
  // Entries to persist (step 2); they may overwrite a stored suffix.
  std::vector<Entry> entries;
  // A snapshot to persist and apply (step 2, then 4 before the entries).
  std::optional<Snapshot> snapshot;
  // Committed entries to apply after step 2 (step 5), in order.
  std::vector<Entry> committed_entries;
  // Messages that may be sent immediately.
  std::vector<Message> messages;
  // Messages that may be sent only after step 2 is durable.
  std::vector<Message> persisted_messages;
  // Whether step 2 must be synced (entries, term or vote changed).
  bool must_sync = false;
};

class RawNode {
 public:
  // Builds a node from its durable state in `storage`, which must outlive
  // the node (or be rebound). Fails on an invalid config or storage state.
  static core::base::Result<RawNode, absl::Status> Create(
      const Config& config, const Storage* storage, core::base::Prng prng);

  void Tick() { raft_.Tick(); }
  // Starts an election now (pre-vote first if configured).
  StepResult Campaign();
  StepResult Propose(std::string data);
  // Proposes several entries at once: they are appended together and travel
  // in the same MsgApps (batching). All are dropped or none.
  StepResult ProposeBatch(std::vector<std::string> data);
  StepResult ProposeConfChange(const ConfChange& change);
  // Feeds a message from a peer. Local-only kinds and responses from unknown
  // peers are rejected with InvalidMessage.
  StepResult Step(const Message& m);
  // Requests a linearizable read; the answer arrives as a ReadState carrying
  // `request_ctx` (which should be unique). Ref: Raft thesis §6.4.
  StepResult ReadIndex(std::string request_ctx);
  // Asks the leader to hand leadership to `transferee`.
  StepResult TransferLeader(NodeId transferee);
  void ReportUnreachable(NodeId id);
  // Must be called for every MsgSnap the driver sends: failed=false once the
  // transport has handed it over, failed=true if it was lost or refused.
  // While a snapshot is pending the leader sends the follower nothing but
  // heartbeats, and only this report (or the follower's MsgAppResp to the
  // snapshot) ends that state: a lost, unreported MsgSnap leaves the
  // follower in StateSnapshot forever. Either report makes the leader probe
  // again after the next heartbeat response, and the probe sends a fresh
  // snapshot if the follower still needs one. Ref: etcd/raft
  // Node.ReportSnapshot ("it is crucial that the application ensures that
  // any failure in snapshot sending is caught and reported back to the
  // leader"), raft-rs RawNode::report_snapshot.
  void ReportSnapshot(NodeId id, bool failed);
  core::base::Result<ConfState, confchange::ConfChangeError> ApplyConfChange(
      const ConfChange& change) {
    return raft_.ApplyConfChange(change);
  }

  bool HasReady() const;
  // CHECKs that the previous Ready went through AdvanceAppend and that no
  // snapshot waits for earlier committed entries to be applied.
  Ready GetReady();
  // Step 4 of the contract: everything of the outstanding Ready (snapshot,
  // entries, hard state) is persisted, and its snapshot installed. Steps
  // the node's own votes and acks held until now. CHECKs that a Ready is
  // outstanding (once per Ready).
  void AdvanceAppend();
  // Step 6: the committed entries of the oldest Ready whose committed
  // entries were not yet reported applied are applied. CHECKs that such a
  // Ready exists and that it went through AdvanceAppend (its entries may
  // not be persisted before).
  void AdvanceApply();

  Status GetStatus() const { return raft_.GetStatus(); }
  const Raft& raft() const { return raft_; }
  NodeId id() const { return raft_.id(); }
  // After copying a node together with its storage, point it at the copy.
  void RebindStorage(const Storage* storage) { raft_.RebindStorage(storage); }
  void AppendFingerprintForTest(std::string* out) const {
    raft_.AppendFingerprintForTest(out);
  }

 private:
  explicit RawNode(Raft raft);

  // The last index handed out to apply (as committed entries or a
  // snapshot). Ref: raft-rs RawNode::commit_since_index, etcd's applying.
  // Invariant: applied <= ApplyingThrough() <= committed.
  Index ApplyingThrough() const;
  // Whether committed entries not yet handed out may be handed out now.
  bool CanHandOutCommitted() const;
  // Whether an unstable snapshot waits for handed-out committed entries to
  // be applied (then no Ready is handed out).
  bool SnapshotWaitsForApply() const;
  void TakeEntriesAndSnapshot(Ready* rd);
  void TakeCommittedEntries(Ready* rd);
  void TakeMessages(Ready* rd);

  Raft raft_;
  SoftState prev_soft_state_;
  HardState prev_hard_state_;
  uint64_t ready_number_ = 0;
  bool ready_outstanding_ = false;
  // What the outstanding Ready handed out to persist, for AdvanceAppend.
  struct Handed {
    std::optional<std::pair<Index, Term>> last_entry;
    Index snapshot_index = 0;
    std::vector<Message> self_messages;
  };
  Handed handed_;
  // The committed entries of one Ready, handed out and not yet applied.
  struct Applying {
    uint64_t ready_number = 0;
    Index last_index = 0;
    uint64_t bytes = 0;
  };
  // Oldest first; for AdvanceApply.
  std::deque<Applying> applying_;
  // Sum of applying_[*].bytes.
  uint64_t applying_bytes_ = 0;
};

}  // namespace core::raft

#endif  // CORE_RAFT_RAW_NODE_H_
