// The cluster workload's AckedWritesReadable check on planted histories,
// and a seed end to end (it passes and reruns to the same trace).
#include "sim/cluster/cluster_workload.h"

#include <gtest/gtest.h>

namespace sim::cluster {
namespace {

TEST(AckedWritesReadableTest, LastAckedOrLaterUnknownPasses) {
  const std::vector<WriteRecord> writes = {
      {"k0", "a", 0, 10, true},
      {"k0", "b", 20, 30, true},
      {"k0", "c", 25, -1, false},
  };
  EXPECT_EQ(CheckAckedWritesReadable(writes, {{"k0", "b"}}), std::nullopt);
  EXPECT_EQ(CheckAckedWritesReadable(writes, {{"k0", "c"}}), std::nullopt);
  EXPECT_EQ(CheckAckedWritesReadable(writes, {{"k1", std::nullopt}}),
            std::nullopt);
}

TEST(AckedWritesReadableTest, OverwrittenOrLostFails) {
  const std::vector<WriteRecord> writes = {
      {"k0", "a", 0, 10, true},
      {"k0", "b", 20, 30, true},
  };
  EXPECT_NE(CheckAckedWritesReadable(writes, {{"k0", "a"}}), std::nullopt);
  EXPECT_NE(CheckAckedWritesReadable(writes, {{"k0", std::nullopt}}),
            std::nullopt);
  EXPECT_NE(CheckAckedWritesReadable(writes, {{"k0", "never"}}), std::nullopt);
}

TEST(ClusterWorkloadTest, ASeedPassesAndIsDeterministic) {
  runner::RunFlags flags;
  flags.safety_seconds = 5;
  flags.liveness_seconds = 30;
  flags.faults = "none";
  auto options = OptionsFor(3, flags);
  ASSERT_TRUE(options.ok()) << options.status();
  const runner::WorkloadResult first = RunCluster(*options, nullptr, {});
  EXPECT_EQ(first.verdict, runner::Verdict::kPass) << first.detail;
  EXPECT_GT(first.stat("ops_ok"), 0u);
  const runner::WorkloadResult again = RunCluster(*options, nullptr, {});
  EXPECT_EQ(again.trace_hash, first.trace_hash);
}

}  // namespace
}  // namespace sim::cluster
