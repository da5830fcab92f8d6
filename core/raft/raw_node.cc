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

bool RawNode::HasReady() const {
  if (ready_outstanding_) return false;
  const HardState hs = raft_.GetHardState();
  return raft_.GetSoftState() != prev_soft_state_ ||
         (!hs.IsEmpty() && hs != prev_hard_state_) ||
         raft_.raft_log().UnstableSnapshot().has_value() ||
         !raft_.raft_log().UnstableEntries().empty() ||
         raft_.raft_log().HasNextCommittedEntries() || raft_.HasPendingOutput();
}

Ready RawNode::GetReady() {
  CHECK(!ready_outstanding_) << "GetReady before Advance of the previous Ready";
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
  RaftLog& log = raft_.raft_log();
  rd.entries = log.UnstableEntries();
  if (!rd.entries.empty()) {
    rd.must_sync = true;
    handed_.last_entry = {rd.entries.back().index, rd.entries.back().term};
  }
  if (log.UnstableSnapshot()) {
    rd.snapshot = *log.UnstableSnapshot();
    rd.must_sync = true;
    handed_.snapshot_index = rd.snapshot->metadata.index;
  }
  rd.committed_entries =
      log.NextCommittedEntries(raft_.max_committed_size_per_ready());
  if (!rd.committed_entries.empty()) {
    handed_.last_committed = rd.committed_entries.back().index;
    for (const Entry& e : rd.committed_entries) {
      handed_.committed_bytes += e.PayloadSize();
    }
  }
  rd.read_states = std::move(raft_.read_states());
  raft_.read_states().clear();
  rd.messages = std::move(raft_.msgs());
  raft_.msgs().clear();
  for (Message& m : raft_.msgs_after_append()) {
    if (m.to == id()) {
      handed_.self_messages.push_back(std::move(m));
    } else {
      rd.persisted_messages.push_back(std::move(m));
    }
  }
  raft_.msgs_after_append().clear();
  prev_soft_state_ = ss;
  prev_hard_state_ = hs;
  ready_outstanding_ = true;
  return rd;
}

void RawNode::Advance() {
  CHECK(ready_outstanding_) << "Advance without a Ready";
  ready_outstanding_ = false;
  RaftLog& log = raft_.raft_log();
  if (handed_.snapshot_index != 0) {
    log.StableSnapTo(handed_.snapshot_index);
    if (log.applied() < handed_.snapshot_index) {
      log.AppliedTo(handed_.snapshot_index);
    }
  }
  if (handed_.last_entry) {
    log.StableTo(handed_.last_entry->first, handed_.last_entry->second);
  }
  if (handed_.last_committed != 0) {
    raft_.AppliedTo(handed_.last_committed, handed_.committed_bytes);
  }
  // Our own votes and acks, now that what they vouch for is durable.
  std::vector<Message> self_messages = std::move(handed_.self_messages);
  handed_ = Handed{};
  for (const Message& m : self_messages) {
    (void)core::base::Ignore(raft_.Step(m));
  }
}

}  // namespace core::raft
