// The register simulation end to end, on small runs: a fault-free run
// makes progress and passes every oracle; swarm runs with faults pass; a
// run is a function of its seed (same trace hash twice, a different one for
// another seed); and an explicit schedule is applied as given.
#include "sim/register/register_sim.h"

#include <gtest/gtest.h>

namespace sim::register_kv {
namespace {

using core::base::Duration;

RegisterRunOptions Short(uint64_t seed) {
  RegisterRunOptions options = RegisterRunOptions::Swarm(seed);
  options.safety_duration = Duration::Seconds(4);
  options.faults.duration = options.safety_duration;
  return options;
}

TEST(RegisterSimTest, FaultFreeRunMakesProgress) {
  RegisterRunOptions options;
  options.seed = 11;
  options.safety_duration = Duration::Seconds(3);
  // Fault-free means no code fault points either (an injected fsync
  // failure is a crash).
  options.simulation.buggify.enabled = false;
  const nemesis::Schedule none;
  const runner::WorkloadResult result = RunRegister(options, &none);
  EXPECT_EQ(result.verdict, Verdict::kPass) << result.detail;
  EXPECT_GT(result.stat("ops_ok"), 50u);
  EXPECT_EQ(result.stat("ops_info"), 0u);
  EXPECT_EQ(result.stat("crashes"), 0u);
  EXPECT_GT(result.stat("observations"), 10u);
}

TEST(RegisterSimTest, SwarmRunsWithFaultsPass) {
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    const runner::WorkloadResult result = RunRegister(Short(seed));
    EXPECT_EQ(result.verdict, Verdict::kPass)
        << "seed " << seed << ": " << result.invariant << " " << result.detail;
    EXPECT_FALSE(result.schedule.empty());
  }
}

TEST(RegisterSimTest, ARunIsAFunctionOfItsSeed) {
  runner::RunHooks hooks;
  hooks.keep_history = true;
  const runner::WorkloadResult a = RunRegister(Short(5), nullptr, hooks);
  const runner::WorkloadResult b = RunRegister(Short(5), nullptr, hooks);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.history, b.history);
  EXPECT_NE(a.trace_hash, RunRegister(Short(6)).trace_hash);
}

TEST(RegisterSimTest, AnExplicitScheduleIsApplied) {
  RegisterRunOptions options = Short(7);
  options.nodes = 3;
  auto schedule = nemesis::ParseSchedule(
      "@500ms crash 1; @900ms restart 1; @1000ms partition 1|2,3; @2000ms heal",
      3);
  ASSERT_TRUE(schedule.ok());
  std::vector<std::string> log;
  runner::RunHooks hooks;
  hooks.log = [&](const std::string& line) { log.push_back(line); };
  const runner::WorkloadResult result = RunRegister(options, &*schedule, hooks);
  EXPECT_EQ(result.verdict, Verdict::kPass) << result.detail;
  EXPECT_EQ(result.stat("faults"), 4u);
  EXPECT_EQ(result.stat("crashes"), 1u);
  EXPECT_EQ(result.schedule, *schedule);
  bool saw_restart = false;
  for (const std::string& line : log) {
    if (line.find("restart n1") != std::string::npos) saw_restart = true;
  }
  EXPECT_TRUE(saw_restart);
}

}  // namespace
}  // namespace sim::register_kv
