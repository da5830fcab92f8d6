// Runs every line of tests/sim/seeds.txt (seeds that once failed, or
// schedules that once broke a mutant) through its workload (the register
// unless the line says --workload=), in-process, with every oracle on;
// each must pass. The first line also runs
// twice to check that it replays to the same trace hash.
#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/base/check.h"
#include "sim/runner/run_flags.h"
#include "sim/runner/workloads.h"

namespace sim::runner {
namespace {

struct SeedLine {
  int number = 0;  // line number in seeds.txt
  uint64_t seed = 0;
  std::vector<std::string> flags;
  std::optional<std::string> schedule;
};

// Parses "<seed> [flags] [--schedule=<rest of line>]", '#' comments.
std::vector<SeedLine> ReadSeeds(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::vector<SeedLine> lines;
  std::string text;
  for (int number = 1; std::getline(in, text); ++number) {
    text = text.substr(0, text.find('#'));
    const size_t schedule = text.find("--schedule=");
    SeedLine line;
    line.number = number;
    if (schedule != std::string::npos) {
      line.schedule = text.substr(schedule + 11);
      text = text.substr(0, schedule);
    }
    std::istringstream words(text);
    std::string word;
    if (!(words >> word)) continue;
    line.seed = std::stoull(word);
    while (words >> word) line.flags.push_back(word);
    lines.push_back(std::move(line));
  }
  return lines;
}

WorkloadResult RunLine(const SeedLine& line) {
  auto flags = ParseRunFlags(line.flags);
  CHECK(flags.ok()) << "line " << line.number << ": " << flags.status();
  const Workload* workload = FindWorkload(flags->workload);
  CHECK(workload != nullptr)
      << "line " << line.number << ": no workload " << flags->workload;
  auto run = workload->Configure(line.seed, *flags);
  CHECK(run.ok()) << run.status();
  if (!line.schedule.has_value()) return (*run)->Run(nullptr, {});
  auto schedule = nemesis::ParseSchedule(*line.schedule, (*run)->hosts());
  CHECK(schedule.ok()) << "line " << line.number << ": " << schedule.status();
  return (*run)->Run(&*schedule, {});
}

TEST(SeedsTest, EveryListedSeedPasses) {
  const std::vector<SeedLine> lines = ReadSeeds("tests/sim/seeds.txt");
  ASSERT_GE(lines.size(), 3u);
  for (const SeedLine& line : lines) {
    const WorkloadResult result = RunLine(line);
    EXPECT_FALSE(checkers::IsFailure(result.verdict))
        << "seeds.txt line " << line.number << " (seed " << line.seed
        << "): " << result.Summary() << " " << result.invariant << ": "
        << result.detail;
    EXPECT_GT(result.stat("ops_ok"), 0u) << "line " << line.number;
  }
  EXPECT_EQ(RunLine(lines[0]).trace_hash, RunLine(lines[0]).trace_hash)
      << "seed " << lines[0].seed << " does not replay bit-exactly";
}

}  // namespace
}  // namespace sim::runner
