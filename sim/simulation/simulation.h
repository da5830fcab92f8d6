// Simulation: one seeded run's loop, network and fault points, and the
// per-node environments a cluster harness hands to its drivers.
//
//   Simulation sim(SimulationOptions::Swarm(seed));
//   std::cout << sim.Header();                 // seed and options first
//   ProcessId n1 = sim.AddNode({.host = "n1"});
//   sim.loop().Boot(n1, [&] { return std::make_unique<Store>(
//       sim.MakeEnv(n1, engines[n1]), sim.buggify()); });
//   sim.loop().RunFor(Duration::Seconds(60));
//   std::cout << sim.Footer();                 // trace hash last
//
// Each node gets its own clock (with its own drift and skew), its own random
// stream forked from the seed, its own executor view and network endpoint,
// and the run's Buggify as its fault points (FAULT_POINT(env.faults));
// the harness supplies the engine, which lives outside the node's volatile
// state so that it survives crashes. A run is a function of (seed, binary).
//
// Lifetime: the destructor shuts the loop down first; engines handed to
// MakeEnv must outlive that (declare them before the Simulation).
#ifndef SIM_SIMULATION_SIMULATION_H_
#define SIM_SIMULATION_SIMULATION_H_

#include <cstdint>
#include <string>

#include "core/env/env.h"
#include "sim/buggify/buggify.h"
#include "sim/clock/sim_clock.h"
#include "sim/loop/sim_loop.h"
#include "sim/network/sim_network.h"

namespace sim {

struct SimulationOptions {
  uint64_t seed = 1;
  NetworkOptions network;
  BuggifyOptions buggify;
  // Bounds for the per-node clocks drawn by AddNode when a node does not
  // set its own (0 = perfect clocks).
  int64_t max_drift_ppm = 0;
  core::base::Duration max_skew;
  size_t fibre_stack_bytes = 256 * 1024;

  // Swarm testing: every fault knob drawn from the seed (network mix,
  // buggify on in about 80% of runs, +-100 ppm drift, +-250 ms skew).
  static SimulationOptions Swarm(uint64_t seed);
  std::string ToString() const;
};

struct NodeOptions {
  std::string host;
  // Unset: drawn within the simulation's drift and skew bounds.
  std::optional<ClockOptions> clock;
};

class Simulation {
 public:
  explicit Simulation(const SimulationOptions& options);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // A node: a process attached to the network under `host`.
  ProcessId AddNode(const NodeOptions& options);
  core::env::Env MakeEnv(ProcessId node, core::env::Engine& engine);

  SimLoop& loop() { return loop_; }
  SimNetwork& network() { return network_; }
  Buggify& buggify() { return buggify_; }
  const SimulationOptions& options() const { return options_; }

  // The first line of a run's log: seed and every option.
  std::string Header() const;
  // The last: simulated time, event counts and the trace hash.
  std::string Footer() const;

 private:
  static SimLoopOptions LoopOptions(const SimulationOptions& options);

  SimulationOptions options_;
  SimLoop loop_;
  SimNetwork network_;
  Buggify buggify_;
  core::base::Prng clock_prng_;
};

}  // namespace sim

#endif  // SIM_SIMULATION_SIMULATION_H_
