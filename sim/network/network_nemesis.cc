#include "sim/network/network_nemesis.h"

#include <sstream>
#include <vector>

#include "core/base/check.h"

namespace sim {

using core::base::Duration;

const char* NetworkFaultName(NetworkFault fault) {
  switch (fault) {
    case NetworkFault::kIsolate:
      return "isolate";
    case NetworkFault::kHalves:
      return "halves";
    case NetworkFault::kMajorityRing:
      return "majority-ring";
    case NetworkFault::kOneWayHalves:
      return "one-way-halves";
    case NetworkFault::kClogProcess:
      return "clog-process";
    case NetworkFault::kSwizzleClog:
      return "swizzle-clog";
  }
  UNREACHABLE();
  return "";
}

std::string NemesisOptions::ToString() const {
  std::ostringstream out;
  out << "interval=" << interval << " fault_probability=" << fault_probability
      << " heal_probability=" << heal_probability << " weights=";
  for (size_t i = 0; i < weights.size(); ++i) {
    out << (i == 0 ? "" : ",") << NetworkFaultName(static_cast<NetworkFault>(i))
        << ":" << weights[i];
  }
  out << " max_clog=" << max_clog;
  return out.str();
}

NetworkNemesis::NetworkNemesis(SimNetwork& network,
                               const NemesisOptions& options)
    : network_(network), options_(options), prng_(network.loop().ForkPrng()) {
  CHECK_GT(options.interval.nanoseconds(), 0);
  uint64_t total = 0;
  for (uint32_t weight : options.weights) total += weight;
  CHECK_GT(total, 0u) << "every fault kind has weight 0";
}

void NetworkNemesis::Start() {
  const uint64_t generation = ++generation_;
  network_.loop().ScheduleCallback(network_.loop().Now() + options_.interval,
                                   kNoProcess,
                                   [this, generation] { Decide(generation); });
}

void NetworkNemesis::Decide(uint64_t generation) {
  if (generation != generation_) return;  // Stopped.
  if (faulted_) {
    if (prng_.Bernoulli(options_.heal_probability)) {
      network_.Heal();
      faulted_ = false;
      ++heals_;
    }
  } else if (network_.processes().size() >= 2 &&
             prng_.Bernoulli(options_.fault_probability)) {
    Inject(PickKind());
    faulted_ = true;
  }
  network_.loop().ScheduleCallback(network_.loop().Now() + options_.interval,
                                   kNoProcess,
                                   [this, generation] { Decide(generation); });
}

NetworkFault NetworkNemesis::PickKind() {
  uint64_t total = 0;
  for (uint32_t weight : options_.weights) total += weight;
  uint64_t draw = prng_.Uniform(total);
  for (size_t i = 0; i < options_.weights.size(); ++i) {
    if (draw < options_.weights[i]) return static_cast<NetworkFault>(i);
    draw -= options_.weights[i];
  }
  UNREACHABLE();
  return NetworkFault::kIsolate;
}

void NetworkNemesis::Inject(NetworkFault fault) {
  ++injected_[static_cast<size_t>(fault)];
  const std::vector<ProcessId> processes = network_.processes();
  const ProcessId victim = processes[prng_.Uniform(processes.size())];
  switch (fault) {
    case NetworkFault::kIsolate:
      network_.Isolate(victim);
      break;
    case NetworkFault::kHalves:
      network_.PartitionRandomHalves();
      break;
    case NetworkFault::kMajorityRing:
      network_.PartitionMajorityRing();
      break;
    case NetworkFault::kOneWayHalves: {
      const Groups halves = RandomHalves(processes, prng_);
      network_.PartitionOneWay(halves[0], halves[1]);
      break;
    }
    case NetworkFault::kClogProcess: {
      const int64_t low = options_.interval.nanoseconds() / 10;
      const int64_t high = std::max(low, options_.max_clog.nanoseconds());
      network_.ClogProcess(
          victim, Duration::Nanoseconds(prng_.UniformInRange(low, high)));
      break;
    }
    case NetworkFault::kSwizzleClog:
      network_.SwizzleClog(
          processes,
          options_.interval / static_cast<int64_t>(2 * processes.size()));
      break;
  }
}

}  // namespace sim
