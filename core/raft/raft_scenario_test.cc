// Cluster scenarios from the paper and the thesis, run over the in-memory
// Network with every invariant checked after every step.
#include <gtest/gtest.h>

#include "core/raft/codec.h"
#include "core/raft/raw_node.h"
#include "core/raft/testing/fault_sim.h"
#include "core/raft/testing/network.h"
#include "core/raft/testing/scenarios.h"

namespace core::raft {
namespace {

using testing::Network;
using testing::NetworkOptions;

void ExpectNoViolation(const Network& net) {
  EXPECT_FALSE(net.violation().has_value())
      << net.violation()->invariant << ": " << net.violation()->detail;
}

ConfChange Change(
    std::vector<ConfChangeSingle> changes,
    ConfChangeTransition transition = ConfChangeTransition::kAuto) {
  ConfChange cc;
  cc.transition = transition;
  cc.changes = std::move(changes);
  return cc;
}

// A leader whose MsgSnap is lost keeps the follower in StateSnapshot, sending
// it nothing but heartbeats, until the driver reports the snapshot's fate
// (RawNode::ReportSnapshot; Ref: etcd/raft Node.ReportSnapshot). The ops are
// the shrunk RapidCheck counterexample of raft_property_test
// (RC_PARAMS="seed=7297633623712241594"): four voters after a conf change,
// the leader's log compacted, and the snapshot to node 2 dropped by the
// network. Without the report the commit index stays put (3 of 4 voters are
// needed) and the cluster never converges.
TEST(RaftScenarioTest, DroppedSnapshotIsReportedAndResent) {
  testing::FaultSimOptions options;
  options.config.election_timeout_ticks = 4;
  options.config.heartbeat_interval_ticks = 1;
  options.config.pre_vote = true;
  options.config.max_size_per_msg_bytes = 0;
  options.config.max_inflight_msgs = 2;
  options.seed = 2662506867201961307ULL;
  testing::FaultSim sim(options);
  for (uint32_t op :
       {0u,      0u, 0u,  0u,  3u,      8u, 3u,      3u,  3u,   3u,
        472164u, 0u, 3u,  11u, 594196u, 8u, 3u,      53u, 15u,  3u,
        0u,      0u, 48u, 4u,  4u,      3u, 0u,      0u,  5u,   52u,
        0u,      5u, 29u, 3u,  52u,     9u, 973682u, 0u,  4409u}) {
    sim.Run(op);
    ASSERT_FALSE(sim.violation().has_value())
        << sim.violation()->invariant << ": " << sim.violation()->detail;
  }
  EXPECT_TRUE(sim.Converges()) << sim.Describe();
  EXPECT_FALSE(sim.violation().has_value())
      << sim.violation()->invariant << ": " << sim.violation()->detail;
}

// Ref: Raft paper §5.4.2, Figure 8.
TEST(RaftScenarioTest, Figure8OldTermEntryIsNotCommittedByCounting) {
  testing::Figure8Outcome outcome = testing::RunFigure8Scenario();
  EXPECT_FALSE(outcome.old_term_entry_committed);
  EXPECT_FALSE(outcome.violation.has_value())
      << outcome.violation->invariant << ": " << outcome.violation->detail;
}

// Ref: Raft thesis §6.2: with check-quorum a leader that cannot hear from a
// quorum for an election timeout steps down.
TEST(RaftScenarioTest, IsolatedLeaderStepsDownUnderCheckQuorum) {
  NetworkOptions options;
  options.config.check_quorum = true;
  Network net(options);
  net.Elect(1);
  ASSERT_EQ(net.Leader(), 1u);
  net.Isolate(1);
  // Randomized timeouts make a split vote ever rarer; allow a few rounds.
  for (int i = 0; i < 10 * options.config.election_timeout_ticks; ++i) {
    net.TickAll();
    net.Stabilize();
    const NodeId leader = net.Leader();
    if (leader != kNone && leader != 1 &&
        net.node(1).raft().role() != StateRole::kLeader) {
      break;
    }
  }
  EXPECT_EQ(net.node(1).raft().role(), StateRole::kFollower);
  const NodeId new_leader = net.Leader();
  ASSERT_NE(new_leader, kNone);
  EXPECT_NE(new_leader, 1u);
  EXPECT_GT(net.node(new_leader).raft().term(), 1u);
  ExpectNoViolation(net);
}

// Without check-quorum the same isolated leader keeps believing it leads.
TEST(RaftScenarioTest, IsolatedLeaderStaysWithoutCheckQuorum) {
  Network net(NetworkOptions{});
  net.Elect(1);
  net.Isolate(1);
  for (int i = 0; i < 30; ++i) {
    net.Tick(1);
    net.Stabilize();
  }
  EXPECT_EQ(net.node(1).raft().role(), StateRole::kLeader);
}

// Ref: Raft thesis §9.6: a partitioned node running pre-vote does not bump
// its term, so rejoining does not depose a healthy leader.
TEST(RaftScenarioTest, PreVotePreventsTermInflation) {
  for (bool pre_vote : {true, false}) {
    NetworkOptions options;
    options.config.pre_vote = pre_vote;
    Network net(options);
    net.Elect(1);
    ASSERT_TRUE(net.ProposeAndCommit(1, "a").ok());
    net.Isolate(3);
    // The partitioned node misses an entry, so its log is behind.
    ASSERT_TRUE(net.ProposeAndCommit(1, "b").ok());
    for (int i = 0; i < 5 * options.config.election_timeout_ticks; ++i) {
      net.Tick(3);
      net.Stabilize();
    }
    if (pre_vote) {
      EXPECT_EQ(net.node(3).raft().term(), 1u);
      EXPECT_EQ(net.node(3).raft().role(), StateRole::kPreCandidate);
    } else {
      EXPECT_GT(net.node(3).raft().term(), 1u);
    }
    net.Heal();
    (void)net.node(3).Campaign().ok();
    net.Stabilize();
    if (pre_vote) {
      EXPECT_EQ(net.Leader(), 1u);
      EXPECT_EQ(net.node(1).raft().term(), 1u);
    } else {
      // The inflated term deposes the leader (the disruption pre-vote avoids).
      EXPECT_GT(net.node(1).raft().term(), 1u);
    }
    ExpectNoViolation(net);
  }
}

// Ref: Raft thesis §3.10: leadership transfer catches the transferee up and
// then sends it MsgTimeoutNow.
TEST(RaftScenarioTest, LeaderTransferToLaggingFollower) {
  Network net(NetworkOptions{});
  net.Elect(1);
  net.Cut(1, 3);
  ASSERT_TRUE(net.ProposeAndCommit(1, "a").ok());
  net.Heal();
  ASSERT_TRUE(net.node(1).TransferLeader(3).ok());
  net.Stabilize();
  EXPECT_EQ(net.Leader(), 3u);
  EXPECT_EQ(net.nodes().applied_data(3), (std::vector<std::string>{"a"}));
  ExpectNoViolation(net);
}

TEST(RaftScenarioTest, LeaderTransferRefusesTooLaggingTransferee) {
  NetworkOptions options;
  options.config.max_transfer_lag_entries = 1;
  Network net(options);
  net.Elect(1);
  net.Cut(1, 3);
  for (const char* data : {"a", "b", "c"}) {
    ASSERT_TRUE(net.ProposeAndCommit(1, data).ok());
  }
  auto result = net.node(1).TransferLeader(3);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(std::holds_alternative<TransferRejected>(result.error()))
      << DescribeStepError(result.error());
  EXPECT_TRUE(net.node(1).TransferLeader(2).ok());
  net.Stabilize();
  EXPECT_EQ(net.Leader(), 2u);
}

// Ref: Raft thesis §4.2.1: a learner replicates but does not vote or
// campaign until promoted.
TEST(RaftScenarioTest, LearnerPromotion) {
  NetworkOptions options;
  options.learners = 1;
  Network net(options);
  net.Elect(1);
  ASSERT_TRUE(net.ProposeAndCommit(1, "a").ok());
  EXPECT_EQ(net.nodes().applied_data(4), (std::vector<std::string>{"a"}));
  EXPECT_FALSE(net.node(4).raft().Promotable());
  (void)net.node(4).Campaign().ok();
  net.Stabilize();
  EXPECT_EQ(net.Leader(), 1u);
  EXPECT_EQ(net.node(4).raft().term(), 1u);
  ASSERT_TRUE(net.node(1)
                  .ProposeConfChange(Change({{ConfChangeType::kAddNode, 4}}))
                  .ok());
  net.Stabilize();
  for (NodeId id : {1, 2, 3, 4}) {
    EXPECT_EQ(net.node(id).GetStatus().conf_state.voters,
              (std::vector<NodeId>{1, 2, 3, 4}))
        << "node " << id;
  }
  EXPECT_TRUE(net.node(4).raft().Promotable());
  ExpectNoViolation(net);
}

// Ref: Raft paper §7: a follower behind the leader's compacted log catches
// up by InstallSnapshot.
TEST(RaftScenarioTest, LaggingFollowerCatchesUpBySnapshot) {
  Network net(NetworkOptions{});
  net.Elect(1);
  net.Isolate(3);
  for (const char* data : {"a", "b", "c", "d"}) {
    ASSERT_TRUE(net.ProposeAndCommit(1, data).ok());
  }
  ASSERT_TRUE(net.nodes().Compact(1));
  EXPECT_GT(net.nodes().storage(1).FirstIndex(), 2u);
  net.Heal();
  ASSERT_TRUE(net.ProposeAndCommit(1, "e").ok());
  EXPECT_GT(net.nodes().storage(3).snapshot().metadata.index, 0u);
  EXPECT_EQ(net.nodes().applied_data(3), net.nodes().applied_data(1));
  EXPECT_EQ(net.nodes().applied_data(3).size(), 5u);
  // The snapshot survives a restart of the follower.
  net.Restart(3);
  net.Stabilize();
  EXPECT_EQ(net.nodes().applied_data(3), net.nodes().applied_data(1));
  ExpectNoViolation(net);
}

// Ref: Raft thesis §4.3: joint consensus, leaving automatically; the old
// leader, removed by the change, steps down after leaving.
TEST(RaftScenarioTest, JointConsensusReplacesMembersAndAutoLeaves) {
  Network net(NetworkOptions{});
  for (NodeId id : {4, 5}) net.AddNode(id, net.InitialConfState());
  net.Elect(1);
  ASSERT_TRUE(net.node(1)
                  .ProposeConfChange(Change({{ConfChangeType::kAddNode, 4},
                                             {ConfChangeType::kAddNode, 5},
                                             {ConfChangeType::kRemoveNode, 1}}))
                  .ok());
  net.Stabilize();
  const ConfState cs = net.node(2).GetStatus().conf_state;
  EXPECT_EQ(cs.voters, (std::vector<NodeId>{2, 3, 4, 5}));
  EXPECT_TRUE(cs.voters_outgoing.empty()) << "still joint";
  EXPECT_NE(net.node(1).raft().role(), StateRole::kLeader);
  net.Elect(4);
  ASSERT_EQ(net.Leader(), 4u);
  ASSERT_TRUE(net.ProposeAndCommit(4, "after").ok());
  for (NodeId id : {2, 3, 4, 5}) {
    EXPECT_EQ(net.nodes().applied_data(id).back(), "after");
  }
  ExpectNoViolation(net);
}

// Ref: Raft thesis §4.3: with an explicit transition the application leaves
// the joint config itself; a second change is refused meanwhile.
TEST(RaftScenarioTest, ExplicitJointConsensusWaitsForLeave) {
  Network net(NetworkOptions{});
  net.AddNode(4, net.InitialConfState());
  net.Elect(1);
  ASSERT_TRUE(
      net.node(1)
          .ProposeConfChange(Change({{ConfChangeType::kAddNode, 4}},
                                    ConfChangeTransition::kJointExplicit))
          .ok());
  net.Stabilize();
  EXPECT_TRUE(net.node(1).GetStatus().conf_state.IsJoint());
  auto refused =
      net.node(1).ProposeConfChange(Change({{ConfChangeType::kRemoveNode, 2}}));
  EXPECT_FALSE(refused.ok());
  ASSERT_TRUE(net.node(1).ProposeConfChange(ConfChange{}).ok());  // leave
  net.Stabilize();
  const ConfState cs = net.node(3).GetStatus().conf_state;
  EXPECT_FALSE(cs.IsJoint());
  EXPECT_EQ(cs.voters, (std::vector<NodeId>{1, 2, 3, 4}));
  ExpectNoViolation(net);
}

// Ref: Raft thesis §4.1: one voter at a time, without joint consensus.
TEST(RaftScenarioTest, SingleStepRemoval) {
  Network net(NetworkOptions{});
  net.Elect(1);
  ASSERT_TRUE(net.node(1)
                  .ProposeConfChange(Change({{ConfChangeType::kRemoveNode, 3}}))
                  .ok());
  net.Stabilize();
  EXPECT_EQ(net.node(2).GetStatus().conf_state.voters,
            (std::vector<NodeId>{1, 2}));
  net.Isolate(3);
  ASSERT_TRUE(net.ProposeAndCommit(1, "two of two").ok());
  EXPECT_EQ(net.nodes().applied_data(2).back(), "two of two");
  ExpectNoViolation(net);
}

// Ref: Raft thesis §6.4: ReadIndex confirms leadership with a heartbeat
// round; a follower's read is forwarded to the leader.
TEST(RaftScenarioTest, ReadIndexOnLeaderAndFollower) {
  Network net(NetworkOptions{});
  net.Elect(1);
  ASSERT_TRUE(net.ProposeAndCommit(1, "a").ok());
  ASSERT_TRUE(net.ReadIndex(1, "r1").ok());
  ASSERT_TRUE(net.ReadIndex(2, "r2").ok());
  net.Stabilize();
  ASSERT_EQ(net.served_reads().size(), 2u);
  for (const auto& [id, read] : net.served_reads()) {
    EXPECT_EQ(read.index, 2u) << read.request_ctx;
  }
  EXPECT_EQ(net.served_reads()[1].first, 2u);
  ExpectNoViolation(net);
}

// A read on an isolated (stale) leader never completes under kSafe.
TEST(RaftScenarioTest, SafeReadNeedsAQuorum) {
  Network net(NetworkOptions{});
  net.Elect(1);
  net.Isolate(1);
  ASSERT_TRUE(net.ReadIndex(1, "stale").ok());
  net.Stabilize();
  EXPECT_TRUE(net.served_reads().empty());
}

// Ref: Raft thesis §6.4 step 1: a new leader answers reads only after it
// has committed an entry of its own term.
TEST(RaftScenarioTest, NewLeaderDefersReadsUntilItCommitsInItsTerm) {
  Network net(NetworkOptions{});
  net.Elect(1);
  ASSERT_TRUE(net.ProposeAndCommit(1, "a").ok());
  net.DropType(MessageType::kMsgAppResp);
  net.Elect(2);
  ASSERT_EQ(net.Leader(), 2u);
  ASSERT_TRUE(net.ReadIndex(2, "early").ok());
  net.Stabilize();
  EXPECT_TRUE(net.served_reads().empty());
  net.Heal();
  net.TickAll();
  net.Stabilize();
  ASSERT_EQ(net.served_reads().size(), 1u);
  EXPECT_EQ(net.served_reads()[0].second.index, 3u);
  ExpectNoViolation(net);
}

// Flow control: a follower in StateReplicate gets at most max_inflight_msgs
// unacknowledged MsgApps, each carrying at most max_size_per_msg bytes.
TEST(RaftScenarioTest, FlowControlBoundsInflightMessages) {
  NetworkOptions options;
  options.config.max_inflight_msgs = 2;
  options.config.max_size_per_msg_bytes = 4;
  Network net(options);
  net.Elect(1);
  ASSERT_TRUE(net.ProposeAndCommit(1, "warm").ok());
  net.DropType(MessageType::kMsgAppResp);
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(net.node(1).Propose("abcd").ok());
  net.ProcessReady(1);
  int to_two = 0;
  for (const Message& m : net.in_flight()) {
    if (m.type != MessageType::kMsgApp || m.to != 2) continue;
    ++to_two;
    EXPECT_LE(m.entries.size(), 1u);
  }
  EXPECT_EQ(to_two, 2);
  EXPECT_EQ(net.node(1).GetStatus().progress[2].inflight, 2u);
  net.Heal();
  net.Stabilize();
  EXPECT_EQ(net.nodes().applied_data(2).size(), 7u);
}

// Batching: proposals made before a Ready are persisted together and sent
// to a replicating follower in one MsgApp.
TEST(RaftScenarioTest, ProposalsAreBatched) {
  Network net(NetworkOptions{});
  net.Elect(1);
  ASSERT_TRUE(net.ProposeAndCommit(1, "warm").ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(net.node(1).Propose("p").ok());
  Ready rd = net.node(1).GetReady();
  EXPECT_EQ(rd.entries.size(), 3u);
  net.node(1).AdvanceAppend();
}

// ProposeBatch puts several entries in one proposal and one MsgApp.
TEST(RaftScenarioTest, ProposeBatchTravelsInOneMsgApp) {
  Network net(NetworkOptions{});
  net.Elect(1);
  ASSERT_TRUE(net.ProposeAndCommit(1, "warm").ok());
  ASSERT_TRUE(net.node(1).ProposeBatch({"x", "y", "z"}).ok());
  net.ProcessReady(1);
  int apps = 0;
  for (const Message& m : net.in_flight()) {
    if (m.type != MessageType::kMsgApp || m.to != 2 || m.entries.empty()) {
      continue;
    }
    ++apps;
    EXPECT_EQ(m.entries.size(), 3u);
  }
  EXPECT_EQ(apps, 1);
  net.Stabilize();
  EXPECT_EQ(net.nodes().applied_data(3),
            (std::vector<std::string>{"warm", "x", "y", "z"}));
  ExpectNoViolation(net);
}

TEST(RaftScenarioTest, RestartsDuringReplicationKeepEveryInvariant) {
  Network net(NetworkOptions{});
  net.Elect(1);
  for (int round = 0; round < 6; ++round) {
    ASSERT_TRUE(net.node(1).Propose("v" + std::to_string(round)).ok());
    net.ProcessReady(1);
    net.Restart(2 + round % 2);
    net.Stabilize();
  }
  net.TickAll();
  net.Stabilize();
  EXPECT_EQ(net.nodes().applied_data(3).size(), 6u);
  ExpectNoViolation(net);
}

}  // namespace
}  // namespace core::raft
