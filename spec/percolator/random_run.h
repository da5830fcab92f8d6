// One case of the Percolator model test: a random workload and a random
// schedule from one seed, over the real actions (with a MUTANT(TXN_*) on
// for si_mutant_test, see BUILD), then a drain by resolvers. Every
// client's observations are recorded as a Jepsen history (si_history.h).
//
// Shared by model_test (invariants after every step, then the outcome
// checks) and si_mutant_test (no invariants: the SI checker alone must
// notice the bug).
#ifndef SPEC_PERCOLATOR_RANDOM_RUN_H_
#define SPEC_PERCOLATOR_RANDOM_RUN_H_

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/base/prng.h"
#include "jepsen/history/history.h"
#include "spec/percolator/si_history.h"
#include "spec/percolator/world.h"

namespace spec::percolator {

// Random workload: 3..8 transactions over keys {a, b, c}, every kind, some
// long values, a random lock TTL (0: every lock is immediately resolvable).
// Half of the writers read every key they write first (read-modify-write),
// which lets the rw-register checker infer version order.
std::shared_ptr<const WorldConfig> GenConfig(core::base::Prng& prng);

struct CaseOptions {
  // Stop at the first step after which an invariant of invariants.h fails.
  bool check_invariants = true;
  // Steps of the random schedule: uniform in [0, max_steps).
  uint64_t max_steps = 200;
  // Each step, some client crashes with probability 1/crash_one_in.
  uint64_t crash_one_in = 60;
};

struct CaseResult {
  World world;  // the final state
  std::vector<std::string> trace;
  // "Invariant: detail" of the first violated invariant; "" when none (or
  // not checked).
  std::string violation;
  jepsen::history::History history;
  // Pessimistic locks taken above start_ts (si_history.h LateLock).
  std::set<LateLock> late_locks;
};

// The schedule: random enabled steps of live clients and resolvers (a
// random client crashes now and then), then every client stops and
// resolvers drain the locks (first enabled step, at most 300).
CaseResult RunCase(uint64_t seed, const CaseOptions& options = {});

}  // namespace spec::percolator

#endif  // SPEC_PERCOLATOR_RANDOM_RUN_H_
