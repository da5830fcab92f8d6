// Leader-side bookkeeping for linearizable reads served by ReadIndex: each
// request waits until a quorum acknowledges a heartbeat carrying its context.
// Ref: Raft thesis §6.4.
#ifndef CORE_RAFT_READ_ONLY_H_
#define CORE_RAFT_READ_ONLY_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/raft/types.h"

namespace core::raft {

// How a leader serves ReadIndex.
enum class ReadOnlyOption : uint8_t {
  // Confirm leadership with a heartbeat round per read (always safe).
  kSafe = 0,
  // Serve reads locally while the leader lease holds, else as kSafe (needs
  // check_quorum, prompt ticks and bounded clock drift; see
  // Config::lease_ticks). Ref: Raft thesis §6.4.1.
  kLeaseBased = 1,
};

// A read that may be served once the state machine applied `index`.
struct ReadState {
  Index index = 0;
  std::string request_ctx;
  bool operator==(const ReadState&) const = default;
};

struct ReadIndexStatus {
  Message request;  // the MsgReadIndex (from = requester)
  Index index = 0;  // the leader's commit index when it was received
  // The leader's tick count when the heartbeats carrying the request's
  // context were first sent: a quorum of acks proves that many followers
  // heard from the leader at or after it (renews the lease).
  uint64_t sent_tick = 0;
  std::set<NodeId> acks;
  bool operator==(const ReadIndexStatus&) const = default;
};

class ReadOnly {
 public:
  // Queues a request that arrived when the commit index was `index`, its
  // heartbeats sent at `sent_tick`. A request whose context is already
  // pending is ignored.
  void AddRequest(Index index, const Message& request, uint64_t sent_tick);
  // Records that `id` acknowledged the heartbeat carrying `context`; returns
  // the acks so far (nullptr if the context is unknown).
  const std::set<NodeId>* RecvAck(NodeId id, const std::string& context);
  // Removes and returns every request queued up to and including `context`.
  std::vector<ReadIndexStatus> Advance(const std::string& context);
  // Context of the newest pending request ("" if none).
  std::string LastPendingRequestContext() const;
  size_t PendingCount() const { return queue_.size(); }
  void Reset() {
    pending_.clear();
    queue_.clear();
  }
  bool operator==(const ReadOnly&) const = default;

 private:
  std::map<std::string, ReadIndexStatus> pending_;
  std::vector<std::string> queue_;
};

}  // namespace core::raft

#endif  // CORE_RAFT_READ_ONLY_H_
