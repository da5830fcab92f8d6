// The SI wiring can fail: the model test's run (random_run.h) over a mutant
// build of the real actions, with the invariants switched off, records
// histories that the Elle-style checker must judge NOT snapshot-isolated for
// at least one seed. Seeds are searched in order from 1, so the run is
// deterministic; the first anomaly found is printed for the record.
//
// Each mutant_test (see BUILD) turns one MUTANT(TXN_*) on and runs the case
// for that mutant; over the real actions every case fails.
#include <gtest/gtest.h>

#include <iostream>

#include "spec/percolator/random_run.h"
#include "spec/percolator/si_history.h"

namespace spec::percolator {
namespace {

// Passes iff some seed in 1..max_seed records a history that is not
// snapshot-isolated.
void ExpectSiCheckerFindsAnAnomaly(uint64_t max_seed) {
  CaseOptions options;
  options.check_invariants = false;  // the SI checker alone must notice
  for (uint64_t seed = 1; seed <= max_seed; ++seed) {
    const CaseResult run = RunCase(seed, options);
    const SiVerdict verdict =
        CheckSnapshotIsolation(run.history, run.late_locks);
    if (verdict.valid) continue;
    std::cout << "[percolator si mutant] seed " << seed << ": "
              << verdict.explanation << "\nhistory:\n"
              << FormatHistory(run.history) << std::endl;
    SUCCEED();
    return;
  }
  FAIL() << "the mutant survived: every history of seeds 1.." << max_seed
         << " is snapshot-isolated";
}

// MUTANT_TXN_READ_IGNORES_LOCKS: a reader passes a lock whose transaction
// then commits below its read ts: a later writer that read the stale value
// loses that update.
TEST(PercolatorSiMutantTest, ReadIgnoresLocks) {
  ExpectSiCheckerFindsAnAnomaly(400);
}

// MUTANT_TXN_COMMIT_WITHOUT_LOCK_CHECK: a client commits after a resolver
// rolled its transaction back: a record with an empty value appears
// (garbage read), or the write lands after a conflicting commit (lost
// update).
TEST(PercolatorSiMutantTest, CommitWithoutLockCheck) {
  ExpectSiCheckerFindsAnAnomaly(200);
}

}  // namespace
}  // namespace spec::percolator
