// Exhaustive exploration of the Percolator model over 2 keys and up to 3
// transactions (optimistic, pessimistic, async commit, 1PC, readers), with
// resolvers that may decide any transaction at any time. Every reachable
// state must satisfy every invariant of README.md and the space must be
// exhausted within the TSO bound. Prints states and states/second.
#include <gtest/gtest.h>

#include <iostream>

#include "spec/percolator/model.h"

namespace spec::percolator {
namespace {

void ExpectExhaustedAndSafe(const std::string& name, uint64_t max_tso = 0) {
  auto base = ConfigByName(name);
  ASSERT_NE(base, nullptr);
  auto config = std::make_shared<WorldConfig>(*base);
  if (max_tso != 0) config->max_tso = max_tso;
  ExploreOutcome outcome = ExploreConfig(config);
  std::cout << "[percolator explorer] " << name << " (max_tso "
            << config->max_tso << "): " << outcome.report.Summary()
            << std::endl;
  EXPECT_FALSE(outcome.report.violation.has_value())
      << outcome.violation_report;
  EXPECT_TRUE(outcome.report.exhausted);
  EXPECT_GT(outcome.report.states_explored, 5u);
}

// 2 keys x 3 transactions; the TSO bound does not cut this space (it is
// exhausted at max_tso 8 and unchanged above).
TEST(PercolatorExplorerTest, TwoPhaseCommitOptimisticPessimisticReader) {
  ExpectExhaustedAndSafe("2pc");
}

TEST(PercolatorExplorerTest, AsyncCommitOnePcReader) {
  ExpectExhaustedAndSafe("async");
}

// Bounded to TSO 6 here to keep the test fast; the percolator_explorer tool
// runs it to 9 (see README.md).
TEST(PercolatorExplorerTest, MixedKinds) { ExpectExhaustedAndSafe("mixed", 6); }

// The small configurations the mutant tests rely on are safe without the
// mutants.
TEST(PercolatorExplorerTest, MutantConfigurationsAreSafeWithoutMutants) {
  for (const char* name :
       {"commit-after-rollback", "read-vs-2pc", "read-vs-async", "collapse"}) {
    ExpectExhaustedAndSafe(name);
  }
}

}  // namespace
}  // namespace spec::percolator
