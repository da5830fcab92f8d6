// PdCluster: 1, 3 or 5 PD members on simulated hosts (each its own process
// and SimDisk: crash, restart from disk, halt), plus a client process whose
// PdClients talk to them over the simulated network. The harness of the
// PD scenarios (//tests/pd) and of the PD workload (pd_workload.h).
//
// Addresses: member m is host "pd<m>", Raft on port 2380 (store/transport),
// gRPC for clients on 2379; clients (client/pd) run on host "client".
//
// Thread-affinity: the simulator's thread (tests drive the loop); client
// bodies run on fibres of the client process.
#ifndef SIM_PD_PD_CLUSTER_H_
#define SIM_PD_PD_CLUSTER_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "client/pd/pd_client.h"
#include "core/base/time.h"
#include "pd/server/pd_member.h"
#include "sim/host/hosts.h"
#include "sim/pd/pd_host.h"
#include "sim/simulation/simulation.h"

namespace sim::pdsim {

using ::client::pd::PdClient;
using ::client::pd::PdClientOptions;

struct PdClusterOptions {
  int members = 3;
  // Every member's options; `id` and `members` are filled in.
  ::pd::server::PdMemberOptions member;
  // Scenarios run without fault points; workloads turn them on.
  SimulationOptions simulation = QuietSimulation(1);
  SimDiskOptions disk;
  PdClientOptions client;  // `members` and `jitter_seed` are filled in

  static SimulationOptions QuietSimulation(uint64_t seed);
};

class PdCluster final : public ::pd::server::PdMemberObserver {
 public:
  explicit PdCluster(const PdClusterOptions& options);
  ~PdCluster() override;
  PdCluster(const PdCluster&) = delete;
  PdCluster& operator=(const PdCluster&) = delete;

  // Boots every member.
  void Start();

  Simulation& sim() { return sim_; }
  SimLoop& loop() { return sim_.loop(); }
  host::Hosts& hosts() { return hosts_; }
  int size() const { return options_.members; }
  static std::string Name(int member) { return "pd" + std::to_string(member); }
  static core::env::Address ClientAddress(int member);
  static core::env::Address PeerAddress(int member);

  // The running host of `member` (1-based); null when it is down.
  PdHost* host(int member);
  // The member that leads PD (PdMember::IsLeader) in the highest term; 0
  // when none does.
  int Leader();
  // Runs the loop until some member leads; 0 when none did within `max`.
  int WaitForLeader(core::base::Duration max);
  void Crash(int member);
  void Restart(int member);
  SimClock& clock(int member) { return loop().clock(hosts_.process(member)); }

  // A client of the client process (its jitter seeded from the simulation
  // seed and its index).
  PdClient& AddClient();
  // Runs `body` on a fibre of the client process without waiting; the flag
  // returned is set once it returned.
  std::shared_ptr<bool> SpawnClient(PdClient& client,
                                    std::function<void(PdClient&)> body);
  // Spawns `body` and runs the loop until it returned (true) or `max`
  // passed (false).
  bool RunClient(PdClient& client, std::function<void(PdClient&)> body,
                 core::base::Duration max);

  // Called with the member that just became the Raft leader of a new term
  // (the nemesis aims "next leader" faults with it).
  void set_on_elected(std::function<void(int)> on_elected) {
    on_elected_ = std::move(on_elected);
  }

  // PdMemberObserver: elections are reported; a halted member is restarted
  // by its supervisor.
  void AfterStep(::pd::server::NodeId id) override;
  void OnHalt(::pd::server::NodeId id, const absl::Status& status) override;

 private:
  ::pd::server::PdMemberOptions MemberOptions(int member) const;
  std::unique_ptr<ProcessState> MakeHost(int member);

  PdClusterOptions options_;
  Simulation sim_;
  host::Hosts hosts_;
  ProcessId client_process_ = kNoProcess;
  std::vector<std::unique_ptr<PdClient>> clients_;
  std::function<void(int)> on_elected_;
  // The last Raft term each member led (0: none).
  std::map<int, core::raft::Term> led_term_;
};

}  // namespace sim::pdsim

#endif  // SIM_PD_PD_CLUSTER_H_
