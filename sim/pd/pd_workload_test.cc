// The PD workload's checks catch what they are for (planted histories: a
// timestamp handed out after a larger one was acknowledged, overlapping
// batches, an ID twice, a safe point answered lower after it was
// acknowledged) and accept what is allowed (concurrent batches in any
// order); and a few seeds run end to end under every fault class, pass,
// and replay to the same trace hash.
#include "sim/pd/pd_workload.h"

#include <gtest/gtest.h>

namespace sim::pdsim {
namespace {

using runner::Verdict;

TEST(PdChecksTest, TsoRealTimeOrder) {
  // Two sequential batches, then one concurrent with the second.
  std::vector<TsoOp> ok = {{0, 10, 1, 5}, {20, 30, 6, 9}, {25, 40, 10, 10}};
  EXPECT_FALSE(CheckTsoStrictlyIncreasing(ok).has_value());
  // Concurrent batches may come back in either order.
  std::vector<TsoOp> concurrent = {{0, 10, 8, 9}, {5, 12, 3, 4}};
  EXPECT_FALSE(CheckTsoStrictlyIncreasing(concurrent).has_value());
  // Requested after [1, 5] was acknowledged, yet below it.
  std::vector<TsoOp> back = {{0, 10, 1, 5}, {11, 20, 4, 4}};
  auto failure = CheckTsoStrictlyIncreasing(back);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->invariant, "TsoStrictlyIncreasing");
  // Concurrent, but sharing a timestamp.
  std::vector<TsoOp> shared = {{0, 10, 1, 5}, {5, 12, 5, 6}};
  EXPECT_TRUE(CheckTsoStrictlyIncreasing(shared).has_value());
}

TEST(PdChecksTest, IdsUnique) {
  EXPECT_FALSE(CheckIdsUnique({3, 1, 2}).has_value());
  EXPECT_EQ(CheckIdsUnique({3, 1, 3})->invariant, "IdsUnique");
  EXPECT_TRUE(CheckIdsUnique({0}).has_value());
}

TEST(PdChecksTest, SafePointMonotonic) {
  std::vector<SafePointOp> ok = {{0, 10, 100}, {11, 20, 100}, {15, 30, 90}};
  // The third began before the second ended, but after the first: 90 < 100.
  EXPECT_TRUE(CheckSafePointMonotonic(ok).has_value());
  std::vector<SafePointOp> fine = {{0, 10, 100}, {5, 20, 90}, {21, 30, 100}};
  EXPECT_FALSE(CheckSafePointMonotonic(fine).has_value());
}

// A few seeds with every fault class: they pass and a rerun gives the same
// trace hash (the run is a function of its seed).
TEST(PdWorkloadTest, SeedsPassAndReplay) {
  runner::RunFlags flags;
  flags.workload = "pd";
  flags.faults = "all";
  flags.safety_seconds = 10;
  PdWorkload workload;
  uint64_t tso_batches = 0, ids = 0, safe_point_ops = 0;
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    auto run = workload.Configure(seed, flags);
    ASSERT_TRUE(run.ok()) << run.status();
    const runner::WorkloadResult result = (*run)->Run(nullptr, {});
    EXPECT_EQ(result.verdict, Verdict::kPass)
        << "seed " << seed << ": " << result.invariant << " " << result.detail
        << "\n"
        << (*run)->ToString();
    tso_batches += result.stat("tso_batches");
    ids += result.stat("ids");
    safe_point_ops += result.stat("safe_point_ops");
    if (seed == 1) {
      EXPECT_EQ((*run)->Run(nullptr, {}).trace_hash, result.trace_hash);
    }
  }
  // Some seeds crash every new leader at once; together they still work.
  EXPECT_GT(tso_batches, 100u);
  EXPECT_GT(ids, 50u);
  EXPECT_GT(safe_point_ops, 20u);
}

}  // namespace
}  // namespace sim::pdsim
