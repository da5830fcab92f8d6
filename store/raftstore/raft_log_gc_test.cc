// RaftLogGcCompactIndex against TiKV's on_raft_gc_log_tick rules.
#include "store/raftstore/raft_log_gc.h"

#include <gtest/gtest.h>

namespace store::raftstore {
namespace {

constexpr RaftLogGcOptions kOptions{.tick_interval_ticks = 10,
                                    .threshold = 50,
                                    .count_limit = 1000,
                                    .size_limit_bytes = 1 << 20};

TEST(RaftLogGcTest, CompactsToTheLeastReplicatedIndexPastTheThreshold) {
  RaftLogGcState state{.applied_index = 200,
                       .first_index = 6,
                       .last_index = 200,
                       .replicated_index = 120,
                       .log_bytes = 1000};
  EXPECT_EQ(RaftLogGcCompactIndex(state, kOptions), 119u);
  state.replicated_index = 6 + 49;
  EXPECT_EQ(RaftLogGcCompactIndex(state, kOptions), std::nullopt)
      << "under the threshold";
  state.replicated_index = 3;
  EXPECT_EQ(RaftLogGcCompactIndex(state, kOptions), std::nullopt)
      << "a peer behind the first index (it needs a snapshot anyway)";
}

TEST(RaftLogGcTest, PastTheCountOrSizeLimitCompactsToTheAppliedIndex) {
  RaftLogGcState state{.applied_index = 1100,
                       .first_index = 6,
                       .last_index = 1200,
                       .replicated_index = 10,
                       .log_bytes = 1000};
  EXPECT_EQ(RaftLogGcCompactIndex(state, kOptions), 1099u);
  state.applied_index = 500;
  EXPECT_EQ(RaftLogGcCompactIndex(state, kOptions), std::nullopt);
  state.log_bytes = 1 << 20;
  EXPECT_EQ(RaftLogGcCompactIndex(state, kOptions), 499u);
}

TEST(RaftLogGcTest, AShortLogIsLeftAlone) {
  const RaftLogGcState state{.applied_index = 7,
                             .first_index = 6,
                             .last_index = 7,
                             .replicated_index = 7};
  EXPECT_EQ(RaftLogGcCompactIndex(state, kOptions), std::nullopt);
}

}  // namespace
}  // namespace store::raftstore
