// Mutation test: built with MUTANT_PD_TSO_UNPERSISTED (BUILD), which
// serves timestamps from a window before it is durable. Losing that write and
// failing over to a node with a slower clock hands out timestamps again.
// The test passes iff TsoStrictlyIncreasing reports it.
#include <gtest/gtest.h>

#include "pd/core/tso/tso_cluster_model.h"

namespace pd::tso {
namespace {

TEST(MutantTsoUnpersistedTest, TsoStrictlyIncreasingCatchesIt) {
  bool caught = false;
  for (uint64_t seed = 1; seed <= 30 && !caught; ++seed) {
    TsoClusterModelResult result = RunTsoClusterModel({.seed = seed,
                                                       .steps = 1500,
                                                       .nodes = 3,
                                                       .max_skew_ms = 2000,
                                                       .max_logical = 64});
    if (result.violation.has_value()) {
      EXPECT_EQ(result.violation->invariant, "TsoStrictlyIncreasing");
      caught = true;
    }
  }
  EXPECT_TRUE(caught) << "MUTANT_PD_TSO_UNPERSISTED was not caught";
}

}  // namespace
}  // namespace pd::tso
