// rpc_bench: the CPU cost of our gRPC stack (nghttp2 sessions, framing,
// fibres) on the simulator: unary round trips per wall-clock second with 1
// and 64 concurrent callers, and streamed messages per second, over a
// SimNetwork with no latency, so the figures are our code's and the
// simulator's, not a network's. (The loopback comparison with a
// grpc-go server needs runtime/'s TCP network.)
//
// Usage: rpc_bench [--quick]
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "rpc/channel.h"
#include "rpc/server.h"
#include "tests/rpc/rpc_harness.h"

ABSL_FLAG(bool, quick, false, "a few thousand calls only (for CI)");

namespace rpc::testing {
namespace {

using core::base::Duration;
using WallClock = std::chrono::steady_clock;

constexpr char kEcho[] = "/bench.Echo/Unary";
constexpr char kStream[] = "/bench.Echo/Stream";

sim::SimulationOptions Quiet() {
  sim::SimulationOptions options;
  options.seed = 1;
  options.network.min_latency = Duration::Zero();
  options.network.mean_extra_latency = Duration::Zero();
  options.network.slow_probability = 0;
  options.network.max_segment_bytes = 64 << 10;
  return options;
}

void Register(ServiceRegistry& services) {
  services.AddRaw(kEcho, [](ServerCall& call) {
    std::optional<std::string> request = call.Read();
    if (request.has_value()) call.Write(*request);
    return absl::OkStatus();
  });
  services.AddRaw(kStream, [](ServerCall& call) {
    std::optional<std::string> request = call.Read();
    const int count = request.has_value() ? std::stoi(*request) : 0;
    const std::string message(100, 'm');
    for (int i = 0; i < count && call.Write(message); ++i) {
    }
    return absl::OkStatus();
  });
}

double Seconds(WallClock::time_point start) {
  return std::chrono::duration<double>(WallClock::now() - start).count();
}

void Unary(int callers, int calls_each) {
  RpcHarness t(Quiet());
  Register(t.services());
  t.StartServer();
  Channel& channel = t.NewChannel();
  int ok = 0;
  for (int c = 0; c < callers; ++c) {
    t.executor(t.client_node()).Spawn("caller", [&] {
      const std::string request(100, 'r');
      for (int i = 0; i < calls_each; ++i) {
        if (channel.UnaryCall(kEcho, request, {}).ok()) ++ok;
      }
    });
  }
  const auto start = WallClock::now();
  t.loop().Run();
  const double seconds = Seconds(start);
  std::printf(
      "unary, %2d callers   %8d calls  %8.0f calls/s  %6.1f us/call%s\n",
      callers, ok, ok / seconds, seconds * 1e6 / ok,
      ok == callers * calls_each ? "" : "  (some failed!)");
}

void Streaming(int messages) {
  RpcHarness t(Quiet());
  Register(t.services());
  t.StartServer();
  Channel& channel = t.NewChannel();
  int received = 0;
  t.executor(t.client_node()).Spawn("reader", [&] {
    ClientCall call = channel.StartCall(kStream, {});
    call.Write(std::to_string(messages));
    call.WritesDone();
    while (call.Read().has_value()) ++received;
    (void)call.Finish();
  });
  const auto start = WallClock::now();
  t.loop().Run();
  const double seconds = Seconds(start);
  std::printf(
      "server streaming    %8d msgs   %8.0f msgs/s   (100-byte messages)\n",
      received, received / seconds);
}

}  // namespace
}  // namespace rpc::testing

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int scale = absl::GetFlag(FLAGS_quick) ? 1 : 10;
  rpc::testing::Unary(1, 2000 * scale);
  rpc::testing::Unary(64, 50 * scale);
  rpc::testing::Streaming(20000 * scale);
  return 0;
}
