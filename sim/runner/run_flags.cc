#include "sim/runner/run_flags.h"

#include <cstdlib>
#include <sstream>

namespace sim::runner {
namespace {

bool ApplyFaultClasses(const std::string& spec,
                       register_kv::FaultScheduleOptions* faults) {
  if (spec == "swarm") return true;
  bool* classes[] = {&faults->network, &faults->crash, &faults->pause,
                     &faults->clock,   &faults->disk,  &faults->corruption};
  const char* names[] = {"network", "crash", "pause",
                         "clock",   "disk",  "corruption"};
  for (bool* on : classes) *on = spec == "all";
  if (spec == "all" || spec == "none") return true;
  std::stringstream in(spec);
  std::string item;
  while (std::getline(in, item, ',')) {
    bool found = false;
    for (size_t i = 0; i < 6; ++i) {
      if (item == names[i]) *classes[i] = found = true;
    }
    if (!found) return false;
  }
  return true;
}

bool ParseInt(const std::string& text, int* value) {
  char* end = nullptr;
  const long parsed = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || parsed < 0 || parsed > 1000000) {
    return false;
  }
  *value = static_cast<int>(parsed);
  return true;
}

}  // namespace

std::vector<std::string> RunFlags::ToArgs() const {
  const RunFlags defaults;
  std::vector<std::string> args;
  if (safety_seconds != defaults.safety_seconds) {
    args.push_back("--safety_seconds=" + std::to_string(safety_seconds));
  }
  if (liveness_seconds != defaults.liveness_seconds) {
    args.push_back("--liveness_seconds=" + std::to_string(liveness_seconds));
  }
  if (faults != defaults.faults) args.push_back("--faults=" + faults);
  if (nodes != defaults.nodes)
    args.push_back("--nodes=" + std::to_string(nodes));
  return args;
}

absl::StatusOr<register_kv::RegisterRunOptions> RunFlags::OptionsFor(
    uint64_t seed) const {
  register_kv::RegisterRunOptions o =
      register_kv::RegisterRunOptions::Swarm(seed);
  if (nodes != 0) {
    if (nodes < 1 || nodes > 9) {
      return absl::InvalidArgumentError("--nodes must be in [1, 9]");
    }
    o.nodes = nodes;
    o.faults.corruptible_nodes = (o.nodes - 1) / 2;
  }
  o.safety_duration = core::base::Duration::Seconds(safety_seconds);
  o.liveness_bound = core::base::Duration::Seconds(liveness_seconds);
  o.faults.nodes = o.nodes;
  o.faults.duration = o.safety_duration;
  if (!ApplyFaultClasses(faults, &o.faults)) {
    return absl::InvalidArgumentError("bad --faults: " + faults);
  }
  return o;
}

absl::StatusOr<RunFlags> ParseRunFlags(const std::vector<std::string>& args) {
  RunFlags flags;
  for (const std::string& arg : args) {
    const size_t eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : arg.substr(eq + 1);
    bool ok = true;
    if (name == "--safety_seconds") {
      ok = ParseInt(value, &flags.safety_seconds);
    } else if (name == "--liveness_seconds") {
      ok = ParseInt(value, &flags.liveness_seconds);
    } else if (name == "--faults") {
      flags.faults = value;
    } else if (name == "--nodes") {
      ok = ParseInt(value, &flags.nodes);
    } else {
      ok = false;
    }
    if (!ok) return absl::InvalidArgumentError("bad run flag: " + arg);
  }
  if (!flags.OptionsFor(1).ok()) return flags.OptionsFor(1).status();
  return flags;
}

}  // namespace sim::runner
