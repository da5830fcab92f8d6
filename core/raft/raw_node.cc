#include "core/raft/raw_node.h"

#include <utility>

#include "core/base/check.h"
#include "core/raft/codec.h"

namespace core::raft {

using core::base::MakeErr;
using core::base::Unit;

RawNode::RawNode(Raft raft) : raft_(std::move(raft)) {
  prev_soft_state_ = raft_.GetSoftState();
  prev_hard_state_ = raft_.GetHardState();
}

core::base::Result<RawNode, absl::Status> RawNode::Create(
    const Config& config, const Storage* storage, core::base::Prng prng) {
  auto raft = Raft::Create(config, storage, prng);
  if (!raft.ok()) return MakeErr(raft.error());
  return RawNode(std::move(raft).value());
}

StepResult RawNode::Campaign() {
  return raft_.Step(Message{.type = MessageType::kMsgHup, .from = id()});
}

StepResult RawNode::Propose(std::string data) {
  Entry entry{.data = std::move(data)};
  return raft_.Step(Message{.type = MessageType::kMsgProp,
                            .from = id(),
                            .entries = {std::move(entry)}});
}

StepResult RawNode::ProposeBatch(std::vector<std::string> data) {
  if (data.empty()) {
    return MakeErr(StepError(InvalidMessage{"empty proposal batch"}));
  }
  Message m{.type = MessageType::kMsgProp, .from = id()};
  m.entries.reserve(data.size());
  for (std::string& d : data) m.entries.push_back(Entry{.data = std::move(d)});
  return raft_.Step(m);
}

StepResult RawNode::ProposeConfChange(const ConfChange& change) {
  Entry entry{.type = EntryType::kConfChange, .data = EncodeConfChange(change)};
  return raft_.Step(Message{.type = MessageType::kMsgProp,
                            .from = id(),
                            .entries = {std::move(entry)}});
}

StepResult RawNode::Step(const Message& m) {
  if (IsLocalMessage(m.type)) {
    return MakeErr(StepError(InvalidMessage{
        std::string(MessageTypeName(m.type)) + " is local-only"}));
  }
  if (m.to != id()) {
    return MakeErr(
        StepError(InvalidMessage{"message addressed to another node"}));
  }
  if (m.from == kNone || m.from == id()) {
    return MakeErr(StepError(InvalidMessage{"bad sender"}));
  }
  if (IsResponseMessage(m.type) && m.type != MessageType::kMsgReadIndexResp &&
      raft_.tracker().Find(m.from) == nullptr) {
    return MakeErr(StepError(InvalidMessage{"response from unknown peer"}));
  }
  if (m.type == MessageType::kMsgProp && m.entries.empty()) {
    return MakeErr(StepError(InvalidMessage{"empty proposal"}));
  }
  if (m.type == MessageType::kMsgSnap && !m.snapshot.has_value()) {
    return MakeErr(StepError(InvalidMessage{"MsgSnap without snapshot"}));
  }
  return raft_.Step(m);
}

StepResult RawNode::ReadIndex(std::string request_ctx) {
  return raft_.Step(Message{.type = MessageType::kMsgReadIndex,
                            .from = id(),
                            .context = std::move(request_ctx)});
}

StepResult RawNode::TransferLeader(NodeId transferee) {
  if (transferee == kNone) {
    return MakeErr(StepError(TransferRejected{"no transferee"}));
  }
  return raft_.Step(
      Message{.type = MessageType::kMsgTransferLeader, .from = transferee});
}

void RawNode::ReportUnreachable(NodeId id) {
  (void)core::base::Ignore(
      raft_.Step(Message{.type = MessageType::kMsgUnreachable, .from = id}));
}

void RawNode::ReportSnapshot(NodeId id, bool failed) {
  (void)core::base::Ignore(raft_.Step(Message{
      .type = MessageType::kMsgSnapStatus, .from = id, .reject = failed}));
}

Index RawNode::ApplyingThrough() const {
  return applying_.empty() ? raft_.raft_log().applied()
                           : applying_.back().last_index;
}

bool RawNode::CanHandOutCommitted() const {
  // Ref: etcd raftLog.applyingEntsPaused: the byte budget bounds what is
  // handed out and not yet applied when applying runs behind.
  if (!applying_.empty() &&
      applying_bytes_ >= raft_.max_committed_size_per_ready()) {
    return false;
  }
  return raft_.raft_log().HasNextCommittedEntries(ApplyingThrough());
}

bool RawNode::SnapshotWaitsForApply() const {
  return raft_.raft_log().UnstableSnapshot().has_value() && !applying_.empty();
}

bool RawNode::HasReady() const {
  if (ready_outstanding_ || SnapshotWaitsForApply()) return false;
  const HardState hs = raft_.GetHardState();
  return raft_.GetSoftState() != prev_soft_state_ ||
         (!hs.IsEmpty() && hs != prev_hard_state_) ||
         raft_.raft_log().UnstableSnapshot().has_value() ||
         !raft_.raft_log().UnstableEntries().empty() || CanHandOutCommitted() ||
         raft_.HasPendingOutput();
}

Ready RawNode::GetReady() {
  CHECK(!ready_outstanding_)
      << "GetReady before AdvanceAppend of the previous Ready";
  CHECK(!SnapshotWaitsForApply())
      << "GetReady with a snapshot to hand out before the committed entries "
         "handed out earlier are applied (HasReady is false until "
         "AdvanceApply)";
  Ready rd;
  rd.number = ++ready_number_;
  handed_ = Handed{};
  const SoftState ss = raft_.GetSoftState();
  if (ss != prev_soft_state_) rd.soft_state = ss;
  const HardState hs = raft_.GetHardState();
  if (hs != prev_hard_state_) {
    rd.hard_state = hs;
    rd.must_sync =
        hs.term != prev_hard_state_.term || hs.vote != prev_hard_state_.vote;
  }
  TakeEntriesAndSnapshot(&rd);
  TakeCommittedEntries(&rd);
  TakeMessages(&rd);
  prev_soft_state_ = ss;
  prev_hard_state_ = hs;
  ready_outstanding_ = true;
  return rd;
}

void RawNode::TakeEntriesAndSnapshot(Ready* rd) {
  const RaftLog& log = raft_.raft_log();
  rd->entries = log.UnstableEntries();
  if (!rd->entries.empty()) {
    rd->must_sync = true;
    handed_.last_entry = {rd->entries.back().index, rd->entries.back().term};
  }
  if (log.UnstableSnapshot()) {
    rd->snapshot = *log.UnstableSnapshot();
    rd->must_sync = true;
    handed_.snapshot_index = rd->snapshot->metadata.index;
  }
}

void RawNode::TakeCommittedEntries(Ready* rd) {
  if (!CanHandOutCommitted()) return;
  const uint64_t max_bytes = raft_.max_committed_size_per_ready();
  const uint64_t budget =
      max_bytes > applying_bytes_ ? max_bytes - applying_bytes_ : 0;
  rd->committed_entries =
      raft_.raft_log().NextCommittedEntries(ApplyingThrough(), budget);
  CHECK(!rd->committed_entries.empty());
  Applying range{.ready_number = rd->number,
                 .last_index = rd->committed_entries.back().index};
  CHECK_GT(range.last_index, ApplyingThrough());
  for (const Entry& e : rd->committed_entries) range.bytes += e.PayloadSize();
  applying_bytes_ += range.bytes;
  applying_.push_back(range);
}

void RawNode::TakeMessages(Ready* rd) {
  rd->read_states = std::move(raft_.read_states());
  raft_.read_states().clear();
  rd->messages = std::move(raft_.msgs());
  raft_.msgs().clear();
  for (Message& m : raft_.msgs_after_append()) {
    if (m.to == id()) {
      handed_.self_messages.push_back(std::move(m));
    } else {
      rd->persisted_messages.push_back(std::move(m));
    }
  }
  raft_.msgs_after_append().clear();
}

void RawNode::AdvanceAppend() {
  CHECK(ready_outstanding_)
      << "AdvanceAppend without an outstanding Ready (once per GetReady)";
  ready_outstanding_ = false;
  RaftLog& log = raft_.raft_log();
  if (handed_.snapshot_index != 0) {
    log.StableSnapTo(handed_.snapshot_index);
    // The driver installed the snapshot's state with it (step 2).
    if (log.applied() < handed_.snapshot_index) {
      log.AppliedTo(handed_.snapshot_index);
    }
  }
  if (handed_.last_entry) {
    log.StableTo(handed_.last_entry->first, handed_.last_entry->second);
  }
  // Our own votes and acks, now that what they vouch for is durable.
  std::vector<Message> self_messages = std::move(handed_.self_messages);
  handed_ = Handed{};
  for (const Message& m : self_messages) {
    (void)core::base::Ignore(raft_.Step(m));
  }
}

void RawNode::AdvanceApply() {
  CHECK(!applying_.empty())
      << "AdvanceApply without committed entries handed out";
  const Applying range = applying_.front();
  CHECK(!ready_outstanding_ || range.ready_number != ready_number_)
      << "AdvanceApply before AdvanceAppend of Ready " << range.ready_number
      << " (its entries may not be persisted yet)";
  applying_.pop_front();
  applying_bytes_ -= range.bytes;
  raft_.AppliedTo(range.last_index, range.bytes);
}

}  // namespace core::raft
