// rpc/ under network faults, seed by seed: three clients call one server
// (unary calls and short bidi streams, every call with a deadline) while
// the network has a swarm fault mix (heavy-tailed latency, random
// connection resets), partitions between the server and the clients (some
// longer than the stream timeout, so connections break), clogs, and a
// server pause. Then the network heals and quiets down.
//
// Safety: every call ends by its deadline (never a hang past it) with OK
// and the right answer, DEADLINE_EXCEEDED or UNAVAILABLE; nothing else.
// Liveness: after the heal every call succeeds. Determinism: a seed run
// twice gives the same outcomes and the same trace hash.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "core/base/prng.h"
#include "rpc/channel.h"
#include "rpc/server.h"
#include "tests/rpc/rpc_harness.h"

namespace rpc::testing {
namespace {

using core::base::Duration;
using core::base::Instant;

constexpr char kEcho[] = "/test.Echo/Unary";
constexpr char kChat[] = "/test.Echo/Chat";
constexpr int kClients = 3;
constexpr Duration kFaultsUntil = Duration::Seconds(20);
constexpr Duration kLivenessFrom = Duration::Seconds(23);
constexpr Duration kRunFor = Duration::Seconds(30);

struct Outcome {
  int client = 0;
  Instant start;
  Instant end;
  Duration timeout;
  absl::StatusCode code = absl::StatusCode::kUnknown;
  bool answer_right = false;
  bool operator==(const Outcome&) const = default;
};

struct RunResult {
  std::vector<Outcome> outcomes;
  int calls_started = 0;
  uint64_t trace_hash = 0;
  std::string header;
};

void RegisterServices(ServiceRegistry& services) {
  services.AddRaw(kEcho, [](ServerCall& call) {
    std::optional<std::string> request = call.Read();
    if (!request.has_value()) return absl::CancelledError("gone");
    call.Write("echo:" + *request);
    return absl::OkStatus();
  });
  services.AddRaw(kChat, [](ServerCall& call) {
    while (std::optional<std::string> request = call.Read()) {
      if (!call.Write("re:" + *request)) break;
    }
    return absl::OkStatus();
  });
}

// One unary call or a five-message bidi exchange; true if every answer was
// the expected one.
bool OneCall(Channel& channel, bool stream, const std::string& tag,
             Duration timeout, absl::Status* status) {
  if (!stream) {
    absl::StatusOr<std::string> answer =
        channel.UnaryCall(kEcho, tag, {.timeout = timeout});
    *status = answer.status();
    return answer.ok() && *answer == "echo:" + tag;
  }
  ClientCall call = channel.StartCall(kChat, {.timeout = timeout});
  bool right = true;
  for (int i = 0; i < 5; ++i) {
    const std::string message = tag + "/" + std::to_string(i);
    if (!call.Write(message)) break;
    std::optional<std::string> answer = call.Read();
    if (!answer.has_value()) break;
    right = right && *answer == "re:" + message;
  }
  call.WritesDone();
  while (call.Read().has_value()) {
  }
  *status = call.Finish();
  return right;
}

void ClientLoop(RpcHarness& t, sim::ProcessId node, int client,
                Channel& channel, core::base::Prng& prng, RunResult& result) {
  core::env::Executor& executor = t.executor(node);
  for (int seq = 0; t.now() < Instant() + kRunFor - Duration::Seconds(3);
       ++seq) {
    const bool quiet = t.now() >= Instant() + kFaultsUntil;
    const Duration timeout =
        quiet ? Duration::Seconds(2)
              : Duration::Milliseconds(prng.UniformInRange(20, 3000));
    const bool stream = prng.OneIn(3);
    Outcome outcome{.client = client, .start = t.now(), .timeout = timeout};
    ++result.calls_started;
    absl::Status status;
    outcome.answer_right = OneCall(
        channel, stream, std::to_string(client) + ":" + std::to_string(seq),
        timeout, &status);
    outcome.code = status.code();
    outcome.end = t.now();
    result.outcomes.push_back(outcome);
    executor.SleepFor(Duration::Milliseconds(prng.UniformInRange(0, 200)));
  }
}

// Partitions, clogs and a pause before kFaultsUntil, then heal and quiet.
void ScheduleFaults(RpcHarness& t, core::base::Prng& prng,
                    const std::vector<sim::ProcessId>& clients) {
  sim::SimNetwork& network = t.sim().network();
  const sim::ProcessId server = t.server_node();
  for (int i = 0; i < 6; ++i) {
    const Instant at =
        Instant() + Duration::Milliseconds(prng.UniformInRange(0, 17000));
    const Duration length =
        Duration::Milliseconds(prng.UniformInRange(100, 6000));
    const uint64_t kind = prng.Uniform(3);
    t.loop().ScheduleCallback(
        at, sim::kNoProcess, [&t, &network, server, clients, kind, length] {
          if (kind == 0) {
            network.Partition({{server}, clients});
          } else if (kind == 1) {
            network.ClogProcess(server, length);
          } else {
            t.loop().Pause(server, std::min(length, Duration::Seconds(2)));
          }
        });
    if (kind == 0) {
      t.loop().ScheduleCallback(at + length, sim::kNoProcess,
                                [&network] { network.Heal(); });
    }
  }
  t.loop().ScheduleCallback(Instant() + kFaultsUntil, sim::kNoProcess,
                            [&network] {
                              network.Heal();
                              sim::NetworkOptions quiet = network.options();
                              quiet.stream_break_probability = 0;
                              quiet.slow_probability = 0;
                              network.set_options(quiet);
                            });
}

RunResult RunSeed(uint64_t seed) {
  sim::SimulationOptions options = sim::SimulationOptions::Swarm(seed);
  core::base::Prng prng(seed * 0x9e3779b97f4a7c15ULL + 1);
  // Connections break when a stall outlasts 3 s, and at random.
  options.network.stream_timeout = Duration::Seconds(3);
  options.network.stream_break_probability = prng.OneIn(2) ? 0.002 : 0.0002;
  // Declared before the harness: the fibres using them die with it.
  RunResult result;
  std::vector<core::base::Prng> client_prngs;
  RpcHarness t(options);
  result.header = t.sim().Header();
  RegisterServices(t.services());
  t.StartServer();
  std::vector<sim::ProcessId> clients = {t.client_node()};
  for (int i = 1; i < kClients; ++i) {
    clients.push_back(t.sim().AddNode({.host = "client" + std::to_string(i)}));
  }
  ScheduleFaults(t, prng, clients);
  for (int i = 0; i < kClients; ++i) client_prngs.emplace_back(prng.NextU64());
  for (int i = 0; i < kClients; ++i) {
    Channel& channel = t.NewChannelOn(
        clients[i], {.connect_timeout = Duration::Seconds(1),
                     .backoff_initial = Duration::Milliseconds(50),
                     .backoff_max = Duration::Seconds(1)});
    t.executor(clients[i]).Spawn("client", [&, i, &channel = channel] {
      ClientLoop(t, clients[i], i, channel, client_prngs[i], result);
    });
  }
  t.loop().RunFor(kRunFor);
  result.trace_hash = t.loop().trace_hash();
  return result;
}

void CheckRun(uint64_t seed, const RunResult& result) {
  SCOPED_TRACE("seed " + std::to_string(seed) + ": " + result.header);
  EXPECT_EQ(static_cast<size_t>(result.calls_started), result.outcomes.size())
      << "a call never ended";
  int ok_after_heal[kClients] = {};
  for (const Outcome& o : result.outcomes) {
    // Drift of up to 100 ppm separates the client's clock from true time.
    EXPECT_LE(o.end - o.start, o.timeout + Duration::Milliseconds(1))
        << "client " << o.client << " call at " << o.start;
    EXPECT_TRUE(o.code == absl::StatusCode::kOk ||
                o.code == absl::StatusCode::kDeadlineExceeded ||
                o.code == absl::StatusCode::kUnavailable)
        << absl::StatusCodeToString(o.code) << " at " << o.start;
    if (o.code == absl::StatusCode::kOk) {
      EXPECT_TRUE(o.answer_right);
    }
    if (o.start >= Instant() + kLivenessFrom) {
      EXPECT_EQ(o.code, absl::StatusCode::kOk)
          << "after the heal, client " << o.client << " at " << o.start;
      if (o.code == absl::StatusCode::kOk) ++ok_after_heal[o.client];
    }
  }
  for (int i = 0; i < kClients; ++i) {
    EXPECT_GT(ok_after_heal[i], 0) << "client " << i << " never recovered";
  }
}

TEST(RpcFaultsTest, CallsEndByTheirDeadlineAndRecoverAfterHeal) {
  std::map<absl::StatusCode, int> codes;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    RunResult result = RunSeed(seed);
    CheckRun(seed, result);
    for (const Outcome& o : result.outcomes) ++codes[o.code];
    if (::testing::Test::HasFailure()) break;
  }
  for (const auto& [code, count] : codes) {
    std::cout << absl::StatusCodeToString(code) << ": " << count << "\n";
  }
  // The faults bit: calls failed both ways, and most still succeeded.
  EXPECT_GT(codes[absl::StatusCode::kDeadlineExceeded], 0);
  EXPECT_GT(codes[absl::StatusCode::kUnavailable], 0);
  EXPECT_GT(codes[absl::StatusCode::kOk],
            codes[absl::StatusCode::kDeadlineExceeded] +
                codes[absl::StatusCode::kUnavailable]);
}

TEST(RpcFaultsTest, ASeedIsDeterministic) {
  for (uint64_t seed : {3u, 8u}) {
    RunResult first = RunSeed(seed);
    RunResult second = RunSeed(seed);
    EXPECT_EQ(first.trace_hash, second.trace_hash) << "seed " << seed;
    EXPECT_TRUE(first.outcomes == second.outcomes) << "seed " << seed;
    EXPECT_GT(first.outcomes.size(), 100u);
  }
}

}  // namespace
}  // namespace rpc::testing
