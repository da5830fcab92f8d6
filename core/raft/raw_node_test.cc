// RawNode API and the Ready contract: what goes in which list, when self
// votes/acks count, and that a node restarts from storage alone.
#include "core/raft/raw_node.h"

#include <gtest/gtest.h>

#include "core/raft/testing/network.h"

namespace core::raft {
namespace {

using testing::Network;
using testing::NetworkOptions;

Config TestConfig(NodeId id) {
  Config config = NetworkOptions::DefaultTestConfig();
  config.id = id;
  return config;
}

TEST(RawNodeTest, RejectsInvalidConfigWithError) {
  MemoryStorage storage;
  Config config = TestConfig(0);
  auto node = RawNode::Create(config, &storage, core::base::Prng(1));
  ASSERT_FALSE(node.ok());
  EXPECT_NE(node.error().message().find("id"), std::string::npos);
  config = TestConfig(1);
  config.election_timeout_ticks = 1;
  EXPECT_FALSE(RawNode::Create(config, &storage, core::base::Prng(1)).ok());
}

TEST(RawNodeTest, SingleNodeBecomesLeaderOnlyAfterPersistingItsVote) {
  ConfState cs;
  cs.voters = {1};
  MemoryStorage storage = MemoryStorage::WithConfState(cs);
  auto created = RawNode::Create(TestConfig(1), &storage, core::base::Prng(7));
  ASSERT_TRUE(created.ok());
  RawNode node = std::move(created).value();
  ASSERT_TRUE(node.Campaign().ok());
  ASSERT_TRUE(node.HasReady());
  Ready rd = node.GetReady();
  // Term 1 and the self-vote must be persisted before the vote counts.
  ASSERT_TRUE(rd.hard_state.has_value());
  EXPECT_EQ(rd.hard_state->term, 1u);
  EXPECT_EQ(rd.hard_state->vote, 1u);
  EXPECT_TRUE(rd.must_sync);
  EXPECT_EQ(node.raft().role(), StateRole::kCandidate);
  EXPECT_FALSE(node.HasReady());  // one Ready outstanding at a time
  storage.SetHardState(*rd.hard_state);
  node.Advance();
  EXPECT_EQ(node.raft().role(), StateRole::kLeader);
  // The leader's empty entry commits only once it is durable.
  rd = node.GetReady();
  ASSERT_EQ(rd.entries.size(), 1u);
  EXPECT_TRUE(rd.committed_entries.empty());
  storage.Append(rd.entries);
  node.Advance();
  rd = node.GetReady();
  ASSERT_EQ(rd.committed_entries.size(), 1u);
  EXPECT_EQ(rd.committed_entries[0].index, 1u);
  node.Advance();
}

TEST(RawNodeTest, VoteResponsesWaitForPersistence) {
  // Ref: Raft paper Figure 2: currentTerm and votedFor are persisted before
  // responding to RPCs.
  Network net(NetworkOptions{});
  ASSERT_TRUE(net.node(1).Campaign().ok());
  net.ProcessReady(1);
  ASSERT_FALSE(net.in_flight().empty());
  Message vote_request = net.in_flight().front();
  ASSERT_EQ(vote_request.type, MessageType::kMsgVote);
  ASSERT_EQ(vote_request.to, 2u);
  ASSERT_TRUE(net.node(2).Step(vote_request).ok());
  Ready rd = net.node(2).GetReady();
  EXPECT_TRUE(rd.messages.empty());
  ASSERT_EQ(rd.persisted_messages.size(), 1u);
  EXPECT_EQ(rd.persisted_messages[0].type, MessageType::kMsgVoteResp);
  EXPECT_FALSE(rd.persisted_messages[0].reject);
  ASSERT_TRUE(rd.hard_state.has_value());
  EXPECT_EQ(rd.hard_state->vote, 1u);
  net.node(2).Advance();
}

TEST(RawNodeTest, StepRejectsLocalAndMisaddressedMessages) {
  Network net(NetworkOptions{});
  Message hup{.type = MessageType::kMsgHup, .to = 1, .from = 2};
  auto result = net.node(1).Step(hup);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(std::holds_alternative<InvalidMessage>(result.error()));
  Message app{.type = MessageType::kMsgApp, .to = 3, .from = 2, .term = 1};
  EXPECT_FALSE(net.node(1).Step(app).ok());
  Message resp{.type = MessageType::kMsgAppResp, .to = 1, .from = 9, .term = 1};
  EXPECT_FALSE(net.node(1).Step(resp).ok());
}

TEST(RawNodeTest, ProposalWithoutLeaderIsDropped) {
  Network net(NetworkOptions{});
  auto result = net.node(1).Propose("x");
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(std::holds_alternative<ProposalDropped>(result.error()));
}

TEST(RawNodeTest, ReplicatesAndAppliesEverywhere) {
  Network net(NetworkOptions{});
  net.Elect(1);
  ASSERT_EQ(net.Leader(), 1u);
  ASSERT_TRUE(net.ProposeAndCommit(1, "a").ok());
  ASSERT_TRUE(net.ProposeAndCommit(2, "b").ok());  // forwarded
  for (NodeId id : {1, 2, 3}) {
    EXPECT_EQ(net.nodes().applied_data(id),
              (std::vector<std::string>{"a", "b"}))
        << "node " << id;
  }
  EXPECT_FALSE(net.violation().has_value()) << net.violation()->detail;
}

TEST(RawNodeTest, RestartRecoversFromStorageAlone) {
  Network net(NetworkOptions{});
  net.Elect(1);
  ASSERT_TRUE(net.ProposeAndCommit(1, "a").ok());
  const Status before = net.node(2).GetStatus();
  net.Restart(2);
  const Status after = net.node(2).GetStatus();
  EXPECT_EQ(after.hard_state, before.hard_state);
  EXPECT_EQ(after.soft_state.role, StateRole::kFollower);
  // The state machine is rebuilt by re-applying the committed log.
  net.ProcessReadyAll();
  EXPECT_EQ(net.nodes().applied_data(2), (std::vector<std::string>{"a"}));
  EXPECT_FALSE(net.violation().has_value());
}

TEST(RawNodeTest, StatusReportsProgressOnLeader) {
  Network net(NetworkOptions{});
  net.Elect(1);
  ASSERT_TRUE(net.ProposeAndCommit(1, "a").ok());
  Status status = net.node(1).GetStatus();
  EXPECT_EQ(status.soft_state.role, StateRole::kLeader);
  EXPECT_EQ(status.hard_state.commit, 2u);
  EXPECT_EQ(status.applied, 2u);
  ASSERT_EQ(status.progress.size(), 3u);
  EXPECT_EQ(status.progress[2].match, 2u);
  EXPECT_EQ(status.progress[2].state, tracker::ProgressState::kReplicate);
  EXPECT_TRUE(net.node(2).GetStatus().progress.empty());
}

}  // namespace
}  // namespace core::raft
