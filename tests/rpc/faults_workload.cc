#include "tests/rpc/faults_workload.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "core/base/prng.h"
#include "rpc/channel.h"
#include "rpc/server.h"
#include "tests/rpc/rpc_harness.h"

namespace rpc::testing {

using core::base::Duration;
using core::base::Instant;

namespace {

constexpr char kEcho[] = "/test.Echo/Unary";
constexpr char kChat[] = "/test.Echo/Chat";

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

}  // namespace

RunResult RunFaultsSeed(uint64_t seed) {
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

std::vector<std::string> FaultsViolations(const RunResult& result) {
  std::vector<std::string> violations;
  auto at = [](const Outcome& o) {
    return "client " + std::to_string(o.client) + " call at " +
           std::to_string(o.start.nanoseconds() / 1000000) + " ms: ";
  };
  if (static_cast<size_t>(result.calls_started) != result.outcomes.size()) {
    violations.push_back("a call never ended");
  }
  int ok_after_heal[kClients] = {};
  for (const Outcome& o : result.outcomes) {
    // Drift of up to 100 ppm separates a client's clock from true time.
    if (o.end - o.start > o.timeout + Duration::Milliseconds(1)) {
      violations.push_back(at(o) + "ended past its deadline");
    }
    if (o.code != absl::StatusCode::kOk &&
        o.code != absl::StatusCode::kDeadlineExceeded &&
        o.code != absl::StatusCode::kUnavailable) {
      violations.push_back(at(o) + absl::StatusCodeToString(o.code));
    }
    if (o.code == absl::StatusCode::kOk && !o.answer_right) {
      violations.push_back(at(o) + "wrong answer");
    }
    if (o.start >= Instant() + kLivenessFrom) {
      if (o.code == absl::StatusCode::kOk) {
        ++ok_after_heal[o.client];
      } else {
        violations.push_back(at(o) + "failed after the heal: " +
                             absl::StatusCodeToString(o.code));
      }
    }
  }
  for (int i = 0; i < kClients; ++i) {
    if (ok_after_heal[i] == 0) {
      violations.push_back("client " + std::to_string(i) + " never recovered");
    }
  }
  return violations;
}

}  // namespace rpc::testing
