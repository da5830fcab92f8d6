// The Raft instance of the generic explorer (spec/explorer): a cluster of
// real RawNodes (core/raft) driven through every interleaving of elections,
// proposals, reads, message delivery, loss and duplication, crash/restart
// and compaction, within bounds. Every reachable state is checked against
// the invariants of core/raft/invariants (the names of spec/raft/Raft.tla).
//
// Modelling choices (see README.md):
//   * Time is abstract: "campaign n" stands for an election timeout and
//     "heartbeat n" for a leader's heartbeat tick; nodes never tick
//     otherwise, so check-quorum is left off (with it, no election could
//     follow a leader's without modelled time).
//   * Each node action is followed atomically by the node's Ready loop
//     (persist, send, apply). A crash can hit in the middle of that loop: the
//     alternative successor "... then crash" lets the Ready's immediate
//     messages escape and restarts the node from storage without persisting.
//   * The network is a multiset of encoded messages (the wire codec is part
//     of the model); delivery in any order is reordering.
//   * History invariants are checked on every transition (before, after);
//     the checker's history is part of the state.
#ifndef SPEC_RAFT_RAFT_MODEL_H_
#define SPEC_RAFT_RAFT_MODEL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/raft/invariants/invariants.h"
#include "core/raft/testing/node_set.h"
#include "spec/explorer/explorer.h"

namespace spec::raft {

struct Bounds {
  int nodes = 3;
  // No campaign may raise a node's term above this.
  uint64_t max_term = 2;
  int max_proposals = 1;
  int max_reads = 0;
  // Crashes (restart from storage, or crash in the middle of a Ready).
  int max_crashes = 1;
  int max_duplicates = 1;
  int max_compactions = 0;
  // Leader heartbeat ticks (each broadcasts MsgHeartbeat).
  int max_heartbeats = 0;
  bool allow_drop = true;
  // States whose network holds more messages are not explored.
  size_t max_in_flight = 4;
  bool pre_vote = false;
  // Serve reads with the lease (only honoured with check-quorum, which the
  // model leaves off, so this exercises the fallback or its mutant).
  bool lease_reads = false;

  std::string Describe() const;
};

struct State {
  State(core::raft::Config config, uint64_t seed) : nodes(config, seed) {}

  core::raft::testing::NodeSet nodes;
  // Encoded messages in flight, sorted (a multiset).
  std::vector<std::string> network;
  int proposals = 0;
  int reads = 0;
  int crashes = 0;
  int duplicates = 0;
  int compactions = 0;
  int heartbeats = 0;
  core::raft::invariants::InvariantChecker checker;
  // A violation found on the transition into this state.
  std::optional<core::raft::invariants::Violation> violation;
};

// The per-node Raft config the model uses for `bounds`.
core::raft::Config ModelConfig(const Bounds& bounds);

// The explorer model: initial state, successors, fingerprint and one named
// invariant per Raft invariant (each reports the transition's violation).
spec::explorer::Model<State> MakeModel(const Bounds& bounds);

// spec::explorer::Explore instantiated here, so that it is compiled with
// the model's optimization flags.
spec::explorer::Report ExploreModel(const spec::explorer::Model<State>& model,
                                    const spec::explorer::Options& options);

// Follows random successors from the initial state for `steps` steps,
// `walks` times (seeded, so reproducible); returns the first violation and
// the actions leading to it. Complements the exhaustive search with deep
// executions beyond its bounds.
struct WalkResult {
  uint64_t walks = 0;
  uint64_t steps = 0;
  std::optional<spec::explorer::Violation> violation;
};
WalkResult RandomWalks(const spec::explorer::Model<State>& model, uint64_t seed,
                       uint64_t walks, uint64_t steps);

}  // namespace spec::raft

#endif  // SPEC_RAFT_RAFT_MODEL_H_
