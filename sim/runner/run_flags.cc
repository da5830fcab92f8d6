#include "sim/runner/run_flags.h"

#include <optional>

#include "core/base/bytes.h"
#include "core/base/numbers.h"
#include "sim/nemesis/generator.h"

namespace sim::runner {
namespace {

// The syntax only: ranges are ValidateRunFlags', shared with the command
// line.
bool ParseInt(const std::string& text, int* value) {
  const std::optional<int> parsed = core::base::ParseInteger<int>(text);
  if (!parsed) return false;
  *value = *parsed;
  return true;
}

// Sets the flag `name` from `value`; false if unknown or malformed.
bool SetFlag(const std::string& name, const std::string& value,
             RunFlags* flags) {
  if (name == "--workload") {
    flags->workload = value;
    return !value.empty();
  }
  if (name == "--safety_seconds")
    return ParseInt(value, &flags->safety_seconds);
  if (name == "--liveness_seconds") {
    return ParseInt(value, &flags->liveness_seconds);
  }
  if (name == "--faults") {
    flags->faults = value;
    return true;
  }
  if (name == "--nodes") return ParseInt(value, &flags->nodes);
  return false;
}

}  // namespace

std::vector<std::string> RunFlags::ToArgs() const {
  const RunFlags defaults;
  std::vector<std::string> args;
  if (workload != defaults.workload) args.push_back("--workload=" + workload);
  if (safety_seconds != defaults.safety_seconds) {
    args.push_back("--safety_seconds=" + std::to_string(safety_seconds));
  }
  if (liveness_seconds != defaults.liveness_seconds) {
    args.push_back("--liveness_seconds=" + std::to_string(liveness_seconds));
  }
  if (faults != defaults.faults) args.push_back("--faults=" + faults);
  if (nodes != defaults.nodes) {
    args.push_back("--nodes=" + std::to_string(nodes));
  }
  return args;
}

absl::Status BadFlag(std::string_view name, std::string_view value,
                     std::string_view want) {
  return absl::InvalidArgumentError("--" + std::string(name) + ": got " +
                                    core::base::QuoteExcerpt(value) +
                                    ", want " + std::string(want));
}

absl::Status ValidateRunFlags(const RunFlags& flags) {
  nemesis::FaultOptions faults;
  if (!nemesis::ApplyFaultClasses(flags.faults, &faults)) {
    return BadFlag("faults", flags.faults,
                   "swarm, all, none or a comma-separated list of network, "
                   "crash, pause, clock, disk, corruption, swizzle, messages");
  }
  const std::string seconds =
      "whole seconds in [0, " + std::to_string(kMaxRunSeconds) + "]";
  if (flags.safety_seconds < 0 || flags.safety_seconds > kMaxRunSeconds) {
    return BadFlag("safety_seconds", std::to_string(flags.safety_seconds),
                   seconds);
  }
  if (flags.liveness_seconds < 0 || flags.liveness_seconds > kMaxRunSeconds) {
    return BadFlag("liveness_seconds", std::to_string(flags.liveness_seconds),
                   seconds);
  }
  if (flags.nodes != 0 && (flags.nodes < 1 || flags.nodes > kMaxNodes)) {
    return BadFlag("nodes", std::to_string(flags.nodes),
                   "0 (drawn per seed) or a group size in [1, 9]");
  }
  return absl::OkStatus();
}

absl::StatusOr<RunFlags> ParseRunFlags(const std::vector<std::string>& args) {
  RunFlags flags;
  for (const std::string& arg : args) {
    const size_t eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : arg.substr(eq + 1);
    if (!SetFlag(name, value, &flags)) {
      return absl::InvalidArgumentError("bad run flag " +
                                        core::base::QuoteExcerpt(arg));
    }
  }
  if (absl::Status status = ValidateRunFlags(flags); !status.ok()) {
    return status;
  }
  return flags;
}

}  // namespace sim::runner
