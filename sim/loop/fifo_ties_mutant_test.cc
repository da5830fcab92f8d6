// Mutation test: built with MUTANT_SIM_FIFO_TIES in SimLoop (events
// due at one instant run in scheduling order instead of a seeded order),
// the tie-order check must notice that seeds no longer explore
// interleavings. Passes iff the mutant is caught.
#include <gtest/gtest.h>

#include "sim/loop/tie_order_workload.h"

namespace sim {
namespace {

TEST(FifoTiesMutantTest, TieOrderCheckCatchesTheMutant) {
  EXPECT_LT(DistinctTieOrders(200), 6u)
      << "the tie-order check missed FIFO tie-breaking";
}

}  // namespace
}  // namespace sim
