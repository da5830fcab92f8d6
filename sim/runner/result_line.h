// The one line a worker prints for its run, and its parser: how a sweep
// learns each child's verdict, trace hash and cost.
//   RESULT seed=12 verdict=pass trace_hash=9a0c... simulated_ns=20040000000
//     events=53280 invariant=- detail=<rest of the line>
#ifndef SIM_RUNNER_RESULT_LINE_H_
#define SIM_RUNNER_RESULT_LINE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sim::runner {

struct ResultLine {
  uint64_t seed = 0;
  std::string verdict;
  uint64_t trace_hash = 0;
  int64_t simulated_ns = 0;
  uint64_t events = 0;
  std::string invariant;  // "-" when none
  std::string detail;     // one line
};

std::string FormatResultLine(const ResultLine& line);
// Finds and parses the RESULT line in a child's output.
std::optional<ResultLine> FindResultLine(std::string_view output);

}  // namespace sim::runner

#endif  // SIM_RUNNER_RESULT_LINE_H_
