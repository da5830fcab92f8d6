// The rpc/ fault workload: three clients call one server (unary calls and
// short bidi streams, every call with a deadline) while the network has a
// swarm fault mix (heavy-tailed latency, random connection resets),
// partitions between the server and the clients (some longer than the
// stream timeout, so connections break), clogs and server pauses; then the
// network heals and quiets down. FaultsViolations is the verdict:
//  * safety: every call ends by its deadline (never a hang past it) with OK
//    and the right answer, DEADLINE_EXCEEDED or UNAVAILABLE;
//  * liveness: after the heal every call succeeds, on every client.
// A run is a function of its seed (the trace hash proves it).
#ifndef TESTS_RPC_FAULTS_WORKLOAD_H_
#define TESTS_RPC_FAULTS_WORKLOAD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/base/time.h"

namespace rpc::testing {

inline constexpr int kClients = 3;
inline constexpr core::base::Duration kFaultsUntil =
    core::base::Duration::Seconds(20);
inline constexpr core::base::Duration kLivenessFrom =
    core::base::Duration::Seconds(23);
inline constexpr core::base::Duration kRunFor =
    core::base::Duration::Seconds(30);

struct Outcome {
  int client = 0;
  core::base::Instant start;
  core::base::Instant end;
  core::base::Duration timeout;
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

RunResult RunFaultsSeed(uint64_t seed);
// What broke the contract above, one line each; empty when nothing did.
std::vector<std::string> FaultsViolations(const RunResult& result);

}  // namespace rpc::testing

#endif  // TESTS_RPC_FAULTS_WORKLOAD_H_
