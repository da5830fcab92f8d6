#include "sim/runner/run_flags.h"

#include <cstdlib>

#include "sim/nemesis/generator.h"

namespace sim::runner {
namespace {

bool ParseInt(const std::string& text, int* value) {
  char* end = nullptr;
  const long parsed = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || parsed < 0 || parsed > 1000000) {
    return false;
  }
  *value = static_cast<int>(parsed);
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

absl::Status ValidateRunFlags(const RunFlags& flags) {
  nemesis::FaultOptions faults;
  if (!nemesis::ApplyFaultClasses(flags.faults, &faults)) {
    return absl::InvalidArgumentError("bad --faults: " + flags.faults);
  }
  if (flags.nodes != 0 && (flags.nodes < 1 || flags.nodes > 9)) {
    return absl::InvalidArgumentError("--nodes must be in [1, 9]");
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
      return absl::InvalidArgumentError("bad run flag: " + arg);
    }
  }
  if (absl::Status status = ValidateRunFlags(flags); !status.ok()) {
    return status;
  }
  return flags;
}

}  // namespace sim::runner
