// Mutation test: built with MUTANT_SIM_STREAM_REORDER in SimNetwork
// (stream segments no longer kept in FIFO order), the stream-order workload
// must notice. Passes iff the mutant is caught.
#include <gtest/gtest.h>

#include "sim/network/stream_order_workload.h"

namespace sim {
namespace {

TEST(StreamReorderMutantTest, OrderCheckCatchesTheMutant) {
  bool caught = false;
  for (uint64_t seed = 1; seed <= 3 && !caught; ++seed) {
    const StreamOrderResult result = RunStreamOrderWorkload(seed);
    caught = result.connected && !result.in_order;
  }
  EXPECT_TRUE(caught) << "the stream-order workload missed reordering";
}

}  // namespace
}  // namespace sim
