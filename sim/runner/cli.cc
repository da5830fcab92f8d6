#include "sim/runner/cli.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

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
  std::exit(2);
}

}  // namespace

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
    std::ifstream file(text);
    if (!file) ExitWith("cannot read schedule file " + text);
    std::stringstream buffer;
    buffer << file.rdbuf();
    text = buffer.str();
  }
  auto schedule = nemesis::ParseSchedule(text, hosts);
  if (!schedule.ok()) ExitWith(schedule.status().ToString());
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
