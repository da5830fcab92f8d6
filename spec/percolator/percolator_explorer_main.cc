// percolator_explorer: exhaustively explores one or all named Percolator
// configurations (model.h) and prints states, transitions and states/second,
// or the shortest trace to a violated invariant.
//
//   bazel run --config=opt //spec/percolator:percolator_explorer --
//   --config=2pc bazel run --config=opt //spec/percolator:percolator_explorer
//   -- --config=all --max_tso=9
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "spec/percolator/model.h"

ABSL_FLAG(std::string, config, "all", "configuration name, or \"all\"");
ABSL_FLAG(uint64_t, max_tso, 0, "override the TSO bound (0: the config's own)");
ABSL_FLAG(uint64_t, max_states, 50'000'000, "stop after this many states");
ABSL_FLAG(uint64_t, progress_every, 0, "print progress every N states");

namespace spec::percolator {
namespace {

int RunOne(const NamedConfig& named) {
  auto config = std::make_shared<WorldConfig>(*named.config);
  if (absl::GetFlag(FLAGS_max_tso) != 0)
    config->max_tso = absl::GetFlag(FLAGS_max_tso);
  explorer::Options options;
  options.max_states = absl::GetFlag(FLAGS_max_states);
  options.progress_every_states = absl::GetFlag(FLAGS_progress_every);
  std::cout << named.name << " (" << named.description << ", max_tso "
            << config->max_tso << ")" << std::endl;
  ExploreOutcome outcome = ExploreConfig(config, options);
  std::cout << "  " << outcome.report.Summary() << std::endl;
  if (outcome.report.violation.has_value()) {
    std::cout << outcome.violation_report;
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace spec::percolator

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string wanted = absl::GetFlag(FLAGS_config);
  int failures = 0;
  bool matched = false;
  for (const auto& named : spec::percolator::StandardConfigs()) {
    if (wanted != "all" && wanted != named.name) continue;
    matched = true;
    failures += spec::percolator::RunOne(named);
  }
  if (!matched) {
    std::cerr << "unknown config " << wanted << std::endl;
    return 2;
  }
  return failures == 0 ? 0 : 1;
}
