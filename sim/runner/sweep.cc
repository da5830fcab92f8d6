// --seeds=A..B: a sweep of worker runs with a progress line, every failure
// listed with its replay command, throughput figures, a determinism rerun
// of a sample of seeds, and (with --shrink) a shrink of the lowest failure.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "sim/runner/cli.h"

namespace sim::runner {
namespace {

// On a terminal the progress line rewrites itself; in a log (CI) it is a
// line of its own.
bool ProgressOnTerminal() { return isatty(STDERR_FILENO) != 0; }

bool ParseRange(const std::string& text, uint64_t* first, uint64_t* last) {
  const size_t dots = text.find("..");
  if (dots == std::string::npos) return false;
  char* end = nullptr;
  *first = std::strtoull(text.c_str(), &end, 10);
  if (end != text.c_str() + dots) return false;
  *last = std::strtoull(text.c_str() + dots + 2, &end, 10);
  return *end == '\0' && *first <= *last;
}

class SweepState {
 public:
  SweepState(const Cli& cli, uint64_t total) : cli_(cli), total_(total) {}

  void OnResult(const JobResult& r);
  void PrintProgress() const;
  void PrintSummary() const;
  // Reruns an even sample of the swept seeds; returns the mismatches.
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
  std::map<uint64_t, uint64_t> hashes_;  // seed -> trace hash
  std::map<std::string, uint64_t> verdicts_;
  std::vector<std::string> failure_lines_;
  std::vector<uint64_t> failing_seeds_;
};

void SweepState::OnResult(const JobResult& r) {
  const ResultLine line = Outcome(r);
  ++done_;
  simulated_ns_ += line.simulated_ns;
  events_ += line.events;
  hashes_[r.id] = line.trace_hash;
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
  std::vector<uint64_t> seeds;
  for (const auto& [seed, hash] : hashes_) seeds.push_back(seed);
  const size_t n = std::min<size_t>(
      static_cast<size_t>(cli_.determinism_sample), seeds.size());
  for (size_t i = 0; i < n; ++i) {
    jobs.push_back(WorkerJob(cli_, seeds[i * seeds.size() / n]));
  }
  int mismatches = 0, matched = 0;
  RunJobs(SelfExecutable(), jobs, cli_.pool, [&](const JobResult& r) {
    const ResultLine line = Outcome(r);
    const uint64_t first = hashes_.at(r.id);
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

int Sweep(const Cli& cli, const std::string& range) {
  uint64_t first = 0, last = 0;
  if (!ParseRange(range, &first, &last)) {
    std::cerr << "bad --seeds (want A..B): " << range << "\n";
    return 2;
  }
  std::vector<Job> jobs;
  for (uint64_t seed = first; seed <= last; ++seed) {
    jobs.push_back(WorkerJob(cli, seed));
  }
  std::string flags;
  for (const std::string& flag : cli.flags.ToArgs()) flags += " " + flag;
  std::printf("sweep seeds %llu..%llu (%zu runs) on %d workers%s\n",
              static_cast<unsigned long long>(first),
              static_cast<unsigned long long>(last), jobs.size(),
              cli.pool.workers, flags.c_str());
  std::fflush(stdout);
  SweepState state(cli, jobs.size());
  RunJobs(
      SelfExecutable(), jobs, cli.pool,
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
