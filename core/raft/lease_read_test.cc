// Lease reads (ReadOnlyOption::kLeaseBased with check-quorum), Ref: Raft
// thesis §6.4.1: a leader may answer a read without a heartbeat round only
// while no other leader can have been elected, which the followers promise
// by ignoring vote requests for an election timeout after they last heard
// from it. Each scenario below let a deposed leader serve a stale read before
// the lease was measured from what a quorum acknowledged.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/raft/raw_node.h"
#include "core/raft/testing/network.h"

namespace core::raft {
namespace {

using testing::Network;
using testing::NetworkOptions;

NetworkOptions LeaseOptions(int voters) {
  NetworkOptions options;
  options.voters = voters;
  options.config.check_quorum = true;
  options.config.read_only_option = ReadOnlyOption::kLeaseBased;
  return options;
}

// Ticks until some node wins an election by timing out (a restarted or new
// node ignores vote requests for an election timeout, so Elect() right after
// boot would not work under leases).
NodeId ElectByTimeout(Network& net, int election_timeout_ticks) {
  for (int i = 0; i < 10 * election_timeout_ticks; ++i) {
    net.TickAll();
    net.Stabilize();
    if (net.Leader() != kNone) return net.Leader();
  }
  return kNone;
}

std::vector<NodeId> Others(const Network& net, NodeId leader, int voters) {
  std::vector<NodeId> others;
  for (NodeId id = 1; id <= static_cast<NodeId>(voters); ++id) {
    if (id != leader) others.push_back(id);
  }
  return others;
}

bool Served(const Network& net, const std::string& ctx) {
  for (const auto& [id, read] : net.served_reads()) {
    if (read.request_ctx == ctx) return true;
  }
  return false;
}

void ExpectNoViolation(const Network& net) {
  EXPECT_FALSE(net.violation().has_value())
      << net.violation()->invariant << ": " << net.violation()->detail;
}

// The followers stop honouring the lease an election timeout after the last
// message they got, but a check-quorum leader notices the silence only at
// its next check, up to two election timeouts later (sim seed 185). The
// lease must run from when the acknowledged messages were sent.
TEST(LeaseReadTest, IsolatedLeaderLosesItsLeaseBeforeOthersCanElect) {
  NetworkOptions options = LeaseOptions(3);
  const int election = options.config.election_timeout_ticks;
  Network net(options);
  const NodeId old_leader = ElectByTimeout(net, election);
  ASSERT_NE(old_leader, kNone);
  const std::vector<NodeId> others = Others(net, old_leader, 3);
  ASSERT_TRUE(net.ProposeAndCommit(old_leader, "a").ok());
  // One heartbeat round: the followers are active for the next check.
  net.TickAll();
  net.Stabilize();
  net.Isolate(old_leader);
  // The followers' lease promise has run out; the old leader's check-quorum
  // has passed once (at one election timeout) and is not due again.
  net.TickAll(election + 1);
  ASSERT_EQ(net.node(old_leader).raft().role(), StateRole::kLeader);
  ASSERT_TRUE(net.node(others[0]).Campaign().ok());
  net.Stabilize();
  ASSERT_EQ(net.node(others[0]).raft().role(), StateRole::kLeader);
  ASSERT_TRUE(net.ProposeAndCommit(others[0], "b").ok());
  ASSERT_TRUE(net.ReadIndex(old_leader, "stale?").ok());
  net.ProcessReady(old_leader);
  net.Stabilize();
  ExpectNoViolation(net);
  EXPECT_FALSE(Served(net, "stale?"));
}

// A leader that sends MsgTimeoutNow lets the transferee campaign with force
// (voters grant it inside the lease), so it must stop trusting its lease at
// once. Ref: Raft thesis §3.10 and §6.4.1.
TEST(LeaseReadTest, LeaderTransferEndsTheOldLeadersLease) {
  NetworkOptions options = LeaseOptions(3);
  Network net(options);
  const NodeId old_leader =
      ElectByTimeout(net, options.config.election_timeout_ticks);
  ASSERT_NE(old_leader, kNone);
  const std::vector<NodeId> others = Others(net, old_leader, 3);
  ASSERT_TRUE(net.ProposeAndCommit(old_leader, "a").ok());
  ASSERT_TRUE(net.node(old_leader).TransferLeader(others[0]).ok());
  // The old leader sends MsgTimeoutNow, then hears nothing more.
  net.ProcessReady(old_leader);
  net.SetDropFilter([&](const Message& m) { return m.to == old_leader; });
  net.Stabilize();
  ASSERT_EQ(net.node(others[0]).raft().role(), StateRole::kLeader);
  ASSERT_TRUE(net.ProposeAndCommit(others[0], "b").ok());
  ASSERT_EQ(net.node(old_leader).raft().role(), StateRole::kLeader);
  ASSERT_TRUE(net.ReadIndex(old_leader, "stale?").ok());
  net.ProcessReady(old_leader);
  net.Stabilize();
  ExpectNoViolation(net);
  EXPECT_FALSE(Served(net, "stale?"));
}

// A follower that acknowledged the leader and then restarted has forgotten
// that it heard from a leader; if it voted at once, a candidate that was cut
// off from the leader could win inside the lease. A booting node keeps the
// lease promise for an election timeout.
TEST(LeaseReadTest, RestartedFollowerKeepsTheLeasePromise) {
  NetworkOptions options = LeaseOptions(5);
  options.config.pre_vote = true;  // keeps the cut-off nodes' terms still
  const int election = options.config.election_timeout_ticks;
  Network net(options);
  const NodeId leader = ElectByTimeout(net, election);
  ASSERT_NE(leader, kNone);
  const std::vector<NodeId> others = Others(net, leader, 5);
  ASSERT_TRUE(net.ProposeAndCommit(leader, "a").ok());
  // others[2] and others[3] stop hearing from the leader (their logs stay
  // as up to date as everyone's).
  net.Cut(leader, others[2]);
  net.Cut(leader, others[3]);
  for (int i = 0; i < 2 * election; ++i) {
    net.TickAll();
    net.Stabilize();
  }
  ASSERT_EQ(net.node(leader).raft().role(), StateRole::kLeader);
  // A read now confirms (and renews) the lease with others[0], others[1].
  ASSERT_TRUE(net.ReadIndex(leader, "renew").ok());
  net.Stabilize();
  ASSERT_TRUE(Served(net, "renew"));
  net.Restart(others[1]);
  ASSERT_TRUE(net.node(others[2]).Campaign().ok());
  net.Stabilize();
  if (net.node(others[2]).raft().role() == StateRole::kLeader) {
    ASSERT_TRUE(net.ProposeAndCommit(others[2], "b").ok());
  }
  ASSERT_TRUE(net.ReadIndex(leader, "read").ok());
  net.ProcessReady(leader);
  net.Stabilize();
  ExpectNoViolation(net);
  EXPECT_NE(net.node(others[2]).raft().role(), StateRole::kLeader);
}

// Ref: Raft thesis §6.4.1: within its lease a leader answers a read at its
// commit index at once, without a heartbeat round.
TEST(LeaseReadTest, LeaseReadIsServedWithoutAHeartbeatRound) {
  NetworkOptions options = LeaseOptions(3);
  Network net(options);
  const NodeId leader =
      ElectByTimeout(net, options.config.election_timeout_ticks);
  ASSERT_NE(leader, kNone);
  ASSERT_TRUE(net.ProposeAndCommit(leader, "a").ok());
  const Index committed = net.node(leader).raft().raft_log().committed();
  net.DropType(MessageType::kMsgHeartbeat);
  ASSERT_TRUE(net.ReadIndex(leader, "lease").ok());
  net.ProcessReady(leader);
  ASSERT_EQ(net.served_reads().size(), 1u);
  EXPECT_EQ(net.served_reads()[0].second.index, committed);
  ExpectNoViolation(net);
}

// A node that has just booted ignores vote requests for an election timeout
// (it may have acknowledged a leader's lease before it restarted), so an
// election right after boot fails and one after the timeout succeeds.
TEST(LeaseReadTest, BootedNodeIgnoresVotesForAnElectionTimeout) {
  NetworkOptions options = LeaseOptions(3);
  const int election = options.config.election_timeout_ticks;
  Network net(options);
  net.Elect(1);
  EXPECT_EQ(net.Leader(), kNone);
  for (int i = 0; i < election; ++i) {
    for (NodeId id : {2, 3}) net.Tick(id);
  }
  net.Elect(1);
  EXPECT_EQ(net.Leader(), 1u);
  ExpectNoViolation(net);
}

// An idle leader's lease runs out (heartbeats without a read do not renew
// it); a read then takes a ReadIndex round, whose quorum renews the lease so
// that the next read is served at once.
TEST(LeaseReadTest, ReadIndexRoundRenewsAnExpiredLease) {
  NetworkOptions options = LeaseOptions(3);
  const int election = options.config.election_timeout_ticks;
  Network net(options);
  const NodeId leader = ElectByTimeout(net, election);
  ASSERT_NE(leader, kNone);
  ASSERT_TRUE(net.ProposeAndCommit(leader, "a").ok());
  ASSERT_TRUE(net.ReadIndex(leader, "in-lease").ok());
  net.ProcessReady(leader);
  EXPECT_TRUE(Served(net, "in-lease"));
  for (int i = 0; i < election; ++i) {
    net.TickAll();
    net.Stabilize();
  }
  net.DropType(MessageType::kMsgHeartbeat);
  ASSERT_TRUE(net.ReadIndex(leader, "expired").ok());
  net.ProcessReady(leader);
  net.Stabilize();
  EXPECT_FALSE(Served(net, "expired"));  // waits for a heartbeat round
  net.Heal();
  net.TickAll();
  net.Stabilize();
  EXPECT_TRUE(Served(net, "expired"));
  net.DropType(MessageType::kMsgHeartbeat);
  ASSERT_TRUE(net.ReadIndex(leader, "renewed").ok());
  net.ProcessReady(leader);
  EXPECT_TRUE(Served(net, "renewed"));
  ExpectNoViolation(net);
}

}  // namespace
}  // namespace core::raft
