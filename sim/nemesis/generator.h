// GenerateSchedule: the one fault generator. It draws a Schedule (the
// vocabulary of schedule.h) from a seeded PRNG, within the enabled fault
// classes and their bounds, for any workload whose hosts are numbered
// 1..nodes.
//
// Classes: network (isolate one / halves / one-way halves / majorities
// ring / clog, or isolate the leader, never overlapping; swizzle-clog when
// `swizzle`), crash (a host, the leader, or the next elected leader, with
// restart), pause (bounded by `max_pause`), clock (drift changes,
// wall-clock jumps), disk (EIO/ENOSPC windows), corruption (only the
// `corruptible_nodes` first hosts of a seeded order, so a majority keeps
// its disk), per-message faults (`messages`: drop and delay windows), and
// leader churn shaped like Figure 8 of the Raft paper (with network and
// crash both on); on request (`leader_clock_failover`), a leader whose
// clock jumps ahead as it is cut off.
#ifndef SIM_NEMESIS_GENERATOR_H_
#define SIM_NEMESIS_GENERATOR_H_

#include <string>
#include <string_view>

#include "core/base/prng.h"
#include "core/base/time.h"
#include "sim/nemesis/schedule.h"

namespace sim::nemesis {

// Which fault classes a generated schedule uses, and their bounds.
struct FaultOptions {
  int nodes = 3;
  // Events fall in [0, duration).
  core::base::Duration duration = core::base::Duration::Seconds(20);
  // Mean gap between fault decisions.
  core::base::Duration mean_interval = core::base::Duration::Milliseconds(700);
  bool network = true;
  bool crash = true;
  bool pause = true;
  bool clock = true;
  bool disk = true;
  bool corruption = true;
  // Off by default: turning one on changes the draws of every seed.
  bool swizzle = false;
  bool messages = false;
  // Half the clock faults become a failover whose next leader is behind:
  // the leader's clock jumps 1 to 3 s ahead and it is isolated at once
  // ("jump leader <ms>ms" and "isolate leader", the isolation only with
  // network faults on). For workloads whose leaders hand out time (PD's
  // TSO: the successor must start above all the old leader served).
  bool leader_clock_failover = false;
  core::base::Duration max_pause = core::base::Duration::Milliseconds(500);
  // Corruption only hits this many hosts (at most a minority), so that a
  // majority always keeps its disk.
  int corruptible_nodes = 1;
  std::string ToString() const;
};

Schedule GenerateSchedule(const FaultOptions& options, core::base::Prng& prng);

// Applies a --faults spec: "swarm" (leave `options` as drawn), "all" (the
// six classes network, crash, pause, clock, disk, corruption), "none", or a
// comma-separated list of class names (those six, plus "swizzle" and
// "messages"). False on an unknown name.
bool ApplyFaultClasses(std::string_view spec, FaultOptions* options);

}  // namespace sim::nemesis

#endif  // SIM_NEMESIS_GENERATOR_H_
