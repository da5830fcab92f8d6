// RaftOracle against core/raft's InvariantChecker: on random sequences of
// cluster observations (a cluster that mostly behaves like Raft, with
// random log windows, and now and then takes a step no correct Raft takes,
// so that the invariants break in many ways), both give the same verdict,
// named and worded the same, at the same step.
#include "sim/register/raft_oracle.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include "core/base/prng.h"
#include "core/base/testing/rapidcheck_gtest.h"

namespace sim::register_kv {
namespace {

namespace inv = core::raft::invariants;
using core::raft::Entry;
using core::raft::Index;

// A small cluster evolving mostly like Raft (elections, appends,
// replication, quorum commits) with now and then a step no correct Raft
// takes (electing a stale node, committing without a quorum, losing a
// committed suffix), so that every invariant, the history ones included,
// is exercised both ways.
struct Cluster {
  std::vector<std::vector<Entry>> logs;
  std::vector<inv::NodeObservation> obs;

  explicit Cluster(int n) : logs(n), obs(n) {
    for (int i = 0; i < n; ++i) {
      obs[i].id = i + 1;
      obs[i].conf_state.voters = {1, 2, 3};
    }
  }
  size_t Leader() const {
    for (size_t i = 0; i < obs.size(); ++i) {
      if (obs[i].role == core::raft::StateRole::kLeader) return i;
    }
    return obs.size();
  }
  core::raft::Term MaxTerm() const {
    core::raft::Term t = 0;
    for (const auto& o : obs) t = std::max(t, o.term);
    return t;
  }
  // `same_term`: a second leader in the current term (a bug).
  void Elect(size_t who, bool same_term) {
    const core::raft::Term term = MaxTerm() + (same_term ? 0 : 1);
    for (size_t i = 0; i < obs.size(); ++i) {
      obs[i].term = term;
      obs[i].role = i == who ? core::raft::StateRole::kLeader
                             : core::raft::StateRole::kFollower;
    }
  }
  void Append(size_t leader, core::base::Prng& prng) {
    for (uint64_t k = 1 + prng.Uniform(2); k > 0; --k) {
      logs[leader].push_back(
          Entry{.term = obs[leader].term,
                .index = logs[leader].size() + 1,
                .data = std::string(1, 'a' + prng.Uniform(3))});
    }
  }
  void Replicate(size_t from, size_t to, core::base::Prng& prng) {
    const size_t upto = prng.Uniform(logs[from].size() + 1);
    std::vector<Entry>& log = logs[to];
    if (log.size() > upto) log.resize(upto);
    for (size_t i = 0; i < upto; ++i) {
      if (i < log.size() && log[i] == logs[from][i]) continue;
      log.resize(i);
      log.push_back(logs[from][i]);
    }
  }
  void QuorumCommit(size_t leader) {
    std::vector<size_t> match;
    for (size_t i = 0; i < obs.size(); ++i) {
      size_t m = 0;
      while (m < logs[i].size() && m < logs[leader].size() &&
             logs[i][m] == logs[leader][m]) {
        ++m;
      }
      match.push_back(m);
    }
    std::sort(match.begin(), match.end());
    const size_t quorum = match[obs.size() / 2];
    if (quorum > obs[leader].commit && quorum > 0 &&
        logs[leader][quorum - 1].term == obs[leader].term) {
      obs[leader].commit = quorum;
    }
  }
  void Step(core::base::Prng& prng) {
    const size_t n = obs.size();
    const size_t leader = Leader();
    const size_t any = prng.Uniform(n);
    switch (prng.Uniform(leader == n ? 2 : 8)) {
      case 0:
        Elect(any, false);
        break;
      case 1:  // a rare slip: someone steps down or a term bumps alone
        if (prng.OneIn(4)) obs[any].term += 1;
        break;
      case 2:
      case 3:
        Append(leader, prng);
        break;
      case 4:
      case 5:
        if (any == leader) break;
        Replicate(leader, any, prng);
        obs[any].commit = std::min<Index>(obs[leader].commit, logs[any].size());
        break;
      case 6:
        QuorumCommit(leader);
        break;
      default:  // a step no correct Raft takes
        switch (prng.Uniform(3)) {
          case 0:
            obs[leader].commit = logs[leader].size();
            break;
          case 1:
            if (any != leader && !logs[any].empty()) logs[any].pop_back();
            break;
          default:
            Elect(any, true);
            break;
        }
        break;
    }
    for (size_t i = 0; i < n; ++i) {
      inv::NodeObservation& o = obs[i];
      o.commit = std::min<Index>(o.commit, logs[i].size());
      o.applied = o.commit;
      o.durable_hard_state = {o.term, o.vote, o.commit};
      const Index window = 1 + prng.Uniform(4);
      o.log.first_index =
          logs[i].size() + 1 > window ? logs[i].size() + 1 - window : 1;
      if (prng.OneIn(3)) o.log.first_index = 1;
      o.log.entries.assign(logs[i].begin() + (o.log.first_index - 1),
                           logs[i].end());
      o.durable_log = o.log;
    }
  }
};

RC_GTEST_PROP_N(RaftOracleProperty, AgreesWithInvariantChecker, 300, 50, ()) {
  core::base::Prng prng(*rc::gen::arbitrary<uint64_t>());
  Cluster cluster(3);
  RaftOracle oracle;
  inv::InvariantChecker reference;
  const int steps = *rc::gen::inRange(1, 120);
  for (int step = 0; step < steps; ++step) {
    cluster.Step(prng);
    inv::ClusterObservation c;
    c.nodes = cluster.obs;
    const auto mine = oracle.Observe(c);
    const auto theirs = reference.Observe(c);
    RC_ASSERT(mine.has_value() == theirs.has_value());
    if (mine.has_value()) {
      RC_ASSERT(mine->invariant == theirs->invariant);
      RC_ASSERT(mine->detail == theirs->detail);
      RC_TAG(mine->invariant);
      return;
    }
  }
}

}  // namespace
}  // namespace sim::register_kv
