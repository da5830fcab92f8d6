// A known bug, compiled in through a MUTANT_TXN_* define, must be caught:
// this test passes iff exploring the named configuration reaches a state
// that violates the expected invariant. The same source is built once per
// mutant (see BUILD); the shortest trace is printed for the record.
#include <gtest/gtest.h>

#include <iostream>

#include "spec/percolator/model.h"

namespace spec::percolator {
namespace {

#if defined(MUTANT_TXN_COMMIT_WITHOUT_LOCK_CHECK)
// The client commits after a resolver rolled its transaction back.
constexpr char kConfig[] = "commit-after-rollback";
constexpr char kInvariant[] = "PrimaryDecidesSecondaries";
#elif defined(MUTANT_TXN_READ_IGNORES_LOCKS)
// A reader started after the writer took its commit_ts misses the write.
constexpr char kConfig[] = "read-vs-2pc";
constexpr char kInvariant[] = "SnapshotReadConsistency";
#elif defined(MUTANT_TXN_ASYNC_MIN_COMMIT_TS_NOT_ABOVE_MAX_TS)
// An async commit lands below a read it did not block.
constexpr char kConfig[] = "read-vs-async";
constexpr char kInvariant[] = "AsyncCommitTsAboveReads";
#elif defined(MUTANT_TXN_UNPROTECTED_PRIMARY_ROLLBACK)
// A rolled-back pessimistic primary loses its rollback record to a newer
// rollback's collapse, and the late prewrite amends the lock and commits.
constexpr char kConfig[] = "collapse";
constexpr char kInvariant[] = "PrimaryDecidesSecondaries";
#else
#error "mutant_test.cc needs a MUTANT_TXN_* define"
#endif

TEST(PercolatorMutantTest, ExplorerFindsTheViolation) {
  auto config = ConfigByName(kConfig);
  ASSERT_NE(config, nullptr);
  ExploreOutcome outcome = ExploreConfig(config);
  std::cout << "[percolator mutant] " << kConfig << ": "
            << outcome.report.Summary() << "\n"
            << outcome.violation_report << std::endl;
  ASSERT_TRUE(outcome.report.violation.has_value())
      << "the mutant survived: no invariant was violated";
  EXPECT_EQ(outcome.report.violation->invariant, kInvariant)
      << outcome.violation_report;
}

}  // namespace
}  // namespace spec::percolator
