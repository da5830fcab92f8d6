// RawNode API and the Ready contract: what goes in which list, when self
// votes/acks count (AdvanceAppend), when applied advances (AdvanceApply),
// that applying may run behind persistence without committed entries being
// handed out twice, that misuse of the contract CHECK-fails, and that a
// node restarts from storage alone.
#include "core/raft/raw_node.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <deque>
#include <optional>
#include <string>

#include "core/base/testing/rapidcheck_gtest.h"
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

// Step 2 of the contract against a MemoryStorage.
void Persist(MemoryStorage* storage, const Ready& rd) {
  if (rd.snapshot) CHECK(storage->ApplySnapshot(*rd.snapshot).ok());
  storage->Append(rd.entries);
  if (rd.hard_state) storage->SetHardState(*rd.hard_state);
}

// A single-voter group whose only node is the leader, its vote and empty
// entry persisted and applied. Held by pointer: the node reads `storage`.
struct SoloLeader {
  explicit SoloLeader(Config config = TestConfig(1)) {
    ConfState cs;
    cs.voters = {1};
    storage = MemoryStorage::WithConfState(cs);
    auto created = RawNode::Create(config, &storage, core::base::Prng(7));
    CHECK(created.ok());
    node.emplace(std::move(created).value());
    CHECK(node->Campaign().ok());
    while (node->HasReady()) {
      Ready rd = node->GetReady();
      Persist(&storage, rd);
      node->AdvanceAppend();
      if (!rd.committed_entries.empty()) node->AdvanceApply();
    }
    CHECK(node->raft().role() == StateRole::kLeader);
  }
  // Takes a Ready and persists it, without AdvanceAppend.
  Ready TakeAndPersist() {
    Ready rd = node->GetReady();
    Persist(&storage, rd);
    return rd;
  }
  Index applied() const { return node->raft().raft_log().applied(); }
  Index committed() const { return node->raft().raft_log().committed(); }

  MemoryStorage storage;
  std::optional<RawNode> node;
};

// Node 2 of a three-voter group that has persisted one committed entry from
// leader 1 and not applied it. Held by pointer: the node reads `storage`.
struct FollowerWithUnappliedEntry {
  FollowerWithUnappliedEntry() {
    cs.voters = {1, 2, 3};
    storage = MemoryStorage::WithConfState(cs);
    auto created =
        RawNode::Create(TestConfig(2), &storage, core::base::Prng(1));
    CHECK(created.ok());
    node.emplace(std::move(created).value());
    CHECK(node->Step(Message{.type = MessageType::kMsgApp,
                             .to = 2,
                             .from = 1,
                             .term = 1,
                             .entries = {Entry{1, 1, EntryType::kNormal, "a"}},
                             .commit = 1})
              .ok());
    Ready rd = node->GetReady();
    CHECK(rd.committed_entries.size() == 1u);
    Persist(&storage, rd);
    node->AdvanceAppend();  // entry 1 not applied yet
  }
  // Leader 1 sends a snapshot at index 5.
  core::raft::StepResult StepSnapshotAt5(std::string data) {
    Snapshot snapshot{.metadata = {.index = 5, .term = 1, .conf_state = cs},
                      .data = std::move(data)};
    return node->Step(Message{.type = MessageType::kMsgSnap,
                              .to = 2,
                              .from = 1,
                              .term = 1,
                              .snapshot = std::move(snapshot)});
  }

  ConfState cs;
  MemoryStorage storage;
  std::optional<RawNode> node;
};

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
  EXPECT_EQ(node.raft().role(), StateRole::kCandidate);  // not yet counted
  node.AdvanceAppend();
  EXPECT_EQ(node.raft().role(), StateRole::kLeader);
  // The leader's empty entry commits only once it is durable.
  rd = node.GetReady();
  ASSERT_EQ(rd.entries.size(), 1u);
  EXPECT_TRUE(rd.committed_entries.empty());
  storage.Append(rd.entries);
  node.AdvanceAppend();
  rd = node.GetReady();
  ASSERT_EQ(rd.committed_entries.size(), 1u);
  EXPECT_EQ(rd.committed_entries[0].index, 1u);
  node.AdvanceAppend();
  node.AdvanceApply();
  EXPECT_EQ(node.raft().raft_log().applied(), 1u);
}

// (c) The self-ack is stepped at AdvanceAppend: a single-node group commits
// a persisted entry only then, not when the Ready is taken or persisted.
TEST(RawNodeTest, SelfAckIsSteppedAtAdvanceAppend) {
  SoloLeader solo;
  const Index committed = solo.committed();
  ASSERT_TRUE(solo.node->Propose("x").ok());
  Ready rd = solo.TakeAndPersist();
  ASSERT_EQ(rd.entries.size(), 1u);
  EXPECT_TRUE(rd.persisted_messages.empty());  // the ack is to itself
  EXPECT_EQ(solo.committed(), committed);
  solo.node->AdvanceAppend();
  EXPECT_EQ(solo.committed(), rd.entries[0].index);
}

// (a) A Ready taken after AdvanceAppend but before AdvanceApply does not
// hand out the committed entries of the earlier Ready again, only the ones
// committed since.
TEST(RawNodeTest, ReadyBeforeAdvanceApplyDoesNotRepeatCommittedEntries) {
  SoloLeader solo;
  ASSERT_TRUE(solo.node->Propose("a").ok());
  solo.TakeAndPersist();
  solo.node->AdvanceAppend();  // "a" commits
  Ready with_a = solo.TakeAndPersist();
  ASSERT_EQ(with_a.committed_entries.size(), 1u);
  EXPECT_EQ(with_a.committed_entries[0].data, "a");
  solo.node->AdvanceAppend();  // "a" is not applied yet
  EXPECT_FALSE(solo.node->HasReady());
  ASSERT_TRUE(solo.node->Propose("b").ok());
  ASSERT_TRUE(solo.node->HasReady());
  Ready with_b = solo.TakeAndPersist();
  ASSERT_EQ(with_b.entries.size(), 1u);
  EXPECT_TRUE(with_b.committed_entries.empty());
  solo.node->AdvanceAppend();  // "b" commits
  Ready next = solo.TakeAndPersist();
  ASSERT_EQ(next.committed_entries.size(), 1u);
  EXPECT_EQ(next.committed_entries[0].data, "b");
  solo.node->AdvanceAppend();
  solo.node->AdvanceApply();  // "a"
  EXPECT_EQ(solo.applied(), with_a.committed_entries[0].index);
  solo.node->AdvanceApply();  // "b"
  EXPECT_EQ(solo.applied(), next.committed_entries[0].index);
  EXPECT_FALSE(solo.node->HasReady());
}

// (b) applied advances only at AdvanceApply, by one Ready's committed
// entries at a time (oldest first), not at GetReady or AdvanceAppend.
TEST(RawNodeTest, AppliedAdvancesOnlyAtAdvanceApply) {
  SoloLeader solo;
  const Index applied = solo.applied();
  ASSERT_TRUE(solo.node->ProposeBatch({"a", "b"}).ok());
  solo.TakeAndPersist();
  solo.node->AdvanceAppend();
  Ready rd = solo.TakeAndPersist();
  ASSERT_EQ(rd.committed_entries.size(), 2u);
  EXPECT_EQ(solo.applied(), applied);
  EXPECT_EQ(solo.node->GetStatus().applied, applied);
  solo.node->AdvanceAppend();
  EXPECT_EQ(solo.applied(), applied);
  solo.node->AdvanceApply();
  EXPECT_EQ(solo.applied(), rd.committed_entries.back().index);
  EXPECT_EQ(solo.node->GetStatus().applied, rd.committed_entries.back().index);
}

// Ref: etcd Config.MaxCommittedSizePerReady ("the committed entries which
// can be applying at the same time"): while applying is behind by the
// budget, no further committed entries are handed out.
TEST(RawNodeTest, CommittedBytesNotYetAppliedAreBounded) {
  Config config = TestConfig(1);
  config.max_committed_size_per_ready_bytes = 3;
  SoloLeader solo(config);
  ASSERT_TRUE(solo.node->ProposeBatch({"aa", "bb", "cc"}).ok());
  solo.TakeAndPersist();
  solo.node->AdvanceAppend();
  Ready first = solo.TakeAndPersist();
  ASSERT_EQ(first.committed_entries.size(), 1u);  // 2 + 2 bytes > 3
  solo.node->AdvanceAppend();
  Ready second = solo.TakeAndPersist();  // 1 byte of budget left
  ASSERT_EQ(second.committed_entries.size(), 1u);
  EXPECT_EQ(second.committed_entries[0].data, "bb");
  solo.node->AdvanceAppend();
  EXPECT_FALSE(solo.node->HasReady());  // 4 bytes applying >= 3
  solo.node->AdvanceApply();
  ASSERT_TRUE(solo.node->HasReady());
  Ready third = solo.TakeAndPersist();
  ASSERT_EQ(third.committed_entries.size(), 1u);
  EXPECT_EQ(third.committed_entries[0].data, "cc");
}

// A follower that is still applying committed entries receives a snapshot:
// the snapshot is handed out only after those entries are applied (it
// replaces the state they build on), and installing it with its
// persistence advances applied to its index.
TEST(RawNodeTest, SnapshotWaitsForEarlierCommittedEntriesToBeApplied) {
  FollowerWithUnappliedEntry f;
  ASSERT_TRUE(f.StepSnapshotAt5("state at 5").ok());
  EXPECT_FALSE(f.node->HasReady());
  f.node->AdvanceApply();
  EXPECT_EQ(f.node->raft().raft_log().applied(), 1u);
  ASSERT_TRUE(f.node->HasReady());
  Ready rd = f.node->GetReady();
  ASSERT_TRUE(rd.snapshot.has_value());
  EXPECT_EQ(rd.snapshot->metadata.index, 5u);
  EXPECT_TRUE(rd.committed_entries.empty());
  Persist(&f.storage, rd);
  f.node->AdvanceAppend();
  EXPECT_EQ(f.node->raft().raft_log().applied(), 5u);
}

// Misuse of the Ready contract is a bug in the driver: each one CHECK-fails
// with a message naming it.
TEST(RawNodeDeathTest, AdvanceAppendTwice) {
  SoloLeader solo;
  ASSERT_TRUE(solo.node->Propose("x").ok());
  solo.TakeAndPersist();
  solo.node->AdvanceAppend();
  EXPECT_DEATH(solo.node->AdvanceAppend(),
               "AdvanceAppend without an outstanding Ready");
}

TEST(RawNodeDeathTest, AdvanceAppendWithoutReady) {
  SoloLeader solo;
  EXPECT_DEATH(solo.node->AdvanceAppend(),
               "AdvanceAppend without an outstanding Ready");
}

TEST(RawNodeDeathTest, GetReadyBeforeAdvanceAppend) {
  SoloLeader solo;
  ASSERT_TRUE(solo.node->Propose("x").ok());
  solo.TakeAndPersist();
  EXPECT_DEATH(solo.node->GetReady(), "GetReady before AdvanceAppend");
}

TEST(RawNodeDeathTest, AdvanceApplyWithoutCommittedEntries) {
  SoloLeader solo;  // everything handed out is applied
  EXPECT_DEATH(solo.node->AdvanceApply(),
               "AdvanceApply without committed entries handed out");
  // A Ready without committed entries has nothing to apply either.
  ASSERT_TRUE(solo.node->Propose("x").ok());
  Ready rd = solo.TakeAndPersist();
  ASSERT_TRUE(rd.committed_entries.empty());
  solo.node->AdvanceAppend();
  EXPECT_DEATH(solo.node->AdvanceApply(),
               "AdvanceApply without committed entries handed out");
}

TEST(RawNodeDeathTest, AdvanceApplyTwiceForOneReady) {
  SoloLeader solo;
  ASSERT_TRUE(solo.node->Propose("x").ok());
  solo.TakeAndPersist();
  solo.node->AdvanceAppend();
  Ready rd = solo.TakeAndPersist();
  ASSERT_EQ(rd.committed_entries.size(), 1u);
  solo.node->AdvanceAppend();
  solo.node->AdvanceApply();
  EXPECT_DEATH(solo.node->AdvanceApply(),
               "AdvanceApply without committed entries handed out");
}

TEST(RawNodeDeathTest, AdvanceApplyBeforeAdvanceAppendOfTheSameReady) {
  SoloLeader solo;
  ASSERT_TRUE(solo.node->Propose("x").ok());
  solo.TakeAndPersist();
  solo.node->AdvanceAppend();
  Ready rd = solo.TakeAndPersist();
  ASSERT_EQ(rd.committed_entries.size(), 1u);
  EXPECT_DEATH(solo.node->AdvanceApply(),
               "AdvanceApply before AdvanceAppend of Ready");
}

TEST(RawNodeDeathTest, GetReadyWithASnapshotWhileApplyingIsBehind) {
  FollowerWithUnappliedEntry f;
  ASSERT_TRUE(f.StepSnapshotAt5("").ok());
  EXPECT_DEATH(f.node->GetReady(), "GetReady with a snapshot to hand out");
}

// A driver whose applying runs behind persistence by a random amount: on a
// single-node group with random proposals and a random committed-bytes
// budget, every committed entry is handed out exactly once and in order,
// applied is the end of the last Ready reported applied, the bytes handed
// out and not applied stay within the budget (beyond it by one entry at
// most), and in the end every proposal is applied in proposal order.
RC_GTEST_PROP_N(RawNodeProperty, ApplyingBehindPersistenceHandsOutEachEntryOnce,
                200, 100, ()) {
  Config config = TestConfig(1);
  config.max_committed_size_per_ready_bytes = *rc::gen::inRange(0, 12);
  SoloLeader solo(config);
  const uint64_t budget = config.max_committed_size_per_ready_bytes;
  Index handed_through = solo.applied();
  std::deque<std::vector<Entry>> applying;
  uint64_t applying_bytes = 0;
  std::vector<std::string> proposed;
  std::vector<std::string> applied_data;
  auto apply_oldest = [&] {
    for (const Entry& e : applying.front()) {
      applying_bytes -= e.PayloadSize();
      if (!e.data.empty()) applied_data.push_back(e.data);
    }
    solo.node->AdvanceApply();
    RC_ASSERT(solo.applied() == applying.front().back().index);
    applying.pop_front();
  };
  auto take_ready = [&] {
    const Index applied = solo.applied();
    Ready rd = solo.TakeAndPersist();
    solo.node->AdvanceAppend();
    RC_ASSERT(solo.applied() == applied);
    if (rd.committed_entries.empty()) return;
    uint64_t bytes = 0;
    for (const Entry& e : rd.committed_entries) {
      RC_ASSERT(e.index == ++handed_through);
      bytes += e.PayloadSize();
    }
    RC_ASSERT(applying.empty() || applying_bytes < budget);
    RC_ASSERT(rd.committed_entries.size() == 1 ||
              applying_bytes + bytes <= budget);
    applying_bytes += bytes;
    applying.push_back(rd.committed_entries);
  };
  const int steps = *rc::gen::inRange(1, 80);
  for (int step = 0; step < steps; ++step) {
    const int op = *rc::gen::inRange(0, 3);
    if (op == 0) {
      proposed.push_back(std::string(*rc::gen::inRange(1, 6), 'a' + step % 26));
      RC_ASSERT(solo.node->Propose(proposed.back()).ok());
    } else if (op == 1 && solo.node->HasReady()) {
      take_ready();
    } else if (op == 2 && !applying.empty()) {
      apply_oldest();
    }
  }
  while (solo.node->HasReady() || !applying.empty()) {
    if (solo.node->HasReady()) take_ready();
    if (!applying.empty()) apply_oldest();
  }
  RC_ASSERT(handed_through == solo.committed());
  RC_ASSERT(solo.applied() == solo.committed());
  RC_ASSERT(applied_data == proposed);
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
  net.node(2).AdvanceAppend();
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
