#include "core/raft/raft.h"

#include <algorithm>
#include <utility>

#include "core/base/bytes.h"
#include "core/base/check.h"
#include "core/base/mutant.h"
#include "core/raft/codec.h"

namespace core::raft {

using core::base::MakeErr;
using core::base::Unit;
using quorum::VoteResult;
using tracker::Progress;
using tracker::ProgressState;

namespace {

MessageType VoteResponseType(MessageType type) {
  if (type == MessageType::kMsgVote) return MessageType::kMsgVoteResp;
  if (type == MessageType::kMsgPreVote) return MessageType::kMsgPreVoteResp;
  UNREACHABLE() << "not a vote message";
  return type;
}

bool CarriesOwnTerm(MessageType type) {
  return type == MessageType::kMsgVote || type == MessageType::kMsgPreVote ||
         type == MessageType::kMsgVoteResp ||
         type == MessageType::kMsgPreVoteResp;
}

uint64_t PayloadSize(const std::vector<Entry>& entries) {
  uint64_t size = 0;
  for (const Entry& entry : entries) size += entry.PayloadSize();
  return size;
}

// Responses whose content depends on state that must be durable first: the
// log (MsgAppResp) or the vote (MsgVoteResp, MsgPreVoteResp).
// Ref: Raft paper Figure 2 ("Updated on stable storage before responding").
bool MustSendAfterPersist(const Message& m, NodeId self) {
  if (MUTANT(RAFT_VOTE_BEFORE_PERSIST)) {
    // MUTANT: a vote granted to a peer goes out before the vote is durable; a
    // crash then forgets the vote and the node may vote twice in one term.
    if (m.type == MessageType::kMsgVoteResp && m.to != self) return false;
  }
  return m.type == MessageType::kMsgAppResp ||
         m.type == MessageType::kMsgVoteResp ||
         m.type == MessageType::kMsgPreVoteResp;
}

}  // namespace

absl::Status Config::Validate() const {
  if (id == kNone) return absl::InvalidArgumentError("id must not be 0");
  if (heartbeat_interval_ticks <= 0) {
    return absl::InvalidArgumentError("heartbeat_interval_ticks must be > 0");
  }
  if (election_timeout_ticks <= heartbeat_interval_ticks) {
    return absl::InvalidArgumentError(
        "election_timeout_ticks must exceed heartbeat_interval_ticks");
  }
  if (max_inflight_msgs == 0) {
    return absl::InvalidArgumentError("max_inflight_msgs must be > 0");
  }
  if (lease_ticks < 0 || lease_ticks >= election_timeout_ticks) {
    return absl::InvalidArgumentError(
        "lease_ticks must be in [0, election_timeout_ticks)");
  }
  return absl::OkStatus();
}

std::string DescribeStepError(const StepError& error) {
  if (auto* e = std::get_if<ProposalDropped>(&error)) {
    return "proposal dropped: " + e->reason;
  }
  if (auto* e = std::get_if<InvalidMessage>(&error)) {
    return "invalid message: " + e->reason;
  }
  return "transfer rejected: " + std::get<TransferRejected>(error).reason;
}

Raft::Raft(const Config& config, const Storage* storage, core::base::Prng prng)
    : id_(config.id),
      raft_log_(storage),
      trk_(config.max_inflight_msgs, config.max_inflight_bytes),
      election_timeout_(config.election_timeout_ticks),
      heartbeat_timeout_(config.heartbeat_interval_ticks),
      lease_ticks_(config.lease_ticks != 0 ? config.lease_ticks
                                           : config.election_timeout_ticks - 1),
      max_msg_size_(config.max_size_per_msg_bytes),
      max_committed_size_per_ready_(config.max_committed_size_per_ready_bytes),
      max_uncommitted_size_(config.max_uncommitted_entries_bytes),
      max_transfer_lag_(config.max_transfer_lag_entries),
      check_quorum_(config.check_quorum),
      pre_vote_(config.pre_vote),
      read_only_option_(config.read_only_option),
      disable_proposal_forwarding_(config.disable_proposal_forwarding),
      prng_(prng) {}

core::base::Result<Raft, absl::Status> Raft::Create(const Config& config,
                                                    const Storage* storage,
                                                    core::base::Prng prng) {
  absl::Status status = config.Validate();
  if (!status.ok()) return MakeErr(status);
  if (storage == nullptr) {
    return MakeErr(absl::InvalidArgumentError("storage is null"));
  }
  Raft raft(config, storage, prng);
  status = raft.LoadInitialState(config, storage->GetInitialState());
  if (!status.ok()) return MakeErr(status);
  return raft;
}

absl::Status Raft::LoadInitialState(const Config& config,
                                    const InitialState& initial) {
  auto restored =
      confchange::Restore(initial.conf_state, raft_log_.LastIndex(),
                          trk_.max_inflight_msgs(), trk_.max_inflight_bytes());
  if (!restored.ok()) {
    return absl::InvalidArgumentError("bad conf state: " +
                                      restored.error().reason);
  }
  trk_.SetConfig(std::move(restored).value().config,
                 std::move(restored).value().progress);
  const HardState& hs = initial.hard_state;
  if (!hs.IsEmpty()) {
    if (hs.commit < raft_log_.committed() ||
        hs.commit > raft_log_.LastIndex()) {
      return absl::InvalidArgumentError("hard state commit " +
                                        std::to_string(hs.commit) +
                                        " outside the stored log");
    }
    raft_log_.CommitTo(hs.commit);
    term_ = hs.term;
    vote_ = hs.vote;
  }
  if (config.applied > 0) {
    if (config.applied > raft_log_.committed()) {
      return absl::InvalidArgumentError("applied index beyond commit");
    }
    raft_log_.AppliedTo(config.applied);
  }
  const Progress* self = trk_.Find(id_);
  is_learner_ = self != nullptr && self->is_learner;
  BecomeFollower(term_, kNone);
  return absl::OkStatus();
}

// ---------------------------------------------------------------- roles

void Raft::Reset(Term term) {
  if (term_ != term) {
    term_ = term;
    vote_ = kNone;
  }
  lead_ = kNone;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  ResetRandomizedElectionTimeout();
  AbortLeaderTransfer();
  trk_.ResetVotes();
  const Index last = raft_log_.LastIndex();
  for (auto& [id, pr] : trk_.mutable_progress()) {
    Progress fresh(last + 1, trk_.max_inflight_msgs(),
                   trk_.max_inflight_bytes(), pr.is_learner);
    // The leader's own entries count only once durable (see Advance).
    if (id == id_) fresh.match = raft_log_.PersistedLastIndex();
    pr = std::move(fresh);
  }
  pending_conf_index_ = 0;
  uncommitted_size_ = 0;
  read_only_.Reset();
  pending_read_index_messages_.clear();
  lease_start_tick_.reset();
  append_ticks_.clear();
  lease_forfeited_ = false;
}

void Raft::ResetRandomizedElectionTimeout() {
  // Ref: Raft paper §5.2: randomized timeouts make split votes rare.
  randomized_election_timeout_ =
      election_timeout_ +
      static_cast<int>(prng_.Uniform(static_cast<uint64_t>(election_timeout_)));
}

void Raft::BecomeFollower(Term term, NodeId lead) {
  Reset(term);
  lead_ = lead;
  state_ = StateRole::kFollower;
}

void Raft::BecomeCandidate() {
  CHECK(state_ != StateRole::kLeader)
      << "invalid transition leader -> candidate";
  Reset(term_ + 1);
  vote_ = id_;
  state_ = StateRole::kCandidate;
}

void Raft::BecomePreCandidate() {
  CHECK(state_ != StateRole::kLeader)
      << "invalid transition leader -> pre-candidate";
  // Neither the term nor the vote changes: a pre-election is harmless.
  trk_.ResetVotes();
  lead_ = kNone;
  state_ = StateRole::kPreCandidate;
}

void Raft::BecomeLeader() {
  CHECK(state_ != StateRole::kFollower)
      << "invalid transition follower -> leader";
  Reset(term_);
  lead_ = id_;
  state_ = StateRole::kLeader;
  Progress* self = trk_.Find(id_);
  CHECK(self != nullptr);
  self->BecomeReplicate();
  self->recent_active = true;
  // Conservatively treat every entry in the log as a possible unapplied
  // conf change: a new one waits until all of them are applied.
  pending_conf_index_ = raft_log_.LastIndex();
  // An empty entry of the new term lets the leader commit earlier entries.
  // Ref: Raft paper §5.4.2, Raft thesis §6.4.
  CHECK(AppendEntry({Entry{}})) << "empty entry refused";
  uncommitted_size_ = 0;
}

bool Raft::Promotable() const {
  const Progress* self = trk_.Find(id_);
  return self != nullptr && !self->is_learner &&
         !raft_log_.UnstableSnapshot().has_value();
}

// ---------------------------------------------------------------- step

StepResult Raft::Step(const Message& m) {
  if (m.term != 0 && IgnoreForTerm(m)) return Unit{};
  if (m.term != 0 &&
      (m.type == MessageType::kMsgApp || m.type == MessageType::kMsgHeartbeat ||
       m.type == MessageType::kMsgSnap)) {
    // From the leader of our (possibly just adopted) term.
    leader_contact_elapsed_ticks_ = 0;
  }
  switch (m.type) {
    case MessageType::kMsgHup:
      Hup(pre_vote_ ? CampaignType::kPreElection : CampaignType::kElection);
      return Unit{};
    case MessageType::kMsgVote:
    case MessageType::kMsgPreVote:
      HandleVoteRequest(m);
      return Unit{};
    default:
      break;
  }
  switch (state_) {
    case StateRole::kLeader:
      return StepLeader(m);
    case StateRole::kCandidate:
    case StateRole::kPreCandidate:
      return StepCandidate(m);
    case StateRole::kFollower:
      return StepFollower(m);
  }
  return Unit{};
}

// Handles the term of a peer message; returns true if it must be dropped.
// Ref: Raft paper §5.1 (higher term: step down; lower term: reject).
bool Raft::IgnoreForTerm(const Message& m) {
  const bool vote_request =
      m.type == MessageType::kMsgVote || m.type == MessageType::kMsgPreVote;
  if (m.term > term_) {
    if (vote_request) {
      const bool force = m.context == kCampaignTransferContext;
      // Ref: Raft thesis §4.2.3: ignore disruptive candidates while a leader
      // is known to be alive.
      if (!force && InLease()) return true;
    }
    if (m.type == MessageType::kMsgPreVote) {
      // A pre-vote never changes our term.
    } else if (m.type == MessageType::kMsgPreVoteResp && !m.reject) {
      // Our pre-vote succeeded at term+1; the term moves when we campaign.
    } else if (m.type == MessageType::kMsgApp ||
               m.type == MessageType::kMsgHeartbeat ||
               m.type == MessageType::kMsgSnap) {
      BecomeFollower(m.term, m.from);
    } else {
      BecomeFollower(m.term, kNone);
    }
    return false;
  }
  if (m.term < term_) {
    if ((check_quorum_ || pre_vote_) && (m.type == MessageType::kMsgHeartbeat ||
                                         m.type == MessageType::kMsgApp)) {
      // Tell a stale leader about the newer term so it steps down; without
      // this, check-quorum/pre-vote could leave it stranded.
      Send(Message{.type = MessageType::kMsgAppResp, .to = m.from});
    } else if (m.type == MessageType::kMsgPreVote) {
      Send(Message{.type = MessageType::kMsgPreVoteResp,
                   .to = m.from,
                   .term = term_,
                   .reject = true});
    }
    return true;
  }
  return false;
}

// Ref: Raft paper §5.2, §5.4.1; Raft thesis §9.6 (pre-vote).
void Raft::HandleVoteRequest(const Message& m) {
  const bool can_vote = vote_ == m.from || (vote_ == kNone && lead_ == kNone) ||
                        (m.type == MessageType::kMsgPreVote && m.term > term_);
  Message resp{.type = VoteResponseType(m.type), .to = m.from};
  if (can_vote && raft_log_.IsUpToDate(m.index, m.log_term)) {
    // Answer at the candidate's term: a granted pre-vote is at term+1.
    resp.term = m.term;
    Send(std::move(resp));
    if (m.type == MessageType::kMsgVote) {
      election_elapsed_ = 0;
      vote_ = m.from;
    }
  } else {
    resp.term = term_;
    resp.reject = true;
    Send(std::move(resp));
  }
}

void Raft::Hup(CampaignType type) {
  if (state_ == StateRole::kLeader) return;
  if (!Promotable()) return;
  // A pending conf change could change who may vote: apply it first.
  if (HasUnappliedConfChanges()) return;
  Campaign(type);
}

bool Raft::HasUnappliedConfChanges() const {
  if (raft_log_.applied() >= raft_log_.committed()) return false;
  std::vector<Entry> entries;
  auto status =
      raft_log_.Slice(std::max(raft_log_.applied() + 1, raft_log_.FirstIndex()),
                      raft_log_.committed() + 1,
                      std::numeric_limits<uint64_t>::max(), &entries);
  CHECK(status.ok()) << "unapplied entries unavailable";
  for (const Entry& entry : entries) {
    if (entry.type == EntryType::kConfChange) return true;
  }
  return false;
}

void Raft::Campaign(CampaignType type) {
  Term term;
  MessageType vote_type;
  if (type == CampaignType::kPreElection) {
    BecomePreCandidate();
    vote_type = MessageType::kMsgPreVote;
    term = term_ + 1;
  } else {
    BecomeCandidate();
    vote_type = MessageType::kMsgVote;
    term = term_;
  }
  for (NodeId id : trk_.VoterIds()) {
    if (id == id_) {
      // Our own vote counts once it is durable (delivered after persist).
      Send(Message{
          .type = VoteResponseType(vote_type), .to = id_, .term = term});
      continue;
    }
    Message m{.type = vote_type,
              .to = id,
              .term = term,
              .log_term = raft_log_.LastTerm(),
              .index = raft_log_.LastIndex()};
    if (type == CampaignType::kTransfer) {
      m.context = std::string(kCampaignTransferContext);
    }
    Send(std::move(m));
  }
}

VoteResult Raft::Poll(NodeId id, MessageType type, bool granted) {
  trk_.RecordVote(id, granted);
  return trk_.TallyVotes().result;
}

StepResult Raft::StepCandidate(const Message& m) {
  const MessageType my_response = state_ == StateRole::kPreCandidate
                                      ? MessageType::kMsgPreVoteResp
                                      : MessageType::kMsgVoteResp;
  switch (m.type) {
    case MessageType::kMsgProp:
      return MakeErr(StepError(ProposalDropped{"no leader (campaigning)"}));
    case MessageType::kMsgApp:
      BecomeFollower(m.term, m.from);  // a leader of our term exists
      HandleAppendEntries(m);
      return Unit{};
    case MessageType::kMsgHeartbeat:
      BecomeFollower(m.term, m.from);
      HandleHeartbeat(m);
      return Unit{};
    case MessageType::kMsgSnap:
      BecomeFollower(m.term, m.from);
      HandleSnapshot(m);
      return Unit{};
    default:
      break;
  }
  if (m.type != my_response) return Unit{};
  switch (Poll(m.from, m.type, !m.reject)) {
    case VoteResult::kWon:
      if (state_ == StateRole::kPreCandidate) {
        Campaign(CampaignType::kElection);
      } else {
        BecomeLeader();
        BcastAppend();
      }
      break;
    case VoteResult::kLost:
      // A pre-candidate returns to follower at its own term.
      BecomeFollower(term_, kNone);
      break;
    case VoteResult::kPending:
      break;
  }
  return Unit{};
}

StepResult Raft::StepFollower(const Message& m) {
  switch (m.type) {
    case MessageType::kMsgProp: {
      if (lead_ == kNone) {
        return MakeErr(StepError(ProposalDropped{"no leader"}));
      }
      if (disable_proposal_forwarding_) {
        return MakeErr(StepError(ProposalDropped{"forwarding disabled"}));
      }
      Message forward = m;
      forward.to = lead_;
      Send(std::move(forward));
      return Unit{};
    }
    case MessageType::kMsgApp:
      election_elapsed_ = 0;
      lead_ = m.from;
      HandleAppendEntries(m);
      return Unit{};
    case MessageType::kMsgHeartbeat:
      election_elapsed_ = 0;
      lead_ = m.from;
      HandleHeartbeat(m);
      return Unit{};
    case MessageType::kMsgSnap:
      election_elapsed_ = 0;
      lead_ = m.from;
      HandleSnapshot(m);
      return Unit{};
    case MessageType::kMsgTransferLeader:
    case MessageType::kMsgReadIndex: {
      if (lead_ == kNone) {
        return MakeErr(StepError(ProposalDropped{"no leader to forward to"}));
      }
      Message forward = m;
      forward.to = lead_;
      Send(std::move(forward));
      return Unit{};
    }
    case MessageType::kMsgTimeoutNow:
      // Ref: Raft thesis §3.10: start an election at once, skipping pre-vote.
      Hup(CampaignType::kTransfer);
      return Unit{};
    case MessageType::kMsgReadIndexResp:
      read_states_.push_back(ReadState{m.index, m.context});
      return Unit{};
    default:
      return Unit{};
  }
}

// ---------------------------------------------------------------- leader

StepResult Raft::StepLeader(const Message& m) {
  switch (m.type) {
    case MessageType::kMsgBeat:
      // Carry the newest pending read's context, so a read whose own round
      // was lost completes (and renews the lease) with the next heartbeat.
      BcastHeartbeat(read_only_.LastPendingRequestContext());
      return Unit{};
    case MessageType::kMsgCheckQuorum:
      // Ref: Raft thesis §6.2: a leader that cannot reach a quorum steps down.
      if (!trk_.QuorumActive()) BecomeFollower(term_, kNone);
      for (auto& [id, pr] : trk_.mutable_progress()) {
        if (id != id_) pr.recent_active = false;
      }
      return Unit{};
    case MessageType::kMsgProp:
      return HandlePropose(m);
    case MessageType::kMsgReadIndex:
      HandleReadIndex(m);
      return Unit{};
    default:
      return StepLeaderPeer(m);
  }
}

StepResult Raft::StepLeaderPeer(const Message& m) {
  Progress* pr = trk_.Find(m.from);
  if (pr == nullptr) return Unit{};
  switch (m.type) {
    case MessageType::kMsgAppResp:
      HandleAppendResponse(m, pr);
      break;
    case MessageType::kMsgHeartbeatResp:
      HandleHeartbeatResponse(m, pr);
      break;
    case MessageType::kMsgSnapStatus:
      if (pr->state != ProgressState::kSnapshot) break;
      if (m.reject) pr->pending_snapshot = 0;
      // Wait for a heartbeat response before probing again.
      pr->BecomeProbe();
      pr->msg_app_flow_paused = true;
      break;
    case MessageType::kMsgUnreachable:
      if (pr->state == ProgressState::kReplicate) pr->BecomeProbe();
      break;
    case MessageType::kMsgTransferLeader:
      return HandleTransferLeader(m, pr);
    default:
      break;
  }
  return Unit{};
}

std::string Raft::RefuseConfChange(const Entry& entry) const {
  auto change = DecodeConfChange(entry.data);
  if (!change.ok()) return "malformed conf change: " + change.error().reason;
  if (pending_conf_index_ > raft_log_.applied()) {
    return "an earlier conf change is not applied yet";
  }
  const bool joint = trk_.config().voters.IsJoint();
  if (joint && !change->IsLeaveJoint()) {
    return "must leave the joint config first";
  }
  if (!joint && change->IsLeaveJoint()) return "not in a joint config";
  auto dry_run =
      confchange::Changer(trk_, raft_log_.LastIndex()).Apply(*change);
  if (!dry_run.ok()) return dry_run.error().reason;
  return "";
}

StepResult Raft::HandlePropose(const Message& m) {
  if (m.entries.empty()) {
    return MakeErr(StepError(InvalidMessage{"empty proposal"}));
  }
  if (trk_.Find(id_) == nullptr) {
    return MakeErr(StepError(ProposalDropped{"leader is not in the config"}));
  }
  if (lead_transferee_ != kNone) {
    return MakeErr(StepError(ProposalDropped{"leader transfer in progress"}));
  }
  std::vector<Entry> entries = m.entries;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].type != EntryType::kConfChange) continue;
    std::string refusal = RefuseConfChange(entries[i]);
    if (!refusal.empty()) {
      return MakeErr(StepError(ProposalDropped{"conf change: " + refusal}));
    }
    pending_conf_index_ = raft_log_.LastIndex() + i + 1;
  }
  if (!AppendEntry(std::move(entries))) {
    return MakeErr(StepError(ProposalDropped{"too many uncommitted bytes"}));
  }
  BcastAppend();
  return Unit{};
}

void Raft::HandleAppendResponse(const Message& m, Progress* pr) {
  pr->recent_active = true;
  if (m.reject) {
    // Skip a whole conflicting term at once. Ref: Raft paper §5.3 (the
    // optimization at the end), etcd/raft findConflictByTerm.
    Index next_probe = m.reject_hint;
    if (m.log_term > 0) {
      next_probe =
          raft_log_.FindConflictByTerm(m.reject_hint, m.log_term).first;
    }
    if (pr->MaybeDecrTo(m.index, next_probe)) {
      if (pr->state == ProgressState::kReplicate) pr->BecomeProbe();
      SendAppend(m.from);
    }
    return;
  }
  const bool was_paused = pr->IsPaused();
  if (!pr->MaybeUpdate(m.index)) return;
  if (pr->state == ProgressState::kProbe) {
    pr->BecomeReplicate();
  } else if (pr->state == ProgressState::kSnapshot &&
             pr->match + 1 >= raft_log_.FirstIndex()) {
    // The follower caught up (by the snapshot or otherwise).
    pr->BecomeProbe();
    pr->BecomeReplicate();
  } else if (pr->state == ProgressState::kReplicate) {
    pr->inflights.FreeLE(m.index);
  }
  if (MaybeCommit()) {
    ReleasePendingReadIndexMessages();
    BcastAppend();
  } else if (m.from != id_ && was_paused) {
    SendAppend(m.from);
  }
  if (m.from != id_) {
    while (MaybeSendAppend(m.from, /*send_if_empty=*/false)) {
    }
  }
  if (m.from == lead_transferee_ && pr->match == raft_log_.LastIndex()) {
    SendTimeoutNow(m.from);
  }
}

void Raft::HandleHeartbeatResponse(const Message& m, Progress* pr) {
  pr->recent_active = true;
  pr->msg_app_flow_paused = false;
  if (pr->match < raft_log_.LastIndex()) SendAppend(m.from);
  if (m.context.empty()) return;
  const std::set<NodeId>* acks = read_only_.RecvAck(m.from, m.context);
  if (acks == nullptr) return;
  quorum::VoteMap votes;
  for (NodeId id : *acks) votes[id] = true;
  if (trk_.config().voters.Vote(votes) != VoteResult::kWon) return;
  for (const ReadIndexStatus& status : read_only_.Advance(m.context)) {
    RenewLease(status.sent_tick);
    RespondToRead(status.request, status.index);
  }
}

StepResult Raft::HandleTransferLeader(const Message& m, Progress* pr) {
  if (pr->is_learner) {
    return MakeErr(StepError(TransferRejected{"transferee is a learner"}));
  }
  const NodeId transferee = m.from;
  if (lead_transferee_ != kNone) {
    if (lead_transferee_ == transferee) return Unit{};
    AbortLeaderTransfer();
  }
  if (transferee == id_) return Unit{};
  const Index last = raft_log_.LastIndex();
  if (last > pr->match && last - pr->match > max_transfer_lag_) {
    return MakeErr(StepError(TransferRejected{"transferee lags by " +
                                              std::to_string(last - pr->match) +
                                              " entries"}));
  }
  // Ref: Raft thesis §3.10: stop accepting proposals, catch the transferee
  // up, then tell it to campaign.
  lead_transferee_ = transferee;
  election_elapsed_ = 0;
  if (pr->match == last) {
    SendTimeoutNow(transferee);
  } else {
    SendAppend(transferee);
  }
  return Unit{};
}

// ---------------------------------------------------------------- reads

bool Raft::CommittedEntryInCurrentTerm() const {
  return raft_log_.ZeroTermOnError(raft_log_.committed()) == term_;
}

void Raft::HandleReadIndex(const Message& m) {
  if (trk_.IsSingleton()) {
    RespondToRead(m, raft_log_.committed());
    return;
  }
  // Ref: Raft thesis §6.4 step 1: until the leader commits an entry of its
  // term it does not know the true commit index.
  if (!CommittedEntryInCurrentTerm()) {
    pending_read_index_messages_.push_back(m);
    return;
  }
  SendReadIndexResponse(m);
}

void Raft::SendReadIndexResponse(const Message& m) {
  if (ServeReadFromLease()) {
    // Ref: Raft thesis §6.4.1.
    RespondToRead(m, raft_log_.committed());
    return;
  }
  // Ref: Raft thesis §6.4 steps 2-3: confirm leadership with a heartbeat
  // round before serving at the recorded commit index.
  read_only_.AddRequest(raft_log_.committed(), m, now_ticks_);
  read_only_.RecvAck(id_, m.context);
  BcastHeartbeat(m.context);
}

// Lease reads need check-quorum: its followers make the promise a lease
// rests on (no vote for election_timeout_ticks after hearing from a leader,
// kept here across term changes and restarts too).
bool Raft::LeaseReadsEnabled() const {
  return read_only_option_ == ReadOnlyOption::kLeaseBased && check_quorum_;
}

bool Raft::ServeReadFromLease() const {
  if (MUTANT(RAFT_LEASE_WITHOUT_CHECK_QUORUM)) {
    // MUTANT: trusts the lease even though nothing deposes a partitioned
    // leader, so it can serve stale reads after a new leader committed.
    if (read_only_option_ == ReadOnlyOption::kLeaseBased && !check_quorum_) {
      return true;
    }
  }
  return LeaseReadsEnabled() && LeaseValid();
}

bool Raft::InLease() const {
  if (!check_quorum_) return false;
  if (lead_ != kNone && election_elapsed_ < election_timeout_) return true;
  return LeaseReadsEnabled() &&
         leader_contact_elapsed_ticks_ < election_timeout_;
}

// Every voter of a quorum heard from us at or after lease_start_tick_, and
// none of them votes for another candidate within an election timeout of
// that, so no other leader exists before the lease runs out.
bool Raft::LeaseValid() const {
  return state_ == StateRole::kLeader && !lease_forfeited_ &&
         lease_start_tick_.has_value() &&
         now_ticks_ < *lease_start_tick_ + static_cast<uint64_t>(lease_ticks_);
}

void Raft::RenewLease(uint64_t sent_tick) {
  if (lease_forfeited_ || state_ != StateRole::kLeader) return;
  if (!lease_start_tick_.has_value() || *lease_start_tick_ < sent_tick) {
    lease_start_tick_ = sent_tick;
  }
}

// A committed entry of our term reached a quorum in MsgApps sent after it
// was appended: the lease runs from its append tick.
void Raft::RenewLeaseOnCommit() {
  const Index committed = raft_log_.committed();
  while (append_ticks_.size() >= 2 && append_ticks_[1].first <= committed) {
    append_ticks_.pop_front();
  }
  if (append_ticks_.empty() || append_ticks_.front().first > committed) {
    return;
  }
  RenewLease(append_ticks_.front().second);
}

void Raft::RespondToRead(const Message& request, Index index) {
  if (request.from == kNone || request.from == id_) {
    read_states_.push_back(ReadState{index, request.context});
    return;
  }
  Send(Message{.type = MessageType::kMsgReadIndexResp,
               .to = request.from,
               .index = index,
               .context = request.context});
}

void Raft::ReleasePendingReadIndexMessages() {
  if (pending_read_index_messages_.empty()) return;
  if (!CommittedEntryInCurrentTerm()) return;
  std::vector<Message> pending = std::move(pending_read_index_messages_);
  pending_read_index_messages_.clear();
  for (const Message& m : pending) SendReadIndexResponse(m);
}

// ---------------------------------------------------------------- follower

void Raft::HandleAppendEntries(const Message& m) {
  if (m.index < raft_log_.committed()) {
    Send(Message{.type = MessageType::kMsgAppResp,
                 .to = m.from,
                 .index = raft_log_.committed()});
    return;
  }
  if (auto last_new =
          raft_log_.MaybeAppend(m.index, m.log_term, m.commit, m.entries)) {
    Send(Message{
        .type = MessageType::kMsgAppResp, .to = m.from, .index = *last_new});
    return;
  }
  // Reject, and hint at the last index whose term is <= the leader's term at
  // m.index, so the leader can skip a whole conflicting term.
  const Index hint_index = std::min(m.index, raft_log_.LastIndex());
  auto [hint, hint_term] = raft_log_.FindConflictByTerm(hint_index, m.log_term);
  Send(Message{.type = MessageType::kMsgAppResp,
               .to = m.from,
               .log_term = hint_term,
               .index = m.index,
               .reject = true,
               .reject_hint = hint});
}

void Raft::HandleHeartbeat(const Message& m) {
  raft_log_.CommitTo(std::min(m.commit, raft_log_.LastIndex()));
  Send(Message{.type = MessageType::kMsgHeartbeatResp,
               .to = m.from,
               .context = m.context});
}

void Raft::HandleSnapshot(const Message& m) {
  if (!m.snapshot.has_value()) return;
  const Index index = RestoreSnapshot(*m.snapshot) ? raft_log_.LastIndex()
                                                   : raft_log_.committed();
  Send(Message{.type = MessageType::kMsgAppResp, .to = m.from, .index = index});
}

// Ref: Raft paper §7 (InstallSnapshot).
bool Raft::RestoreSnapshot(const Snapshot& snapshot) {
  const SnapshotMetadata& meta = snapshot.metadata;
  if (meta.index <= raft_log_.committed()) return false;
  if (state_ != StateRole::kFollower) {
    BecomeFollower(term_ + 1, kNone);  // defensive, as in etcd/raft
    return false;
  }
  const ConfState& cs = meta.conf_state;
  auto contains = [&](const std::vector<NodeId>& ids) {
    return std::find(ids.begin(), ids.end(), id_) != ids.end();
  };
  if (!contains(cs.voters) && !contains(cs.learners) &&
      !contains(cs.voters_outgoing)) {
    return false;  // a snapshot for a config that excludes us
  }
  if (raft_log_.MatchTerm(meta.index, meta.term)) {
    // We already have the log up to the snapshot: just fast-forward commit.
    raft_log_.CommitTo(meta.index);
    return false;
  }
  auto restored = confchange::Restore(cs, meta.index, trk_.max_inflight_msgs(),
                                      trk_.max_inflight_bytes());
  if (!restored.ok()) return false;
  raft_log_.Restore(snapshot);
  SwitchToConfig(std::move(restored).value());
  return true;
}

// ---------------------------------------------------------------- output

void Raft::Send(Message m) {
  if (m.from == kNone) m.from = id_;
  if (CarriesOwnTerm(m.type)) {
    CHECK_NE(m.term, 0u) << MessageTypeName(m.type) << " without a term";
  } else if (m.type == MessageType::kMsgProp ||
             m.type == MessageType::kMsgReadIndex ||
             m.type == MessageType::kMsgTransferLeader) {
    // Forwarded requests are local to the leader: no term.
    m.term = 0;
  } else {
    CHECK_EQ(m.term, 0u) << MessageTypeName(m.type) << " with a preset term";
    m.term = term_;
  }
  if (MustSendAfterPersist(m, id_)) {
    msgs_after_append_.push_back(std::move(m));
  } else {
    CHECK_NE(m.to, id_) << "message to self must wait for persistence";
    msgs_.push_back(std::move(m));
  }
}

bool Raft::AppendEntry(std::vector<Entry> entries) {
  Index last = raft_log_.LastIndex();
  for (Entry& entry : entries) {
    entry.term = term_;
    entry.index = ++last;
  }
  if (!IncreaseUncommittedSize(entries)) return false;
  if (LeaseReadsEnabled() && !entries.empty() &&
      (append_ticks_.empty() || append_ticks_.back().second != now_ticks_)) {
    append_ticks_.emplace_back(entries.front().index, now_ticks_);
  }
  last = raft_log_.Append(entries);
  // The leader acks its own entries once they are durable.
  Send(Message{.type = MessageType::kMsgAppResp, .to = id_, .index = last});
  return true;
}

bool Raft::IncreaseUncommittedSize(const std::vector<Entry>& entries) {
  const uint64_t size = PayloadSize(entries);
  if (max_uncommitted_size_ != 0 && uncommitted_size_ > 0 && size > 0 &&
      uncommitted_size_ + size > max_uncommitted_size_) {
    return false;
  }
  uncommitted_size_ += size;
  return true;
}

void Raft::AppliedTo(Index index, uint64_t applied_bytes) {
  raft_log_.AppliedTo(index);
  uncommitted_size_ -= std::min(uncommitted_size_, applied_bytes);
  // Ref: Raft thesis §4.3: with auto-leave the leader proposes leaving the
  // joint config as soon as entering it is applied.
  if (state_ == StateRole::kLeader && trk_.config().auto_leave &&
      index >= pending_conf_index_) {
    Entry leave{.type = EntryType::kConfChange, .data = EncodeConfChange({})};
    StepResult result = Step(Message{
        .type = MessageType::kMsgProp, .from = id_, .entries = {leave}});
    (void)core::base::Ignore(result);  // retried after the next apply
  }
}

bool Raft::MaybeCommit() {
  if (!raft_log_.MaybeCommit(trk_.Committed(), term_)) return false;
  RenewLeaseOnCommit();
  return true;
}

bool Raft::MaybeSendAppend(NodeId to, bool send_if_empty) {
  Progress* pr = trk_.Find(to);
  CHECK(pr != nullptr);
  if (pr->IsPaused()) return false;
  const Index prev_index = pr->next - 1;
  auto prev_term = raft_log_.TermAt(prev_index);
  if (!prev_term.ok()) return MaybeSendSnapshot(to, pr);
  std::vector<Entry> entries;
  if (pr->state != ProgressState::kReplicate || !pr->inflights.Full()) {
    auto status = raft_log_.EntriesFrom(pr->next, max_msg_size_, &entries);
    if (!status.ok()) return MaybeSendSnapshot(to, pr);
  }
  if (entries.empty() && !send_if_empty) return false;
  const size_t count = entries.size();
  const uint64_t bytes = PayloadSize(entries);
  Send(Message{.type = MessageType::kMsgApp,
               .to = to,
               .log_term = *prev_term,
               .index = prev_index,
               .entries = std::move(entries),
               .commit = raft_log_.committed()});
  pr->UpdateOnEntriesSend(count, bytes, prev_index + count);
  return true;
}

bool Raft::MaybeSendSnapshot(NodeId to, Progress* pr) {
  if (!pr->recent_active) return false;
  auto snapshot = raft_log_.GetSnapshot();
  if (!snapshot.ok()) {
    CHECK(snapshot.error() == StorageError::kSnapshotTemporarilyUnavailable)
        << "snapshot: " << StorageErrorName(snapshot.error());
    return false;
  }
  CHECK(!snapshot->IsEmpty()) << "need a non-empty snapshot to catch up " << to;
  pr->BecomeSnapshot(snapshot->metadata.index);
  Send(Message{.type = MessageType::kMsgSnap,
               .to = to,
               .snapshot = std::move(snapshot).value()});
  return true;
}

void Raft::BcastAppend() {
  for (NodeId id : trk_.AllIds()) {
    if (id != id_) SendAppend(id);
  }
}

void Raft::BcastHeartbeat(const std::string& context) {
  for (const auto& [id, pr] : trk_.progress()) {
    if (id == id_) continue;
    // Never tell a follower to commit beyond what it is known to hold.
    Send(Message{.type = MessageType::kMsgHeartbeat,
                 .to = id,
                 .commit = std::min(pr.match, raft_log_.committed()),
                 .context = context});
  }
}

void Raft::SendTimeoutNow(NodeId to) {
  // The transferee campaigns with force, which voters grant inside a lease
  // (and the message may arrive late): no lease for the rest of this term.
  // Ref: Raft thesis §3.10, §6.4.1.
  lease_forfeited_ = true;
  lease_start_tick_.reset();
  Send(Message{.type = MessageType::kMsgTimeoutNow, .to = to});
}

// ---------------------------------------------------------------- config

core::base::Result<ConfState, confchange::ConfChangeError>
Raft::ApplyConfChange(const ConfChange& change) {
  auto transition =
      confchange::Changer(trk_, raft_log_.LastIndex()).Apply(change);
  if (!transition.ok()) return MakeErr(transition.error());
  SwitchToConfig(std::move(transition).value());
  return trk_.config().ToConfState();
}

void Raft::SwitchToConfig(confchange::Transition transition) {
  trk_.SetConfig(std::move(transition.config), std::move(transition.progress));
  const Progress* self = trk_.Find(id_);
  is_learner_ = self != nullptr && self->is_learner;
  if ((self == nullptr || is_learner_) && state_ == StateRole::kLeader) {
    // Removed or demoted: stop leading; the remaining voters elect a leader.
    BecomeFollower(term_, kNone);
    return;
  }
  if (state_ != StateRole::kLeader) return;
  // The quorum may have changed: commit what the new config allows, and
  // start probing any new member.
  if (MaybeCommit()) {
    BcastAppend();
  } else {
    for (NodeId id : trk_.AllIds()) {
      if (id != id_) MaybeSendAppend(id, /*send_if_empty=*/false);
    }
  }
  if (lead_transferee_ != kNone &&
      !trk_.config().voters.Contains(lead_transferee_)) {
    AbortLeaderTransfer();
  }
}

// ---------------------------------------------------------------- ticks

void Raft::Tick() {
  ++now_ticks_;
  if (state_ == StateRole::kLeader) {
    leader_contact_elapsed_ticks_ = 0;
  } else if (leader_contact_elapsed_ticks_ < election_timeout_) {
    ++leader_contact_elapsed_ticks_;
  }
  if (state_ == StateRole::kLeader) {
    TickHeartbeat();
  } else {
    TickElection();
  }
}

void Raft::TickElection() {
  ++election_elapsed_;
  if (Promotable() && PastElectionTimeout()) {
    election_elapsed_ = 0;
    (void)core::base::Ignore(
        Step(Message{.type = MessageType::kMsgHup, .from = id_}));
  }
}

void Raft::TickHeartbeat() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  if (election_elapsed_ >= election_timeout_) {
    election_elapsed_ = 0;
    if (check_quorum_) {
      (void)core::base::Ignore(
          Step(Message{.type = MessageType::kMsgCheckQuorum, .from = id_}));
    }
    // A transfer that did not finish within an election timeout is abandoned.
    if (state_ == StateRole::kLeader) AbortLeaderTransfer();
  }
  if (state_ != StateRole::kLeader) return;
  if (heartbeat_elapsed_ >= heartbeat_timeout_) {
    heartbeat_elapsed_ = 0;
    (void)core::base::Ignore(
        Step(Message{.type = MessageType::kMsgBeat, .from = id_}));
  }
}

// ---------------------------------------------------------------- status

Status Raft::GetStatus() const {
  Status status;
  status.id = id_;
  status.hard_state = GetHardState();
  status.soft_state = GetSoftState();
  status.applied = raft_log_.applied();
  status.conf_state = trk_.config().ToConfState();
  status.lead_transferee = lead_transferee_;
  if (state_ == StateRole::kLeader) {
    for (const auto& [id, pr] : trk_.progress()) {
      status.progress[id] = ProgressStatus{pr.match,
                                           pr.next,
                                           pr.state,
                                           pr.is_learner,
                                           pr.recent_active,
                                           pr.pending_snapshot,
                                           pr.inflights.Count()};
    }
  }
  return status;
}

void Raft::AppendFingerprintForTest(std::string* out) const {
  using core::base::PutLengthPrefixed;
  using core::base::PutVarint64;
  for (uint64_t field :
       {term_, vote_, static_cast<uint64_t>(state_), lead_, lead_transferee_,
        pending_conf_index_, uncommitted_size_,
        static_cast<uint64_t>(is_learner_)}) {
    PutVarint64(out, field);
  }
  raft_log_.AppendFingerprint(out);
  PutLengthPrefixed(out, trk_.config().Describe());
  for (const auto& [id, pr] : trk_.progress()) {
    for (uint64_t field :
         {id, pr.match, pr.next, static_cast<uint64_t>(pr.state),
          pr.pending_snapshot, static_cast<uint64_t>(pr.recent_active),
          static_cast<uint64_t>(pr.msg_app_flow_paused),
          static_cast<uint64_t>(pr.inflights.Count()),
          static_cast<uint64_t>(pr.is_learner)}) {
      PutVarint64(out, field);
    }
  }
  for (const auto& [id, granted] : trk_.votes()) {
    PutVarint64(out, id * 2 + (granted ? 1 : 0));
  }
  out->push_back('|');
  PutVarint64(out, read_only_.PendingCount());
  PutVarint64(out, (LeaseValid() ? 1 : 0) + (lease_forfeited_ ? 2 : 0));
  PutVarint64(out, pending_read_index_messages_.size());
  for (const ReadState& rs : read_states_) {
    PutVarint64(out, rs.index);
    PutLengthPrefixed(out, rs.request_ctx);
  }
  PutVarint64(out, msgs_.size() + msgs_after_append_.size());
}

}  // namespace core::raft
