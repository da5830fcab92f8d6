// --seeds=A..B: a sweep of worker runs with a progress line, every failure
// listed with its replay command, throughput figures, a determinism rerun
// of a sample of seeds, and (with --shrink) a shrink of the lowest failure.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "sim/runner/cli.h"

namespace sim::runner {
namespace {

// On a terminal the progress line rewrites itself; in a log (CI) it is a
// line of its own.
bool ProgressOnTerminal() { return isatty(STDERR_FILENO) != 0; }

// What a sweep keeps stays bounded whatever the size of its range: the
// trace hashes of its determinism sample only (chosen up front, spread over
// the range), and the failures.
class SweepState {
 public:
  SweepState(const Cli& cli, const SeedRange& range)
      : cli_(cli), total_(range.size()) {
    for (uint64_t seed :
         SpreadSample(range, static_cast<uint64_t>(cli.determinism_sample))) {
      sample_hashes_.emplace(seed, std::nullopt);
    }
  }

  void OnResult(const JobResult& r);
  void PrintProgress() const;
  void PrintSummary() const;
  // Reruns the sample's seeds that ran; returns the mismatches.
  int CheckDeterminism() const;
  const std::vector<uint64_t>& failing_seeds() const { return failing_seeds_; }

 private:
  double Elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start_)
        .count();
  }
  void RecordFailure(uint64_t seed, const ResultLine& line);

  const Cli& cli_;
  const uint64_t total_;
  const std::chrono::steady_clock::time_point start_ =
      std::chrono::steady_clock::now();
  double last_progress_ = -1;
  uint64_t done_ = 0;
  int64_t simulated_ns_ = 0;
  uint64_t events_ = 0;
  // The sample's seeds -> their first run's trace hash, once it ran.
  std::map<uint64_t, std::optional<uint64_t>> sample_hashes_;
  std::map<std::string, uint64_t> verdicts_;
  std::vector<std::string> failure_lines_;
  std::vector<uint64_t> failing_seeds_;
};

void SweepState::OnResult(const JobResult& r) {
  const ResultLine line = Outcome(r);
  ++done_;
  simulated_ns_ += line.simulated_ns;
  events_ += line.events;
  if (auto it = sample_hashes_.find(r.id); it != sample_hashes_.end()) {
    it->second = line.trace_hash;
  }
  ++verdicts_[line.verdict];
  if (line.verdict == "checker-unknown") {
    // Not a failure, but not a verified pass either: list it.
    std::printf("UNKNOWN seed=%llu: %s\n  replay: %s\n",
                static_cast<unsigned long long>(r.id), line.detail.c_str(),
                ReplayCommand(cli_, r.id, std::nullopt).c_str());
    std::fflush(stdout);
  }
  if (IsFailureVerdict(line.verdict)) RecordFailure(r.id, line);
  const double progress_interval = ProgressOnTerminal() ? 1.0 : 15.0;
  if (Elapsed() - last_progress_ >= progress_interval) {
    last_progress_ = Elapsed();
    PrintProgress();
  }
}

void SweepState::RecordFailure(uint64_t seed, const ResultLine& line) {
  failing_seeds_.push_back(seed);
  std::ostringstream out;
  out << "FAIL seed=" << seed << " " << line.verdict
      << (line.invariant != "-" && !line.invariant.empty()
              ? " " + line.invariant
              : "")
      << ": " << line.detail
      << "\n  replay: " << ReplayCommand(cli_, seed, std::nullopt);
  failure_lines_.push_back(out.str());
  if (ProgressOnTerminal()) std::fprintf(stderr, "\n");
  std::printf("%s\n", out.str().c_str());
  std::fflush(stdout);
}

void SweepState::PrintProgress() const {
  const double elapsed = std::max(Elapsed(), 1e-9);
  std::fprintf(stderr,
               "%s[sweep] %llu/%llu seeds  failures=%llu  %.0fs  "
               "sim-s/wall-s=%.0f  events/s=%.0f  seeds/h=%.0f%s",
               ProgressOnTerminal() ? "\r" : "",
               static_cast<unsigned long long>(done_),
               static_cast<unsigned long long>(total_),
               static_cast<unsigned long long>(failing_seeds_.size()), elapsed,
               simulated_ns_ / 1e9 / elapsed, events_ / elapsed,
               done_ * 3600.0 / elapsed, ProgressOnTerminal() ? "   " : "\n");
}

void SweepState::PrintSummary() const {
  const double wall = Elapsed();
  PrintProgress();
  if (ProgressOnTerminal()) std::fprintf(stderr, "\n");
  std::printf(
      "sweep: %llu seeds, %llu failures; %.1f simulated s per wall s (%.1f per "
      "worker), %.0f events/s, %.0f seeds/hour, %.1fs wall\n",
      static_cast<unsigned long long>(done_),
      static_cast<unsigned long long>(failing_seeds_.size()),
      simulated_ns_ / 1e9 / wall,
      simulated_ns_ / 1e9 / wall / cli_.pool.workers, events_ / wall,
      done_ * 3600.0 / wall, wall);
  std::string verdicts;
  for (const auto& [verdict, count] : verdicts_) {
    verdicts += " " + verdict + "=" + std::to_string(count);
  }
  std::printf("verdicts:%s\n", verdicts.c_str());
  for (const std::string& line : failure_lines_) {
    std::printf("%s\n", line.c_str());
  }
}

int SweepState::CheckDeterminism() const {
  std::vector<Job> jobs;
  for (const auto& [seed, hash] : sample_hashes_) {
    if (hash.has_value()) jobs.push_back(WorkerJob(cli_, seed));
  }
  int mismatches = 0, matched = 0;
  RunJobs(SelfExecutable(), jobs, cli_.pool, [&](const JobResult& r) {
    const ResultLine line = Outcome(r);
    const uint64_t first = *sample_hashes_.at(r.id);
    if (line.trace_hash == first) {
      ++matched;
      return;
    }
    ++mismatches;
    std::printf(
        "NONDETERMINISTIC seed=%llu: trace hash %llx then %llx\n  replay: "
        "%s\n",
        static_cast<unsigned long long>(r.id),
        static_cast<unsigned long long>(first),
        static_cast<unsigned long long>(line.trace_hash),
        ReplayCommand(cli_, r.id, std::nullopt).c_str());
  });
  std::printf("determinism: %d/%zu reruns matched their trace hash\n", matched,
              jobs.size());
  return mismatches;
}

// The sweep's exit status, after the optional shrink of its lowest failure.
int Finish(const Cli& cli, const SweepState& state, int mismatches) {
  const std::vector<uint64_t>& failing = state.failing_seeds();
  int shrink_status = 0;
  if (cli.shrink && !failing.empty()) {
    const uint64_t lowest = *std::min_element(failing.begin(), failing.end());
    std::printf("shrinking the lowest failing seed, %llu\n",
                static_cast<unsigned long long>(lowest));
    std::fflush(stdout);
    shrink_status = Shrink(cli, lowest);
  }
  const bool shrink_ok = cli.expect_shrunk_percent_at_most < 0 ||
                         (!failing.empty() && shrink_status == 0);
  if (cli.expect_failure) {
    std::printf("expected a failure: %s\n",
                !failing.empty() ? "found" : "NOT found");
    return !failing.empty() && mismatches == 0 && shrink_ok ? 0 : 1;
  }
  return failing.empty() && mismatches == 0 ? 0 : 1;
}

}  // namespace

int Sweep(const Cli& cli, const SeedRange& range) {
  std::string flags;
  for (const std::string& flag : cli.flags.ToArgs()) flags += " " + flag;
  std::printf("sweep seeds %llu..%llu (%llu runs) on %d workers%s\n",
              static_cast<unsigned long long>(range.first),
              static_cast<unsigned long long>(range.last),
              static_cast<unsigned long long>(range.size()), cli.pool.workers,
              flags.c_str());
  std::fflush(stdout);
  SweepState state(cli, range);
  // One job at a time, as workers free up: memory does not grow with the
  // range (issue 22: 1..10^12 once built every job before running one).
  SeedCursor seeds(range);
  const JobSource next_job = [&]() -> std::optional<Job> {
    const std::optional<uint64_t> seed = seeds.Next();
    if (!seed.has_value()) return std::nullopt;
    return WorkerJob(cli, *seed);
  };
  RunJobs(
      SelfExecutable(), next_job, cli.pool,
      [&](const JobResult& r) { state.OnResult(r); },
      [&] {
        return cli.stop_at_first_failure && !state.failing_seeds().empty();
      });
  state.PrintSummary();
  const int mismatches =
      cli.determinism_sample > 0 ? state.CheckDeterminism() : 0;
  return Finish(cli, state, mismatches);
}

}  // namespace sim::runner
