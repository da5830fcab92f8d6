#include "core/raft/tracker/tracker.h"

#include "core/base/check.h"

namespace core::raft::tracker {
namespace {

std::vector<NodeId> ToVector(const std::set<NodeId>& ids) {
  return std::vector<NodeId>(ids.begin(), ids.end());
}

std::string DescribeSet(const std::set<NodeId>& ids) {
  return quorum::MajorityConfig(ids).Describe();
}

class ProgressAckIndexer : public quorum::AckedIndexer {
 public:
  explicit ProgressAckIndexer(const ProgressMap& progress)
      : progress_(progress) {}
  bool AckedIndex(NodeId voter, Index* index) const override {
    auto it = progress_.find(voter);
    if (it == progress_.end()) return false;
    *index = it->second.match;
    return true;
  }

 private:
  const ProgressMap& progress_;
};

}  // namespace

ConfState Config::ToConfState() const {
  ConfState cs;
  cs.voters = ToVector(voters.incoming.voters());
  cs.voters_outgoing = ToVector(voters.outgoing.voters());
  cs.learners = ToVector(learners);
  cs.learners_next = ToVector(learners_next);
  cs.auto_leave = auto_leave;
  return cs;
}

std::string Config::Describe() const {
  std::string out = "voters=" + voters.Describe();
  if (!learners.empty()) out += " learners=" + DescribeSet(learners);
  if (!learners_next.empty()) {
    out += " learners_next=" + DescribeSet(learners_next);
  }
  if (auto_leave) out += " autoleave";
  return out;
}

void ProgressTracker::SetConfig(Config config, ProgressMap progress) {
  for (NodeId id : config.voters.Ids()) {
    CHECK(progress.count(id) != 0) << "voter " << id << " has no progress";
  }
  config_ = std::move(config);
  progress_ = std::move(progress);
}

Progress* ProgressTracker::Find(NodeId id) {
  auto it = progress_.find(id);
  return it == progress_.end() ? nullptr : &it->second;
}

const Progress* ProgressTracker::Find(NodeId id) const {
  auto it = progress_.find(id);
  return it == progress_.end() ? nullptr : &it->second;
}

Index ProgressTracker::Committed() const {
  return config_.voters.CommittedIndex(ProgressAckIndexer(progress_));
}

bool ProgressTracker::IsSingleton() const {
  return config_.voters.incoming.size() == 1 && !config_.voters.IsJoint();
}

bool ProgressTracker::QuorumActive() const {
  quorum::VoteMap active;
  for (const auto& [id, pr] : progress_) {
    if (!pr.is_learner) active[id] = pr.recent_active;
  }
  return config_.voters.Vote(active) == quorum::VoteResult::kWon;
}

void ProgressTracker::RecordVote(NodeId id, bool granted) {
  votes_.emplace(id, granted);
}

VoteTally ProgressTracker::TallyVotes() const {
  VoteTally tally;
  for (const auto& [id, pr] : progress_) {
    if (pr.is_learner) continue;
    auto it = votes_.find(id);
    if (it == votes_.end()) continue;
    if (it->second) {
      ++tally.granted;
    } else {
      ++tally.rejected;
    }
  }
  tally.result = config_.voters.Vote(votes_);
  return tally;
}

std::vector<NodeId> ProgressTracker::VoterIds() const {
  return ToVector(config_.voters.Ids());
}

std::vector<NodeId> ProgressTracker::AllIds() const {
  std::vector<NodeId> ids;
  ids.reserve(progress_.size());
  for (const auto& entry : progress_) ids.push_back(entry.first);
  return ids;
}

}  // namespace core::raft::tracker
