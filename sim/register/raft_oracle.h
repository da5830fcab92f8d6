// RaftOracle: core/raft's invariant checks over successive observations of
// the register group, at simulator speed.
//
// It runs exactly the checks of core::raft::invariants::InvariantChecker,
// under the same names and in the same order: the point-in-time checks
// (CheckState), the transition checks against the previous observation
// (LeaderAppendOnly, MonotonicTerm, MonotonicCommit), then the history
// checks (ElectionSafety across time, LeaderCompleteness, StateMachineSafety
// against everything seen committed), and records the observation. The
// point-in-time and transition checks are the core's own functions. The
// history checks are re-implemented here only to look at the part of the
// history an observation can match: InvariantChecker walks every committed
// entry ever recorded for every leader in every observation and only then
// skips those before the leader's log window, which makes a long run
// quadratic (half the simulator's time at 1,000 ops/s). The verdicts are
// identical; raft_oracle_test checks them against InvariantChecker.
//
// Pure bookkeeping, no clock.
#ifndef SIM_REGISTER_RAFT_ORACLE_H_
#define SIM_REGISTER_RAFT_ORACLE_H_

#include <map>
#include <optional>

#include "core/raft/invariants/invariants.h"

namespace sim::register_kv {

class RaftOracle {
 public:
  using ClusterObservation = core::raft::invariants::ClusterObservation;
  using Violation = core::raft::invariants::Violation;

  // Checks `c` alone, against the previous observation and against the
  // history; then records it. Returns the first violation.
  std::optional<Violation> Observe(const ClusterObservation& c);

  size_t committed_entries() const { return committed_.size(); }

 private:
  struct Committed {
    core::raft::Entry entry;
    core::raft::Term max_term_when_committed = 0;
  };
  std::optional<Violation> CheckHistory(const ClusterObservation& c) const;
  void Record(const ClusterObservation& c);

  std::optional<ClusterObservation> previous_;
  std::map<core::raft::Term, core::raft::NodeId> leaders_;
  std::map<core::raft::Index, Committed> committed_;
  // Every index in [1, recorded_through_] is in committed_.
  core::raft::Index recorded_through_ = 0;
};

}  // namespace sim::register_kv

#endif  // SIM_REGISTER_RAFT_ORACLE_H_
