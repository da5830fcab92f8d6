// A pure convergence run of PD scheduling over the cluster model (no network):
// a seeded cluster of stores and regions, the PD coordinator (checkers and
// schedulers), and the cluster model executing one step of each operator per
// round and reporting heartbeats. Invariants are checked after every round:
// on the true regions RangesDisjoint, RangesCoverKeySpace, EpochMonotonic and
// QuorumAlwaysAvailable; on PD's view RangesDisjoint and EpochMonotonic.
//
// Four phases, each with a goal:
//  1. balance:    from a skewed random placement until region and leader
//                 counts are balanced within the tolerance.
//  2. store-down: one store dies; until every region again has max_replicas
//                 voters, none on the dead store, and counts are balanced.
//  3. new-store:  an empty store joins; until it holds its share.
//  4. offline-store: a live store is set Offline (removed by an operator);
//                 until PD has moved its replicas away, buried it as a
//                 Tombstone, and the remaining stores are balanced.
// Balanced means, over the live stores that are Up in PD, for both peer
// (region) counts and leader counts: max - min <= tolerance_ratio * mean +
// tolerance_slack, and every region has exactly max_replicas voters and no
// learner, and no operator or checker work is pending on a dead store.
#ifndef PD_CORE_MODEL_CONVERGENCE_H_
#define PD_CORE_MODEL_CONVERGENCE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pd/core/invariants/invariants.h"

namespace pd::model {

struct ConvergenceOptions {
  uint64_t seed = 1;
  int stores = 8;  // including the one added in phase 3
  int regions = 1000;
  int max_rounds_per_phase = 600;
  int64_t round_ms = 10'000;
  double tolerance_ratio = 0.05;
  int64_t tolerance_slack = 2;
  bool use_joint_consensus = false;
  // PD's default is 4; model runs use more so they finish in fewer rounds.
  uint64_t leader_schedule_limit = 16;
  int64_t store_limit_add_peer = 16;
};

struct PhaseResult {
  std::string name;
  bool reached = false;
  int rounds = 0;  // rounds until the goal held (or the cap)
  std::map<std::string, int> operators_added;  // by checker / scheduler
  int64_t region_spread = 0;  // max - min peer count at the end
  int64_t leader_spread = 0;
  int64_t region_tolerance = 0;
  int64_t leader_tolerance = 0;
};

struct ConvergenceResult {
  std::vector<PhaseResult> phases;
  std::optional<invariants::Violation> violation;  // first one, stops the run
  int final_region_count = 0;
  std::map<std::string, uint64_t> operators_ended;  // by end status
  uint64_t trace_hash = 0;  // over the final true region layout
};

ConvergenceResult RunConvergence(const ConvergenceOptions& options);

}  // namespace pd::model

#endif  // PD_CORE_MODEL_CONVERGENCE_H_
