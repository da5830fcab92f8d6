// Membership transitions as data tables: each row applies one operation to
// the config produced by the previous row and states the resulting config
// (tracker::Config::Describe) or the error. Ref: Raft thesis §4.1 (single
// server changes), §4.3 (joint consensus), §4.2.1 (learners).
#include "core/raft/confchange/confchange.h"

#include <gtest/gtest.h>

#include <sstream>

namespace core::raft::confchange {
namespace {

// "v3" adds voter 3, "l3" adds (or demotes to) learner 3, "r3" removes 3.
std::vector<ConfChangeSingle> Parse(const std::string& ops) {
  std::vector<ConfChangeSingle> changes;
  std::istringstream in(ops);
  std::string op;
  while (in >> op) {
    ConfChangeSingle cc;
    cc.node_id = std::stoull(op.substr(1));
    cc.type = op[0] == 'v'   ? ConfChangeType::kAddNode
              : op[0] == 'l' ? ConfChangeType::kAddLearnerNode
                             : ConfChangeType::kRemoveNode;
    changes.push_back(cc);
  }
  return changes;
}

struct Row {
  std::string command;  // "simple", "enter-joint", "enter-joint-autoleave",
                        // "leave-joint"
  std::string ops;
  std::string want;  // Describe() or "error: <reason>"
};

void RunTable(const std::vector<Row>& rows) {
  tracker::ProgressTracker trk(16, 0);
  Index last_index = 10;
  for (const Row& row : rows) {
    Changer changer(trk, last_index);
    TransitionResult result = row.command == "simple"
                                  ? changer.Simple(Parse(row.ops))
                              : row.command == "enter-joint"
                                  ? changer.EnterJoint(false, Parse(row.ops))
                              : row.command == "enter-joint-autoleave"
                                  ? changer.EnterJoint(true, Parse(row.ops))
                                  : changer.LeaveJoint();
    if (!result.ok()) {
      EXPECT_EQ("error: " + result.error().reason, row.want)
          << row.command << " " << row.ops;
      continue;
    }
    EXPECT_EQ(result->config.Describe(), row.want)
        << row.command << " " << row.ops;
    Transition t = std::move(result).value();
    // Every member has a Progress and nothing else does.
    std::set<NodeId> members = t.config.voters.Ids();
    members.insert(t.config.learners.begin(), t.config.learners.end());
    EXPECT_EQ(t.progress.size(), members.size())
        << row.command << " " << row.ops;
    trk.SetConfig(std::move(t.config), std::move(t.progress));
    ++last_index;
  }
}

TEST(ConfChangeTableTest, SimpleChangesOneVoterAtATime) {
  RunTable({
      {"simple", "v1", "voters=(1)"},
      {"simple", "v2", "voters=(1 2)"},
      {"simple", "v3 v4",
       "error: more than one voter changed without entering joint config"},
      {"simple", "l4", "voters=(1 2) learners=(4)"},
      {"simple", "v4", "voters=(1 2 4)"},             // learner promotion
      {"simple", "l2", "voters=(1 4) learners=(2)"},  // demotion
      {"simple", "r2 r4", "voters=(1)"},              // learners do not count
      {"simple", "r1", "error: removed all voters"},
      {"leave-joint", "", "error: can't leave a non-joint config"},
  });
}

TEST(ConfChangeTableTest, JointConsensusEnterAndLeave) {
  RunTable({
      {"simple", "v1", "voters=(1)"},
      {"simple", "v2", "voters=(1 2)"},
      {"simple", "v3", "voters=(1 2 3)"},
      {"enter-joint-autoleave", "r1 v4 v5",
       "voters=(2 3 4 5)&&(1 2 3) autoleave"},
      {"enter-joint", "v6", "error: config is already joint"},
      {"simple", "v6",
       "error: can't apply simple config change in joint config"},
      {"leave-joint", "", "voters=(2 3 4 5)"},
      {"enter-joint", "l3", "voters=(2 4 5)&&(2 3 4 5) learners_next=(3)"},
      {"leave-joint", "", "voters=(2 4 5) learners=(3)"},
  });
}

TEST(ConfChangeTableTest, ZeroVoterAndInvalidJoint) {
  RunTable({
      {"enter-joint", "v1", "error: can't make a zero-voter config joint"},
      {"simple", "v1", "voters=(1)"},
      {"enter-joint", "r1", "error: removed all voters"},
      {"enter-joint", "l2 v3", "voters=(1 3)&&(1) learners=(2)"},
      {"leave-joint", "", "voters=(1 3) learners=(2)"},
  });
}

TEST(ConfChangeTest, RemovedOutgoingVoterKeepsProgressUntilLeave) {
  tracker::ProgressTracker trk(16, 0);
  auto start = Restore(ConfState{.voters = {1, 2, 3}}, 5, 16, 0);
  ASSERT_TRUE(start.ok());
  trk.SetConfig(start->config, start->progress);
  auto joint = Changer(trk, 5).EnterJoint(false, Parse("r3"));
  ASSERT_TRUE(joint.ok());
  EXPECT_EQ(joint->progress.count(3), 1u);
  trk.SetConfig(joint->config, joint->progress);
  auto left = Changer(trk, 5).LeaveJoint();
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->progress.count(3), 0u);
}

TEST(ConfChangeTest, RestoreRoundTripsConfState) {
  const std::vector<ConfState> states = {
      {.voters = {1, 2, 3}},
      {.voters = {1, 2}, .learners = {3}},
      {.voters = {1, 2, 4},
       .voters_outgoing = {1, 2, 3},
       .learners = {5},
       .learners_next = {3},
       .auto_leave = true},
  };
  for (const ConfState& cs : states) {
    auto restored = Restore(cs, 7, 16, 0);
    ASSERT_TRUE(restored.ok()) << restored.error().reason;
    EXPECT_EQ(restored->config.ToConfState(), cs);
  }
  auto bad = Restore(ConfState{.voters = {1}, .learners = {1}}, 0, 16, 0);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().reason.find("also a voter"), std::string::npos);
}

}  // namespace
}  // namespace core::raft::confchange
