// One run in this process: the options first, then the verdict, the
// schedule of a failure, a replay command and the trace hash last (or,
// for a worker, one RESULT line).
#include <chrono>
#include <cstdlib>
#include <iostream>

#include "jepsen/history/files.h"
#include "sim/runner/cli.h"

namespace sim::runner {
namespace {

void PrintResult(const Cli& cli, uint64_t seed, const WorkloadResult& result,
                 const std::optional<nemesis::Schedule>& given, double wall) {
  const bool failed = checkers::IsFailure(result.verdict);
  if (cli.print_schedule || failed) {
    std::cout << "schedule (" << result.schedule.size() << " faults"
              << (given.has_value() ? ", given" : ", from the seed") << "):\n"
              << nemesis::FormatSchedule(result.schedule) << "\n";
  }
  std::cout << result.Summary() << "\n";
  if (!result.detail.empty()) std::cout << "detail: " << result.detail << "\n";
  std::cout << "wall_seconds=" << wall << " simulated_seconds_per_wall_second="
            << static_cast<double>(result.simulated_ns) / 1e9 / wall << "\n";
  std::cout << "replay: " << ReplayCommand(cli, seed, given) << "\n";
  std::cout << "trace_hash=" << std::hex << result.trace_hash << std::dec
            << std::endl;
}

// The --history_out file, created before the run so that a path that
// cannot be written is refused at once (nullopt: none asked for).
std::optional<jepsen::history::OutputFile> HistoryFileOrExit(const Cli& cli) {
  if (cli.history_out.empty()) return std::nullopt;
  auto file = jepsen::history::OutputFile::Open(cli.history_out);
  if (!file.ok()) {
    std::cerr << "--history_out: " << file.status().message() << "\n";
    std::exit(kExitUsage);
  }
  return *std::move(file);
}

}  // namespace

int RunOne(const Cli& cli, uint64_t seed) {
  const std::unique_ptr<SeedRun> run = ConfigureOrExit(cli, seed);
  const std::optional<nemesis::Schedule> given =
      GivenScheduleOrExit(cli, run->hosts());
  std::optional<jepsen::history::OutputFile> history_file =
      HistoryFileOrExit(cli);
  if (!cli.worker_output) std::cout << "sim " << run->ToString() << std::endl;
  RunHooks hooks;
  hooks.keep_history = history_file.has_value();
  if (cli.verbose) {
    hooks.log = [](const std::string& line) { std::cout << line << "\n"; };
  }
  const auto start = std::chrono::steady_clock::now();
  const WorkloadResult result =
      run->Run(given.has_value() ? &*given : nullptr, hooks);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  const bool failed = checkers::IsFailure(result.verdict);
  if (cli.worker_output) {
    std::cout << FormatResultLine(
                     {seed, std::string(checkers::VerdictName(result.verdict)),
                      result.trace_hash, result.simulated_ns, result.events,
                      result.invariant, result.detail})
              << std::endl;
    return failed ? 1 : 0;
  }
  PrintResult(cli, seed, result, given, wall);
  if (history_file.has_value()) {
    const absl::Status written = history_file->WriteAndClose(result.history);
    if (!written.ok()) {
      std::cerr << "--history_out: " << written.message() << "\n";
      return kExitUsage;
    }
  }
  return failed ? kExitFailure : kExitPass;
}

}  // namespace sim::runner
