// The runner's commands (one run, a sweep, a shrink) over the Workload
// interface, and what they share: the command-line settings (Cli), replay
// commands, worker jobs and the verdict of a finished worker.
#ifndef SIM_RUNNER_CLI_H_
#define SIM_RUNNER_CLI_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "sim/nemesis/schedule.h"
#include "sim/runner/result_line.h"
#include "sim/runner/run_flags.h"
#include "sim/runner/seed_range.h"
#include "sim/runner/worker_pool.h"
#include "sim/runner/workload.h"

namespace sim::runner {

// The runner's exit status: every run passed (or, with --expect_failure,
// some run failed as expected); a run failed; the command line was wrong
// (a flag out of its range, a bad seed range or schedule) or an output
// file could not be written. The message names the flag, the value (as a
// short escaped excerpt) and its range, or the path and the errno.
inline constexpr int kExitPass = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// The ranges ValidateCli enforces (the run flags': run_flags.h).
inline constexpr int kMaxWorkers = 1024;
inline constexpr double kMaxRunTimeoutSeconds = 1e6;
inline constexpr int kMaxDeterminismSample = 1000000;

// Everything the commands read from the command line.
struct Cli {
  std::string argv0 = "sim";
  const Workload* workload = nullptr;
  // Exactly one of them: one run (or a shrink) or a sweep.
  std::optional<uint64_t> seed;
  std::optional<SeedRange> seeds;
  RunFlags flags;
  PoolOptions pool;
  // --schedule: "" (the seed's own), "none", a file, or inline events.
  std::string schedule;
  bool verbose = false;
  bool print_schedule = false;
  std::string history_out;
  bool worker_output = false;
  int determinism_sample = 0;
  bool shrink = false;
  int expect_shrunk_percent_at_most = -1;
  bool expect_failure = false;
  bool stop_at_first_failure = false;
};

// Checks every setting against its range and the settings against each
// other (one of --seed and --seeds; --history_out only for one run), so
// that no bad command line reaches a CHECK, a wrapped number or a run whose
// output goes nowhere.
absl::Status ValidateCli(const Cli& cli);

// One seed's run; exits with status 2 when the flags do not fit the
// workload.
std::unique_ptr<SeedRun> ConfigureOrExit(const Cli& cli, uint64_t seed);
// The schedule given with --schedule (nullopt: none given); exits with
// status 2 when it cannot be read or parsed for `hosts` hosts.
std::optional<nemesis::Schedule> GivenScheduleOrExit(const Cli& cli, int hosts);

// The command that replays `seed` (with `schedule`, or its own).
std::string ReplayCommand(const Cli& cli, uint64_t seed,
                          const std::optional<nemesis::Schedule>& schedule);
// A worker run of `seed` printing one RESULT line.
Job WorkerJob(const Cli& cli, uint64_t seed,
              const std::optional<nemesis::Schedule>& schedule = std::nullopt);
// The verdict of a finished worker ("crashed" or "timeout" when it died
// without one).
ResultLine Outcome(const JobResult& result);
bool IsFailureVerdict(const std::string& verdict);

// The commands; each returns the process's exit status.
int RunOne(const Cli& cli, uint64_t seed);
int Sweep(const Cli& cli, const SeedRange& range);
int Shrink(const Cli& cli, uint64_t seed);

}  // namespace sim::runner

#endif  // SIM_RUNNER_CLI_H_
