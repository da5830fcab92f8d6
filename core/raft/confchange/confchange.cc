#include "core/raft/confchange/confchange.h"

#include <algorithm>
#include <set>

namespace core::raft::confchange {
namespace {

using core::base::MakeErr;
using tracker::Config;
using tracker::Progress;
using tracker::ProgressMap;

// Mutable working copy of a transition plus the knobs for new Progress.
struct Work {
  Config cfg;
  ProgressMap prs;
  Index last_index;
  size_t max_inflight_msgs;
  uint64_t max_inflight_bytes;

  std::set<NodeId>& incoming() { return cfg.voters.incoming.mutable_voters(); }
  std::set<NodeId>& outgoing() { return cfg.voters.outgoing.mutable_voters(); }

  void InitProgress(NodeId id, bool learner) {
    // A new node is probed from the leader's last index: it is likely empty,
    // and the first rejection moves next back quickly.
    Progress pr(std::max<Index>(last_index, 1), max_inflight_msgs,
                max_inflight_bytes, learner);
    // Count a new node as active so that adding it cannot make check-quorum
    // depose the leader before the node had a chance to respond.
    pr.recent_active = true;
    prs.emplace(id, std::move(pr));
    if (learner) {
      cfg.learners.insert(id);
    } else {
      incoming().insert(id);
    }
  }

  void Remove(NodeId id) {
    if (prs.count(id) == 0) return;
    incoming().erase(id);
    cfg.learners.erase(id);
    cfg.learners_next.erase(id);
    // A voter still in the outgoing half keeps its Progress until leave.
    if (outgoing().count(id) == 0) prs.erase(id);
  }

  void MakeVoter(NodeId id) {
    auto it = prs.find(id);
    if (it == prs.end()) {
      InitProgress(id, /*learner=*/false);
      return;
    }
    it->second.is_learner = false;
    cfg.learners.erase(id);
    cfg.learners_next.erase(id);
    incoming().insert(id);
  }

  void MakeLearner(NodeId id) {
    auto it = prs.find(id);
    if (it == prs.end()) {
      InitProgress(id, /*learner=*/true);
      return;
    }
    if (it->second.is_learner) return;
    Progress saved = it->second;
    Remove(id);
    prs.insert_or_assign(id, std::move(saved));
    // A voter of the outgoing half stays a voter until the joint config is
    // left; it becomes a learner then (learners_next).
    if (outgoing().count(id) != 0) {
      cfg.learners_next.insert(id);
    } else {
      prs.at(id).is_learner = true;
      cfg.learners.insert(id);
    }
  }

  void ApplyChanges(const std::vector<ConfChangeSingle>& changes) {
    for (const ConfChangeSingle& cc : changes) {
      if (cc.node_id == kNone) continue;  // ignored, as in etcd/raft
      switch (cc.type) {
        case ConfChangeType::kAddNode:
          MakeVoter(cc.node_id);
          break;
        case ConfChangeType::kAddLearnerNode:
          MakeLearner(cc.node_id);
          break;
        case ConfChangeType::kRemoveNode:
          Remove(cc.node_id);
          break;
      }
    }
  }
};

Work StartWork(const tracker::ProgressTracker& tracker, Index last_index) {
  return Work{tracker.config(), tracker.progress(), last_index,
              tracker.max_inflight_msgs(), tracker.max_inflight_bytes()};
}

// Returns an error message if the config violates the tracker::Config
// invariants or lacks Progress for one of its members.
std::string CheckInvariants(const Config& cfg, const ProgressMap& prs) {
  for (NodeId id : cfg.voters.Ids()) {
    if (prs.count(id) == 0)
      return "no progress for voter " + std::to_string(id);
  }
  for (NodeId id : cfg.learners) {
    auto it = prs.find(id);
    if (it == prs.end()) return "no progress for learner " + std::to_string(id);
    if (!it->second.is_learner) return "learner not marked as learner";
    if (cfg.voters.Contains(id)) {
      return std::to_string(id) + " is both learner and voter";
    }
  }
  for (NodeId id : cfg.learners_next) {
    if (prs.count(id) == 0) return "no progress for learner_next";
    if (!cfg.voters.outgoing.Contains(id)) {
      return std::to_string(id) + " in learners_next but not outgoing";
    }
    if (prs.at(id).is_learner) return "learner_next marked as learner";
  }
  if (!cfg.voters.IsJoint()) {
    if (!cfg.learners_next.empty()) return "learners_next outside joint";
    if (cfg.auto_leave) return "auto_leave outside joint";
  }
  return "";
}

TransitionResult Finish(Work work) {
  std::string error = CheckInvariants(work.cfg, work.prs);
  if (!error.empty()) return MakeErr(ConfChangeError{error});
  return Transition{std::move(work.cfg), std::move(work.prs)};
}

size_t SymmetricDifference(const std::set<NodeId>& a,
                           const std::set<NodeId>& b) {
  size_t n = 0;
  for (NodeId id : a) n += b.count(id) == 0 ? 1 : 0;
  for (NodeId id : b) n += a.count(id) == 0 ? 1 : 0;
  return n;
}

}  // namespace

TransitionResult Changer::EnterJoint(
    bool auto_leave, const std::vector<ConfChangeSingle>& changes) const {
  Work work = StartWork(tracker_, last_index_);
  if (work.cfg.voters.IsJoint()) {
    return MakeErr(ConfChangeError{"config is already joint"});
  }
  if (work.incoming().empty()) {
    return MakeErr(ConfChangeError{"can't make a zero-voter config joint"});
  }
  work.outgoing() = work.incoming();
  work.ApplyChanges(changes);
  if (work.incoming().empty()) {
    return MakeErr(ConfChangeError{"removed all voters"});
  }
  work.cfg.auto_leave = auto_leave;
  return Finish(std::move(work));
}

TransitionResult Changer::LeaveJoint() const {
  Work work = StartWork(tracker_, last_index_);
  if (!work.cfg.voters.IsJoint()) {
    return MakeErr(ConfChangeError{"can't leave a non-joint config"});
  }
  for (NodeId id : work.cfg.learners_next) {
    work.cfg.learners.insert(id);
    work.prs.at(id).is_learner = true;
  }
  work.cfg.learners_next.clear();
  for (NodeId id : work.outgoing()) {
    const bool still_member =
        work.incoming().count(id) != 0 || work.cfg.learners.count(id) != 0;
    if (!still_member) work.prs.erase(id);
  }
  work.outgoing().clear();
  work.cfg.auto_leave = false;
  return Finish(std::move(work));
}

TransitionResult Changer::Simple(
    const std::vector<ConfChangeSingle>& changes) const {
  Work work = StartWork(tracker_, last_index_);
  if (work.cfg.voters.IsJoint()) {
    return MakeErr(
        ConfChangeError{"can't apply simple config change in joint config"});
  }
  const std::set<NodeId> before = work.incoming();
  work.ApplyChanges(changes);
  if (work.incoming().empty()) {
    return MakeErr(ConfChangeError{"removed all voters"});
  }
  if (SymmetricDifference(before, work.incoming()) > 1) {
    return MakeErr(ConfChangeError{
        "more than one voter changed without entering joint config"});
  }
  return Finish(std::move(work));
}

TransitionResult Changer::Apply(const ConfChange& change) const {
  if (change.IsLeaveJoint()) return LeaveJoint();
  if (change.UsesJoint()) return EnterJoint(change.AutoLeave(), change.changes);
  return Simple(change.changes);
}

TransitionResult Restore(const ConfState& cs, Index last_index,
                         size_t max_inflight_msgs,
                         uint64_t max_inflight_bytes) {
  Work work{Config{}, ProgressMap{}, last_index, max_inflight_msgs,
            max_inflight_bytes};
  auto add = [&](NodeId id, bool learner) {
    if (work.prs.count(id) == 0) {
      work.prs.emplace(
          id, Progress(std::max<Index>(last_index, 1), max_inflight_msgs,
                       max_inflight_bytes, learner));
      work.prs.at(id).recent_active = true;
    }
  };
  for (NodeId id : cs.voters) {
    add(id, false);
    work.incoming().insert(id);
  }
  for (NodeId id : cs.voters_outgoing) {
    add(id, false);
    work.outgoing().insert(id);
  }
  for (NodeId id : cs.learners) {
    if (work.prs.count(id) != 0) {
      return MakeErr(ConfChangeError{"learner " + std::to_string(id) +
                                     " is also a voter"});
    }
    add(id, true);
    work.cfg.learners.insert(id);
  }
  for (NodeId id : cs.learners_next) {
    add(id, false);
    work.cfg.learners_next.insert(id);
  }
  work.cfg.auto_leave = cs.auto_leave;
  if (work.prs.count(kNone) != 0) return MakeErr(ConfChangeError{"node id 0"});
  return Finish(std::move(work));
}

}  // namespace core::raft::confchange
