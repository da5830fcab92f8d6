// Reads stay linearizable across a leader change: a leader cut off from
// its quorum must not serve a lease read after its lease ran out, and a
// read with an old epoch is refused with the current regions. Ref: TiKV
// tests/integrations/raftstore/test_lease_read.rs, test_split_region.rs
// (test_split_epoch_not_match).
#include <gtest/gtest.h>

#include "tests/server/scenarios.h"

namespace store::server::testing {
namespace {

TEST(LeaseReadTest, APartitionedOldLeaderNeverServesTheOldValue) {
  int windows = 0;
  for (uint64_t seed = 1; seed <= 20 && windows < 3; ++seed) {
    PartitionedLeaderOutcome outcome = PartitionedLeaderRead(seed);
    if (!outcome.window) continue;
    ++windows;
    EXPECT_NE(outcome.old_leader_read, "v1") << "seed " << seed;
  }
  // The scenario must have reached the window it tests.
  EXPECT_GT(windows, 0);
}

TEST(LeaseReadTest, APausedOldLeaderNeverServesTheOldValue) {
  int windows = 0;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    PartitionedLeaderOutcome outcome = PausedLeaderRead(seed);
    if (!outcome.window) continue;
    ++windows;
    EXPECT_NE(outcome.old_leader_read, "v1") << "seed " << seed;
  }
  EXPECT_GT(windows, 0);
}

TEST(LeaseReadTest, AReadWithAPreSplitEpochGetsTheCurrentRegions) {
  kvrpcpb::RawGetResponse answer = ReadWithPreSplitEpoch();
  ASSERT_TRUE(answer.region_error().has_epoch_not_match())
      << answer.region_error().message();
  EXPECT_EQ(answer.region_error().epoch_not_match().current_regions_size(), 2);
}

}  // namespace
}  // namespace store::server::testing
