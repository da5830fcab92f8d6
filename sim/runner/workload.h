// Workload: what the runner runs. Sweeps, the worker pool, determinism
// reruns, shrinking and replay commands work on this interface only; each
// workload (the register today; a Multi-Raft store and a whole cluster
// next) is one implementation, listed in workloads.cc.
//
//   const Workload* w = FindWorkload(flags.workload);
//   auto run = w->Configure(seed, flags);        // swarm options of the seed
//   std::cout << (*run)->ToString();             // printed first
//   WorkloadResult r = (*run)->Run(nullptr, {}); // its own schedule
//   r = (*run)->Run(&shrunk, {});                // or an explicit one
//
// A run must be a pure function of (seed, run flags, schedule, binary): the
// runner compares trace hashes across processes and replays failures from
// the printed command alone. The schedule speaks of hosts 1..hosts().
#ifndef SIM_RUNNER_WORKLOAD_H_
#define SIM_RUNNER_WORKLOAD_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/checkers/verdict.h"
#include "sim/nemesis/schedule.h"
#include "sim/runner/run_flags.h"

namespace sim::runner {

using checkers::Verdict;

struct RunHooks {
  // Fill WorkloadResult::history.
  bool keep_history = false;
  // Receives the run's log lines (faults, crashes, halts, elections, ...).
  std::function<void(const std::string&)> log;
};

struct WorkloadResult {
  Verdict verdict = Verdict::kPass;
  // The broken invariant's name (as in spec/), "" when none.
  std::string invariant;
  std::string detail;
  int64_t failed_at_ns = -1;
  uint64_t trace_hash = 0;
  int64_t simulated_ns = 0;
  uint64_t events = 0;
  // The schedule the run used (generated or given).
  nemesis::Schedule schedule;
  // The history as JSON lines, when RunHooks::keep_history.
  std::string history;
  // The workload's own counters, in print order (ops, crashes, ...). Every
  // workload reports "ops_ok", the client operations that succeeded.
  std::vector<std::pair<std::string, uint64_t>> stats;

  // The counter `name` (0 when absent).
  uint64_t stat(std::string_view name) const;

  // One line: verdict, simulated time, events, stats, trace hash (hex).
  std::string Summary() const;
};

// One seed's run, configured (its options drawn from the seed and the run
// flags) but not started. Run may be called more than once; each call is a
// fresh simulation.
class SeedRun {
 public:
  virtual ~SeedRun() = default;
  // Every option of the run on one line (printed before it starts).
  virtual std::string ToString() const = 0;
  // The hosts a schedule may name (1..hosts()).
  virtual int hosts() const = 0;
  // The schedule the seed generates (what Run uses with no schedule).
  virtual nemesis::Schedule DefaultSchedule() const = 0;
  // `schedule` null: DefaultSchedule().
  virtual WorkloadResult Run(const nemesis::Schedule* schedule,
                             const RunHooks& hooks) const = 0;
};

class Workload {
 public:
  virtual ~Workload() = default;
  // Its --workload= name.
  virtual std::string_view name() const = 0;
  // The run of `seed` under `flags` (swarm: every knob drawn from the
  // seed, then the flags applied). Fails on flags it cannot honour.
  virtual absl::StatusOr<std::unique_ptr<SeedRun>> Configure(
      uint64_t seed, const RunFlags& flags) const = 0;
};

}  // namespace sim::runner

#endif  // SIM_RUNNER_WORKLOAD_H_
