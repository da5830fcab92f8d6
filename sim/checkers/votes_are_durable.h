// VotesAreDurable, a simulator oracle over durable state (proposed for
// spec/raft; no counterpart in core/raft/invariants yet): a leader of term
// T has a quorum of voters whose *durable* hard state records T and a vote
// for it, or a later term. Ref: Raft paper Figure 2 (currentTerm and
// votedFor are "updated on stable storage before responding to RPCs").
// Checked after every step by the Raft workloads; caught by
// MUTANT_RAFT_VOTE_BEFORE_PERSIST.
#ifndef SIM_CHECKERS_VOTES_ARE_DURABLE_H_
#define SIM_CHECKERS_VOTES_ARE_DURABLE_H_

#include <optional>

#include "core/raft/invariants/invariants.h"

namespace sim::checkers {

std::optional<core::raft::invariants::Violation> CheckVotesAreDurable(
    const core::raft::invariants::ClusterObservation& cluster);

}  // namespace sim::checkers

#endif  // SIM_CHECKERS_VOTES_ARE_DURABLE_H_
