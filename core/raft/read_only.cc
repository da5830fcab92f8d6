#include "core/raft/read_only.h"

#include <algorithm>

namespace core::raft {

void ReadOnly::AddRequest(Index index, const Message& request,
                          uint64_t sent_tick) {
  const std::string& context = request.context;
  if (pending_.count(context) != 0) return;
  pending_.emplace(context, ReadIndexStatus{request, index, sent_tick, {}});
  queue_.push_back(context);
}

const std::set<NodeId>* ReadOnly::RecvAck(NodeId id,
                                          const std::string& context) {
  auto it = pending_.find(context);
  if (it == pending_.end()) return nullptr;
  it->second.acks.insert(id);
  return &it->second.acks;
}

std::vector<ReadIndexStatus> ReadOnly::Advance(const std::string& context) {
  std::vector<ReadIndexStatus> done;
  auto pos = std::find(queue_.begin(), queue_.end(), context);
  if (pos == queue_.end()) return done;
  // A quorum acked a later heartbeat, so it also confirms every earlier one.
  for (auto it = queue_.begin(); it != pos + 1; ++it) {
    auto status = pending_.find(*it);
    done.push_back(std::move(status->second));
    pending_.erase(status);
  }
  queue_.erase(queue_.begin(), pos + 1);
  return done;
}

std::string ReadOnly::LastPendingRequestContext() const {
  return queue_.empty() ? std::string() : queue_.back();
}

}  // namespace core::raft
