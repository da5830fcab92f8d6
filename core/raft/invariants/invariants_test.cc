// Each invariant holds on a healthy observation and names itself when a
// hand-built observation breaks it. These are the "test that breaks it" rows
// of spec/raft/README.md for the checks themselves; the mutant tests in
// spec/raft show the checks catch real bugs in the core.
#include "core/raft/invariants/invariants.h"

#include <gtest/gtest.h>

namespace core::raft::invariants {
namespace {

LogView Log(std::vector<Term> terms, Index first = 1) {
  LogView log;
  log.first_index = first;
  for (size_t i = 0; i < terms.size(); ++i) {
    log.entries.push_back(Entry{terms[i], first + i, EntryType::kNormal,
                                "e" + std::to_string(first + i)});
  }
  return log;
}

NodeObservation Node(NodeId id, Term term, std::vector<Term> log, Index commit,
                     StateRole role = StateRole::kFollower) {
  NodeObservation n;
  n.id = id;
  n.term = term;
  n.role = role;
  n.log = Log(log);
  n.durable_log = n.log;
  n.commit = commit;
  n.applied = commit;
  n.durable_hard_state = HardState{term, kNone, commit};
  n.conf_state.voters = {1, 2, 3};
  return n;
}

ClusterObservation Healthy() {
  return ClusterObservation{{Node(1, 2, {1, 2}, 2, StateRole::kLeader),
                             Node(2, 2, {1, 2}, 2), Node(3, 2, {1}, 1)}};
}

std::string NameOf(const std::optional<Violation>& v) {
  return v ? v->invariant : "none";
}

TEST(InvariantsTest, HealthyClusterPassesEveryCheck) {
  InvariantChecker checker;
  EXPECT_EQ(NameOf(checker.Observe(Healthy())), "none");
  EXPECT_EQ(NameOf(checker.Observe(Healthy())), "none");
}

TEST(InvariantsTest, ElectionSafety) {
  ClusterObservation c = Healthy();
  c.nodes[1].role = StateRole::kLeader;
  EXPECT_EQ(NameOf(CheckElectionSafety(c)), kElectionSafety);
  // Across history: node 2 leads term 2 after node 1 did.
  InvariantChecker checker;
  ASSERT_FALSE(checker.Observe(Healthy()));
  ClusterObservation later = Healthy();
  later.nodes[0].role = StateRole::kFollower;
  later.nodes[1].role = StateRole::kLeader;
  EXPECT_EQ(NameOf(checker.Observe(later)), kElectionSafety);
}

TEST(InvariantsTest, LogMatching) {
  ClusterObservation c = Healthy();
  c.nodes[2].log = Log({3, 2});  // same (2, term 2), different prefix
  c.nodes[2].durable_log = c.nodes[2].log;
  c.nodes[2].commit = 0;
  EXPECT_EQ(NameOf(CheckLogMatching(c)), kLogMatching);
}

TEST(InvariantsTest, StateMachineSafety) {
  ClusterObservation c = Healthy();
  c.nodes[2].log = Log({1, 3});
  c.nodes[2].durable_log = c.nodes[2].log;
  c.nodes[2].commit = 2;
  EXPECT_EQ(NameOf(CheckStateMachineSafety(c)), kStateMachineSafety);
  // A committed entry replaced later is caught against history.
  InvariantChecker checker;
  ASSERT_FALSE(checker.Observe(Healthy()));
  ClusterObservation later = Healthy();
  later.nodes[0].role = StateRole::kFollower;
  for (NodeObservation& n : later.nodes) {
    if (n.log.entries.size() > 1) n.log.entries[1].data = "other";
    n.durable_log = n.log;
  }
  EXPECT_EQ(NameOf(checker.Observe(later)), kStateMachineSafety);
}

TEST(InvariantsTest, LeaderCompleteness) {
  InvariantChecker checker;
  ASSERT_FALSE(checker.Observe(Healthy()));  // index 2 committed by term 2
  ClusterObservation later = Healthy();
  later.nodes[0].role = StateRole::kFollower;
  later.nodes[2].role = StateRole::kLeader;
  later.nodes[2].term = 3;
  later.nodes[2].durable_hard_state.term = 3;
  EXPECT_EQ(NameOf(checker.Observe(later)), kLeaderCompleteness);
}

TEST(InvariantsTest, LeaderAppendOnly) {
  ClusterObservation before = Healthy();
  ClusterObservation after = Healthy();
  after.nodes[0].log.entries[1].data = "rewritten";
  EXPECT_EQ(NameOf(CheckLeaderAppendOnly(before, after)), kLeaderAppendOnly);
  after.nodes[0].incarnation = 1;  // a restart is not an overwrite
  EXPECT_EQ(NameOf(CheckLeaderAppendOnly(before, after)), "none");
}

TEST(InvariantsTest, MonotonicTermAndCommit) {
  ClusterObservation before = Healthy();
  ClusterObservation after = Healthy();
  after.nodes[1].term = 1;
  EXPECT_EQ(NameOf(CheckMonotonicTerm(before, after)), kMonotonicTerm);
  after = Healthy();
  after.nodes[1].commit = 1;
  EXPECT_EQ(NameOf(CheckMonotonicCommit(before, after)), kMonotonicCommit);
  after.nodes[1].incarnation = 1;  // volatile commit may restart lower
  EXPECT_EQ(NameOf(CheckMonotonicCommit(before, after)), "none");
  after.nodes[1].durable_hard_state.commit = 1;
  EXPECT_EQ(NameOf(CheckMonotonicCommit(before, after)), kMonotonicCommit);
}

TEST(InvariantsTest, QuorumLogInvAndCommittedIsDurable) {
  ClusterObservation c = Healthy();
  c.nodes[1].log = Log({1});  // only the leader holds index 2
  EXPECT_EQ(NameOf(CheckQuorumLogInv(c)), kQuorumLogInv);
  c = Healthy();
  c.nodes[1].durable_log = Log({1});
  EXPECT_EQ(NameOf(CheckQuorumLogInv(c)), "none");
  EXPECT_EQ(NameOf(CheckCommittedIsDurable(c)), kCommittedIsDurable);
  // Joint config: violated only if the nodes lacking the prefix form a
  // quorum of both halves (then some joint quorum could elect without it).
  c = Healthy();
  for (NodeObservation& n : c.nodes) {
    n.conf_state.voters = {1, 2, 4};
    n.conf_state.voters_outgoing = {3, 4, 5};
  }
  EXPECT_EQ(NameOf(CheckQuorumLogInv(c)), "none");  // {1,2} is a majority
  for (NodeObservation& n : c.nodes) n.conf_state.voters = {2, 3, 4};
  EXPECT_EQ(NameOf(CheckQuorumLogInv(c)), kQuorumLogInv);
}

TEST(InvariantsTest, LinearizableRead) {
  InvariantChecker checker;
  checker.OnReadRequested("r1", Healthy());
  EXPECT_EQ(NameOf(checker.OnReadServed("r1", 2)), "none");
  checker.OnReadRequested("r2", Healthy());
  EXPECT_EQ(NameOf(checker.OnReadServed("r2", 1)), kLinearizableRead);
}

}  // namespace
}  // namespace core::raft::invariants
