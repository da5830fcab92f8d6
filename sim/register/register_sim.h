// RunRegister: one seeded simulation of the replicated register, the
// simulator's proving ground (issue 4). A run is a pure function of
// (options, fault schedule, binary); options and schedule derive from the
// seed unless given.
//
//   1. Safety phase (`safety_duration`): a Raft group of 3 to 5
//      RegisterNodes, one per host (sim/host: a process and its SimDisk),
//      clients running get/put/cas, and the fault schedule (sim/nemesis);
//      plus the per-message network faults and BUGGIFY fault points of the
//      swarm options. After every step of every node the RegisterOracle
//      checks the Raft invariants, and every linearizable read is checked
//      against the commit index when it was requested.
//   2. Liveness phase: faults stop; the network heals, crashed nodes
//      restart, pauses end. Within `liveness_bound` the group must converge
//      (sim/checkers): one leader that every live node follows, every live
//      node applied up to the leader's commit, a final read of every key
//      succeeding, and identical replicas. Otherwise: "no convergence".
//   3. The history (Jepsen JSON lines) is checked for linearizability with
//      jepsen/linear's CAS-register model, per key.
//
// Nodes that detect corruption (kDataLoss) stop for good; the generated
// schedule corrupts at most a minority, so a majority always remains.
//
// Thread-affinity: one run per thread; runs share nothing.
#ifndef SIM_REGISTER_REGISTER_SIM_H_
#define SIM_REGISTER_REGISTER_SIM_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/base/time.h"
#include "core/raft/raft.h"
#include "sim/checkers/verdict.h"
#include "sim/host/sim_disk.h"
#include "sim/nemesis/generator.h"
#include "sim/nemesis/schedule.h"
#include "sim/register/client.h"
#include "sim/runner/workload.h"
#include "sim/simulation/simulation.h"

namespace sim::register_kv {

struct RegisterRunOptions {
  uint64_t seed = 1;
  int nodes = 3;
  SimulationOptions simulation;
  // Per-node Raft settings (id and applied are set per node).
  core::raft::Config raft;
  core::base::Duration tick_interval = core::base::Duration::Milliseconds(10);
  SimDiskOptions disk;
  WorkloadOptions workload;
  nemesis::FaultOptions faults;
  core::base::Duration safety_duration = core::base::Duration::Seconds(20);
  core::base::Duration liveness_bound = core::base::Duration::Seconds(30);
  // Each node's logs are observed from the first entry not yet seen
  // committed on it, or its last `observe_window` entries if more.
  int observe_window = 16;
  bool check_linearizability = true;
  // The Raft oracles after every step (and the read checks). Off only for
  // the benchmark's baseline, which measures what they cost.
  bool check_invariants = true;

  // Swarm testing: every knob drawn from the seed (nodes 3-5, Raft
  // timeouts, pre-vote, check-quorum, read mode, message size limits, disk
  // latency, workload shape, which fault classes and how often).
  static RegisterRunOptions Swarm(uint64_t seed);
  std::string ToString() const;
};

using checkers::Verdict;

// Runs one simulation. With `schedule` null the schedule is generated from
// options.seed and options.faults. The result's counters, in order:
// observations, ops_ok, ops_fail, ops_info, faults, crashes, halts,
// repairs.
runner::WorkloadResult RunRegister(const RegisterRunOptions& options,
                                   const nemesis::Schedule* schedule = nullptr,
                                   const runner::RunHooks& hooks = {});

// The schedule RunRegister generates for `options`.
nemesis::Schedule DefaultSchedule(const RegisterRunOptions& options);

}  // namespace sim::register_kv

#endif  // SIM_REGISTER_REGISTER_SIM_H_
