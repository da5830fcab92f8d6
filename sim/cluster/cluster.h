// Cluster: a whole cluster on the simulator, booted from empty disks the
// way a real one is (Ref: TiKV components/test_raftstore's Cluster with a
// PD; here nothing is pre-written): N PD members (sim/pd's PdHost, real
// pd/server over gRPC) and M tikv stores, each a simulated process whose
// driver is a store::server::Node with its PD worker. A store's boot fibre
// joins through PD (store/pd_worker's BootstrapNode: store id from
// AllocID, the first store to get there bootstraps the cluster with region
// [-inf, +inf) and one voter) and then runs the Node; PD's replica checker
// grows the first region to its replicas, the PD worker heartbeats and
// executes PD's operators, stores find each other through PD.
//
// Hosts: PD member m is host "pd<m>" (sim/pd); store s (1-based) is host
// "tikv<s>": Raft on port 20160 (store/transport), tikvpb.Tikv on 20161.
// A client process ("client", sim/pd's) runs test bodies with a PdClient.
//
// Deterministic: everything is a function of the options (seed included).
// Thread-affinity: the simulator's thread (tests drive the loop).
#ifndef SIM_CLUSTER_CLUSTER_H_
#define SIM_CLUSTER_CLUSTER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "client/pd/pd_client.h"
#include "core/base/time.h"
#include "proto/raft_cmdpb.pb.h"
#include "sim/pd/pd_cluster.h"
#include "store/pd_worker/pd_worker.h"
#include "store/raftstore/split_check.h"
#include "store/server/node.h"

namespace sim::cluster {

using core::base::Duration;

struct ClusterOptions {
  int pd_members = 3;
  int stores = 3;
  uint64_t seed = 1;
  // The stores' Raft base tick and election timeout (in ticks).
  Duration tick_interval = Duration::Milliseconds(10);
  int election_timeout_ticks = 10;
  // The stores' lease (0: election_timeout_ticks - 1; core::raft::Config).
  int lease_ticks = 0;
  // The split checker (it runs: ids come from PD).
  store::raftstore::SplitCheckOptions split_check;
  // Short intervals, so that scenarios take simulated seconds.
  store::pd_worker::PdWorkerOptions pd_worker = TestPdWorkerOptions();
  // PD members' options (`id` and `members` are filled in).
  ::pd::server::PdMemberOptions pd_member;
  // The simulation's fault knobs (nullopt: quiet, for scenarios; the
  // workload draws them per seed) and every host's disk.
  std::optional<SimulationOptions> simulation;
  SimDiskOptions disk;

  static store::pd_worker::PdWorkerOptions TestPdWorkerOptions();
};

class StoreHost;

class Cluster {
 public:
  explicit Cluster(const ClusterOptions& options);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // Boots every PD member and every store.
  void Start();

  pdsim::PdCluster& pd() { return pd_; }
  Simulation& sim() { return pd_.sim(); }
  int store_count() const { return options_.stores; }
  static std::string StoreName(int store) {
    return "tikv" + std::to_string(store);
  }
  static core::env::Address StoreRaftAddress(int store);
  static core::env::Address StoreClientAddress(int store);

  // Store `store`'s running node; null before it joined, or while down.
  store::server::Node* node(int store);
  // Its store id (0 until it joined; kept across crashes).
  uint64_t store_id(int store) const;
  // The store (1-based) with this store id; 0 when none.
  int StoreIndex(uint64_t store_id) const;
  // Stores whose boot bootstrapped the cluster (exactly one after Start).
  int bootstrapped_count() const { return bootstrapped_count_; }

  // The value of `key` in CF default on the store's disk (what it applied
  // and wrote; nullopt when absent).
  std::optional<std::string> Get(int store, const std::string& key);

  void CrashStore(int store);
  void RestartStore(int store);

  void RunFor(Duration duration) { pd_.loop().RunFor(duration); }
  // Runs until `done` holds (checked every 10 ms of simulated time); false
  // when `limit` passed first.
  bool RunUntil(const std::function<bool()>& done, Duration limit);
  // Runs `body` on a fibre of the client process with a PdClient of its
  // own; false when it did not return within `limit`.
  bool RunClient(const std::function<void(client::pd::PdClient&)>& body,
                 Duration limit = Duration::Seconds(60));

  // The store (1-based) whose peer leads `region_id`, or 0.
  int LeaderOf(uint64_t region_id);
  // The region holding `key` as the stores know it (the newest epoch).
  std::optional<core::region::Region> RegionForKey(const std::string& key);
  // Puts `key` through its region's leader, retrying on region errors;
  // true once acknowledged.
  bool Put(const std::string& key, const std::string& value,
           Duration limit = Duration::Seconds(20));

 private:
  friend class StoreHost;
  std::unique_ptr<ProcessState> MakeStore(int store);
  int HostOf(int store) const { return options_.pd_members + store; }
  std::optional<raft_cmdpb::RaftCmdResponse> Call(int store,
                                                  raft_cmdpb::RaftCmdRequest);

  ClusterOptions options_;
  pdsim::PdCluster pd_;
  std::map<int, uint64_t> store_ids_;
  int bootstrapped_count_ = 0;
};

}  // namespace sim::cluster

#endif  // SIM_CLUSTER_CLUSTER_H_
