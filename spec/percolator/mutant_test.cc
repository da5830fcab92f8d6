// A known bug, compiled in behind MUTANT(TXN_*), must be caught: with that
// mutant on, the case for it (BUILD: each mutant_test runs one)
// passes iff exploring the named configuration reaches a state that violates
// the expected invariant; the shortest trace is printed for the record. Over
// the real actions every case fails.
#include <gtest/gtest.h>

#include <iostream>

#include "spec/percolator/model.h"

namespace spec::percolator {
namespace {

// Passes iff exploring `config` reaches a state that violates `invariant`.
void ExpectExplorerFinds(const char* config_name, const char* invariant) {
  auto config = ConfigByName(config_name);
  ASSERT_NE(config, nullptr);
  ExploreOutcome outcome = ExploreConfig(config);
  std::cout << "[percolator mutant] " << config_name << ": "
            << outcome.report.Summary() << "\n"
            << outcome.violation_report << std::endl;
  ASSERT_TRUE(outcome.report.violation.has_value())
      << "the mutant survived: no invariant was violated";
  EXPECT_EQ(outcome.report.violation->invariant, invariant)
      << outcome.violation_report;
}

// MUTANT_TXN_COMMIT_WITHOUT_LOCK_CHECK: the client commits after a resolver
// rolled its transaction back.
TEST(PercolatorMutantTest, CommitWithoutLockCheck) {
  ExpectExplorerFinds("commit-after-rollback", "PrimaryDecidesSecondaries");
}

// MUTANT_TXN_READ_IGNORES_LOCKS: a reader started after the writer took its
// commit_ts misses the write.
TEST(PercolatorMutantTest, ReadIgnoresLocks) {
  ExpectExplorerFinds("read-vs-2pc", "SnapshotReadConsistency");
}

// MUTANT_TXN_ASYNC_MIN_COMMIT_TS_NOT_ABOVE_MAX_TS: an async commit lands
// below a read it did not block.
TEST(PercolatorMutantTest, AsyncMinCommitTsNotAboveMaxTs) {
  ExpectExplorerFinds("read-vs-async", "AsyncCommitTsAboveReads");
}

// MUTANT_TXN_UNPROTECTED_PRIMARY_ROLLBACK: a rolled-back pessimistic primary
// loses its rollback record to a newer rollback's collapse, and the late
// prewrite amends the lock and commits.
TEST(PercolatorMutantTest, UnprotectedPrimaryRollback) {
  ExpectExplorerFinds("collapse", "PrimaryDecidesSecondaries");
}

}  // namespace
}  // namespace spec::percolator
