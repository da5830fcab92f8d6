// Plain value types of the Raft core: log entries, durable state, membership
// configuration, snapshots and the messages peers exchange.
//
// Every type here is a copyable value with no behaviour beyond small helpers;
// the wire form lives in codec.h. Names follow the Raft paper and etcd/raft
// (Term, Vote, MsgApp for AppendEntries, MsgVote for RequestVote).
#ifndef CORE_RAFT_TYPES_H_
#define CORE_RAFT_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace core::raft {

using NodeId = uint64_t;
using Term = uint64_t;
using Index = uint64_t;

// The absent node id (no leader known, no vote cast).
inline constexpr NodeId kNone = 0;

enum class EntryType : uint8_t {
  kNormal = 0,
  // data is an encoded ConfChange (codec.h EncodeConfChange).
  kConfChange = 1,
};

struct Entry {
  Term term = 0;
  Index index = 0;
  EntryType type = EntryType::kNormal;
  std::string data;

  // Bytes counted against message and Ready size limits.
  uint64_t PayloadSize() const { return data.size(); }
  bool operator==(const Entry&) const = default;
};

// The state a node must persist before it sends any message that depends on
// it. Ref: Raft paper Figure 2 ("Persistent state on all servers").
struct HardState {
  Term term = 0;
  NodeId vote = kNone;
  Index commit = 0;

  bool IsEmpty() const { return term == 0 && vote == kNone && commit == 0; }
  bool operator==(const HardState&) const = default;
};

// Membership as persisted: a (possibly joint) voter configuration plus
// learners. Ref: Raft thesis §4.3 (joint consensus), §4.2.1 (learners).
//
// Invariant: voters, voters_outgoing, learners and learners_next are each
// sorted and duplicate-free; learners is disjoint from both voter sets;
// learners_next is a subset of voters_outgoing (voters being demoted to
// learner once the joint config is left).
struct ConfState {
  std::vector<NodeId> voters;
  std::vector<NodeId> voters_outgoing;  // non-empty iff joint
  std::vector<NodeId> learners;
  std::vector<NodeId> learners_next;
  // Leave the joint config automatically once it is committed.
  bool auto_leave = false;

  bool IsJoint() const { return !voters_outgoing.empty(); }
  bool operator==(const ConfState&) const = default;
};

struct SnapshotMetadata {
  Index index = 0;
  Term term = 0;
  ConfState conf_state;
  bool operator==(const SnapshotMetadata&) const = default;
};

struct Snapshot {
  SnapshotMetadata metadata;
  std::string data;

  bool IsEmpty() const { return metadata.index == 0; }
  bool operator==(const Snapshot&) const = default;
};

enum class StateRole : uint8_t {
  kFollower = 0,
  kCandidate = 1,
  kLeader = 2,
  kPreCandidate = 3,
};

std::string_view StateRoleName(StateRole role);

// Message kinds. Values are persisted in the wire format: DO NOT CHANGE.
enum class MessageType : uint8_t {
  // Local: never cross the network (Step rejects them from peers).
  kMsgHup = 0,          // start an election now
  kMsgBeat = 1,         // leader: broadcast heartbeats now
  kMsgCheckQuorum = 2,  // leader: step down unless a quorum was active
  kMsgUnreachable = 3,  // driver: a send to `from` failed
  kMsgSnapStatus = 4,   // driver: snapshot to `from` finished (reject=fail)
  // Client requests (may be forwarded between peers).
  kMsgProp = 5,
  kMsgReadIndex = 6,
  kMsgReadIndexResp = 7,
  kMsgTransferLeader = 8,
  // Peer protocol. Ref: Raft paper Figure 2 and Raft thesis §3.10, §6.4, §9.6.
  kMsgApp = 9,
  kMsgAppResp = 10,
  kMsgVote = 11,
  kMsgVoteResp = 12,
  kMsgPreVote = 13,
  kMsgPreVoteResp = 14,
  kMsgHeartbeat = 15,
  kMsgHeartbeatResp = 16,
  kMsgSnap = 17,
  kMsgTimeoutNow = 18,
};
inline constexpr uint8_t kMaxMessageType = 18;

// "MsgApp" etc.; "MsgUnknown" for out-of-range values.
std::string_view MessageTypeName(MessageType type);

// True for the kinds that only a local caller may Step.
bool IsLocalMessage(MessageType type);

// True for responses (they carry the responder's term and outcome).
bool IsResponseMessage(MessageType type);

// Context marking a MsgVote/MsgPreVote sent because of leader transfer: the
// receiver grants it even inside a leader lease. Ref: Raft thesis §3.10.
inline constexpr std::string_view kCampaignTransferContext = "CampaignTransfer";

struct Message {
  MessageType type = MessageType::kMsgHup;
  NodeId to = kNone;
  NodeId from = kNone;
  Term term = 0;
  // MsgApp: term of the entry at `index` (the entry preceding `entries`).
  // MsgVote/MsgPreVote: term of the candidate's last entry.
  // Rejecting MsgAppResp: term of the entry at reject_hint.
  Term log_term = 0;
  // MsgApp: index preceding `entries`. MsgAppResp: last index accepted (or
  // the rejected index). MsgVote: candidate's last index. ReadIndexResp: read
  // index.
  Index index = 0;
  std::vector<Entry> entries;
  Index commit = 0;
  bool reject = false;
  Index reject_hint = 0;
  std::optional<Snapshot> snapshot;  // MsgSnap only
  std::string context;  // read-index request id, campaign transfer marker

  bool operator==(const Message&) const = default;
};

// One change of a membership change. Ref: Raft thesis §4.1, §4.3.
enum class ConfChangeType : uint8_t {
  kAddNode = 0,
  kRemoveNode = 1,
  kAddLearnerNode = 2,
};

struct ConfChangeSingle {
  ConfChangeType type = ConfChangeType::kAddNode;
  NodeId node_id = kNone;
  bool operator==(const ConfChangeSingle&) const = default;
};

// How a ConfChange uses joint consensus.
enum class ConfChangeTransition : uint8_t {
  // Single-step when exactly one voter changes, else joint with auto-leave.
  kAuto = 0,
  // Always joint; leave automatically once the joint config is committed.
  kJointImplicit = 1,
  // Always joint; the application proposes the leave (an empty ConfChange).
  kJointExplicit = 2,
};

// A membership change proposal (etcd's ConfChangeV2). An empty change list
// with kAuto means "leave the joint configuration".
struct ConfChange {
  ConfChangeTransition transition = ConfChangeTransition::kAuto;
  std::vector<ConfChangeSingle> changes;
  std::string context;

  bool IsLeaveJoint() const {
    return changes.empty() && transition == ConfChangeTransition::kAuto;
  }
  // Whether applying this change enters a joint config.
  bool UsesJoint() const {
    return transition != ConfChangeTransition::kAuto || changes.size() > 1;
  }
  // Meaningful only when UsesJoint().
  bool AutoLeave() const {
    return transition != ConfChangeTransition::kJointExplicit;
  }
  bool operator==(const ConfChange&) const = default;
};

}  // namespace core::raft

#endif  // CORE_RAFT_TYPES_H_
