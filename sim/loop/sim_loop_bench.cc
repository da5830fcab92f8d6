// sim_loop_bench: how fast the simulator runs.
//
//  1. Raw fibre switches: fibres of one process yielding to each other.
//  2. A cluster-shaped load: 3 processes, each ticking every 10 ms and
//     sending a ping datagram to each peer per tick; every ping is answered
//     with a pong. Reports fibre switches per wall second and simulated
//     seconds per wall second, against the target of >= 100x real time for
//     a cluster at 10 ms ticks (reference/verification.md §6a.5).
//
// Usage: sim_loop_bench [--quick] [--simulated_seconds=N] [--seed=N]
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "sim/loop/sim_loop.h"
#include "sim/network/sim_network.h"

ABSL_FLAG(bool, quick, false, "run a few simulated seconds only (for CI)");
ABSL_FLAG(int64_t, simulated_seconds, 600,
          "simulated seconds of the ping-pong load");
ABSL_FLAG(uint64_t, seed, 1, "simulation seed");

namespace sim {
namespace {

using core::base::Duration;
using WallClock = std::chrono::steady_clock;

double SecondsSince(WallClock::time_point start) {
  return std::chrono::duration<double>(WallClock::now() - start).count();
}

void RawSwitches(int64_t yields_per_fibre) {
  SimLoop loop(SimLoopOptions{});
  const ProcessId p = loop.AddProcess({});
  constexpr int kFibres = 4;
  for (int i = 0; i < kFibres; ++i) {
    loop.executor(p).Spawn("yielder", [&loop, p, yields_per_fibre] {
      for (int64_t n = 0; n < yields_per_fibre; ++n) loop.executor(p).Yield();
    });
  }
  const auto start = WallClock::now();
  loop.Run();
  const double wall = SecondsSince(start);
  std::printf(
      "raw_yield: fibres=%d switches=%llu wall_s=%.3f "
      "switches_per_s=%.0f\n",
      kFibres, static_cast<unsigned long long>(loop.fibre_switches()), wall,
      loop.fibre_switches() / wall);
}

void PingPong(int64_t simulated_seconds, uint64_t seed) {
  SimLoopOptions loop_options;
  loop_options.seed = seed;
  SimLoop loop(loop_options);
  NetworkOptions network_options;
  SimNetwork network(loop, network_options);
  constexpr int kProcesses = 3;
  std::vector<std::unique_ptr<core::env::DatagramSocket>> sockets;
  for (int i = 0; i < kProcesses; ++i) {
    const ProcessId p = loop.AddProcess({});
    network.Attach(p, "n" + std::to_string(p));
    sockets.push_back(
        *network.endpoint(p).Bind("n" + std::to_string(p) + ":20160"));
  }
  uint64_t pongs = 0;
  for (ProcessId p = 0; p < kProcesses; ++p) {
    core::env::Executor& executor = loop.executor(p);
    core::env::DatagramSocket& socket = *sockets[p];
    executor.Spawn("ticker", [&executor, &socket, p] {
      while (true) {
        executor.SleepFor(Duration::Milliseconds(10));
        for (ProcessId q = 0; q < kProcesses; ++q) {
          if (q != p) {
            (void)socket.Send("n" + std::to_string(q) + ":20160", "ping");
          }
        }
      }
    });
    executor.Spawn("responder", [&socket, &pongs] {
      while (true) {
        auto datagram = socket.Receive(std::nullopt);
        if (!datagram.ok()) return;
        if (datagram->payload == "ping") {
          (void)socket.Send(datagram->from, "pong");
        } else {
          ++pongs;
        }
      }
    });
  }
  const auto start = WallClock::now();
  loop.RunFor(Duration::Seconds(simulated_seconds));
  const double wall = SecondsSince(start);
  const double ratio = simulated_seconds / wall;
  std::printf(
      "ping_pong: processes=%d tick_ms=10 simulated_s=%lld wall_s=%.3f "
      "simulated_s_per_wall_s=%.0f switches=%llu switches_per_s=%.0f "
      "events=%llu datagrams=%llu pongs=%llu trace_hash=%016llx\n",
      kProcesses, static_cast<long long>(simulated_seconds), wall, ratio,
      static_cast<unsigned long long>(loop.fibre_switches()),
      loop.fibre_switches() / wall,
      static_cast<unsigned long long>(loop.events_dispatched()),
      static_cast<unsigned long long>(network.stats().datagrams_sent),
      static_cast<unsigned long long>(pongs),
      static_cast<unsigned long long>(loop.trace_hash()));
  std::printf("target: simulated_s_per_wall_s >= 100 -> %s\n",
              ratio >= 100 ? "met" : "NOT met");
  sockets.clear();
  loop.Shutdown();
}

}  // namespace
}  // namespace sim

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const bool quick = absl::GetFlag(FLAGS_quick);
  const int64_t seconds = quick ? 20 : absl::GetFlag(FLAGS_simulated_seconds);
  std::printf("sim_loop_bench: seed=%llu quick=%d\n",
              static_cast<unsigned long long>(absl::GetFlag(FLAGS_seed)),
              quick ? 1 : 0);
  sim::RawSwitches(quick ? 50'000 : 1'000'000);
  sim::PingPong(seconds, absl::GetFlag(FLAGS_seed));
  return 0;
}
