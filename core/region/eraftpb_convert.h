// Conversions between the Raft core's values (core/raft/types.h) and the
// kvproto-compatible eraftpb messages that stores exchange inside
// raft_serverpb.RaftMessage envelopes. This is the one conversion between the
// two; the store's router uses it in both directions.
//
// Mapping:
//   * MessageType: one eraftpb value per core kind (kMsgProp <-> MsgPropose,
//     kMsgApp <-> MsgAppend, kMsgVote <-> MsgRequestVote, ...).
//   * Entry: kNormal <-> EntryNormal with the data as is. kConfChange (whose
//     data is the core codec's ConfChange) goes out as EntryConfChangeV2 with
//     an eraftpb.ConfChangeV2 as data, as raft-rs peers expect; an incoming
//     EntryConfChange (V1) or EntryConfChangeV2 becomes kConfChange with the
//     core codec's bytes.
//   * ConfState lists are sorted on the way in (raft-rs sends them in any
//     order); duplicates are refused.
// Fields the core does not model (Message.priority, request_snapshot,
// Entry.context, sync_log) are dropped on the way in and left unset on the
// way out. ToEraftpb then FromEraftpb is the identity on every core value
// the core produces (conversion_test's property).
//
// Decoding validates: a message from the network that the core could not
// hold (an unknown message or entry type, an undecodable conf change, a
// malformed conf state) is an InvalidRaftMessage, never a crash.
#ifndef CORE_REGION_ERAFTPB_CONVERT_H_
#define CORE_REGION_ERAFTPB_CONVERT_H_

#include <string>

#include "core/base/result.h"
#include "core/raft/types.h"
#include "proto/eraftpb.pb.h"

namespace core::region {

struct InvalidRaftMessage {
  std::string reason;
  std::string ToString() const { return "invalid raft message: " + reason; }
};

eraftpb::Message ToEraftpb(const raft::Message& message);
eraftpb::Entry ToEraftpb(const raft::Entry& entry);
eraftpb::ConfState ToEraftpb(const raft::ConfState& conf_state);
eraftpb::ConfChangeV2 ToEraftpb(const raft::ConfChange& change);

base::Result<raft::Message, InvalidRaftMessage> FromEraftpb(
    const eraftpb::Message& message);
base::Result<raft::Entry, InvalidRaftMessage> FromEraftpb(
    const eraftpb::Entry& entry);
base::Result<raft::ConfState, InvalidRaftMessage> FromEraftpb(
    const eraftpb::ConfState& conf_state);
base::Result<raft::ConfChange, InvalidRaftMessage> FromEraftpb(
    const eraftpb::ConfChangeV2& change);

}  // namespace core::region

#endif  // CORE_REGION_ERAFTPB_CONVERT_H_
