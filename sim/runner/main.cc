// sim: the simulator's command-line runner, for every workload
// (--workload=register, the default; see workloads.cc).
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
// Run options (--workload, --safety_seconds, --faults, --nodes, ...) apply
// to every run and are forwarded to workers and into replay commands.
//
// Exit status (cli.h): 0 every run passed (with --expect_failure: a run
// failed, as expected), 1 a run failed, 2 a bad command line or an output
// file that cannot be written. Every numeric flag has a range (see --help);
// a value outside it, a seed range past 2^64 - 1, a bad schedule or an
// unwritable --history_out is refused before any run, with a message
// naming the flag, the value and the range, or the path and the errno.
// (Unknown flags and values that are not numbers of the flag's type are
// the flags library's to refuse, with its own message and status 1.)
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "core/base/bytes.h"
#include "sim/runner/cli.h"
#include "sim/runner/workloads.h"

ABSL_FLAG(std::string, seed, "",
          "run this one seed, in [0, 18446744073709551615]");
ABSL_FLAG(std::string, seeds, "",
          "sweep a seed range A..B (inclusive, seeds in [0, 2^64 - 1])");
ABSL_FLAG(int, workers, 1,
          "worker processes for sweeps and shrinking, in [1, 1024]");
ABSL_FLAG(int, determinism_sample, 0,
          "after a sweep, rerun this many of its seeds (spread over the "
          "range) and compare hashes, in [0, 1000000]");
ABSL_FLAG(std::string, schedule, "",
          "fault schedule: a file, or inline events starting with '@'");
ABSL_FLAG(bool, shrink, false,
          "shrink the fault schedule of --seed, or of a sweep's lowest "
          "failing seed");
ABSL_FLAG(int, expect_shrunk_percent_at_most, -1,
          "with --shrink: exit 0 iff a failure was shrunk to at most this "
          "percentage of its faults, in [0, 100] (the shrinking acceptance "
          "test; -1: off)");
ABSL_FLAG(bool, verbose, false, "print the run's log (faults, halts, ...)");
ABSL_FLAG(bool, print_schedule, false, "print the run's fault schedule");
ABSL_FLAG(std::string, history_out, "",
          "with --seed: write the history (JSON lines) to this file, "
          "created before the run");
ABSL_FLAG(bool, worker_output, false, "internal: print one RESULT line");
ABSL_FLAG(std::string, workload, "register", "the workload to run");
ABSL_FLAG(int, safety_seconds, 20,
          "simulated seconds of the faulty phase, in [0, 1000000]");
ABSL_FLAG(int, liveness_seconds, 30,
          "bound on convergence after healing, in [0, 1000000] s");
ABSL_FLAG(std::string, faults, "swarm",
          "fault classes: swarm (drawn per seed), all, none, or a list of "
          "network,crash,pause,clock,disk,corruption,swizzle,messages");
ABSL_FLAG(int, nodes, 0, "group size in [1, 9] (0: drawn per seed, 3 to 5)");
ABSL_FLAG(bool, expect_failure, false,
          "sweep: exit 0 iff some seed fails (mutant tests)");
ABSL_FLAG(bool, stop_at_first_failure, false, "sweep: stop at a failure");
ABSL_FLAG(double, run_timeout_seconds, 600,
          "kill a worker run after this, in (0, 1000000]");

namespace sim::runner {
namespace {

RunFlags FlagsFromCommandLine() {
  RunFlags flags;
  flags.workload = absl::GetFlag(FLAGS_workload);
  flags.safety_seconds = absl::GetFlag(FLAGS_safety_seconds);
  flags.liveness_seconds = absl::GetFlag(FLAGS_liveness_seconds);
  flags.faults = absl::GetFlag(FLAGS_faults);
  flags.nodes = absl::GetFlag(FLAGS_nodes);
  return flags;
}

// The settings, with the seeds parsed; range checks are ValidateCli's.
absl::StatusOr<Cli> CliFromCommandLine(const char* argv0) {
  Cli cli;
  cli.argv0 = argv0;
  if (const std::string seed = absl::GetFlag(FLAGS_seed); !seed.empty()) {
    absl::StatusOr<uint64_t> parsed = ParseSeed(seed);
    if (!parsed.ok()) return parsed.status();
    cli.seed = *parsed;
  }
  if (const std::string seeds = absl::GetFlag(FLAGS_seeds); !seeds.empty()) {
    absl::StatusOr<SeedRange> parsed = ParseSeedRange(seeds);
    if (!parsed.ok()) return parsed.status();
    cli.seeds = *parsed;
  }
  cli.flags = FlagsFromCommandLine();
  cli.workload = FindWorkload(cli.flags.workload);
  cli.pool = {absl::GetFlag(FLAGS_workers),
              absl::GetFlag(FLAGS_run_timeout_seconds)};
  cli.schedule = absl::GetFlag(FLAGS_schedule);
  cli.verbose = absl::GetFlag(FLAGS_verbose);
  cli.print_schedule = absl::GetFlag(FLAGS_print_schedule);
  cli.history_out = absl::GetFlag(FLAGS_history_out);
  cli.worker_output = absl::GetFlag(FLAGS_worker_output);
  cli.determinism_sample = absl::GetFlag(FLAGS_determinism_sample);
  cli.shrink = absl::GetFlag(FLAGS_shrink);
  cli.expect_shrunk_percent_at_most =
      absl::GetFlag(FLAGS_expect_shrunk_percent_at_most);
  cli.expect_failure = absl::GetFlag(FLAGS_expect_failure);
  cli.stop_at_first_failure = absl::GetFlag(FLAGS_stop_at_first_failure);
  return cli;
}

int Main(const std::vector<char*>& positional, const char* argv0) {
  if (positional.size() > 1) {
    std::cerr << "unexpected argument "
              << core::base::QuoteExcerpt(positional[1])
              << " (flags are --name=value; see --help)\n";
    return kExitUsage;
  }
  absl::StatusOr<Cli> cli = CliFromCommandLine(argv0);
  absl::Status valid = cli.ok() ? ValidateCli(*cli) : cli.status();
  if (!valid.ok()) {
    std::cerr << valid.message() << "\n";
    return kExitUsage;
  }
  if (cli->workload == nullptr) {
    std::cerr << "--workload: got "
              << core::base::QuoteExcerpt(cli->flags.workload)
              << ", want one of: " << WorkloadNames() << "\n";
    return kExitUsage;
  }
  if (cli->seeds.has_value()) return Sweep(*cli, *cli->seeds);
  if (cli->shrink) return Shrink(*cli, *cli->seed);
  return RunOne(*cli, *cli->seed);
}

}  // namespace
}  // namespace sim::runner

int main(int argc, char** argv) {
  const std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  return sim::runner::Main(positional, argv[0]);
}
