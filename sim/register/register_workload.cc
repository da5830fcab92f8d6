#include "sim/register/register_workload.h"

#include <utility>

#include "core/base/check.h"
#include "sim/nemesis/generator.h"

namespace sim::register_kv {

absl::StatusOr<RegisterRunOptions> OptionsFor(uint64_t seed,
                                              const runner::RunFlags& flags) {
  if (absl::Status status = runner::ValidateRunFlags(flags); !status.ok()) {
    return status;
  }
  RegisterRunOptions o = RegisterRunOptions::Swarm(seed);
  if (flags.nodes != 0) {
    o.nodes = flags.nodes;
    o.faults.corruptible_nodes = (o.nodes - 1) / 2;
  }
  o.safety_duration = core::base::Duration::Seconds(flags.safety_seconds);
  o.liveness_bound = core::base::Duration::Seconds(flags.liveness_seconds);
  o.faults.nodes = o.nodes;
  o.faults.duration = o.safety_duration;
  CHECK(nemesis::ApplyFaultClasses(flags.faults, &o.faults));
  return o;
}

namespace {

class RegisterSeedRun final : public runner::SeedRun {
 public:
  explicit RegisterSeedRun(RegisterRunOptions options)
      : options_(std::move(options)) {}
  std::string ToString() const override { return options_.ToString(); }
  int hosts() const override { return options_.nodes; }
  nemesis::Schedule DefaultSchedule() const override {
    return register_kv::DefaultSchedule(options_);
  }
  runner::WorkloadResult Run(const nemesis::Schedule* schedule,
                             const runner::RunHooks& hooks) const override {
    return RunRegister(options_, schedule, hooks);
  }

 private:
  RegisterRunOptions options_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<runner::SeedRun>> RegisterWorkload::Configure(
    uint64_t seed, const runner::RunFlags& flags) const {
  auto options = OptionsFor(seed, flags);
  if (!options.ok()) return options.status();
  return std::make_unique<RegisterSeedRun>(*std::move(options));
}

}  // namespace sim::register_kv
