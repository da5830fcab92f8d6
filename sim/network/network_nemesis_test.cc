// NetworkNemesis: injects every fault kind over a long run, heals, stops on
// request, and its schedule is a function of the seed.
#include "sim/network/network_nemesis.h"

#include <gtest/gtest.h>

#include <string>

namespace sim {
namespace {

using core::base::Duration;

struct NemesisRun {
  std::array<uint64_t, kNetworkFaultKinds> injected;
  uint64_t heals;
  uint64_t trace_hash;
};

NemesisRun RunNemesis(uint64_t seed, Duration duration) {
  SimLoopOptions loop_options;
  loop_options.seed = seed;
  SimLoop loop(loop_options);
  SimNetwork network(loop, NetworkOptions{});
  for (int i = 0; i < 5; ++i) {
    network.Attach(loop.AddProcess({}), "n" + std::to_string(i));
  }
  NemesisOptions options;
  options.fault_probability = 0.5;
  options.heal_probability = 0.5;
  NetworkNemesis nemesis(network, options);
  nemesis.Start();
  loop.RunFor(duration);
  NemesisRun run;
  for (size_t i = 0; i < kNetworkFaultKinds; ++i) {
    run.injected[i] = nemesis.injected(static_cast<NetworkFault>(i));
  }
  run.heals = nemesis.heals();
  run.trace_hash = loop.trace_hash();
  return run;
}

TEST(NetworkNemesisTest, InjectsEveryKindAndHeals) {
  const NemesisRun run = RunNemesis(1, Duration::Seconds(300));
  for (size_t i = 0; i < kNetworkFaultKinds; ++i) {
    EXPECT_GT(run.injected[i], 0u)
        << NetworkFaultName(static_cast<NetworkFault>(i)) << " never injected";
  }
  EXPECT_GT(run.heals, 10u);
}

TEST(NetworkNemesisTest, ScheduleIsAFunctionOfTheSeed) {
  const NemesisRun a = RunNemesis(7, Duration::Seconds(60));
  const NemesisRun b = RunNemesis(7, Duration::Seconds(60));
  const NemesisRun c = RunNemesis(8, Duration::Seconds(60));
  EXPECT_EQ(a.injected, b.injected);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_NE(a.trace_hash, c.trace_hash);
}

TEST(NetworkNemesisTest, StopEndsTheScheduleAndHealLeavesNoFault) {
  SimLoop loop(SimLoopOptions{});
  SimNetwork network(loop, NetworkOptions{});
  for (int i = 0; i < 3; ++i) {
    network.Attach(loop.AddProcess({}), "n" + std::to_string(i));
  }
  NemesisOptions options;
  options.fault_probability = 1.0;
  options.heal_probability = 0.0;
  options.weights = {1, 0, 0, 0, 0, 0};  // Isolate only.
  NetworkNemesis nemesis(network, options);
  nemesis.Start();
  loop.RunFor(Duration::Milliseconds(1500));
  EXPECT_EQ(nemesis.injected(NetworkFault::kIsolate), 1u);
  EXPECT_TRUE(network.link_faults().AnyFault());
  nemesis.Stop();
  network.Heal();
  loop.RunFor(Duration::Seconds(10));
  EXPECT_FALSE(network.link_faults().AnyFault());
  EXPECT_TRUE(loop.Idle()) << "no decision is scheduled after Stop";
  EXPECT_NE(options.ToString().find("isolate:1"), std::string::npos);
}

}  // namespace
}  // namespace sim
