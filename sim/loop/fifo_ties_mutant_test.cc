// Mutation test: built against SimLoop with MUTANT_SIM_FIFO_TIES (events
// due at one instant run in scheduling order instead of a seeded order),
// the tie-order check must notice that seeds no longer explore
// interleavings. Passes iff the mutant is caught.
#include <gtest/gtest.h>

#include "sim/loop/tie_order_workload.h"

namespace sim {
namespace {

#if !defined(MUTANT_SIM_FIFO_TIES)
#error "link against :sim_loop_mutant_fifo_ties"
#endif

TEST(FifoTiesMutantTest, TieOrderCheckCatchesTheMutant) {
  EXPECT_LT(DistinctTieOrders(200), 6u)
      << "the tie-order check missed FIFO tie-breaking";
}

}  // namespace
}  // namespace sim
