#include "sim/runner/cli.h"

#include <cmath>
#include <cstdlib>
#include <iostream>

#include "jepsen/history/files.h"

namespace sim::runner {
namespace {

// A schedule as one --schedule argument ("none" when empty).
std::string ScheduleArg(const nemesis::Schedule& schedule) {
  if (schedule.empty()) return "none";
  return nemesis::FormatSchedule(schedule, "; ");
}

std::string ShellQuote(const std::string& arg) {
  if (arg.find_first_of(" '|>;\"$") == std::string::npos) return arg;
  std::string out = "'";
  for (char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

[[noreturn]] void ExitWith(const std::string& message) {
  std::cerr << message << "\n";
  std::exit(kExitUsage);
}

std::string Range(int64_t min, int64_t max) {
  return "[" + std::to_string(min) + ", " + std::to_string(max) + "]";
}

// Which command runs, and whether the flags that only one of them reads
// are given to it.
absl::Status ValidateCommand(const Cli& cli) {
  if (cli.seed.has_value() == cli.seeds.has_value()) {
    return absl::InvalidArgumentError(
        cli.seed.has_value() ? "give --seed=N or --seeds=A..B, not both"
                             : "give --seed=N or --seeds=A..B (see --help)");
  }
  if (!cli.history_out.empty() && (cli.seeds.has_value() || cli.shrink)) {
    return absl::InvalidArgumentError(
        "--history_out records one run: give it with --seed and without "
        "--shrink");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateCli(const Cli& cli) {
  if (absl::Status status = ValidateCommand(cli); !status.ok()) return status;
  if (cli.pool.workers < 1 || cli.pool.workers > kMaxWorkers) {
    return BadFlag("workers", std::to_string(cli.pool.workers),
                   "a count in " + Range(1, kMaxWorkers));
  }
  // Written this way round, NaN fails the test too.
  const double timeout = cli.pool.timeout_seconds;
  if (!(timeout > 0 && timeout <= kMaxRunTimeoutSeconds)) {
    return BadFlag("run_timeout_seconds", std::to_string(timeout),
                   "seconds in (0, 1000000]");
  }
  if (cli.determinism_sample < 0 ||
      cli.determinism_sample > kMaxDeterminismSample) {
    return BadFlag("determinism_sample", std::to_string(cli.determinism_sample),
                   "a count in " + Range(0, kMaxDeterminismSample));
  }
  const int percent = cli.expect_shrunk_percent_at_most;
  if (percent != -1 && (percent < 0 || percent > 100)) {
    return BadFlag("expect_shrunk_percent_at_most", std::to_string(percent),
                   "-1 (off) or a percentage in [0, 100]");
  }
  return ValidateRunFlags(cli.flags);
}

std::unique_ptr<SeedRun> ConfigureOrExit(const Cli& cli, uint64_t seed) {
  auto run = cli.workload->Configure(seed, cli.flags);
  if (!run.ok()) ExitWith(run.status().ToString());
  return *std::move(run);
}

std::optional<nemesis::Schedule> GivenScheduleOrExit(const Cli& cli,
                                                     int hosts) {
  std::string text = cli.schedule;
  if (text.empty()) return std::nullopt;
  if (text == "none") return nemesis::Schedule{};
  if (text[0] != '@') {
    absl::StatusOr<std::string> file = jepsen::history::ReadWholeFile(text);
    if (!file.ok())
      ExitWith("--schedule: " + std::string(file.status().message()));
    text = *std::move(file);
  }
  auto schedule = nemesis::ParseSchedule(text, hosts);
  if (!schedule.ok()) {
    ExitWith("--schedule: " + std::string(schedule.status().message()));
  }
  return *std::move(schedule);
}

std::string ReplayCommand(const Cli& cli, uint64_t seed,
                          const std::optional<nemesis::Schedule>& schedule) {
  std::string command = cli.argv0 + " --seed=" + std::to_string(seed);
  for (const std::string& flag : cli.flags.ToArgs()) command += " " + flag;
  if (schedule.has_value()) {
    command += " " + ShellQuote("--schedule=" + ScheduleArg(*schedule));
  }
  return command;
}

Job WorkerJob(const Cli& cli, uint64_t seed,
              const std::optional<nemesis::Schedule>& schedule) {
  Job job;
  job.id = seed;
  job.args = {"--seed=" + std::to_string(seed), "--worker_output"};
  for (const std::string& flag : cli.flags.ToArgs()) job.args.push_back(flag);
  if (schedule.has_value()) {
    job.args.push_back("--schedule=" + ScheduleArg(*schedule));
  }
  return job;
}

ResultLine Outcome(const JobResult& r) {
  if (auto line = FindResultLine(r.output)) return *line;
  ResultLine crashed;
  crashed.seed = r.id;
  crashed.verdict = r.timed_out ? "timeout" : "crashed";
  std::string tail =
      r.output.size() > 400 ? r.output.substr(r.output.size() - 400) : r.output;
  for (char& c : tail) {
    if (c == '\n') c = ' ';
  }
  crashed.detail =
      (r.signal != 0 ? "signal " + std::to_string(r.signal) + ": "
                     : "exit " + std::to_string(r.exit_code) + ": ") +
      tail;
  return crashed;
}

bool IsFailureVerdict(const std::string& verdict) {
  return verdict != "pass" && verdict != "checker-unknown";
}

}  // namespace sim::runner
