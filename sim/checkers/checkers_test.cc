// The shared checkers, each on a good case and on a planted bad one that
// it must reject with the invariant's name: Verdict (names, what counts as
// a failure), CheckLinearizable (a stale read after a write, Jepsen's
// classic), ReplicasDiffer, CheckVotesAreDurable (Raft paper Figure 2:
// votedFor is on stable storage before the vote is granted), and the
// convergence checks (RaftGroupConverged on real core::raft groups,
// AwaitConvergence on simulated time).
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/base/check.h"
#include "core/base/prng.h"
#include "core/raft/raft.h"
#include "core/raft/storage.h"
#include "sim/checkers/convergence.h"
#include "sim/checkers/history.h"
#include "sim/checkers/replicas.h"
#include "sim/checkers/verdict.h"
#include "sim/checkers/votes_are_durable.h"

namespace sim::checkers {
namespace {

using core::base::Duration;
using core::base::Instant;
using jepsen::history::History;
using jepsen::history::OpType;
using jepsen::history::Value;

TEST(VerdictTest, NamesAndFailures) {
  EXPECT_EQ(VerdictName(Verdict::kPass), "pass");
  EXPECT_EQ(VerdictName(Verdict::kSafetyViolation), "safety-violation");
  EXPECT_EQ(VerdictName(Verdict::kNotLinearizable), "not-linearizable");
  EXPECT_EQ(VerdictName(Verdict::kNoConvergence), "no-convergence");
  EXPECT_EQ(VerdictName(Verdict::kCheckerUnknown), "checker-unknown");
  EXPECT_FALSE(IsFailure(Verdict::kPass));
  EXPECT_FALSE(IsFailure(Verdict::kCheckerUnknown)) << "counted, not failed";
  EXPECT_TRUE(IsFailure(Verdict::kSafetyViolation));
  EXPECT_TRUE(IsFailure(Verdict::kNotLinearizable));
  EXPECT_TRUE(IsFailure(Verdict::kNoConvergence));
}

// write 1 completes, then a read by another process returns `read`.
History WriteThenRead(int64_t read) {
  History h;
  h.Invoke(0, "write", Value::Int(1), std::nullopt, 10);
  h.Complete(0, OpType::kOk, "write", Value::Int(1), std::nullopt, 20);
  h.Invoke(1, "read", Value(), std::nullopt, 30);
  h.Complete(1, OpType::kOk, "read", Value::Int(read), std::nullopt, 40);
  return h;
}

TEST(HistoryCheckTest, AcceptsALinearizableHistory) {
  const HistoryCheck check = CheckLinearizable(
      WriteThenRead(1), jepsen::linear::ModelKind::kCasRegister);
  EXPECT_EQ(check.verdict, Verdict::kPass) << check.detail;
}

TEST(HistoryCheckTest, RejectsAStaleReadAsNotLinearizable) {
  const HistoryCheck check = CheckLinearizable(
      WriteThenRead(2), jepsen::linear::ModelKind::kCasRegister);
  EXPECT_EQ(check.verdict, Verdict::kNotLinearizable);
  EXPECT_EQ(check.invariant, "Linearizable");
}

TEST(ReplicasTest, IdenticalReplicasPassAndADifferenceIsNamed) {
  const std::map<std::string, std::string> a = {{"k", "1"}};
  const std::map<std::string, std::string> b = {{"k", "2"}};
  std::vector<std::string> skipped;
  EXPECT_EQ(ReplicasDiffer({{"n1", a}, {"n2", a}, {"n3", a}}, &skipped),
            std::nullopt);
  const auto differ =
      ReplicasDiffer({{"n1", a}, {"n2", a}, {"n3", b}}, &skipped);
  ASSERT_TRUE(differ.has_value());
  EXPECT_NE(differ->find("n1 and n3 differ"), std::string::npos) << *differ;
  EXPECT_TRUE(skipped.empty());
}

TEST(ReplicasTest, OnlyAnInjectedCorruptionIsSkipped) {
  const std::map<std::string, std::string> a = {{"k", "1"}};
  std::vector<std::string> skipped;
  const Replica lost{"n2", absl::DataLossError("checksum"), true};
  EXPECT_EQ(ReplicasDiffer({{"n1", a}, lost, {"n3", a}}, &skipped),
            std::nullopt);
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_NE(skipped[0].find("n2 not compared"), std::string::npos);
  // The same loss without an injected corruption is a real failure.
  const Replica unexplained{"n2", absl::DataLossError("checksum"), false};
  EXPECT_TRUE(ReplicasDiffer({{"n1", a}, unexplained}, &skipped).has_value());
}

using core::raft::StateRole;
using core::raft::invariants::ClusterObservation;
using core::raft::invariants::NodeObservation;

// Three voters; node 1 leads term 5. `durable[i]` is node i+1's durable
// (term, vote).
ClusterObservation LeaderOfTerm5(
    const std::vector<std::pair<core::raft::Term, core::raft::NodeId>>&
        durable) {
  ClusterObservation c;
  for (core::raft::NodeId id = 1; id <= 3; ++id) {
    NodeObservation n;
    n.id = id;
    n.role = id == 1 ? StateRole::kLeader : StateRole::kFollower;
    n.term = 5;
    n.conf_state.voters = {1, 2, 3};
    n.durable_hard_state.term = durable[id - 1].first;
    n.durable_hard_state.vote = durable[id - 1].second;
    c.nodes.push_back(n);
  }
  return c;
}

TEST(VotesAreDurableTest, AcceptsAQuorumOfDurableVotes) {
  // Itself and node 3 voted durably; node 2 moved on to term 6.
  EXPECT_EQ(CheckVotesAreDurable(LeaderOfTerm5({{5, 1}, {4, 0}, {5, 1}})),
            std::nullopt);
  EXPECT_EQ(CheckVotesAreDurable(LeaderOfTerm5({{5, 1}, {6, 3}, {4, 0}})),
            std::nullopt);
}

TEST(VotesAreDurableTest, RejectsALeaderWhoseVotesWereNotSynced) {
  // Node 3's grant never reached its disk (term 4 there).
  const auto violation =
      CheckVotesAreDurable(LeaderOfTerm5({{5, 1}, {4, 0}, {5, 2}}));
  ASSERT_TRUE(violation.has_value());
  EXPECT_EQ(violation->invariant, "VotesAreDurable");
  EXPECT_NE(violation->detail.find("node 1 leads term 5"), std::string::npos);
}

// A one-voter group: a follower, or (`elect`) its elected leader with its
// first entry persisted, committed and applied.
struct SoloGroup {
  SoloGroup(core::raft::NodeId id, bool elect)
      : storage(core::raft::MemoryStorage::WithConfState(
            core::raft::ConfState{.voters = {id}})) {
    core::raft::Config config;
    config.id = id;
    auto created =
        core::raft::Raft::Create(config, &storage, core::base::Prng(id));
    CHECK(created.ok());
    raft.emplace(std::move(created).value());
    if (!elect) return;
    CHECK(raft->Step({.type = core::raft::MessageType::kMsgHup}).ok());
    // What the driver does with each Ready: persist, then hand back the
    // after-append messages (the self-vote, then the self-acknowledgement).
    for (int ready = 0; ready < 4; ++ready) {
      const std::vector<core::raft::Entry> entries =
          raft->raft_log().UnstableEntries();
      if (!entries.empty()) {
        storage.Append(entries);
        raft->raft_log().StableTo(entries.back().index, entries.back().term);
      }
      std::vector<core::raft::Message> acks =
          std::move(raft->msgs_after_append());
      raft->msgs_after_append().clear();
      for (const core::raft::Message& m : acks) CHECK(raft->Step(m).ok());
    }
  }
  RaftMember member(core::raft::Index applied) const {
    return {&*raft, applied};
  }
  core::raft::MemoryStorage storage;
  std::optional<core::raft::Raft> raft;
};

TEST(ConvergenceTest, AGroupWithOneLeaderAllCaughtUpHasConverged) {
  SoloGroup group(1, /*elect=*/true);
  ASSERT_EQ(group.raft->role(), StateRole::kLeader);
  const core::raft::Index commit = group.raft->raft_log().committed();
  ASSERT_GT(commit, 0u);
  std::string why;
  EXPECT_TRUE(RaftGroupConverged({group.member(commit)}, &why)) << why;
  EXPECT_FALSE(RaftGroupConverged({group.member(commit - 1)}, &why));
  EXPECT_NE(why.find("has not caught up"), std::string::npos) << why;
}

TEST(ConvergenceTest, NoLeaderOrTwoLeadersIsNotConverged) {
  SoloGroup follower(1, /*elect=*/false);
  SoloGroup a(1, /*elect=*/true), b(2, /*elect=*/true);
  std::string why;
  EXPECT_FALSE(RaftGroupConverged({follower.member(0)}, &why));
  EXPECT_EQ(why, "no leader");
  const core::raft::Index commit = a.raft->raft_log().committed();
  EXPECT_FALSE(RaftGroupConverged({a.member(commit), b.member(commit)}, &why));
  EXPECT_EQ(why, "two leaders");
}

TEST(ConvergenceTest, AwaitConvergencePollsUntilTheConditionOrTheDeadline) {
  SimLoop loop(SimLoopOptions{});
  const Instant ready_at = Instant() + Duration::Milliseconds(300);
  auto converged = [&](std::string* why) {
    *why = "not yet";
    return loop.Now() >= ready_at;
  };
  auto never_stopped = [] { return false; };
  std::string why;
  EXPECT_TRUE(AwaitConvergence(loop, Instant() + Duration::Seconds(1),
                               converged, never_stopped, &why));
  EXPECT_GE(loop.Now(), ready_at);
  EXPECT_LT(loop.Now(), ready_at + Duration::Milliseconds(40));
  auto never = [](std::string* why) {
    *why = "still two leaders";
    return false;
  };
  EXPECT_FALSE(AwaitConvergence(loop, loop.Now() + Duration::Seconds(1), never,
                                never_stopped, &why));
  EXPECT_EQ(why, "still two leaders");
  EXPECT_FALSE(AwaitConvergence(
      loop, loop.Now() + Duration::Seconds(1), converged, [] { return true; },
      &why))
      << "a stopped run never converges";
}

}  // namespace
}  // namespace sim::checkers
