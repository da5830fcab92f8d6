// The raw client's client-side cost per Get (`bazel run -c opt
// //tests/client:raw_bench`, `--quick` for tools/bench.sh):
//   1. In process: RawClient::Get over 100 cached regions with a store that
//      answers at once (no network, no server): the region lookup, the
//      Backoffer, the Context, and encoding the request and decoding the
//      answer; against encoding and decoding alone.
//   2. On the simulator against real stores and PD (raw_cluster.h): wall
//      time per Get through RawClient, and per bare RawGet with a fixed
//      Context to the leader on the same channel, the difference being the
//      client's (small next to the simulated network and server: noisy).
// TSO batching (timestamps per PD request at 1, 10, 100 callers) is
// measured by //sim/pd:pd_bench.
#include <chrono>
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "client/locate/region_cache.h"
#include "client/rawkv/raw_client.h"
#include "core/base/check.h"
#include "core/env/random.h"
#include "proto/kvrpcpb.pb.h"
#include "sim/simulation/simulation.h"
#include "tests/client/raw_cluster.h"
#include "tests/client/scripted_pd.h"

ABSL_FLAG(bool, quick, false, "fewer gets (for CI)");
ABSL_FLAG(int, gets, 200000, "gets per in-process phase");
ABSL_FLAG(int, cluster_gets, 5000, "gets per simulated phase");

namespace client::testing {
namespace {

using core::base::Duration;

double WallSeconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since)
      .count();
}

// A store that answers every call with the same RawGet response at once.
class InstantStore final : public locate::StoreTransport {
 public:
  InstantStore() {
    kvrpcpb::RawGetResponse response;
    response.set_value(std::string(64, 'v'));
    answer_ = response.SerializeAsString();
  }
  absl::StatusOr<std::string> Call(const std::string&, std::string_view,
                                   std::string_view request,
                                   Duration) override {
    bytes_ += request.size();
    return answer_;
  }
  size_t bytes_ = 0;

 private:
  std::string answer_;
};

std::string Key(int i) {
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "k%06d", i);
  return buffer;
}

void InProcess(int gets) {
  sim::Simulation sim(sim::SimulationOptions{.seed = 1});
  const sim::ProcessId node = sim.AddNode({.host = "client"});
  locate::testing::ScriptedPd pd;
  for (uint64_t s : {1, 2, 3}) pd.AddStore(s);
  for (int r = 0; r < 100; ++r) {
    pd.SetRegion(locate::testing::MakeRegion(
                     10 + r, r == 0 ? "" : Key(r * 1000),
                     r == 99 ? "" : Key((r + 1) * 1000), 5, {1, 2, 3}),
                 1 + r % 3);
  }
  locate::RegionCache cache(pd);
  InstantStore store;
  core::env::SeededRandom random(1);
  rawkv::RawClient raw(sim.loop().executor(node), random, cache, store);
  double client_s = 0, codec_s = 0;
  sim.loop().executor(node).Spawn("bench", [&] {
    for (int i = 0; i < 100; ++i) CHECK(raw.Get(Key(i * 1000)).ok());  // warm
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < gets; ++i) {
      CHECK(raw.Get(Key((i * 7919) % 100000)).ok());
    }
    client_s = WallSeconds(start);
    start = std::chrono::steady_clock::now();
    size_t sink = 0;
    for (int i = 0; i < gets; ++i) {
      kvrpcpb::RawGetRequest request;
      request.set_key(Key((i * 7919) % 100000));
      request.mutable_context()->set_region_id(10);
      kvrpcpb::RawGetResponse response;
      CHECK(response.ParseFromString(
          store.Call("", "", request.SerializeAsString(), Duration::Zero())
              .value()));
      sink += response.value().size();
    }
    codec_s = WallSeconds(start);
    CHECK_GT(sink, 0u);
  });
  sim.loop().RunFor(Duration::Seconds(1));
  sim.loop().Shutdown();
  std::printf(
      "in process   gets=%d  RawClient::Get %7.0f ns/get  encode+decode "
      "alone %5.0f ns/get  client overhead %6.0f ns/get  pd loads=%lu\n",
      gets, client_s * 1e9 / gets, codec_s * 1e9 / gets,
      (client_s - codec_s) * 1e9 / gets,
      static_cast<unsigned long>(cache.stats().pd_region_loads));
}

void OnSimulator(int gets) {
  RawCluster cluster(1);
  cluster.Start();
  double client_s = 0, bare_s = 0;
  Duration client_sim, bare_sim;
  CHECK(cluster.Run(
      [&](rawkv::RawClient& raw) {
        CHECK(raw.Put("bench", std::string(64, 'v')).ok());
        CHECK(raw.Get("bench").ok());
        auto sim_start = cluster.pd().Now();
        auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < gets; ++i) CHECK(raw.Get("bench").ok());
        client_s = WallSeconds(start);
        client_sim = cluster.pd().Now() - sim_start;
      },
      Duration::Seconds(3600)));
  const uint64_t leader = cluster.stores().WaitForLeader(1);
  const kvrpcpb::Context context =
      cluster.tikv().ContextFor(*cluster.stores().GetRegion(1), leader);
  CHECK(cluster.Run(
      [&](rawkv::RawClient&) {
        kvrpcpb::RawGetRequest request;
        *request.mutable_context() = context;
        request.set_key("bench");
        const std::string address = store::server::testing::TikvAddress(leader);
        auto sim_start = cluster.pd().Now();
        auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < gets; ++i) {
          auto bytes = cluster.transport().Call(address, "/tikvpb.Tikv/RawGet",
                                                request.SerializeAsString(),
                                                Duration::Seconds(10));
          kvrpcpb::RawGetResponse response;
          CHECK(bytes.ok() && response.ParseFromString(*bytes) &&
                !response.has_region_error());
        }
        bare_s = WallSeconds(start);
        bare_sim = cluster.pd().Now() - sim_start;
      },
      Duration::Seconds(3600)));
  std::printf(
      "simulator    gets=%d  RawClient %6.1f us/get (%.2f sim-ms)  bare "
      "RawGet %6.1f us/get (%.2f sim-ms)  client overhead %5.1f us/get\n",
      gets, client_s * 1e6 / gets, client_sim.nanoseconds() / 1e6 / gets,
      bare_s * 1e6 / gets, bare_sim.nanoseconds() / 1e6 / gets,
      (client_s - bare_s) * 1e6 / gets);
}

}  // namespace
}  // namespace client::testing

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const bool quick = absl::GetFlag(FLAGS_quick);
  std::printf("raw_bench%s\n", quick ? " --quick" : "");
  client::testing::InProcess(quick ? 20000 : absl::GetFlag(FLAGS_gets));
  client::testing::OnSimulator(quick ? 500 : absl::GetFlag(FLAGS_cluster_gets));
  return 0;
}
