// Hosts: the simulated machines a workload runs its nodes on.
//
// A host is one process of the Simulation with its own SimDisk and a
// factory. The disk belongs to the host, not to the process: it survives
// the process's crashes. The factory builds the process's volatile state
// (its driver) from that disk at boot and again at every restart; it
// returns null when the node could not come up (the host then stays up
// without a driver until it is crashed or restarted). What every workload
// needs to run nodes:
//   * Crash: the process's fibres die (SimLoop::Crash), its disk keeps its
//     synced writes and a random prefix of the unsynced ones;
//   * Restart (at once, or RestartAfter a delay, as a supervisor would);
//   * Halt: a node that stopped itself (fail-stop on a storage error) is
//     crashed at once and restarted by the supervisor after a random delay;
//   * Pause;
//   * Lost: a host whose disk is damaged for good (corruption found) never
//     restarts.
// A HostObserver (the workload) hears of every crash and restart, to keep
// its oracles' view of durable state.
//
// Every draw (disk seeds, supervisor delays) comes from seeded streams, so
// a run stays a function of its seed. Thread-affinity: the simulator's
// thread.
#ifndef SIM_HOST_HOSTS_H_
#define SIM_HOST_HOSTS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/base/prng.h"
#include "core/base/time.h"
#include "sim/host/sim_disk.h"
#include "sim/loop/sim_loop.h"
#include "sim/simulation/simulation.h"

namespace sim::host {

struct HostOptions {
  // The process's host name on the network (also its name in the log).
  std::string name;
  SimDiskOptions disk;
};

class HostObserver {
 public:
  virtual ~HostObserver() = default;
  // Just before `host` crashes (its driver is still alive).
  virtual void BeforeCrash(int host) {}
  // After the crash (the disk has lost what it loses).
  virtual void AfterCrash(int host) {}
  // After the process came back (its factory has run).
  virtual void AfterRestart(int host) {}
};

// Builds `host`'s driver; null when it could not come up.
using HostFactory = std::function<std::unique_ptr<ProcessState>(int host)>;

class Hosts {
 public:
  // `seed` drives the supervisor's restart delays.
  Hosts(Simulation& sim, uint64_t seed);
  Hosts(const Hosts&) = delete;
  Hosts& operator=(const Hosts&) = delete;

  // Adds a host (numbered from 1) as a new process of the simulation.
  int Add(const HostOptions& options);
  int size() const { return static_cast<int>(hosts_.size()); }
  ProcessId process(int host) const { return at(host).process; }
  const std::string& name(int host) const { return at(host).name; }
  SimDisk& disk(int host) { return *at(host).disk; }
  Simulation& sim() { return sim_; }
  SimLoop& loop() { return sim_.loop(); }

  void set_observer(HostObserver* observer) { observer_ = observer; }
  // The run's log; lines get the simulated time in front.
  void set_log(std::function<void(const std::string&)> log) {
    log_ = std::move(log);
  }
  void Log(const std::string& line) const;

  // Starts `host` with `factory` (which runs again at every restart).
  void Boot(int host, HostFactory factory);
  bool IsUp(int host) const { return sim_.loop().IsUp(process(host)); }
  // The running driver (null when down, or when the factory failed).
  ProcessState* state(int host);

  // No-op when the host is down.
  void Crash(int host, const std::string& why);
  // No-op when the host is up or lost.
  void Restart(int host);
  // After `delay`: crashes a host whose driver failed to come up, then
  // restarts it (unless lost by then).
  void RestartAfter(int host, core::base::Duration delay);
  // The node stopped itself with `status`: crashed at once (outside the
  // node's fibres), and restarted by the supervisor after a random delay
  // unless `lost`.
  void Halt(int host, const absl::Status& status, bool lost);
  void Pause(int host, core::base::Duration duration);

  // Lost hosts stay down for good.
  void MarkLost(int host) { lost_.insert(host); }
  bool lost(int host) const { return lost_.count(host) != 0; }
  int lost_count() const { return static_cast<int>(lost_.size()); }

  // The quiet phase: every pause ends, every disk fault window closes, and
  // every host that is down (and not lost) restarts.
  void RecoverAll();

  uint64_t crashes() const { return crashes_; }
  uint64_t halts() const { return halts_; }

 private:
  struct Host {
    std::string name;
    ProcessId process = kNoProcess;
    std::unique_ptr<SimDisk> disk;
  };
  const Host& at(int host) const;

  Simulation& sim_;
  core::base::Prng prng_;
  std::vector<Host> hosts_;
  std::set<int> lost_;
  HostObserver* observer_ = nullptr;
  std::function<void(const std::string&)> log_;
  uint64_t crashes_ = 0;
  uint64_t halts_ = 0;
};

}  // namespace sim::host

#endif  // SIM_HOST_HOSTS_H_
