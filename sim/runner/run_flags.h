// RunFlags: the options that shape one run, whatever the workload, shared
// by the runner's command line, its workers, its replay commands and the
// seed regression list (tests/sim/seeds.txt), so that a line of the list, a
// sweep and a replay all mean the same run.
//
//   --workload=NAME        which workload (register)
//   --safety_seconds=N     simulated seconds of the faulty phase (20)
//   --liveness_seconds=N   bound on convergence after healing (30)
//   --faults=SPEC          swarm (drawn per seed), all, none, or a list of
//                          network,crash,pause,clock,disk,corruption (and
//                          the opt-in swizzle,messages)
//   --nodes=N              group size (0: drawn per seed, else 1 to 9)
// Both seconds flags are in [0, kMaxRunSeconds]. A workload interprets them
// (Workload::Configure) and may reject those it cannot honour.
#ifndef SIM_RUNNER_RUN_FLAGS_H_
#define SIM_RUNNER_RUN_FLAGS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace sim::runner {

inline constexpr int kMaxRunSeconds = 1000000;
inline constexpr int kMaxNodes = 9;

// The one form of a bad flag value, for every flag of the runner:
// "--<name>: got '<value>', want <want>" (the value quoted as a short
// escaped excerpt).
absl::Status BadFlag(std::string_view name, std::string_view value,
                     std::string_view want);

struct RunFlags {
  std::string workload = "register";
  int safety_seconds = 20;
  int liveness_seconds = 30;
  std::string faults = "swarm";
  int nodes = 0;

  // The flags that differ from the defaults, as "--name=value" arguments.
  std::vector<std::string> ToArgs() const;
};

// Parses "--name=value" tokens (unknown names, bad numbers, a bad fault
// list and values out of range are errors).
absl::StatusOr<RunFlags> ParseRunFlags(const std::vector<std::string>& args);
// Checks what every workload relies on: the fault list parses, the seconds
// are in [0, kMaxRunSeconds], the group size is 0 or in [1, kMaxNodes].
absl::Status ValidateRunFlags(const RunFlags& flags);

}  // namespace sim::runner

#endif  // SIM_RUNNER_RUN_FLAGS_H_
