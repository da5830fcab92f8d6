// Progress state machine and inflight flow control.
// Ref: Raft thesis §10.2.1; etcd/raft tracker tests for the probe rules.
#include "core/raft/tracker/tracker.h"

#include <gtest/gtest.h>

namespace core::raft::tracker {
namespace {

TEST(InflightsTest, BoundsByCountAndBytes) {
  Inflights by_count(3, 0);
  by_count.Add(1, 100);
  by_count.Add(2, 100);
  EXPECT_FALSE(by_count.Full());
  by_count.Add(3, 100);
  EXPECT_TRUE(by_count.Full());
  by_count.FreeLE(2);
  EXPECT_EQ(by_count.Count(), 1u);
  EXPECT_FALSE(by_count.Full());

  Inflights by_bytes(10, 250);
  by_bytes.Add(1, 100);
  by_bytes.Add(2, 100);
  EXPECT_FALSE(by_bytes.Full());
  by_bytes.Add(3, 100);
  EXPECT_TRUE(by_bytes.Full());
  by_bytes.FreeLE(5);
  EXPECT_EQ(by_bytes.Bytes(), 0u);
}

TEST(ProgressTest, ProbeSendsOneMessageAtATime) {
  Progress pr(5, 10, 0, false);
  EXPECT_FALSE(pr.IsPaused());
  pr.UpdateOnEntriesSend(1, 10, 5);
  EXPECT_TRUE(pr.IsPaused());
  // Only the answer to the outstanding probe (next-1 = 4) moves next back.
  EXPECT_FALSE(pr.MaybeDecrTo(3, 0));
  EXPECT_TRUE(pr.MaybeDecrTo(4, 2));
  EXPECT_EQ(pr.next, 3u);
  EXPECT_FALSE(pr.IsPaused());
}

TEST(ProgressTest, ReplicateStreamsAndFallsBackToMatch) {
  Progress pr(1, 2, 0, false);
  ASSERT_TRUE(pr.MaybeUpdate(4));
  pr.BecomeReplicate();
  EXPECT_EQ(pr.next, 5u);
  pr.UpdateOnEntriesSend(2, 0, 6);
  EXPECT_EQ(pr.next, 7u);
  pr.UpdateOnEntriesSend(1, 0, 7);
  EXPECT_TRUE(pr.IsPaused());  // two in flight
  // A stale rejection (at or below match) is ignored.
  EXPECT_FALSE(pr.MaybeDecrTo(4, 0));
  EXPECT_TRUE(pr.MaybeDecrTo(6, 0));
  EXPECT_EQ(pr.next, 5u);
  EXPECT_FALSE(pr.MaybeUpdate(3));  // old ack
}

TEST(ProgressTest, SnapshotPausesUntilProbeResumesAfterIt) {
  Progress pr(1, 2, 0, false);
  pr.BecomeSnapshot(10);
  EXPECT_TRUE(pr.IsPaused());
  pr.BecomeProbe();
  EXPECT_EQ(pr.next, 11u);
}

TEST(ProgressTrackerTest, QuorumActiveAndVotesIgnoreLearners) {
  ProgressTracker trk(10, 0);
  Config cfg;
  cfg.voters.incoming = quorum::MajorityConfig({1, 2, 3});
  cfg.learners = {4};
  ProgressMap prs;
  for (NodeId id : {1, 2, 3}) prs.emplace(id, Progress(1, 10, 0, false));
  prs.emplace(4, Progress(1, 10, 0, true));
  prs.at(1).recent_active = true;
  prs.at(4).recent_active = true;
  trk.SetConfig(cfg, prs);
  EXPECT_FALSE(trk.QuorumActive());
  trk.mutable_progress().at(2).recent_active = true;
  EXPECT_TRUE(trk.QuorumActive());
  trk.RecordVote(1, true);
  trk.RecordVote(4, true);
  EXPECT_EQ(trk.TallyVotes().result, quorum::VoteResult::kPending);
  trk.RecordVote(1, false);  // a second vote from 1 is ignored
  trk.RecordVote(2, true);
  EXPECT_EQ(trk.TallyVotes().result, quorum::VoteResult::kWon);
  EXPECT_EQ(trk.TallyVotes().granted, 2u);
}

TEST(ProgressTrackerTest, CommittedUsesMatchOfVoters) {
  ProgressTracker trk(10, 0);
  Config cfg;
  cfg.voters.incoming = quorum::MajorityConfig({1, 2, 3});
  ProgressMap prs;
  for (NodeId id : {1, 2, 3}) prs.emplace(id, Progress(1, 10, 0, false));
  prs.at(1).match = 7;
  prs.at(2).match = 5;
  prs.at(3).match = 2;
  trk.SetConfig(cfg, prs);
  EXPECT_EQ(trk.Committed(), 5u);
  EXPECT_EQ(trk.config().ToConfState().voters, (std::vector<NodeId>{1, 2, 3}));
}

}  // namespace
}  // namespace core::raft::tracker
