// raft_explorer: exhaustive bounded search over the real Raft core, checking
// every invariant of spec/raft/Raft.tla in every reachable state.
//
//   bazel run -c opt //spec/raft:raft_explorer -- --max_term=2 --proposals=1
//
// Prints the bounds, states explored, states per second and whether the
// bounded space was exhausted; on a violation, the shortest trace to it.
// Exit status: 0 if no violation, 1 on a violation.
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "spec/raft/raft_model.h"

ABSL_FLAG(int, nodes, 3, "number of voters");
ABSL_FLAG(uint64_t, max_term, 2, "no campaign raises a term above this");
ABSL_FLAG(int, proposals, 1, "client proposals");
ABSL_FLAG(int, reads, 0, "ReadIndex requests");
ABSL_FLAG(int, crashes, 1, "crash/restarts (incl. crash mid-Ready)");
ABSL_FLAG(int, duplicates, 1, "message duplications");
ABSL_FLAG(int, compactions, 0, "log compactions");
ABSL_FLAG(int, heartbeats, 0, "leader heartbeat ticks");
ABSL_FLAG(bool, drop, true, "allow message loss");
ABSL_FLAG(uint64_t, in_flight, 4, "max messages in flight");
ABSL_FLAG(bool, pre_vote, false, "enable pre-vote");
ABSL_FLAG(bool, lease_reads, false, "request lease-based reads");
ABSL_FLAG(uint64_t, max_states, 50'000'000, "stop after this many states");
ABSL_FLAG(uint64_t, random_walks, 0,
          "instead of exhaustive search, run this many random walks");
ABSL_FLAG(uint64_t, walk_steps, 200, "steps per random walk");
ABSL_FLAG(uint64_t, seed, 1, "random walk seed");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  spec::raft::Bounds bounds;
  bounds.nodes = absl::GetFlag(FLAGS_nodes);
  bounds.max_term = absl::GetFlag(FLAGS_max_term);
  bounds.max_proposals = absl::GetFlag(FLAGS_proposals);
  bounds.max_reads = absl::GetFlag(FLAGS_reads);
  bounds.max_crashes = absl::GetFlag(FLAGS_crashes);
  bounds.max_duplicates = absl::GetFlag(FLAGS_duplicates);
  bounds.max_compactions = absl::GetFlag(FLAGS_compactions);
  bounds.max_heartbeats = absl::GetFlag(FLAGS_heartbeats);
  bounds.allow_drop = absl::GetFlag(FLAGS_drop);
  bounds.max_in_flight = absl::GetFlag(FLAGS_in_flight);
  bounds.pre_vote = absl::GetFlag(FLAGS_pre_vote);
  bounds.lease_reads = absl::GetFlag(FLAGS_lease_reads);
  std::printf("bounds: %s\n", bounds.Describe().c_str());
  auto model = spec::raft::MakeModel(bounds);
  std::optional<spec::explorer::Violation> violation;
  if (const uint64_t walks = absl::GetFlag(FLAGS_random_walks); walks > 0) {
    auto result =
        spec::raft::RandomWalks(model, absl::GetFlag(FLAGS_seed), walks,
                                absl::GetFlag(FLAGS_walk_steps));
    std::printf("random walks: %lu walks, %lu steps\n", result.walks,
                result.steps);
    violation = result.violation;
  } else {
    spec::explorer::Options options;
    options.max_states = absl::GetFlag(FLAGS_max_states);
    options.progress_every_states = 100'000;
    auto report = spec::raft::ExploreModel(model, options);
    std::printf("%s\n", report.Summary().c_str());
    std::printf("states/s: %.0f\n", report.states_per_second());
    violation = report.violation;
  }
  if (!violation) {
    std::printf("no invariant violated\n");
    return 0;
  }
  std::printf("VIOLATION of %s: %s\ntrace:\n", violation->invariant.c_str(),
              violation->detail.c_str());
  for (const std::string& step : violation->trace) {
    std::printf("  %s\n", step.c_str());
  }
  return 1;
}
