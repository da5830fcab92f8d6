#include "core/raft/types.h"

namespace core::raft {

std::string_view MessageTypeName(MessageType type) {
  switch (type) {
    case MessageType::kMsgHup:
      return "MsgHup";
    case MessageType::kMsgBeat:
      return "MsgBeat";
    case MessageType::kMsgCheckQuorum:
      return "MsgCheckQuorum";
    case MessageType::kMsgUnreachable:
      return "MsgUnreachable";
    case MessageType::kMsgSnapStatus:
      return "MsgSnapStatus";
    case MessageType::kMsgProp:
      return "MsgProp";
    case MessageType::kMsgReadIndex:
      return "MsgReadIndex";
    case MessageType::kMsgReadIndexResp:
      return "MsgReadIndexResp";
    case MessageType::kMsgTransferLeader:
      return "MsgTransferLeader";
    case MessageType::kMsgApp:
      return "MsgApp";
    case MessageType::kMsgAppResp:
      return "MsgAppResp";
    case MessageType::kMsgVote:
      return "MsgVote";
    case MessageType::kMsgVoteResp:
      return "MsgVoteResp";
    case MessageType::kMsgPreVote:
      return "MsgPreVote";
    case MessageType::kMsgPreVoteResp:
      return "MsgPreVoteResp";
    case MessageType::kMsgHeartbeat:
      return "MsgHeartbeat";
    case MessageType::kMsgHeartbeatResp:
      return "MsgHeartbeatResp";
    case MessageType::kMsgSnap:
      return "MsgSnap";
    case MessageType::kMsgTimeoutNow:
      return "MsgTimeoutNow";
  }
  return "MsgUnknown";
}

std::string_view StateRoleName(StateRole role) {
  switch (role) {
    case StateRole::kFollower:
      return "Follower";
    case StateRole::kCandidate:
      return "Candidate";
    case StateRole::kLeader:
      return "Leader";
    case StateRole::kPreCandidate:
      return "PreCandidate";
  }
  return "Unknown";
}

bool IsLocalMessage(MessageType type) {
  return type == MessageType::kMsgHup || type == MessageType::kMsgBeat ||
         type == MessageType::kMsgCheckQuorum ||
         type == MessageType::kMsgUnreachable ||
         type == MessageType::kMsgSnapStatus;
}

bool IsResponseMessage(MessageType type) {
  return type == MessageType::kMsgAppResp ||
         type == MessageType::kMsgVoteResp ||
         type == MessageType::kMsgPreVoteResp ||
         type == MessageType::kMsgHeartbeatResp ||
         type == MessageType::kMsgReadIndexResp;
}

}  // namespace core::raft
