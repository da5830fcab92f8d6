// register_bench: how fast the simulator runs the register workload.
//
// A 3-node Raft group at 10 ms ticks under client load (get/put/cas), with
// every oracle on (Raft invariants after every step, linearizability at the
// end) and no injected faults, at three load levels. Prints simulated
// seconds per wall second (target: at least 100 under a Jepsen-like load),
// simulated operations and invariant checks per simulated second, and
// simulator events per wall second. Each load is first run as a baseline
// in the same invocation with the per-step Raft oracles off (the
// linearizability check stays on), so the line shows what the oracles cost.
// `--quick` runs a few simulated seconds (CI).
#include <chrono>
#include <cstdio>
#include <optional>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "sim/register/register_sim.h"

ABSL_FLAG(bool, quick, false, "a few simulated seconds only (for CI)");
ABSL_FLAG(int, seconds, 60, "simulated seconds of load per seed");
ABSL_FLAG(int, seeds, 3, "seeds to run per load profile");
ABSL_FLAG(int, observe_window, 0,
          "override the oracle's log window (0: default)");

namespace sim::register_kv {
namespace {

struct Load {
  const char* name;
  int clients;
  int think_ms;  // each client waits up to this long between operations
};

// Light: a Jepsen-like rate (about 100 ops per simulated second). Heavy:
// clients back to back (over 1,000 ops per simulated second); the oracles
// then check a new state after almost every event.
constexpr Load kLoads[] = {
    {"light", 3, 50}, {"medium", 5, 20}, {"heavy", 8, 0}};

RegisterRunOptions BenchOptions(uint64_t seed, int seconds, const Load& load,
                                bool oracles) {
  RegisterRunOptions options;
  options.check_invariants = oracles;
  options.seed = seed;
  options.nodes = 3;
  options.tick_interval = core::base::Duration::Milliseconds(10);
  options.raft.election_timeout_ticks = 10;
  options.raft.heartbeat_interval_ticks = 1;
  options.raft.check_quorum = true;
  options.raft.pre_vote = true;
  options.workload.clients = load.clients;
  options.workload.keys = 4;
  options.workload.think_max =
      core::base::Duration::Milliseconds(load.think_ms);
  if (absl::GetFlag(FLAGS_observe_window) > 0) {
    options.observe_window = absl::GetFlag(FLAGS_observe_window);
  }
  options.safety_duration = core::base::Duration::Seconds(seconds);
  options.simulation.seed = seed;
  return options;
}

struct LoadFigures {
  double sim_per_wall = 0;
  double ops_per_sim = 0;
  double checks_per_sim = 0;
  double events_per_wall = 0;
};

// Runs every seed under `load`; nullopt on a failed run.
std::optional<LoadFigures> RunLoad(const Load& load, int seconds, int seeds,
                                   bool oracles) {
  const nemesis::Schedule none;
  double total_wall = 0, total_sim = 0;
  uint64_t total_events = 0, total_ops = 0, total_observations = 0;
  for (int seed = 1; seed <= seeds; ++seed) {
    const auto start = std::chrono::steady_clock::now();
    const runner::WorkloadResult result =
        RunRegister(BenchOptions(seed, seconds, load, oracles), &none);
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    if (IsFailure(result.verdict)) {
      std::printf("%s seed %d FAILED: %s\n", load.name, seed,
                  result.Summary().c_str());
      return std::nullopt;
    }
    total_wall += wall;
    total_sim += result.simulated_ns / 1e9;
    total_events += result.events;
    total_ops += result.stat("ops_ok") + result.stat("ops_fail") +
                 result.stat("ops_info");
    total_observations += result.stat("observations");
  }
  return LoadFigures{total_sim / total_wall, total_ops / total_sim,
                     total_observations / total_sim, total_events / total_wall};
}

// The baseline (oracles off) and the measured run (oracles on) of `load`;
// returns the measured simulated seconds per wall second, or -1.
double CompareLoad(const Load& load, int seconds, int seeds) {
  const auto baseline = RunLoad(load, seconds, seeds, /*oracles=*/false);
  const auto measured = RunLoad(load, seconds, seeds, /*oracles=*/true);
  if (!baseline.has_value() || !measured.has_value()) return -1;
  std::printf(
      "%-6s load (%d clients, think <= %d ms): %6.0f simulated s per wall s "
      "(baseline without per-step oracles: %6.0f, %.2fx), %5.0f ops per "
      "simulated s, %6.0f invariant checks per simulated s, %.0f events per "
      "wall s\n",
      load.name, load.clients, load.think_ms, measured->sim_per_wall,
      baseline->sim_per_wall, measured->sim_per_wall / baseline->sim_per_wall,
      measured->ops_per_sim, measured->checks_per_sim,
      measured->events_per_wall);
  return measured->sim_per_wall;
}

int Main() {
  const bool quick = absl::GetFlag(FLAGS_quick);
  const int seconds = quick ? 3 : absl::GetFlag(FLAGS_seconds);
  const int seeds = quick ? 1 : absl::GetFlag(FLAGS_seeds);
  std::printf(
      "register_bench: 3-node group, 10 ms ticks, no injected faults, every "
      "oracle on (baseline: per-step oracles off); %d seeds x %d simulated s "
      "per load\n",
      seeds, seconds);
  double light = 0;
  for (const Load& load : kLoads) {
    const double rate = CompareLoad(load, seconds, seeds);
    if (rate < 0) return 1;
    if (&load == &kLoads[0]) light = rate;
  }
  std::printf("target: >= 100 simulated s per wall s under light load: %s\n",
              light >= 100 ? "met" : "NOT met");
  return 0;
}

}  // namespace
}  // namespace sim::register_kv

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return sim::register_kv::Main();
}
