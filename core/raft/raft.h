// The Raft state machine of one node: elections (with pre-vote and
// check-quorum), log replication with flow control, commit, snapshots,
// membership changes, leader transfer and read-only queries.
//
// Pure: time arrives as Tick() calls, randomness from the injected Prng,
// input as Step(message), and output accumulates in two message lists that
// RawNode hands to the driver in a Ready (see raw_node.h for the contract).
// Use RawNode; this class is its implementation.
//
// Ref: Raft paper (Ongaro & Ousterhout 2014) §5; Raft thesis (Ongaro 2014)
// §3 (basic Raft), §4 (membership), §6 (clients, reads), §9.6 (pre-vote).
#ifndef CORE_RAFT_RAFT_H_
#define CORE_RAFT_RAFT_H_

#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "core/base/prng.h"
#include "core/base/result.h"
#include "core/raft/confchange/confchange.h"
#include "core/raft/raft_log.h"
#include "core/raft/read_only.h"
#include "core/raft/storage.h"
#include "core/raft/tracker/tracker.h"
#include "core/raft/types.h"

namespace core::raft {

struct Config {
  NodeId id = kNone;
  // A follower that hears nothing for a random number of ticks in
  // [election_timeout_ticks, 2*election_timeout_ticks) starts an election.
  // Ref: Raft paper §5.2.
  int election_timeout_ticks = 10;
  int heartbeat_interval_ticks = 1;
  // Last index the application has applied (restart); 0 for a fresh node.
  Index applied = 0;
  // Payload bytes per MsgApp (at least one entry is always sent).
  uint64_t max_size_per_msg_bytes = 1 << 20;
  // Payload bytes of committed entries handed out and not yet applied: per
  // Ready, and across Readies when applying runs behind (at least one
  // entry). Ref: etcd Config.MaxCommittedSizePerReady.
  uint64_t max_committed_size_per_ready_bytes =
      std::numeric_limits<uint64_t>::max();
  // Leader refuses proposals beyond this many uncommitted payload bytes
  // (0: unlimited).
  uint64_t max_uncommitted_entries_bytes = 0;
  // MsgApps in flight per follower in StateReplicate, and their bytes
  // (0: unlimited bytes).
  size_t max_inflight_msgs = 256;
  uint64_t max_inflight_bytes = 0;
  // Leader steps down when a quorum was silent for an election timeout;
  // followers that heard from a leader within it ignore vote requests.
  // Ref: Raft thesis §6.2 and §4.2.3.
  bool check_quorum = false;
  // Ref: Raft thesis §9.6.
  bool pre_vote = false;
  // kLeaseBased is honoured only with check_quorum; otherwise reads fall back
  // to kSafe (a lease without check-quorum is unsound).
  ReadOnlyOption read_only_option = ReadOnlyOption::kSafe;
  // Lease reads (kLeaseBased with check_quorum), Ref: Raft thesis §6.4.1.
  // The leader serves a read locally for lease_ticks after sending a
  // message that a quorum has since acknowledged (an entry of its term that
  // committed, or a ReadIndex heartbeat round); otherwise the read takes a
  // heartbeat round, which renews the lease. It is safe because every node
  // then ignores vote requests (except a leader transfer's, which ends the
  // sender's lease) for election_timeout_ticks after it last heard from a
  // leader, or after it booted. That promise is counted in the follower's
  // ticks and the lease in the leader's, so lease_ticks must stay below
  // election_timeout_ticks - 1 by the ticks a driver may deliver late (a
  // paused process, a late timer) plus clock drift over the lease.
  // 0: election_timeout_ticks - 1 (ticks delivered on time, no drift).
  int lease_ticks = 0;
  bool disable_proposal_forwarding = false;
  // Leader transfer is refused if the transferee lags by more entries.
  uint64_t max_transfer_lag_entries = std::numeric_limits<uint64_t>::max();

  absl::Status Validate() const;
};

// Volatile state worth reporting when it changes.
struct SoftState {
  NodeId lead = kNone;
  StateRole role = StateRole::kFollower;
  bool operator==(const SoftState&) const = default;
};

// Typed outcomes of Step that a caller may branch on.
struct ProposalDropped {
  std::string reason;
};
struct InvalidMessage {
  std::string reason;
};
struct TransferRejected {
  std::string reason;
};
using StepError =
    std::variant<ProposalDropped, InvalidMessage, TransferRejected>;
using StepResult = core::base::Outcome<StepError>;

// A short description of any StepError (tests, logs).
std::string DescribeStepError(const StepError& error);

enum class CampaignType : uint8_t { kPreElection, kElection, kTransfer };

struct ProgressStatus {
  Index match = 0;
  Index next = 0;
  tracker::ProgressState state = tracker::ProgressState::kProbe;
  bool is_learner = false;
  bool recent_active = false;
  Index pending_snapshot = 0;
  size_t inflight = 0;
};

struct Status {
  NodeId id = kNone;
  HardState hard_state;
  SoftState soft_state;
  Index applied = 0;
  // Leader only: every tracked peer (including itself).
  std::map<NodeId, ProgressStatus> progress;
  ConfState conf_state;
  NodeId lead_transferee = kNone;
};

class Raft {
 public:
  // Fails if the config is invalid or storage holds an inconsistent state.
  static core::base::Result<Raft, absl::Status> Create(const Config& config,
                                                       const Storage* storage,
                                                       core::base::Prng prng);

  // Handles a message from a peer or a local request (term 0).
  StepResult Step(const Message& m);
  void Tick();

  // Applies a committed ConfChange; the config is unchanged on error.
  core::base::Result<ConfState, confchange::ConfChangeError> ApplyConfChange(
      const ConfChange& change);

  // Output queues (RawNode drains them into a Ready).
  std::vector<Message>& msgs() { return msgs_; }
  std::vector<Message>& msgs_after_append() { return msgs_after_append_; }
  std::vector<ReadState>& read_states() { return read_states_; }
  bool HasPendingOutput() const {
    return !msgs_.empty() || !msgs_after_append_.empty() ||
           !read_states_.empty();
  }
  uint64_t max_committed_size_per_ready() const {
    return max_committed_size_per_ready_;
  }
  RaftLog& raft_log() { return raft_log_; }
  const RaftLog& raft_log() const { return raft_log_; }
  // Called once committed entries up to `index` were applied.
  void AppliedTo(Index index, uint64_t applied_bytes);

  NodeId id() const { return id_; }
  Term term() const { return term_; }
  NodeId vote() const { return vote_; }
  NodeId lead() const { return lead_; }
  StateRole role() const { return state_; }
  bool is_learner() const { return is_learner_; }
  NodeId lead_transferee() const { return lead_transferee_; }
  const tracker::ProgressTracker& tracker() const { return trk_; }
  SoftState GetSoftState() const { return {lead_, state_}; }
  // Whether this leader may serve a read now from its lease, without a
  // heartbeat round (kLeaseBased with check-quorum, lease valid): what a
  // driver's local reader (TiKV's LocalReader) asks before reading its
  // applied state directly.
  bool LeaseReadValid() const { return ServeReadFromLease(); }
  HardState GetHardState() const {
    return {term_, vote_, raft_log_.committed()};
  }
  int randomized_election_timeout_ticks() const {
    return randomized_election_timeout_;
  }
  Status GetStatus() const;
  bool Promotable() const;
  void RebindStorage(const Storage* storage) {
    raft_log_.RebindStorage(storage);
  }
  // Canonical encoding of every field that decides future behaviour except
  // tick counters and the PRNG (model checkers never tick).
  void AppendFingerprintForTest(std::string* out) const;

 private:
  Raft(const Config& config, const Storage* storage, core::base::Prng prng);
  absl::Status LoadInitialState(const Config& config,
                                const InitialState& initial);

  // Transitions. Ref: Raft paper Figure 4.
  void BecomeFollower(Term term, NodeId lead);
  void BecomeCandidate();
  void BecomePreCandidate();
  void BecomeLeader();
  void Reset(Term term);
  void ResetRandomizedElectionTimeout();

  // Step helpers.
  bool IgnoreForTerm(const Message& m);
  void HandleVoteRequest(const Message& m);
  void Hup(CampaignType type);
  void Campaign(CampaignType type);
  quorum::VoteResult Poll(NodeId id, MessageType type, bool granted);
  StepResult StepLeader(const Message& m);
  StepResult StepLeaderPeer(const Message& m);
  StepResult StepCandidate(const Message& m);
  StepResult StepFollower(const Message& m);
  StepResult HandlePropose(const Message& m);
  std::string RefuseConfChange(const Entry& entry) const;
  void HandleAppendResponse(const Message& m, tracker::Progress* pr);
  void HandleHeartbeatResponse(const Message& m, tracker::Progress* pr);
  StepResult HandleTransferLeader(const Message& m, tracker::Progress* pr);
  void HandleAppendEntries(const Message& m);
  void HandleHeartbeat(const Message& m);
  void HandleSnapshot(const Message& m);
  bool RestoreSnapshot(const Snapshot& snapshot);
  void HandleReadIndex(const Message& m);
  void SendReadIndexResponse(const Message& m);
  void RespondToRead(const Message& request, Index index);
  void ReleasePendingReadIndexMessages();
  bool CommittedEntryInCurrentTerm() const;
  // Leader lease. Ref: Raft thesis §6.4.1.
  bool LeaseReadsEnabled() const;
  bool ServeReadFromLease() const;
  bool InLease() const;
  bool LeaseValid() const;
  void RenewLease(uint64_t sent_tick);
  void RenewLeaseOnCommit();
  bool HasUnappliedConfChanges() const;

  // Leader output.
  void Send(Message m);
  bool AppendEntry(std::vector<Entry> entries);
  bool MaybeCommit();
  void SendAppend(NodeId to) { MaybeSendAppend(to, /*send_if_empty=*/true); }
  bool MaybeSendAppend(NodeId to, bool send_if_empty);
  bool MaybeSendSnapshot(NodeId to, tracker::Progress* pr);
  void BcastAppend();
  void BcastHeartbeat(const std::string& context);
  void SendTimeoutNow(NodeId to);
  void AbortLeaderTransfer() { lead_transferee_ = kNone; }
  void SwitchToConfig(confchange::Transition transition);

  void TickElection();
  void TickHeartbeat();
  bool PastElectionTimeout() const {
    return election_elapsed_ >= randomized_election_timeout_;
  }
  bool IncreaseUncommittedSize(const std::vector<Entry>& entries);

  NodeId id_;
  Term term_ = 0;
  NodeId vote_ = kNone;
  StateRole state_ = StateRole::kFollower;
  NodeId lead_ = kNone;
  bool is_learner_ = false;
  RaftLog raft_log_;
  tracker::ProgressTracker trk_;
  // Leader transfer target (kNone if none). Ref: Raft thesis §3.10.
  NodeId lead_transferee_ = kNone;
  // Index of the newest conf change proposed by this leader; a new one is
  // refused until it is applied.
  Index pending_conf_index_ = 0;
  uint64_t uncommitted_size_ = 0;
  ReadOnly read_only_;
  std::vector<Message> pending_read_index_messages_;
  std::vector<ReadState> read_states_;
  std::vector<Message> msgs_;
  std::vector<Message> msgs_after_append_;

  // Leader lease state (reset with the role): the send tick of the newest
  // message a quorum acknowledged; the tick of each batch of entries this
  // leader appended and that has not committed yet (first index, tick);
  // whether a leader transfer gave the lease up for the rest of the term.
  std::optional<uint64_t> lease_start_tick_;
  std::deque<std::pair<Index, uint64_t>> append_ticks_;
  bool lease_forfeited_ = false;

  // Ticks since this node booted (the lease clock).
  uint64_t now_ticks_ = 0;
  // Ticks since this node last heard from a leader (or led, or booted);
  // saturates at the election timeout. Unlike election_elapsed_ it survives
  // term changes, so it can keep the lease promise (see Config::lease_ticks).
  int leader_contact_elapsed_ticks_ = 0;
  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int randomized_election_timeout_ = 0;
  int election_timeout_;
  int heartbeat_timeout_;
  int lease_ticks_;
  uint64_t max_msg_size_;
  uint64_t max_committed_size_per_ready_;
  uint64_t max_uncommitted_size_;
  uint64_t max_transfer_lag_;
  bool check_quorum_;
  bool pre_vote_;
  ReadOnlyOption read_only_option_;
  bool disable_proposal_forwarding_;
  core::base::Prng prng_;
};

}  // namespace core::raft

#endif  // CORE_RAFT_RAFT_H_
