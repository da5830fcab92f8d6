// The PD workload (--workload=pd): 3 or 5 PD members (sim/pd's cluster)
// under the nemesis's partitions, crashes, pauses, clock drift and
// backwards jumps and disk faults, with clients that stream TSO requests,
// allocate IDs and move the GC safe point, each client following the
// leader as client-go does. Then the faults heal and a fresh client must
// get a timestamp, an ID and the safe point within the liveness bound.
//
// Checked over the whole history, in true (simulated) time:
//   TsoStrictlyIncreasing  (spec/pd/Tso.tla) every timestamp of a batch
//                          acknowledged before another batch was requested
//                          is below every timestamp of that batch, across
//                          clients, failovers and clock jumps; and no two
//                          batches share a timestamp;
//   IdsUnique              no ID is handed out twice;
//   SafePointMonotonic     (spec/pd/SafePoint.tla) an acknowledged GC safe
//                          point is never answered lower by a later call:
//                          it is durable across failover.
// Ref: reference/verification.md (Jepsen-style checkers over histories).
#ifndef SIM_PD_PD_WORKLOAD_H_
#define SIM_PD_PD_WORKLOAD_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/base/time.h"
#include "sim/nemesis/generator.h"
#include "sim/nemesis/schedule.h"
#include "sim/pd/pd_cluster.h"
#include "sim/runner/run_flags.h"
#include "sim/runner/workload.h"

namespace sim::pdsim {

struct PdRunOptions {
  uint64_t seed = 1;
  PdClusterOptions cluster;
  nemesis::FaultOptions faults;
  core::base::Duration safety_duration = core::base::Duration::Seconds(20);
  core::base::Duration liveness_bound = core::base::Duration::Seconds(30);
  int clients = 3;
  // Fibres sharing each client (TSO calls batch on its stream).
  int callers_per_client = 1;
  core::base::Duration op_timeout = core::base::Duration::Seconds(3);
  core::base::Duration think_max = core::base::Duration::Milliseconds(50);

  // Every knob drawn from the seed (swarm testing).
  static PdRunOptions Swarm(uint64_t seed);
  std::string ToString() const;
};

// ----- the checks, over recorded operations (true times in ns)

// A TSO batch handed out: [first, last].
struct TsoOp {
  int64_t invoked_ns = 0;
  int64_t completed_ns = 0;
  uint64_t first = 0;
  uint64_t last = 0;
};
// A GC safe point call and the safe point it answered with.
struct SafePointOp {
  int64_t invoked_ns = 0;
  int64_t completed_ns = 0;
  uint64_t safe_point = 0;
};
struct CheckFailure {
  std::string invariant;
  std::string detail;
};

std::optional<CheckFailure> CheckTsoStrictlyIncreasing(std::vector<TsoOp> ops);
std::optional<CheckFailure> CheckIdsUnique(std::vector<uint64_t> ids);
std::optional<CheckFailure> CheckSafePointMonotonic(
    std::vector<SafePointOp> ops);

nemesis::Schedule DefaultSchedule(const PdRunOptions& options);
runner::WorkloadResult RunPd(const PdRunOptions& options,
                             const nemesis::Schedule* schedule,
                             const runner::RunHooks& hooks);

// The options of `seed` under `flags`.
absl::StatusOr<PdRunOptions> OptionsFor(uint64_t seed,
                                        const runner::RunFlags& flags);

class PdWorkload final : public runner::Workload {
 public:
  std::string_view name() const override { return "pd"; }
  absl::StatusOr<std::unique_ptr<runner::SeedRun>> Configure(
      uint64_t seed, const runner::RunFlags& flags) const override;
};

}  // namespace sim::pdsim

#endif  // SIM_PD_PD_WORKLOAD_H_
