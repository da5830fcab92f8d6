// Built with a MUTANT_RAFTSTORE_* define (BUILD: one mutant_test per case),
// each case passes iff its scenario catches the bug.
#include <gtest/gtest.h>

#include "tests/server/scenarios.h"

namespace store::server::testing {
namespace {

// MUTANT_RAFTSTORE_READ_WITHOUT_LEASE: the old leader answers the stale
// value.
TEST(RaftKvMutantTest, ReadWithoutLease) {
  bool stale = false;
  for (uint64_t seed = 1; seed <= 20 && !stale; ++seed) {
    stale = PartitionedLeaderRead(seed).old_leader_read == "v1";
  }
  EXPECT_TRUE(stale) << "the mutant survived: no stale read was served";
}

// MUTANT_RAFTSTORE_LEASE_BY_TICKS_ONLY: a paused old leader judges its
// lease before counting the ticks it missed, and answers the stale value.
TEST(RaftKvMutantTest, LeaseByTicksOnly) {
  bool stale = false;
  for (uint64_t seed = 1; seed <= 30 && !stale; ++seed) {
    stale = PausedLeaderRead(seed).old_leader_read == "v1";
  }
  EXPECT_TRUE(stale) << "the mutant survived: no stale read was served";
}

// MUTANT_RAFTSTORE_NO_EPOCH_CHECK_ON_READ: the pre-split read is served.
TEST(RaftKvMutantTest, NoEpochCheckOnRead) {
  kvrpcpb::RawGetResponse answer = ReadWithPreSplitEpoch();
  EXPECT_FALSE(answer.region_error().has_epoch_not_match())
      << "the mutant survived: the stale epoch was refused";
}

}  // namespace
}  // namespace store::server::testing
