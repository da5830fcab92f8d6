// Runs PD scheduling to convergence over the pure cluster model and prints, per
// phase, the rounds to reach the goal and the operators added, then the
// operator outcomes and a trace hash (equal for equal seeds and binaries).
//
//   bazel run --config=opt //pd/tools:convergence -- --seed=7
//   bazel run //pd/tools:convergence -- --quick
#include <cstdio>
#include <cstdlib>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "pd/core/model/convergence.h"

ABSL_FLAG(uint64_t, seed, 1, "model seed");
ABSL_FLAG(int, stores, 8,
          "stores, including the one added in the last phase (5..10)");
ABSL_FLAG(int, regions, 1000, "initial regions");
ABSL_FLAG(int, max_rounds, 600, "round cap per phase");
ABSL_FLAG(bool, joint, false, "replace peers through joint consensus");
ABSL_FLAG(bool, quick, false, "small run for CI: 6 stores, 200 regions");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  pd::model::ConvergenceOptions options;
  options.seed = absl::GetFlag(FLAGS_seed);
  options.stores = absl::GetFlag(FLAGS_stores);
  options.regions = absl::GetFlag(FLAGS_regions);
  options.max_rounds_per_phase = absl::GetFlag(FLAGS_max_rounds);
  options.use_joint_consensus = absl::GetFlag(FLAGS_joint);
  if (absl::GetFlag(FLAGS_quick)) {
    options.stores = 6;
    options.regions = 200;
  }
  if (options.stores < 5 || options.stores > 10 || options.regions < 1) {
    std::fprintf(stderr, "need 5 <= --stores <= 10 and --regions >= 1\n");
    return 2;
  }
  std::printf(
      "convergence seed=%llu stores=%d regions=%d max_rounds=%d joint=%d\n",
      static_cast<unsigned long long>(options.seed), options.stores,
      options.regions, options.max_rounds_per_phase,
      options.use_joint_consensus ? 1 : 0);
  std::printf(
      "tolerance: max-min <= %.0f%% of mean + %lld (peer and leader counts)\n",
      options.tolerance_ratio * 100,
      static_cast<long long>(options.tolerance_slack));
  const pd::model::ConvergenceResult result =
      pd::model::RunConvergence(options);
  bool ok = !result.violation.has_value();
  for (const auto& phase : result.phases) {
    std::printf(
        "phase %-10s %s after %d rounds; peer spread %lld (tol %lld), leader "
        "spread %lld "
        "(tol %lld); operators:",
        phase.name.c_str(), phase.reached ? "balanced" : "NOT BALANCED",
        phase.rounds, static_cast<long long>(phase.region_spread),
        static_cast<long long>(phase.region_tolerance),
        static_cast<long long>(phase.leader_spread),
        static_cast<long long>(phase.leader_tolerance));
    for (const auto& [source, count] : phase.operators_added) {
      std::printf(" %s=%d", source.c_str(), count);
    }
    std::printf("\n");
    ok = ok && phase.reached;
  }
  std::printf("operators ended:");
  for (const auto& [status, count] : result.operators_ended) {
    std::printf(" %s=%llu", status.c_str(),
                static_cast<unsigned long long>(count));
  }
  std::printf("\nfinal regions: %d\n", result.final_region_count);
  if (result.violation)
    std::printf("VIOLATION %s\n", result.violation->ToString().c_str());
  std::printf("trace hash: %016llx\n",
              static_cast<unsigned long long>(result.trace_hash));
  std::printf("%s\n", ok ? "PASS" : "FAIL");
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
