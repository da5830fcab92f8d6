#include "core/raft/quorum/quorum.h"

#include <algorithm>
#include <array>
#include <functional>
#include <vector>

namespace core::raft::quorum {

std::string VoteResultName(VoteResult result) {
  switch (result) {
    case VoteResult::kPending:
      return "VotePending";
    case VoteResult::kLost:
      return "VoteLost";
    case VoteResult::kWon:
      return "VoteWon";
  }
  return "VoteUnknown";
}

bool MapAckIndexer::AckedIndex(NodeId voter, Index* index) const {
  auto it = acked_.find(voter);
  if (it == acked_.end()) return false;
  *index = it->second;
  return true;
}

Index MajorityConfig::CommittedIndex(const AckedIndexer& acked) const {
  const size_t n = voters_.size();
  if (n == 0) return kInfiniteIndex;
  // Small configs (the common case) sort on the stack: no allocation on the
  // commit path.
  constexpr size_t kStackVoters = 16;
  std::array<Index, kStackVoters> stack_indexes{};
  std::vector<Index> heap_indexes;
  Index* indexes = stack_indexes.data();
  if (n > kStackVoters) {
    heap_indexes.resize(n);
    indexes = heap_indexes.data();
  }
  size_t i = 0;
  for (NodeId id : voters_) {
    Index index = 0;
    if (!acked.AckedIndex(id, &index)) index = 0;
    indexes[i++] = index;
  }
  std::sort(indexes, indexes + n, std::greater<Index>());
  // The (n/2+1)-th largest acked index is held by a majority.
  return indexes[n / 2];
}

VoteResult MajorityConfig::Vote(const VoteMap& votes) const {
  if (voters_.empty()) return VoteResult::kWon;
  size_t granted = 0;
  size_t missing = 0;
  for (NodeId id : voters_) {
    auto it = votes.find(id);
    if (it == votes.end()) {
      ++missing;
    } else if (it->second) {
      ++granted;
    }
  }
  const size_t quorum = voters_.size() / 2 + 1;
  if (granted >= quorum) return VoteResult::kWon;
  if (granted + missing >= quorum) return VoteResult::kPending;
  return VoteResult::kLost;
}

std::string MajorityConfig::Describe() const {
  std::string out = "(";
  for (NodeId id : voters_) {
    if (out.size() > 1) out += " ";
    out += std::to_string(id);
  }
  return out + ")";
}

std::set<NodeId> JointConfig::Ids() const {
  std::set<NodeId> ids = incoming.voters();
  ids.insert(outgoing.voters().begin(), outgoing.voters().end());
  return ids;
}

Index JointConfig::CommittedIndex(const AckedIndexer& acked) const {
  return std::min(incoming.CommittedIndex(acked),
                  outgoing.CommittedIndex(acked));
}

VoteResult JointConfig::Vote(const VoteMap& votes) const {
  const VoteResult in = incoming.Vote(votes);
  const VoteResult out = outgoing.Vote(votes);
  if (in == out) return in;
  if (in == VoteResult::kLost || out == VoteResult::kLost) {
    return VoteResult::kLost;
  }
  // One side won, the other is pending.
  return VoteResult::kPending;
}

std::string JointConfig::Describe() const {
  if (!IsJoint()) return incoming.Describe();
  return incoming.Describe() + "&&" + outgoing.Describe();
}

}  // namespace core::raft::quorum
