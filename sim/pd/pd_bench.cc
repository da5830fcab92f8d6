// pd_bench: TSO requests (count 1 and count 100) and AllocID calls per
// second on one PD leader, on the simulator.
//
// One member (--members to change), --clients clients calling back to back
// for --seconds simulated seconds per phase, no faults. Prints per phase:
// requests per simulated second (bounded by the simulated network's latency,
// about 100 us + exp(mean) per hop, and by the Raft round that persists a
// window), timestamps or ids per simulated second, and requests per wall
// second (the cost of pd/server, rpc/ and the simulator together on
// this machine). Then TSO batching: 1, 10 and 100 callers sharing one
// client, timestamps per Tso request. `--quick` runs one simulated second
// per phase (CI).
#include <chrono>
#include <cstdio>
#include <memory>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "sim/pd/pd_cluster.h"

ABSL_FLAG(bool, quick, false, "one simulated second per phase (for CI)");
ABSL_FLAG(int, seconds, 10, "simulated seconds per phase");
ABSL_FLAG(int, clients, 8, "clients calling back to back");
ABSL_FLAG(int, members, 1, "PD members");

namespace sim::pdsim {
namespace {

using core::base::Duration;

enum class Phase { kTso1, kTso100, kAllocId };

struct Counts {
  uint64_t requests = 0;
  uint64_t values = 0;  // timestamps or ids
  uint64_t failures = 0;
};

void CallOnce(PdClient& c, Phase phase, Counts& counts) {
  const auto deadline = c.Now() + Duration::Seconds(5);
  if (phase == Phase::kAllocId) {
    const bool ok = c.AllocID(deadline).ok();
    counts.requests += ok;
    counts.values += ok;
    counts.failures += !ok;
    return;
  }
  const uint32_t count = phase == Phase::kTso1 ? 1 : 100;
  auto tso = c.GetTimestamps(count, deadline);
  counts.requests += tso.ok();
  counts.values += tso.ok() ? count : 0;
  counts.failures += !tso.ok();
}

void RunPhase(PdCluster& cluster, Phase phase, const char* name, int seconds) {
  auto counts = std::make_shared<Counts>();
  auto stop = std::make_shared<bool>(false);
  for (int i = 0; i < absl::GetFlag(FLAGS_clients); ++i) {
    PdClient& client = cluster.AddClient();
    cluster.SpawnClient(client, [phase, counts, stop](PdClient& c) {
      while (!*stop) CallOnce(c, phase, *counts);
    });
  }
  // Warm up (connections, the first window), then measure.
  cluster.loop().RunFor(Duration::Milliseconds(500));
  const Counts before = *counts;
  const auto wall_start = std::chrono::steady_clock::now();
  cluster.loop().RunFor(Duration::Seconds(seconds));
  const double wall_seconds = std::chrono::duration<double>(
                                  std::chrono::steady_clock::now() - wall_start)
                                  .count();
  const Counts after = *counts;
  *stop = true;
  cluster.loop().RunFor(Duration::Seconds(6));
  const double requests = static_cast<double>(after.requests - before.requests);
  std::printf(
      "%-14s requests/sim-s=%10.0f  values/sim-s=%12.0f  requests/wall-s=%10.0f"
      "  failures=%llu\n",
      name, requests / seconds,
      static_cast<double>(after.values - before.values) / seconds,
      requests / wall_seconds,
      static_cast<unsigned long long>(after.failures - before.failures));
}

// Callers sharing one client (client-go's shape: one PD client per
// process): timestamps per Tso request the client sent.
void RunBatching(PdCluster& cluster, int callers, int seconds) {
  PdClient& client = cluster.AddClient();
  auto stop = std::make_shared<bool>(false);
  for (int i = 0; i < callers; ++i) {
    cluster.SpawnClient(client, [stop](PdClient& c) {
      while (!*stop) (void)c.GetTimestamp(c.Now() + Duration::Seconds(5));
    });
  }
  cluster.loop().RunFor(Duration::Milliseconds(500));
  const ::client::pd::PdClientStats before = client.stats();
  cluster.loop().RunFor(Duration::Seconds(seconds));
  const ::client::pd::PdClientStats after = client.stats();
  *stop = true;
  cluster.loop().RunFor(Duration::Seconds(6));
  const double requests =
      static_cast<double>(after.tso_requests - before.tso_requests);
  const double answered =
      static_cast<double>(after.tso_callers - before.tso_callers);
  std::printf(
      "tso batching   callers=%3d  requests/sim-s=%8.0f  "
      "timestamps/sim-s=%10.0f  timestamps/request=%6.1f\n",
      callers, requests / seconds, answered / seconds,
      requests > 0 ? answered / requests : 0.0);
}

int Main() {
  const int seconds =
      absl::GetFlag(FLAGS_quick) ? 1 : absl::GetFlag(FLAGS_seconds);
  PdClusterOptions options;
  options.members = absl::GetFlag(FLAGS_members);
  PdCluster cluster(options);
  cluster.Start();
  if (cluster.WaitForLeader(Duration::Seconds(30)) == 0) {
    std::printf("pd_bench: no leader\n");
    return 1;
  }
  std::printf("pd_bench: %d member(s), %d clients, %d simulated s per phase\n",
              options.members, absl::GetFlag(FLAGS_clients), seconds);
  RunPhase(cluster, Phase::kTso1, "tso count=1", seconds);
  RunPhase(cluster, Phase::kTso100, "tso count=100", seconds);
  RunPhase(cluster, Phase::kAllocId, "alloc_id", seconds);
  for (int callers : {1, 10, 100}) RunBatching(cluster, callers, seconds);
  return 0;
}

}  // namespace
}  // namespace sim::pdsim

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return sim::pdsim::Main();
}
