#include "sim/simulation/simulation.h"

#include <sstream>

#include "core/base/check.h"

namespace sim {

using core::base::Duration;

SimulationOptions SimulationOptions::Swarm(uint64_t seed) {
  core::base::Prng prng(seed ^ 0x5377a4dULL);
  SimulationOptions options;
  options.seed = seed;
  options.network = NetworkOptions::Random(prng);
  options.buggify.enabled = prng.Bernoulli(0.8);
  options.max_drift_ppm = 100;
  options.max_skew = Duration::Milliseconds(250);
  return options;
}

std::string SimulationOptions::ToString() const {
  std::ostringstream out;
  out << "seed=" << seed << " " << buggify.ToString()
      << " max_drift_ppm=" << max_drift_ppm << " max_skew=" << max_skew
      << " fibre_stack_bytes=" << fibre_stack_bytes
      << " network: " << network.ToString();
  return out.str();
}

SimLoopOptions Simulation::LoopOptions(const SimulationOptions& options) {
  SimLoopOptions loop_options;
  loop_options.seed = options.seed;
  loop_options.fibre_stack_bytes = options.fibre_stack_bytes;
  return loop_options;
}

Simulation::Simulation(const SimulationOptions& options)
    : options_(options),
      loop_(LoopOptions(options)),
      network_(loop_, options.network),
      buggify_(loop_.ForkPrng().NextU64(), options.buggify),
      clock_prng_(loop_.ForkPrng()) {
  buggify_.SetFireObserver([this](std::string_view, int line) {
    loop_.Trace(TraceKind::kBuggifyFire, loop_.current_process(),
                static_cast<uint64_t>(line));
  });
}

Simulation::~Simulation() { loop_.Shutdown(); }

ProcessId Simulation::AddNode(const NodeOptions& options) {
  ProcessOptions process;
  process.name = options.host;
  process.clock =
      options.clock.has_value()
          ? *options.clock
          : ClockOptions::Random(clock_prng_, options_.max_drift_ppm,
                                 options_.max_skew);
  const ProcessId node = loop_.AddProcess(process);
  network_.Attach(node, options.host);
  return node;
}

core::env::Env Simulation::MakeEnv(ProcessId node, core::env::Engine& engine) {
  return core::env::Env{loop_.clock(node),
                        loop_.random(node),
                        loop_.executor(node),
                        network_.endpoint(node),
                        engine,
                        buggify_};
}

std::string Simulation::Header() const {
  return "simulation " + options_.ToString() + "\n";
}

std::string Simulation::Footer() const {
  std::ostringstream out;
  out << "simulated_ns=" << loop_.Now().nanoseconds()
      << " events=" << loop_.events_dispatched()
      << " switches=" << loop_.fibre_switches()
      << " trace_records=" << loop_.trace_records()
      << " trace_hash=" << std::hex << loop_.trace_hash() << "\n";
  return out.str();
}

}  // namespace sim
