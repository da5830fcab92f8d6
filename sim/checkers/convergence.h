// Convergence: the liveness checks of a run's quiet phase, reusable by every
// workload built on Raft groups (one group for the register, one per region
// for a Multi-Raft store).
//
// AwaitConvergence polls a workload's own condition on simulated time;
// RaftGroupConverged is the condition for one Raft group: exactly one
// leader, which every member follows in its term, whose whole log is
// committed in that term, and which every member has appended and applied.
#ifndef SIM_CHECKERS_CONVERGENCE_H_
#define SIM_CHECKERS_CONVERGENCE_H_

#include <functional>
#include <string>
#include <vector>

#include "core/base/time.h"
#include "core/raft/raft.h"
#include "sim/loop/sim_loop.h"

namespace sim::checkers {

// One member of a group as the check sees it.
struct RaftMember {
  const core::raft::Raft* raft = nullptr;
  core::raft::Index applied = 0;
};

// True iff the group has converged; otherwise `why` says what is missing.
bool RaftGroupConverged(const std::vector<RaftMember>& members,
                        std::string* why);

// Runs the loop in steps of `poll` until `converged(why)` holds (true), or
// `deadline` passes or `stopped()` holds (false, `why` as last reported).
// `converged` must not change the run (it is called again at the end).
bool AwaitConvergence(
    SimLoop& loop, core::base::Instant deadline,
    const std::function<bool(std::string* why)>& converged,
    const std::function<bool()>& stopped, std::string* why,
    core::base::Duration poll = core::base::Duration::Milliseconds(20));

}  // namespace sim::checkers

#endif  // SIM_CHECKERS_CONVERGENCE_H_
