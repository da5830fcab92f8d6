// sim: the simulator's command-line runner for the register workload.
//
//   sim --seed=N                    one run: seed and options first, the
//                                   verdict, a replay command, the trace hash
//   sim --seed=N --schedule=FILE    replay with an explicit fault schedule
//                                   (or --schedule='@120ms crash 2; ...')
//   sim --seeds=A..B --workers=K    a sweep on K worker processes, with a
//       [--determinism_sample=M]    progress line, every failure listed with
//                                   its replay command, throughput figures,
//                                   and M seeds rerun to compare trace hashes
//   sim --seed=N --shrink           delta-debug the failing run's fault
//                                   schedule to a 1-minimal one, printed in
//                                   replayable form
//   sim --seeds=A..B --shrink       a sweep, then shrink its lowest failing
//                                   seed
// Run options (--safety_seconds, --faults, --nodes, ...) apply to every run
// and are forwarded to workers and into replay commands.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "sim/register/register_sim.h"
#include "sim/runner/result_line.h"
#include "sim/runner/run_flags.h"
#include "sim/runner/shrink.h"
#include "sim/runner/worker_pool.h"

ABSL_FLAG(int64_t, seed, -1, "run this one seed");
ABSL_FLAG(std::string, seeds, "", "sweep a seed range A..B (inclusive)");
ABSL_FLAG(int, workers, 1, "worker processes for sweeps and shrinking");
ABSL_FLAG(int, determinism_sample, 0,
          "after a sweep, rerun this many of its seeds and compare hashes");
ABSL_FLAG(std::string, schedule, "",
          "fault schedule: a file, or inline events starting with '@'");
ABSL_FLAG(bool, shrink, false,
          "shrink the fault schedule of --seed, or of a sweep's lowest "
          "failing seed");
ABSL_FLAG(int, expect_shrunk_percent_at_most, -1,
          "with --shrink: exit 0 iff a failure was shrunk to at most this "
          "percentage of its faults (the shrinking acceptance test)");
ABSL_FLAG(bool, verbose, false, "print the run's log (faults, halts, ...)");
ABSL_FLAG(bool, print_schedule, false, "print the run's fault schedule");
ABSL_FLAG(std::string, history_out, "", "write the history (JSON lines)");
ABSL_FLAG(bool, worker_output, false, "internal: print one RESULT line");
ABSL_FLAG(int, safety_seconds, 20, "simulated seconds of the faulty phase");
ABSL_FLAG(int, liveness_seconds, 30, "bound on convergence after healing");
ABSL_FLAG(std::string, faults, "swarm",
          "fault classes: swarm (drawn per seed), all, none, or a list of "
          "network,crash,pause,clock,disk,corruption");
ABSL_FLAG(int, nodes, 0, "group size (0: drawn per seed, 3 to 5)");
ABSL_FLAG(bool, expect_failure, false,
          "sweep: exit 0 iff some seed fails (mutant tests)");
ABSL_FLAG(bool, stop_at_first_failure, false, "sweep: stop at a failure");
ABSL_FLAG(double, run_timeout_seconds, 600, "kill a worker run after this");

namespace sim::runner {
namespace {

using register_kv::FaultSchedule;
using register_kv::RegisterRunOptions;
using register_kv::RunResult;

std::string g_argv0 = "sim";

// The run flags given on the command line.
RunFlags Flags() {
  RunFlags flags;
  flags.safety_seconds = absl::GetFlag(FLAGS_safety_seconds);
  flags.liveness_seconds = absl::GetFlag(FLAGS_liveness_seconds);
  flags.faults = absl::GetFlag(FLAGS_faults);
  flags.nodes = absl::GetFlag(FLAGS_nodes);
  return flags;
}

// A schedule as one --schedule argument ("none" when empty).
std::string ScheduleArg(const FaultSchedule& schedule) {
  if (schedule.empty()) return "none";
  return register_kv::FormatFaultSchedule(schedule, "; ");
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

// `schedule`: nullopt for the seed's own schedule.
std::string ReplayCommand(uint64_t seed,
                          const std::optional<FaultSchedule>& schedule) {
  std::string command = g_argv0 + " --seed=" + std::to_string(seed);
  for (const std::string& flag : Flags().ToArgs()) command += " " + flag;
  if (schedule.has_value()) {
    command += " " + ShellQuote("--schedule=" + ScheduleArg(*schedule));
  }
  return command;
}

RegisterRunOptions OptionsFor(uint64_t seed) {
  auto options = Flags().OptionsFor(seed);
  if (!options.ok()) {
    std::cerr << options.status() << "\n";
    std::exit(2);
  }
  return *options;
}

// The explicit schedule from --schedule, if any.
std::optional<FaultSchedule> GivenSchedule(int nodes) {
  std::string text = absl::GetFlag(FLAGS_schedule);
  if (text.empty()) return std::nullopt;
  if (text == "none") return FaultSchedule{};
  if (text[0] != '@') {
    std::ifstream file(text);
    if (!file) {
      std::cerr << "cannot read schedule file " << text << "\n";
      std::exit(2);
    }
    std::stringstream buffer;
    buffer << file.rdbuf();
    text = buffer.str();
  }
  auto schedule = register_kv::ParseFaultSchedule(text, nodes);
  if (!schedule.ok()) {
    std::cerr << schedule.status() << "\n";
    std::exit(2);
  }
  return *schedule;
}

int RunOne(uint64_t seed) {
  const RegisterRunOptions options = OptionsFor(seed);
  const std::optional<FaultSchedule> given = GivenSchedule(options.nodes);
  const bool worker = absl::GetFlag(FLAGS_worker_output);
  if (!worker) std::cout << "sim " << options.ToString() << std::endl;
  register_kv::RunHooks hooks;
  hooks.keep_history = !absl::GetFlag(FLAGS_history_out).empty();
  if (absl::GetFlag(FLAGS_verbose)) {
    hooks.log = [](const std::string& line) { std::cout << line << "\n"; };
  }
  const auto start = std::chrono::steady_clock::now();
  const RunResult result = register_kv::RunRegister(
      options, given.has_value() ? &*given : nullptr, hooks);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  const bool failed = register_kv::IsFailure(result.verdict);
  if (worker) {
    std::cout << FormatResultLine(
                     {seed, std::string(VerdictName(result.verdict)),
                      result.trace_hash, result.simulated_ns, result.events,
                      result.invariant, result.detail})
              << std::endl;
    return failed ? 1 : 0;
  }
  if (hooks.keep_history) {
    std::ofstream(absl::GetFlag(FLAGS_history_out)) << result.history;
  }
  if (absl::GetFlag(FLAGS_print_schedule) || failed) {
    std::cout << "schedule (" << result.schedule.size() << " faults"
              << (given.has_value() ? ", given" : ", from the seed") << "):\n"
              << register_kv::FormatFaultSchedule(result.schedule) << "\n";
  }
  std::cout << result.Summary() << std::dec << "\n";
  if (!result.detail.empty()) std::cout << "detail: " << result.detail << "\n";
  std::cout << "wall_seconds=" << wall << " simulated_seconds_per_wall_second="
            << static_cast<double>(result.simulated_ns) / 1e9 / wall << "\n";
  std::cout << "replay: " << ReplayCommand(seed, given) << "\n";
  std::cout << "trace_hash=" << std::hex << result.trace_hash << std::dec
            << std::endl;
  return failed ? 1 : 0;
}

struct SweepTotals {
  uint64_t done = 0;
  int64_t simulated_ns = 0;
  uint64_t events = 0;
  std::map<uint64_t, uint64_t> hashes;  // seed -> trace hash
  std::map<std::string, uint64_t> verdicts;
  std::vector<std::string> failure_lines;
  std::vector<uint64_t> failing_seeds;
};

// `schedule`: nullopt for the seed's own schedule.
Job WorkerJob(uint64_t seed,
              const std::optional<FaultSchedule>& schedule = std::nullopt) {
  Job job;
  job.id = seed;
  job.args = {"--seed=" + std::to_string(seed), "--worker_output"};
  for (const std::string& flag : Flags().ToArgs()) job.args.push_back(flag);
  if (schedule.has_value()) {
    job.args.push_back("--schedule=" + ScheduleArg(*schedule));
  }
  return job;
}

// The verdict of a finished worker ("crashed" when it died without one).
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

// On a terminal the progress line rewrites itself; in a log (CI) it is a
// line of its own.
bool ProgressOnTerminal() { return isatty(STDERR_FILENO) != 0; }

void PrintProgress(const SweepTotals& t, uint64_t total, double elapsed) {
  std::fprintf(stderr,
               "%s[sweep] %llu/%llu seeds  failures=%llu  %.0fs  "
               "sim-s/wall-s=%.0f  events/s=%.0f  seeds/h=%.0f%s",
               ProgressOnTerminal() ? "\r" : "",
               static_cast<unsigned long long>(t.done),
               static_cast<unsigned long long>(total),
               static_cast<unsigned long long>(t.failing_seeds.size()), elapsed,
               t.simulated_ns / 1e9 / std::max(elapsed, 1e-9),
               t.events / std::max(elapsed, 1e-9),
               t.done * 3600.0 / std::max(elapsed, 1e-9),
               ProgressOnTerminal() ? "   " : "\n");
}

bool ParseRange(const std::string& text, uint64_t* first, uint64_t* last) {
  const size_t dots = text.find("..");
  if (dots == std::string::npos) return false;
  char* end = nullptr;
  *first = std::strtoull(text.c_str(), &end, 10);
  if (end != text.c_str() + dots) return false;
  *last = std::strtoull(text.c_str() + dots + 2, &end, 10);
  return *end == '\0' && *first <= *last;
}

// Reruns an even sample of the swept seeds; returns the mismatches.
int CheckDeterminism(const SweepTotals& t, int sample,
                     const PoolOptions& pool) {
  std::vector<Job> jobs;
  std::vector<uint64_t> seeds;
  for (const auto& [seed, hash] : t.hashes) seeds.push_back(seed);
  const size_t n = std::min<size_t>(static_cast<size_t>(sample), seeds.size());
  for (size_t i = 0; i < n; ++i) {
    jobs.push_back(WorkerJob(seeds[i * seeds.size() / n]));
  }
  int mismatches = 0, matched = 0;
  RunJobs(SelfExecutable(), jobs, pool, [&](const JobResult& r) {
    const ResultLine line = Outcome(r);
    const uint64_t first = t.hashes.at(r.id);
    if (line.trace_hash == first) {
      ++matched;
    } else {
      ++mismatches;
      std::printf(
          "NONDETERMINISTIC seed=%llu: trace hash %llx then %llx\n  replay: "
          "%s\n",
          static_cast<unsigned long long>(r.id),
          static_cast<unsigned long long>(first),
          static_cast<unsigned long long>(line.trace_hash),
          ReplayCommand(r.id, std::nullopt).c_str());
    }
  });
  std::printf("determinism: %d/%zu reruns matched their trace hash\n", matched,
              jobs.size());
  return mismatches;
}

int Shrink(uint64_t seed);

int Sweep(const std::string& range) {
  uint64_t first = 0, last = 0;
  if (!ParseRange(range, &first, &last)) {
    std::cerr << "bad --seeds (want A..B): " << range << "\n";
    return 2;
  }
  PoolOptions pool{absl::GetFlag(FLAGS_workers),
                   absl::GetFlag(FLAGS_run_timeout_seconds)};
  std::vector<Job> jobs;
  for (uint64_t seed = first; seed <= last; ++seed)
    jobs.push_back(WorkerJob(seed));
  std::string flags;
  for (const std::string& flag : Flags().ToArgs()) flags += " " + flag;
  std::printf("sweep seeds %llu..%llu (%zu runs) on %d workers%s\n",
              static_cast<unsigned long long>(first),
              static_cast<unsigned long long>(last), jobs.size(), pool.workers,
              flags.c_str());
  std::fflush(stdout);
  SweepTotals t;
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  };
  double last_progress = -1;
  const double progress_interval = ProgressOnTerminal() ? 1.0 : 15.0;
  const bool stop_first = absl::GetFlag(FLAGS_stop_at_first_failure);
  RunJobs(
      SelfExecutable(), jobs, pool,
      [&](const JobResult& r) {
        const ResultLine line = Outcome(r);
        ++t.done;
        t.simulated_ns += line.simulated_ns;
        t.events += line.events;
        t.hashes[r.id] = line.trace_hash;
        ++t.verdicts[line.verdict];
        if (line.verdict == "checker-unknown") {
          // Not a failure, but not a verified pass either: list it.
          std::printf("UNKNOWN seed=%llu: %s\n  replay: %s\n",
                      static_cast<unsigned long long>(r.id),
                      line.detail.c_str(),
                      ReplayCommand(r.id, std::nullopt).c_str());
          std::fflush(stdout);
        }
        if (IsFailureVerdict(line.verdict)) {
          t.failing_seeds.push_back(r.id);
          std::ostringstream out;
          out << "FAIL seed=" << r.id << " " << line.verdict
              << (line.invariant != "-" && !line.invariant.empty()
                      ? " " + line.invariant
                      : "")
              << ": " << line.detail
              << "\n  replay: " << ReplayCommand(r.id, std::nullopt);
          t.failure_lines.push_back(out.str());
          if (ProgressOnTerminal()) std::fprintf(stderr, "\n");
          std::printf("%s\n", out.str().c_str());
          std::fflush(stdout);
        }
        if (elapsed() - last_progress >= progress_interval) {
          last_progress = elapsed();
          PrintProgress(t, jobs.size(), last_progress);
        }
      },
      [&] { return stop_first && !t.failing_seeds.empty(); });
  const double wall = elapsed();
  PrintProgress(t, jobs.size(), wall);
  if (ProgressOnTerminal()) std::fprintf(stderr, "\n");
  std::printf(
      "sweep: %llu seeds, %llu failures; %.1f simulated s per wall s (%.1f per "
      "worker), %.0f events/s, %.0f seeds/hour, %.1fs wall\n",
      static_cast<unsigned long long>(t.done),
      static_cast<unsigned long long>(t.failing_seeds.size()),
      t.simulated_ns / 1e9 / wall, t.simulated_ns / 1e9 / wall / pool.workers,
      t.events / wall, t.done * 3600.0 / wall, wall);
  std::string verdicts;
  for (const auto& [verdict, count] : t.verdicts) {
    verdicts += " " + verdict + "=" + std::to_string(count);
  }
  std::printf("verdicts:%s\n", verdicts.c_str());
  for (const std::string& line : t.failure_lines) {
    std::printf("%s\n", line.c_str());
  }
  int mismatches = 0;
  if (absl::GetFlag(FLAGS_determinism_sample) > 0) {
    mismatches =
        CheckDeterminism(t, absl::GetFlag(FLAGS_determinism_sample), pool);
  }
  int shrink_status = 0;
  if (absl::GetFlag(FLAGS_shrink) && !t.failing_seeds.empty()) {
    const uint64_t lowest =
        *std::min_element(t.failing_seeds.begin(), t.failing_seeds.end());
    std::printf("shrinking the lowest failing seed, %llu\n",
                static_cast<unsigned long long>(lowest));
    std::fflush(stdout);
    shrink_status = Shrink(lowest);
  }
  const bool shrink_ok =
      absl::GetFlag(FLAGS_expect_shrunk_percent_at_most) < 0 ||
      (!t.failing_seeds.empty() && shrink_status == 0);
  if (absl::GetFlag(FLAGS_expect_failure)) {
    std::printf("expected a failure: %s\n",
                !t.failing_seeds.empty() ? "found" : "NOT found");
    return !t.failing_seeds.empty() && mismatches == 0 && shrink_ok ? 0 : 1;
  }
  return t.failing_seeds.empty() && mismatches == 0 ? 0 : 1;
}

// Whether `line` is the same failure as `target` (same verdict, and the
// same invariant for safety violations).
bool SameFailure(const ResultLine& line, const ResultLine& target) {
  return line.verdict == target.verdict && line.invariant == target.invariant;
}

// The exit status of a shrink: with --expect_shrunk_percent_at_most, 0 iff
// the failure shrank to at most that share of its faults; otherwise 1 when
// there was a failure to shrink (the run fails), 0 when the run passed.
int ShrinkExitCode(bool failed, size_t original, size_t shrunk) {
  const int limit = absl::GetFlag(FLAGS_expect_shrunk_percent_at_most);
  if (limit < 0) return failed ? 1 : 0;
  const bool small =
      failed && shrunk * 100 <= static_cast<size_t>(limit) * original;
  std::printf("expected a schedule shrunk to <= %d%%: %s\n", limit,
              small ? "yes" : "NO");
  return small ? 0 : 1;
}

int Shrink(uint64_t seed) {
  const RegisterRunOptions options = OptionsFor(seed);
  const std::optional<FaultSchedule> given = GivenSchedule(options.nodes);
  const FaultSchedule schedule =
      given.has_value() ? *given : register_kv::DefaultSchedule(options);
  PoolOptions pool{absl::GetFlag(FLAGS_workers),
                   absl::GetFlag(FLAGS_run_timeout_seconds)};
  ResultLine target;
  RunJobs(SelfExecutable(), {WorkerJob(seed, schedule)}, pool,
          [&](const JobResult& r) { target = Outcome(r); });
  std::printf("seed %llu with %zu faults: %s %s\n",
              static_cast<unsigned long long>(seed), schedule.size(),
              target.verdict.c_str(), target.invariant.c_str());
  if (!IsFailureVerdict(target.verdict)) {
    std::printf("the run passes: nothing to shrink\n");
    return ShrinkExitCode(false, schedule.size(), schedule.size());
  }
  auto subset = [&](const Candidate& c) {
    FaultSchedule s;
    for (size_t i : c) s.push_back(schedule[i]);
    return s;
  };
  BatchTest test = [&](const std::vector<Candidate>& batch) {
    std::vector<Job> jobs;
    for (size_t i = 0; i < batch.size(); ++i) {
      jobs.push_back(WorkerJob(seed, subset(batch[i])));
      jobs.back().id = i;
    }
    std::vector<bool> fails(batch.size(), false);
    RunJobs(SelfExecutable(), jobs, pool, [&](const JobResult& r) {
      fails[r.id] = SameFailure(Outcome(r), target);
    });
    return fails;
  };
  ShrinkStats stats;
  const Candidate kept = ShrinkFailingSet(schedule.size(), test, &stats);
  const FaultSchedule shrunk = subset(kept);
  std::printf("shrunk %zu -> %zu faults (%.0f%%) in %zu runs:\n%s\n",
              schedule.size(), shrunk.size(),
              schedule.empty() ? 0.0 : 100.0 * shrunk.size() / schedule.size(),
              stats.runs, register_kv::FormatFaultSchedule(shrunk).c_str());
  std::printf("replay: %s\n", ReplayCommand(seed, shrunk).c_str());
  return ShrinkExitCode(true, schedule.size(), shrunk.size());
}

}  // namespace
}  // namespace sim::runner

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  sim::runner::g_argv0 = argv[0];
  const std::string seeds = absl::GetFlag(FLAGS_seeds);
  const int64_t seed = absl::GetFlag(FLAGS_seed);
  if (!seeds.empty()) return sim::runner::Sweep(seeds);
  if (seed < 0) {
    std::cerr << "give --seed=N or --seeds=A..B (see --help)\n";
    return 2;
  }
  if (absl::GetFlag(FLAGS_shrink)) {
    return sim::runner::Shrink(static_cast<uint64_t>(seed));
  }
  return sim::runner::RunOne(static_cast<uint64_t>(seed));
}
