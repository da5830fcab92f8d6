// RegisterWorkload: the replicated register as a runner workload
// (--workload=register, the default). Configure draws the swarm options of
// the seed (RegisterRunOptions::Swarm) and applies the run flags; Run is
// RunRegister.
#ifndef SIM_REGISTER_REGISTER_WORKLOAD_H_
#define SIM_REGISTER_REGISTER_WORKLOAD_H_

#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "sim/register/register_sim.h"
#include "sim/runner/run_flags.h"
#include "sim/runner/workload.h"

namespace sim::register_kv {

// The options of `seed` under `flags`. Fails on a bad fault list or group
// size.
absl::StatusOr<RegisterRunOptions> OptionsFor(uint64_t seed,
                                              const runner::RunFlags& flags);

class RegisterWorkload final : public runner::Workload {
 public:
  std::string_view name() const override { return "register"; }
  absl::StatusOr<std::unique_ptr<runner::SeedRun>> Configure(
      uint64_t seed, const runner::RunFlags& flags) const override;
};

}  // namespace sim::register_kv

#endif  // SIM_REGISTER_REGISTER_WORKLOAD_H_
