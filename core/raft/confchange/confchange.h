// Membership transitions: single-step changes, entering and leaving a joint
// configuration, and restoring a configuration from a persisted ConfState.
// Pure functions from (config, progress) to a new (config, progress) or an
// error explaining why the change is not allowed.
// Ref: Raft thesis §4.1 (one server at a time), §4.3 (joint consensus),
// §4.2.1 (learners / non-voting members).
#ifndef CORE_RAFT_CONFCHANGE_CONFCHANGE_H_
#define CORE_RAFT_CONFCHANGE_CONFCHANGE_H_

#include <string>
#include <utility>
#include <vector>

#include "core/base/result.h"
#include "core/raft/tracker/tracker.h"
#include "core/raft/types.h"

namespace core::raft::confchange {

struct ConfChangeError {
  std::string reason;
};

struct Transition {
  tracker::Config config;
  tracker::ProgressMap progress;
};

using TransitionResult = core::base::Result<Transition, ConfChangeError>;

class Changer {
 public:
  // `last_index` initializes the Progress of added nodes (next = last+1).
  Changer(const tracker::ProgressTracker& tracker, Index last_index)
      : tracker_(tracker), last_index_(last_index) {}

  // Enters a joint config: outgoing := current voters, then applies changes
  // to the incoming half. Errors if already joint or the result is invalid.
  TransitionResult EnterJoint(
      bool auto_leave, const std::vector<ConfChangeSingle>& changes) const;
  // Leaves the joint config: drops the outgoing half and promotes
  // learners_next. Errors if not joint.
  TransitionResult LeaveJoint() const;
  // Applies changes that alter at most one voter, without joint consensus.
  TransitionResult Simple(const std::vector<ConfChangeSingle>& changes) const;
  // Dispatches on the ConfChange kind (leave-joint, joint or simple).
  TransitionResult Apply(const ConfChange& change) const;

 private:
  const tracker::ProgressTracker& tracker_;
  Index last_index_;
};

// Builds the configuration described by a persisted ConfState (restart,
// snapshot). Errors if the ConfState is inconsistent.
TransitionResult Restore(const ConfState& conf_state, Index last_index,
                         size_t max_inflight_msgs, uint64_t max_inflight_bytes);

}  // namespace core::raft::confchange

#endif  // CORE_RAFT_CONFCHANGE_CONFCHANGE_H_
