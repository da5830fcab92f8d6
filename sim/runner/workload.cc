#include "sim/runner/workload.h"

#include <sstream>

namespace sim::runner {

uint64_t WorkloadResult::stat(std::string_view name) const {
  for (const auto& [key, value] : stats) {
    if (key == name) return value;
  }
  return 0;
}

std::string WorkloadResult::Summary() const {
  std::ostringstream out;
  out << "result=" << checkers::VerdictName(verdict);
  if (!invariant.empty()) out << " invariant=" << invariant;
  out << " simulated_ms=" << simulated_ns / 1000000 << " events=" << events;
  for (const auto& [name, value] : stats) out << " " << name << "=" << value;
  out << " trace_hash=" << std::hex << trace_hash << std::dec;
  return out.str();
}

}  // namespace sim::runner
