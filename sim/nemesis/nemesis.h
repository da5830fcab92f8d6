// Nemesis: applies a Schedule (schedule.h) to a run's hosts and network.
//
//   Nemesis nemesis(hosts, leaders);
//   nemesis.Start(schedule, safety_duration);   // events as loop callbacks
//   ... on every election: nemesis.OnElected(host);
//   nemesis.Stop();                              // the quiet phase
//   nemesis.Quiesce();                           // BUGGIFY off, network healed
//
// Host faults go through host::Hosts (crash, restart, pause, disk windows,
// corruption, clocks); path faults through SimNetwork over the hosts'
// processes only (other processes, such as a client machine, keep reaching
// every host); per-message windows (drop, delay) change the network's
// options for a while. "leader" events are resolved when they fire through
// the workload's LeaderView; "next-leader" events wait for OnElected (a
// heal cancels an isolation still waiting, so every cut ends at its heal).
// Every applied fault is traced (kind kUser + 1 + FaultKind) and logged.
#ifndef SIM_NEMESIS_NEMESIS_H_
#define SIM_NEMESIS_NEMESIS_H_

#include <cstdint>
#include <vector>

#include "core/base/time.h"
#include "sim/host/hosts.h"
#include "sim/nemesis/schedule.h"
#include "sim/network/network_options.h"

namespace sim::nemesis {

// What only the workload knows.
class LeaderView {
 public:
  virtual ~LeaderView() = default;
  // The host that leads now (the highest term), or 0 if none does.
  virtual int CurrentLeader() = 0;
};

class Nemesis {
 public:
  Nemesis(host::Hosts& hosts, LeaderView& leaders);
  Nemesis(const Nemesis&) = delete;
  Nemesis& operator=(const Nemesis&) = delete;

  // Schedules every event of `schedule` that falls before `until`.
  void Start(const Schedule& schedule, core::base::Duration until);
  // `host` just won an election: events waiting for the next leader hit it.
  void OnElected(int host);
  // No further event is applied (the quiet phase, or the run failed).
  void Stop() { stopped_ = true; }
  // BUGGIFY stops firing, per-message faults return to the run's options,
  // and every path fault heals.
  void Quiesce();

  uint64_t applied() const { return applied_; }

 private:
  void Apply(FaultEvent event);
  void ApplyHostFault(const FaultEvent& event);
  void ApplyNetworkFault(const FaultEvent& event);
  void ApplyMessageWindow(const FaultEvent& event);
  std::vector<ProcessId> Processes(const std::vector<int>& hosts) const;
  std::vector<ProcessId> AllProcesses() const;

  host::Hosts& hosts_;
  LeaderView& leaders_;
  // The network's per-message options before any window changed them.
  NetworkOptions base_network_;
  bool stopped_ = false;
  uint64_t applied_ = 0;
  // Events waiting for the next election (kNextLeaderNode).
  std::vector<FaultEvent> armed_;
};

}  // namespace sim::nemesis

#endif  // SIM_NEMESIS_NEMESIS_H_
