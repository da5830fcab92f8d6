// The workloads the runner knows, by --workload= name.
#ifndef SIM_RUNNER_WORKLOADS_H_
#define SIM_RUNNER_WORKLOADS_H_

#include <string>
#include <string_view>

#include "sim/runner/workload.h"

namespace sim::runner {

// Null when no workload has that name.
const Workload* FindWorkload(std::string_view name);
// Every name, comma-separated (for errors and --help).
std::string WorkloadNames();

}  // namespace sim::runner

#endif  // SIM_RUNNER_WORKLOADS_H_
