// The SI wiring can fail: the model test's run (random_run.h) over a mutant
// build of the real actions, with the invariants switched off, records
// histories that the Elle-style checker must judge NOT snapshot-isolated for
// at least one seed. Seeds are searched in order from 1, so the run is
// deterministic; the first anomaly found is printed for the record.
//
// Built once per mutant (see BUILD, si_mutant_test in defs.bzl).
#include <gtest/gtest.h>

#include <iostream>

#include "spec/percolator/random_run.h"
#include "spec/percolator/si_history.h"

namespace spec::percolator {
namespace {

#if defined(MUTANT_TXN_READ_IGNORES_LOCKS)
// A reader passes a lock whose transaction then commits below its read ts:
// a later writer that read the stale value loses that update.
constexpr uint64_t kMaxSeed = 400;
#elif defined(MUTANT_TXN_COMMIT_WITHOUT_LOCK_CHECK)
// A client commits after a resolver rolled its transaction back: a record
// with an empty value appears (garbage read), or the write lands after a
// conflicting commit (lost update).
constexpr uint64_t kMaxSeed = 200;
#else
#error "si_mutant_test.cc needs a MUTANT_TXN_* define"
#endif

TEST(PercolatorSiMutantTest, SiCheckerFindsAnAnomaly) {
  CaseOptions options;
  options.check_invariants = false;  // the SI checker alone must notice
  for (uint64_t seed = 1; seed <= kMaxSeed; ++seed) {
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
  FAIL() << "the mutant survived: every history of seeds 1.." << kMaxSeed
         << " is snapshot-isolated";
}

}  // namespace
}  // namespace spec::percolator
