#include "sim/checkers/votes_are_durable.h"

#include <string>

namespace sim::checkers {

using core::raft::invariants::ClusterObservation;
using core::raft::invariants::NodeObservation;
using core::raft::invariants::Violation;

namespace {

// The voters of `leader`'s configuration that durably voted for it in its
// term, or moved on to a later one.
size_t DurableVoters(const ClusterObservation& c,
                     const NodeObservation& leader) {
  size_t durable = 0;
  for (core::raft::NodeId voter : leader.conf_state.voters) {
    for (const NodeObservation& n : c.nodes) {
      if (n.id != voter) continue;
      const core::raft::HardState& hs = n.durable_hard_state;
      if (hs.term > leader.term ||
          (hs.term == leader.term && hs.vote == leader.id)) {
        ++durable;
      }
    }
  }
  return durable;
}

}  // namespace

std::optional<Violation> CheckVotesAreDurable(const ClusterObservation& c) {
  for (const NodeObservation& leader : c.nodes) {
    if (leader.role != core::raft::StateRole::kLeader) continue;
    const size_t durable = DurableVoters(c, leader);
    if (durable < leader.conf_state.voters.size() / 2 + 1) {
      return Violation{"VotesAreDurable",
                       "node " + std::to_string(leader.id) + " leads term " +
                           std::to_string(leader.term) + " but only " +
                           std::to_string(durable) +
                           " voters durably voted for it (or moved on)"};
    }
  }
  return std::nullopt;
}

}  // namespace sim::checkers
