// The leader's (and candidate's) view of the cluster: the active membership
// configuration, per-node Progress, and the votes of the current election.
// Ref: Raft thesis §4.3 (joint consensus), §3.6 (commit), §3.4 (election).
#ifndef CORE_RAFT_TRACKER_TRACKER_H_
#define CORE_RAFT_TRACKER_TRACKER_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/raft/quorum/quorum.h"
#include "core/raft/tracker/progress.h"
#include "core/raft/types.h"

namespace core::raft::tracker {

// The membership configuration in force.
//
// Invariant: learners and learners_next are disjoint from the incoming
// voters; learners is disjoint from the outgoing voters; learners_next is a
// subset of the outgoing voters; auto_leave implies joint.
struct Config {
  quorum::JointConfig voters;
  std::set<NodeId> learners;
  // Voters demoted to learners, promoted when the joint config is left.
  std::set<NodeId> learners_next;
  bool auto_leave = false;

  core::raft::ConfState ToConfState() const;
  std::string Describe() const;
  bool operator==(const Config&) const = default;
};

using ProgressMap = std::map<NodeId, Progress>;

struct VoteTally {
  size_t granted = 0;
  size_t rejected = 0;
  quorum::VoteResult result = quorum::VoteResult::kPending;
};

class ProgressTracker {
 public:
  ProgressTracker(size_t max_inflight_msgs, uint64_t max_inflight_bytes)
      : max_inflight_msgs_(max_inflight_msgs),
        max_inflight_bytes_(max_inflight_bytes) {}

  const Config& config() const { return config_; }
  const ProgressMap& progress() const { return progress_; }
  ProgressMap& mutable_progress() { return progress_; }
  void SetConfig(Config config, ProgressMap progress);

  Progress* Find(NodeId id);
  const Progress* Find(NodeId id) const;

  // Largest index acknowledged by a quorum (joint-aware).
  Index Committed() const;
  // True if the only voter is `id` (no one else needs to be asked).
  bool IsSingleton() const;
  // True if a quorum has been recent_active (check-quorum). Ref: Raft thesis
  // §6.2.
  bool QuorumActive() const;

  void ResetVotes() { votes_.clear(); }
  // Records the first vote of `id`; later votes from it are ignored.
  void RecordVote(NodeId id, bool granted);
  VoteTally TallyVotes() const;
  const quorum::VoteMap& votes() const { return votes_; }

  // Voter ids in increasing order.
  std::vector<NodeId> VoterIds() const;
  // Every node with a Progress (voters and learners), in increasing order.
  std::vector<NodeId> AllIds() const;

  size_t max_inflight_msgs() const { return max_inflight_msgs_; }
  uint64_t max_inflight_bytes() const { return max_inflight_bytes_; }
  bool operator==(const ProgressTracker&) const = default;

 private:
  Config config_;
  ProgressMap progress_;
  quorum::VoteMap votes_;
  size_t max_inflight_msgs_;
  uint64_t max_inflight_bytes_;
};

}  // namespace core::raft::tracker

#endif  // CORE_RAFT_TRACKER_TRACKER_H_
