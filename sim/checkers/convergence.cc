#include "sim/checkers/convergence.h"

namespace sim::checkers {

using core::raft::Index;

namespace {

// The one leader among `members`, or null (with `why`).
const core::raft::Raft* OnlyLeader(const std::vector<RaftMember>& members,
                                   std::string* why) {
  const core::raft::Raft* leader = nullptr;
  for (const RaftMember& m : members) {
    if (m.raft->role() != core::raft::StateRole::kLeader) continue;
    if (leader != nullptr) {
      *why = "two leaders";
      return nullptr;
    }
    leader = m.raft;
  }
  if (leader == nullptr) *why = "no leader";
  return leader;
}

}  // namespace

bool RaftGroupConverged(const std::vector<RaftMember>& members,
                        std::string* why) {
  const core::raft::Raft* l = OnlyLeader(members, why);
  if (l == nullptr) return false;
  const Index commit = l->raft_log().committed();
  if (l->raft_log().LastIndex() != commit ||
      l->raft_log().ZeroTermOnError(commit) != l->term()) {
    *why = "the leader has not committed its log in its term";
    return false;
  }
  for (const RaftMember& m : members) {
    const core::raft::Raft& r = *m.raft;
    if (r.term() != l->term() || r.lead() != l->id() ||
        r.raft_log().LastIndex() != commit || m.applied != commit) {
      *why = "n" + std::to_string(r.id()) + " has not caught up with leader n" +
             std::to_string(l->id());
      return false;
    }
  }
  return true;
}

bool AwaitConvergence(SimLoop& loop, core::base::Instant deadline,
                      const std::function<bool(std::string*)>& converged,
                      const std::function<bool()>& stopped, std::string* why,
                      core::base::Duration poll) {
  while (!stopped() && loop.Now() < deadline) {
    if (converged(why)) return true;
    loop.RunFor(poll);
  }
  // It may have converged in the last step.
  return !stopped() && converged(why);
}

}  // namespace sim::checkers
