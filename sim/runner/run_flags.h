// RunFlags: the options that shape one run of the register simulation,
// shared by the runner's command line, its workers, its replay commands and
// the seed regression list (tests/sim/seeds.txt), so that a line of the
// list, a sweep and a replay all mean the same run.
//
//   --safety_seconds=N     simulated seconds of the faulty phase (20)
//   --liveness_seconds=N   bound on convergence after healing (30)
//   --faults=SPEC          swarm (drawn per seed), all, none, or a list of
//                          network,crash,pause,clock,disk,corruption
//   --nodes=N              group size (0: drawn per seed)
#ifndef SIM_RUNNER_RUN_FLAGS_H_
#define SIM_RUNNER_RUN_FLAGS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/register/register_sim.h"

namespace sim::runner {

struct RunFlags {
  int safety_seconds = 20;
  int liveness_seconds = 30;
  std::string faults = "swarm";
  int nodes = 0;

  // The flags that differ from the defaults, as "--name=value" arguments.
  std::vector<std::string> ToArgs() const;
  // The run options for `seed`. Fails on a bad fault list or group size.
  absl::StatusOr<register_kv::RegisterRunOptions> OptionsFor(
      uint64_t seed) const;
};

// Parses "--name=value" tokens (unknown names are errors).
absl::StatusOr<RunFlags> ParseRunFlags(const std::vector<std::string>& args);

}  // namespace sim::runner

#endif  // SIM_RUNNER_RUN_FLAGS_H_
