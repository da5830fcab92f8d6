// --shrink: delta debugging of a failing run's fault schedule on the
// worker pool, down to a 1-minimal schedule printed as a replay command.
#include <cstdio>

#include "sim/runner/cli.h"
#include "sim/runner/shrink.h"

namespace sim::runner {
namespace {

// Whether `line` is the same failure as `target` (same verdict, and the
// same invariant for safety violations).
bool SameFailure(const ResultLine& line, const ResultLine& target) {
  return line.verdict == target.verdict && line.invariant == target.invariant;
}

// The exit status of a shrink: with --expect_shrunk_percent_at_most, 0 iff
// the failure shrank to at most that share of its faults; otherwise 1 when
// there was a failure to shrink (the run fails), 0 when the run passed.
int ShrinkExitCode(const Cli& cli, bool failed, size_t original,
                   size_t shrunk) {
  const int limit = cli.expect_shrunk_percent_at_most;
  if (limit < 0) return failed ? 1 : 0;
  const bool small =
      failed && shrunk * 100 <= static_cast<size_t>(limit) * original;
  std::printf("expected a schedule shrunk to <= %d%%: %s\n", limit,
              small ? "yes" : "NO");
  return small ? 0 : 1;
}

nemesis::Schedule Subset(const nemesis::Schedule& schedule,
                         const Candidate& kept) {
  nemesis::Schedule out;
  for (size_t i : kept) out.push_back(schedule[i]);
  return out;
}

// Runs each candidate of `batch` on the pool: which reproduce `target`.
std::vector<bool> TestBatch(const Cli& cli, uint64_t seed,
                            const nemesis::Schedule& schedule,
                            const ResultLine& target,
                            const std::vector<Candidate>& batch) {
  std::vector<Job> jobs;
  for (size_t i = 0; i < batch.size(); ++i) {
    jobs.push_back(WorkerJob(cli, seed, Subset(schedule, batch[i])));
    jobs.back().id = i;
  }
  std::vector<bool> fails(batch.size(), false);
  RunJobs(SelfExecutable(), jobs, cli.pool, [&](const JobResult& r) {
    fails[r.id] = SameFailure(Outcome(r), target);
  });
  return fails;
}

}  // namespace

int Shrink(const Cli& cli, uint64_t seed) {
  const std::unique_ptr<SeedRun> run = ConfigureOrExit(cli, seed);
  const std::optional<nemesis::Schedule> given =
      GivenScheduleOrExit(cli, run->hosts());
  const nemesis::Schedule schedule =
      given.has_value() ? *given : run->DefaultSchedule();
  ResultLine target;
  RunJobs(SelfExecutable(), {WorkerJob(cli, seed, schedule)}, cli.pool,
          [&](const JobResult& r) { target = Outcome(r); });
  std::printf("seed %llu with %zu faults: %s %s\n",
              static_cast<unsigned long long>(seed), schedule.size(),
              target.verdict.c_str(), target.invariant.c_str());
  if (!IsFailureVerdict(target.verdict)) {
    std::printf("the run passes: nothing to shrink\n");
    return ShrinkExitCode(cli, false, schedule.size(), schedule.size());
  }
  const BatchTest test = [&](const std::vector<Candidate>& batch) {
    return TestBatch(cli, seed, schedule, target, batch);
  };
  ShrinkStats stats;
  const nemesis::Schedule shrunk =
      Subset(schedule, ShrinkFailingSet(schedule.size(), test, &stats));
  std::printf("shrunk %zu -> %zu faults (%.0f%%) in %zu runs:\n%s\n",
              schedule.size(), shrunk.size(),
              schedule.empty() ? 0.0 : 100.0 * shrunk.size() / schedule.size(),
              stats.runs, nemesis::FormatSchedule(shrunk).c_str());
  std::printf("replay: %s\n", ReplayCommand(cli, seed, shrunk).c_str());
  return ShrinkExitCode(cli, true, schedule.size(), shrunk.size());
}

}  // namespace sim::runner
