#include "core/region/eraftpb_convert.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <utility>
#include <vector>

#include "core/base/check.h"
#include "core/raft/codec.h"

namespace core::region {
namespace {

using base::MakeErr;
using raft::MessageType;

struct TypePair {
  MessageType core;
  eraftpb::MessageType wire;
};

// Every core kind and its eraftpb twin (both sets have 19 values).
constexpr std::array<TypePair, raft::kMaxMessageType + 1> kMessageTypes = {{
    {MessageType::kMsgHup, eraftpb::MsgHup},
    {MessageType::kMsgBeat, eraftpb::MsgBeat},
    {MessageType::kMsgCheckQuorum, eraftpb::MsgCheckQuorum},
    {MessageType::kMsgUnreachable, eraftpb::MsgUnreachable},
    {MessageType::kMsgSnapStatus, eraftpb::MsgSnapStatus},
    {MessageType::kMsgProp, eraftpb::MsgPropose},
    {MessageType::kMsgReadIndex, eraftpb::MsgReadIndex},
    {MessageType::kMsgReadIndexResp, eraftpb::MsgReadIndexResp},
    {MessageType::kMsgTransferLeader, eraftpb::MsgTransferLeader},
    {MessageType::kMsgApp, eraftpb::MsgAppend},
    {MessageType::kMsgAppResp, eraftpb::MsgAppendResponse},
    {MessageType::kMsgVote, eraftpb::MsgRequestVote},
    {MessageType::kMsgVoteResp, eraftpb::MsgRequestVoteResponse},
    {MessageType::kMsgPreVote, eraftpb::MsgRequestPreVote},
    {MessageType::kMsgPreVoteResp, eraftpb::MsgRequestPreVoteResponse},
    {MessageType::kMsgHeartbeat, eraftpb::MsgHeartbeat},
    {MessageType::kMsgHeartbeatResp, eraftpb::MsgHeartbeatResponse},
    {MessageType::kMsgSnap, eraftpb::MsgSnapshot},
    {MessageType::kMsgTimeoutNow, eraftpb::MsgTimeoutNow},
}};

eraftpb::MessageType TypeToEraftpb(MessageType type) {
  for (const TypePair& pair : kMessageTypes) {
    if (pair.core == type) return pair.wire;
  }
  UNREACHABLE() << "message type " << static_cast<int>(type);
  return eraftpb::MsgHup;
}

eraftpb::ConfChangeType ChangeTypeToEraftpb(raft::ConfChangeType type) {
  switch (type) {
    case raft::ConfChangeType::kAddNode:
      return eraftpb::AddNode;
    case raft::ConfChangeType::kRemoveNode:
      return eraftpb::RemoveNode;
    case raft::ConfChangeType::kAddLearnerNode:
      return eraftpb::AddLearnerNode;
  }
  UNREACHABLE() << "conf change type " << static_cast<int>(type);
  return eraftpb::AddNode;
}

base::Result<raft::ConfChangeType, InvalidRaftMessage> ChangeTypeFromEraftpb(
    int type) {
  switch (type) {
    case eraftpb::AddNode:
      return raft::ConfChangeType::kAddNode;
    case eraftpb::RemoveNode:
      return raft::ConfChangeType::kRemoveNode;
    case eraftpb::AddLearnerNode:
      return raft::ConfChangeType::kAddLearnerNode;
  }
  return MakeErr(
      InvalidRaftMessage{"unknown conf change type " + std::to_string(type)});
}

// Sorted, duplicate-free ids, as core::raft::ConfState requires.
template <typename Ids>
base::Result<std::vector<raft::NodeId>, InvalidRaftMessage> SortedIds(
    const Ids& ids, const char* what) {
  std::vector<raft::NodeId> out(ids.begin(), ids.end());
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end()) {
    return MakeErr(InvalidRaftMessage{std::string("duplicate id in ") + what});
  }
  return out;
}

bool Intersect(const std::vector<raft::NodeId>& a,
               const std::vector<raft::NodeId>& b) {
  std::vector<raft::NodeId> both;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(),
                        std::back_inserter(both));
  return !both.empty();
}

base::Result<raft::ConfChange, InvalidRaftMessage> FromConfChangeV1(
    const eraftpb::ConfChange& change) {
  auto type = ChangeTypeFromEraftpb(change.change_type());
  if (!type.ok()) return MakeErr(type.error());
  raft::ConfChange out;
  out.changes.push_back({*type, change.node_id()});
  out.context = change.context();
  return out;
}

// The core codec's bytes of a conf change entry arriving as eraftpb.
base::Result<std::string, InvalidRaftMessage> ConfChangeEntryData(
    const eraftpb::Entry& entry) {
  base::Result<raft::ConfChange, InvalidRaftMessage> change =
      MakeErr(InvalidRaftMessage{"undecodable conf change"});
  if (entry.entry_type() == eraftpb::EntryConfChange) {
    eraftpb::ConfChange v1;
    if (v1.ParseFromString(entry.data())) change = FromConfChangeV1(v1);
  } else {
    eraftpb::ConfChangeV2 v2;
    if (v2.ParseFromString(entry.data())) change = FromEraftpb(v2);
  }
  if (!change.ok()) return MakeErr(change.error());
  return raft::EncodeConfChange(*change);
}

base::Result<raft::MessageType, InvalidRaftMessage> TypeFromEraftpb(int type) {
  for (const TypePair& pair : kMessageTypes) {
    if (pair.wire == type) return pair.core;
  }
  return MakeErr(
      InvalidRaftMessage{"unknown message type " + std::to_string(type)});
}

base::Result<raft::Snapshot, InvalidRaftMessage> SnapshotFromEraftpb(
    const eraftpb::Snapshot& snapshot) {
  raft::Snapshot out;
  out.data = snapshot.data();
  out.metadata.index = snapshot.metadata().index();
  out.metadata.term = snapshot.metadata().term();
  auto conf_state = FromEraftpb(snapshot.metadata().conf_state());
  if (!conf_state.ok()) return MakeErr(conf_state.error());
  out.metadata.conf_state = *std::move(conf_state);
  return out;
}

}  // namespace

eraftpb::ConfState ToEraftpb(const raft::ConfState& conf_state) {
  eraftpb::ConfState out;
  for (raft::NodeId id : conf_state.voters) out.add_voters(id);
  for (raft::NodeId id : conf_state.learners) out.add_learners(id);
  for (raft::NodeId id : conf_state.voters_outgoing) {
    out.add_voters_outgoing(id);
  }
  for (raft::NodeId id : conf_state.learners_next) out.add_learners_next(id);
  out.set_auto_leave(conf_state.auto_leave);
  return out;
}

eraftpb::ConfChangeV2 ToEraftpb(const raft::ConfChange& change) {
  eraftpb::ConfChangeV2 out;
  switch (change.transition) {
    case raft::ConfChangeTransition::kAuto:
      out.set_transition(eraftpb::Auto);
      break;
    case raft::ConfChangeTransition::kJointImplicit:
      out.set_transition(eraftpb::Implicit);
      break;
    case raft::ConfChangeTransition::kJointExplicit:
      out.set_transition(eraftpb::Explicit);
      break;
  }
  for (const raft::ConfChangeSingle& single : change.changes) {
    eraftpb::ConfChangeSingle* added = out.add_changes();
    added->set_change_type(ChangeTypeToEraftpb(single.type));
    added->set_node_id(single.node_id);
  }
  out.set_context(change.context);
  return out;
}

eraftpb::Entry ToEraftpb(const raft::Entry& entry) {
  eraftpb::Entry out;
  out.set_term(entry.term);
  out.set_index(entry.index);
  if (entry.type == raft::EntryType::kNormal) {
    out.set_entry_type(eraftpb::EntryNormal);
    out.set_data(entry.data);
    return out;
  }
  // Only the core writes conf change entries (ProposeConfChange, or
  // FromEraftpb after validating); undecodable data is a bug.
  auto change = raft::DecodeConfChange(entry.data);
  CHECK(change.ok()) << "conf change entry " << entry.index
                     << " does not decode: " << change.error().reason;
  out.set_entry_type(eraftpb::EntryConfChangeV2);
  out.set_data(ToEraftpb(*change).SerializeAsString());
  return out;
}

eraftpb::Message ToEraftpb(const raft::Message& message) {
  eraftpb::Message out;
  out.set_msg_type(TypeToEraftpb(message.type));
  out.set_to(message.to);
  out.set_from(message.from);
  out.set_term(message.term);
  out.set_log_term(message.log_term);
  out.set_index(message.index);
  for (const raft::Entry& entry : message.entries) {
    *out.add_entries() = ToEraftpb(entry);
  }
  out.set_commit(message.commit);
  out.set_reject(message.reject);
  out.set_reject_hint(message.reject_hint);
  out.set_context(message.context);
  if (message.snapshot.has_value()) {
    eraftpb::Snapshot* snapshot = out.mutable_snapshot();
    snapshot->set_data(message.snapshot->data);
    eraftpb::SnapshotMetadata* meta = snapshot->mutable_metadata();
    meta->set_index(message.snapshot->metadata.index);
    meta->set_term(message.snapshot->metadata.term);
    *meta->mutable_conf_state() =
        ToEraftpb(message.snapshot->metadata.conf_state);
  }
  return out;
}

base::Result<raft::ConfState, InvalidRaftMessage> FromEraftpb(
    const eraftpb::ConfState& conf_state) {
  raft::ConfState out;
  auto voters = SortedIds(conf_state.voters(), "voters");
  auto outgoing = SortedIds(conf_state.voters_outgoing(), "voters_outgoing");
  auto learners = SortedIds(conf_state.learners(), "learners");
  auto next = SortedIds(conf_state.learners_next(), "learners_next");
  if (!voters.ok()) return MakeErr(voters.error());
  if (!outgoing.ok()) return MakeErr(outgoing.error());
  if (!learners.ok()) return MakeErr(learners.error());
  if (!next.ok()) return MakeErr(next.error());
  out.voters = *std::move(voters);
  out.voters_outgoing = *std::move(outgoing);
  out.learners = *std::move(learners);
  out.learners_next = *std::move(next);
  if (Intersect(out.learners, out.voters) ||
      Intersect(out.learners, out.voters_outgoing)) {
    return MakeErr(InvalidRaftMessage{"a learner is also a voter"});
  }
  out.auto_leave = conf_state.auto_leave();
  return out;
}

base::Result<raft::ConfChange, InvalidRaftMessage> FromEraftpb(
    const eraftpb::ConfChangeV2& change) {
  raft::ConfChange out;
  switch (change.transition()) {
    case eraftpb::Auto:
      out.transition = raft::ConfChangeTransition::kAuto;
      break;
    case eraftpb::Implicit:
      out.transition = raft::ConfChangeTransition::kJointImplicit;
      break;
    case eraftpb::Explicit:
      out.transition = raft::ConfChangeTransition::kJointExplicit;
      break;
    default:
      return MakeErr(InvalidRaftMessage{"unknown transition " +
                                        std::to_string(change.transition())});
  }
  for (const eraftpb::ConfChangeSingle& single : change.changes()) {
    auto type = ChangeTypeFromEraftpb(single.change_type());
    if (!type.ok()) return MakeErr(type.error());
    out.changes.push_back({*type, single.node_id()});
  }
  out.context = change.context();
  return out;
}

base::Result<raft::Entry, InvalidRaftMessage> FromEraftpb(
    const eraftpb::Entry& entry) {
  raft::Entry out;
  out.term = entry.term();
  out.index = entry.index();
  switch (entry.entry_type()) {
    case eraftpb::EntryNormal:
      out.type = raft::EntryType::kNormal;
      out.data = entry.data();
      return out;
    case eraftpb::EntryConfChange:
    case eraftpb::EntryConfChangeV2: {
      auto data = ConfChangeEntryData(entry);
      if (!data.ok()) return MakeErr(data.error());
      out.type = raft::EntryType::kConfChange;
      out.data = *std::move(data);
      return out;
    }
    default:
      return MakeErr(InvalidRaftMessage{"unknown entry type " +
                                        std::to_string(entry.entry_type())});
  }
}

base::Result<raft::Message, InvalidRaftMessage> FromEraftpb(
    const eraftpb::Message& message) {
  auto type = TypeFromEraftpb(message.msg_type());
  if (!type.ok()) return MakeErr(type.error());
  raft::Message out;
  out.type = *type;
  out.to = message.to();
  out.from = message.from();
  out.term = message.term();
  out.log_term = message.log_term();
  out.index = message.index();
  out.commit = message.commit();
  out.reject = message.reject();
  out.reject_hint = message.reject_hint();
  out.context = message.context();
  for (const eraftpb::Entry& entry : message.entries()) {
    auto converted = FromEraftpb(entry);
    if (!converted.ok()) return MakeErr(converted.error());
    out.entries.push_back(*std::move(converted));
  }
  if (message.has_snapshot()) {
    auto snapshot = SnapshotFromEraftpb(message.snapshot());
    if (!snapshot.ok()) return MakeErr(snapshot.error());
    out.snapshot = *std::move(snapshot);
  }
  return out;
}

}  // namespace core::region
