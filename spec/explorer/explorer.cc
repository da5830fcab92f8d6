#include "spec/explorer/explorer.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace spec::explorer {

std::string Report::Summary() const {
  std::ostringstream out;
  out << "explored " << states_explored << " states (" << transitions
      << " transitions, depth " << max_depth_reached << ") in " << seconds
      << " s: " << static_cast<uint64_t>(states_per_second()) << " states/s, "
      << (exhausted ? "exhausted" : "NOT exhausted");
  if (violation) out << ", VIOLATION of " << violation->invariant;
  return out.str();
}

namespace internal {

std::vector<std::string> TraceTo(const std::vector<Visit>& visits,
                                 int64_t index) {
  std::vector<std::string> trace;
  for (int64_t at = index; at >= 0; at = visits[at].parent) {
    trace.push_back(visits[at].action);
  }
  std::reverse(trace.begin(), trace.end());
  return trace;
}

void PrintProgress(const Report& report, uint64_t frontier_size) {
  std::fprintf(stderr,
               "explorer: %llu states, %llu transitions, frontier %llu\n",
               static_cast<unsigned long long>(report.states_explored),
               static_cast<unsigned long long>(report.transitions),
               static_cast<unsigned long long>(frontier_size));
}

}  // namespace internal
}  // namespace spec::explorer
