// One test per claim of the Raft paper's §5, in the init / act / check shape
// of etcd/raft's raft_paper_test.go (written anew against our RawNode).
// Ref: Diego Ongaro and John Ousterhout, "In Search of an Understandable
// Consensus Algorithm" (USENIX ATC 2014), §5.1-§5.4.
#include <gtest/gtest.h>

#include <memory>
#include <set>

#include "core/raft/raw_node.h"
#include "core/raft/testing/network.h"

namespace core::raft {
namespace {

using testing::Network;
using testing::NetworkOptions;

struct TestNode {
  MemoryStorage storage;
  std::optional<RawNode> node;
  RawNode* operator->() { return &*node; }
};

// A node with the given voters, stored log terms (indexes 1..n) and term.
std::unique_ptr<TestNode> MakeNode(NodeId id, std::vector<NodeId> voters,
                                   std::vector<Term> log_terms = {},
                                   Term term = 0, uint64_t seed = 1) {
  auto t = std::make_unique<TestNode>();
  t->storage = MemoryStorage::WithConfState(ConfState{.voters = voters});
  std::vector<Entry> entries;
  for (size_t i = 0; i < log_terms.size(); ++i) {
    entries.push_back(Entry{log_terms[i], i + 1, EntryType::kNormal, ""});
  }
  t->storage.Append(entries);
  t->storage.SetHardState(HardState{term, kNone, 0});
  Config config = NetworkOptions::DefaultTestConfig();
  config.id = id;
  auto node = RawNode::Create(config, &t->storage, core::base::Prng(seed));
  CHECK(node.ok()) << node.error().ToString();
  t->node.emplace(std::move(node).value());
  return t;
}

// Runs the driver loop (persisting to the node's storage) and returns every
// message the node sends.
std::vector<Message> Drain(TestNode& t) {
  std::vector<Message> out;
  while (t->HasReady()) {
    Ready rd = t->GetReady();
    out.insert(out.end(), rd.messages.begin(), rd.messages.end());
    if (rd.snapshot) (void)t.storage.ApplySnapshot(*rd.snapshot).ok();
    t.storage.Append(rd.entries);
    if (rd.hard_state) t.storage.SetHardState(*rd.hard_state);
    out.insert(out.end(), rd.persisted_messages.begin(),
               rd.persisted_messages.end());
    t->AdvanceAppend();
    if (!rd.committed_entries.empty()) t->AdvanceApply();
  }
  return out;
}

std::vector<Message> OfType(const std::vector<Message>& msgs,
                            MessageType type) {
  std::vector<Message> out;
  for (const Message& m : msgs) {
    if (m.type == type) out.push_back(m);
  }
  return out;
}

// Makes `t` leader of `voters` at term 1 by granting every vote.
void ElectAlone(TestNode& t, const std::vector<NodeId>& voters) {
  ASSERT_TRUE(t->Campaign().ok());
  std::vector<Message> msgs = Drain(t);
  for (const Message& m : OfType(msgs, MessageType::kMsgVote)) {
    ASSERT_TRUE(t->Step(Message{.type = MessageType::kMsgVoteResp,
                                .to = t->id(),
                                .from = m.to,
                                .term = m.term})
                    .ok());
  }
  Drain(t);
  ASSERT_EQ(t->raft().role(), StateRole::kLeader);
}

// Acks the new leader's empty entry from every follower, so that they move
// to StateReplicate and the entry commits.
void CommitNoop(TestNode& t, const std::vector<NodeId>& voters) {
  const Index last = t->raft().raft_log().LastIndex();
  for (NodeId id : voters) {
    if (id == t->id()) continue;
    ASSERT_TRUE(t->Step(Message{.type = MessageType::kMsgAppResp,
                                .to = t->id(),
                                .from = id,
                                .term = t->raft().term(),
                                .index = last})
                    .ok());
  }
  Drain(t);
}

// Ref: §5.1: "If one server's current term is smaller than the other's, then
// it updates its current term to the larger value. If a candidate or leader
// discovers that its term is out of date, it immediately reverts to
// follower state."
TEST(RaftPaperTest, UpdateTermFromMessage) {
  for (StateRole start :
       {StateRole::kFollower, StateRole::kCandidate, StateRole::kLeader}) {
    auto t = MakeNode(1, {1, 2, 3});
    if (start == StateRole::kCandidate) {
      ASSERT_TRUE((*t)->Campaign().ok());
    }
    if (start == StateRole::kLeader) {
      ElectAlone(*t, {1, 2, 3});
    }
    Drain(*t);
    ASSERT_TRUE(
        (*t)
            ->Step(Message{
                .type = MessageType::kMsgApp, .to = 1, .from = 2, .term = 5})
            .ok());
    EXPECT_EQ((*t)->raft().term(), 5u);
    EXPECT_EQ((*t)->raft().role(), StateRole::kFollower);
    EXPECT_EQ((*t)->raft().lead(), 2u);
  }
}

// Ref: §5.1: "If a server receives a request with a stale term number, it
// rejects the request."
TEST(RaftPaperTest, RejectStaleTermMessage) {
  auto t = MakeNode(1, {1, 2, 3}, {1, 2}, 2);
  ASSERT_TRUE((*t)->Step(Message{.type = MessageType::kMsgApp,
                                 .to = 1,
                                 .from = 2,
                                 .term = 1,
                                 .log_term = 2,
                                 .index = 2,
                                 .entries = {Entry{1, 3}}})
                  .ok());
  EXPECT_EQ((*t)->raft().raft_log().LastIndex(), 2u);
  EXPECT_EQ((*t)->raft().term(), 2u);
}

// Ref: §5.2: "When servers start up, they begin as followers."
TEST(RaftPaperTest, StartAsFollower) {
  auto t = MakeNode(1, {1, 2, 3});
  EXPECT_EQ((*t)->raft().role(), StateRole::kFollower);
}

// Ref: §5.2: leaders send periodic heartbeats to maintain their authority.
TEST(RaftPaperTest, LeaderBcastBeat) {
  auto t = MakeNode(1, {1, 2, 3});
  ElectAlone(*t, {1, 2, 3});
  Drain(*t);
  (*t)->Tick();  // heartbeat_interval_ticks = 1
  std::vector<Message> beats = OfType(Drain(*t), MessageType::kMsgHeartbeat);
  ASSERT_EQ(beats.size(), 2u);
  EXPECT_EQ(beats[0].to, 2u);
  EXPECT_EQ(beats[1].to, 3u);
  EXPECT_EQ(beats[0].term, 1u);
}

// Ref: §5.2: a follower that hears nothing for an election timeout becomes
// a candidate: it increments its term, votes for itself and requests votes.
TEST(RaftPaperTest, FollowerStartElection) {
  auto t = MakeNode(1, {1, 2, 3});
  for (int i = 0; i < 2 * 10; ++i) (*t)->Tick();
  std::vector<Message> msgs = Drain(*t);
  EXPECT_EQ((*t)->raft().role(), StateRole::kCandidate);
  EXPECT_EQ((*t)->raft().term(), 1u);
  EXPECT_EQ((*t)->raft().vote(), 1u);
  std::vector<Message> votes = OfType(msgs, MessageType::kMsgVote);
  ASSERT_EQ(votes.size(), 2u);
  EXPECT_EQ(votes[0].term, 1u);
}

// Ref: §5.2: a candidate wins with votes from a majority, loses on a
// majority of rejections, and otherwise keeps waiting.
TEST(RaftPaperTest, LeaderElectionInOneRoundRPC) {
  struct Case {
    size_t size;
    std::map<NodeId, bool> votes;
    StateRole want;
  };
  const std::vector<Case> cases = {
      {1, {}, StateRole::kLeader},
      {3, {{2, true}, {3, true}}, StateRole::kLeader},
      {3, {{2, true}}, StateRole::kLeader},
      {5, {{2, true}, {3, true}}, StateRole::kLeader},
      {5, {{2, true}}, StateRole::kCandidate},
      {3, {{2, false}, {3, false}}, StateRole::kFollower},
      {5, {{2, false}, {3, false}, {4, false}}, StateRole::kFollower},
  };
  for (const Case& c : cases) {
    std::vector<NodeId> voters;
    for (NodeId id = 1; id <= c.size; ++id) voters.push_back(id);
    auto t = MakeNode(1, voters);
    ASSERT_TRUE((*t)->Campaign().ok());
    Drain(*t);
    for (const auto& [from, granted] : c.votes) {
      ASSERT_TRUE((*t)->Step(Message{.type = MessageType::kMsgVoteResp,
                                     .to = 1,
                                     .from = from,
                                     .term = 1,
                                     .reject = !granted})
                      .ok());
    }
    Drain(*t);
    EXPECT_EQ((*t)->raft().role(), c.want) << "size " << c.size;
  }
}

// Ref: §5.2: "Each server will vote for at most one candidate in a given
// term, on a first-come-first-served basis."
TEST(RaftPaperTest, FollowerVote) {
  struct Case {
    NodeId vote;
    NodeId candidate;
    bool reject;
  };
  for (const Case& c :
       std::vector<Case>{{kNone, 2, false}, {2, 2, false}, {3, 2, true}}) {
    auto t = MakeNode(1, {1, 2, 3});
    t->storage.SetHardState(HardState{1, c.vote, 0});
    auto node = RawNode::Create(
        [] {
          Config config = NetworkOptions::DefaultTestConfig();
          config.id = 1;
          return config;
        }(),
        &t->storage, core::base::Prng(1));
    ASSERT_TRUE(node.ok());
    t->node.emplace(std::move(node).value());
    ASSERT_TRUE((*t)->Step(Message{.type = MessageType::kMsgVote,
                                   .to = 1,
                                   .from = c.candidate,
                                   .term = 1})
                    .ok());
    std::vector<Message> resp = OfType(Drain(*t), MessageType::kMsgVoteResp);
    ASSERT_EQ(resp.size(), 1u);
    EXPECT_EQ(resp[0].reject, c.reject) << "vote " << c.vote;
  }
}

// Ref: §5.2: a candidate that hears from a leader of its term steps down.
TEST(RaftPaperTest, CandidateFallback) {
  auto t = MakeNode(1, {1, 2, 3});
  ASSERT_TRUE((*t)->Campaign().ok());
  Drain(*t);
  ASSERT_EQ((*t)->raft().role(), StateRole::kCandidate);
  ASSERT_TRUE(
      (*t)
          ->Step(Message{
              .type = MessageType::kMsgApp, .to = 1, .from = 2, .term = 1})
          .ok());
  EXPECT_EQ((*t)->raft().role(), StateRole::kFollower);
  EXPECT_EQ((*t)->raft().lead(), 2u);
}

// Ref: §5.2: election timeouts are chosen randomly from a fixed interval;
// ours is [election_timeout_ticks, 2*election_timeout_ticks), drawn from the
// injected PRNG, so the same seed gives the same timeouts.
TEST(RaftPaperTest, ElectionTimeoutRandomized) {
  std::set<int> seen;
  for (uint64_t seed = 1; seed <= 64; ++seed) {
    auto t = MakeNode(1, {1, 2, 3}, {}, 0, seed);
    const int timeout = (*t)->raft().randomized_election_timeout_ticks();
    EXPECT_GE(timeout, 10);
    EXPECT_LT(timeout, 20);
    seen.insert(timeout);
    auto again = MakeNode(1, {1, 2, 3}, {}, 0, seed);
    EXPECT_EQ((*again)->raft().randomized_election_timeout_ticks(), timeout);
  }
  EXPECT_GT(seen.size(), 5u);
}

// Ref: §5.3: the leader appends the command to its log and issues
// AppendEntries in parallel to each other server.
TEST(RaftPaperTest, LeaderStartReplication) {
  auto t = MakeNode(1, {1, 2, 3});
  ElectAlone(*t, {1, 2, 3});
  CommitNoop(*t, {1, 2, 3});
  ASSERT_TRUE((*t)->Propose("some data").ok());
  std::vector<Message> apps = OfType(Drain(*t), MessageType::kMsgApp);
  ASSERT_EQ(apps.size(), 2u);
  for (const Message& m : apps) {
    ASSERT_EQ(m.entries.size(), 1u);
    EXPECT_EQ(m.entries[0].index, 2u);
    EXPECT_EQ(m.entries[0].data, "some data");
    EXPECT_EQ(m.index, 1u);
    EXPECT_EQ(m.log_term, 1u);
  }
}

// Ref: §5.3: an entry is committed once replicated on a majority; the leader
// then applies it and includes the commit index in later AppendEntries.
TEST(RaftPaperTest, LeaderCommitEntry) {
  for (size_t size : {3, 5}) {
    std::vector<NodeId> voters;
    for (NodeId id = 1; id <= size; ++id) voters.push_back(id);
    auto t = MakeNode(1, voters);
    ElectAlone(*t, voters);
    CommitNoop(*t, voters);
    ASSERT_TRUE((*t)->Propose("x").ok());
    Drain(*t);
    // Acks from a bare majority (the leader counts itself).
    for (NodeId id = 2; id <= size / 2 + 1; ++id) {
      EXPECT_EQ((*t)->raft().raft_log().committed(), 1u);
      ASSERT_TRUE((*t)->Step(Message{.type = MessageType::kMsgAppResp,
                                     .to = 1,
                                     .from = id,
                                     .term = 1,
                                     .index = 2})
                      .ok());
    }
    EXPECT_EQ((*t)->raft().raft_log().committed(), 2u) << "size " << size;
    std::vector<Message> apps = OfType(Drain(*t), MessageType::kMsgApp);
    ASSERT_FALSE(apps.empty());
    EXPECT_EQ(apps.back().commit, 2u);
  }
}

// Ref: §5.3: once a follower learns an entry is committed, it applies it.
TEST(RaftPaperTest, FollowerCommitEntry) {
  auto t = MakeNode(1, {1, 2, 3});
  ASSERT_TRUE(
      (*t)->Step(Message{.type = MessageType::kMsgApp,
                         .to = 1,
                         .from = 2,
                         .term = 1,
                         .entries = {Entry{1, 1, EntryType::kNormal, "a"},
                                     Entry{1, 2, EntryType::kNormal, "b"}},
                         .commit = 1})
          .ok());
  Ready rd = (*t)->GetReady();
  ASSERT_EQ(rd.committed_entries.size(), 1u);
  EXPECT_EQ(rd.committed_entries[0].data, "a");
  (*t)->AdvanceAppend();
  (*t)->AdvanceApply();
}

// Ref: §5.3: "If the follower does not find an entry in its log with the
// same index and term, then it refuses the new entries."
TEST(RaftPaperTest, FollowerCheckMsgApp) {
  struct Case {
    Term log_term;
    Index index;
    bool reject;
  };
  for (const Case& c : std::vector<Case>{{0, 0, false},
                                         {1, 1, false},
                                         {2, 2, false},
                                         {1, 2, true},
                                         {3, 3, true}}) {
    auto t = MakeNode(1, {1, 2, 3}, {1, 2}, 2);
    ASSERT_TRUE((*t)->Step(Message{.type = MessageType::kMsgApp,
                                   .to = 1,
                                   .from = 2,
                                   .term = 2,
                                   .log_term = c.log_term,
                                   .index = c.index})
                    .ok());
    std::vector<Message> resp = OfType(Drain(*t), MessageType::kMsgAppResp);
    ASSERT_EQ(resp.size(), 1u);
    EXPECT_EQ(resp[0].reject, c.reject) << "index " << c.index;
  }
}

// Ref: §5.3: a conflicting entry and everything after it are deleted, and
// new entries are appended.
TEST(RaftPaperTest, FollowerAppendEntries) {
  auto t = MakeNode(1, {1, 2, 3}, {1, 2, 2}, 2);
  ASSERT_TRUE((*t)->Step(Message{.type = MessageType::kMsgApp,
                                 .to = 1,
                                 .from = 2,
                                 .term = 3,
                                 .log_term = 1,
                                 .index = 1,
                                 .entries = {Entry{3, 2}}})
                  .ok());
  Drain(*t);
  EXPECT_EQ((*t)->raft().raft_log().LastIndex(), 2u);
  EXPECT_EQ(*(*t)->raft().raft_log().TermAt(2), 3u);
  EXPECT_EQ(t->storage.LastIndex(), 2u);
}

// Ref: §5.3 and Figure 7: a new leader brings any follower log into line
// with its own, whatever the divergence (missing, extra or conflicting
// entries).
TEST(RaftPaperTest, LeaderSyncFollowerLog) {
  const std::vector<Term> leader_log = {1, 1, 1, 4, 4, 5, 5, 6, 6, 6};
  const std::vector<std::vector<Term>> followers = {
      {1, 1, 1, 4, 4, 5, 5, 6, 6},           // (a) missing one
      {1, 1, 1, 4},                          // (b) missing many
      {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6},     // (c) one extra
      {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7},  // (d) extra, higher term
      {1, 1, 1, 4, 4, 4, 4},                 // (e) conflicting suffix
      {1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3},     // (f) long conflict
  };
  for (const std::vector<Term>& follower_log : followers) {
    auto leader = MakeNode(1, {1, 2, 3}, leader_log, 8);
    auto follower = MakeNode(2, {1, 2, 3}, follower_log, 8);
    // Drive the two directly: the leader campaigns at term 9 and wins with
    // node 3's vote (node 3 is otherwise silent).
    ASSERT_TRUE((*leader)->Campaign().ok());
    std::vector<Message> inbox = Drain(*leader);
    ASSERT_TRUE((*leader)
                    ->Step(Message{.type = MessageType::kMsgVoteResp,
                                   .to = 1,
                                   .from = 3,
                                   .term = 9})
                    .ok());
    std::vector<Message> more = Drain(*leader);
    inbox.insert(inbox.end(), more.begin(), more.end());
    for (int round = 0; round < 100 && !inbox.empty(); ++round) {
      std::vector<Message> next;
      for (const Message& m : inbox) {
        TestNode& target = m.to == 1 ? *leader : *follower;
        if (m.to != 1 && m.to != 2) continue;
        (void)target->Step(m).ok();
        std::vector<Message> out = Drain(target);
        next.insert(next.end(), out.begin(), out.end());
      }
      inbox = std::move(next);
    }
    ASSERT_EQ((*leader)->raft().role(), StateRole::kLeader);
    EXPECT_EQ((*follower)->raft().raft_log().AllEntries(),
              (*leader)->raft().raft_log().AllEntries());
  }
}

// Ref: §5.4.1: a voter denies its vote if its own log is more up-to-date
// than the candidate's (compare last term, then last index).
TEST(RaftPaperTest, VoteRequest) {
  struct Case {
    Term last_term;
    Index last_index;
    bool reject;
  };
  // The voter's log is {1, 2}: last (index 2, term 2).
  for (const Case& c : std::vector<Case>{{1, 5, true},
                                         {2, 1, true},
                                         {2, 2, false},
                                         {2, 3, false},
                                         {3, 1, false}}) {
    auto t = MakeNode(1, {1, 2, 3}, {1, 2}, 2);
    ASSERT_TRUE((*t)->Step(Message{.type = MessageType::kMsgVote,
                                   .to = 1,
                                   .from = 2,
                                   .term = 3,
                                   .log_term = c.last_term,
                                   .index = c.last_index})
                    .ok());
    std::vector<Message> resp = OfType(Drain(*t), MessageType::kMsgVoteResp);
    ASSERT_EQ(resp.size(), 1u);
    EXPECT_EQ(resp[0].reject, c.reject)
        << "term " << c.last_term << " index " << c.last_index;
  }
}

// Ref: §5.4.2: "Raft never commits log entries from previous terms by
// counting replicas. Only log entries from the leader's current term are
// committed by counting replicas."
TEST(RaftPaperTest, LeaderOnlyCommitsLogFromCurrentTerm) {
  auto t = MakeNode(1, {1, 2, 3}, {1, 2}, 2);
  ElectAlone(*t, {1, 2, 3});  // term 3, appends (3, 3)
  ASSERT_EQ((*t)->raft().term(), 3u);
  // A follower acks the old-term entry 2 only: not committed.
  ASSERT_TRUE((*t)->Step(Message{.type = MessageType::kMsgAppResp,
                                 .to = 1,
                                 .from = 2,
                                 .term = 3,
                                 .index = 2})
                  .ok());
  EXPECT_EQ((*t)->raft().raft_log().committed(), 0u);
  // Acking the current-term entry commits it and everything before it.
  ASSERT_TRUE((*t)->Step(Message{.type = MessageType::kMsgAppResp,
                                 .to = 1,
                                 .from = 2,
                                 .term = 3,
                                 .index = 3})
                  .ok());
  EXPECT_EQ((*t)->raft().raft_log().committed(), 3u);
}

}  // namespace
}  // namespace core::raft
