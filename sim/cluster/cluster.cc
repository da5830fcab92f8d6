#include "sim/cluster/cluster.h"

#include <utility>
#include <vector>

#include "core/base/check.h"
#include "core/region/metapb_convert.h"
#include "store/pd_worker/bootstrap.h"
#include "store/raftstore/keys.h"

namespace sim::cluster {
namespace {

constexpr int kRaftPort = 20160;
constexpr int kClientPort = 20161;
constexpr Duration kBootstrapDeadline = Duration::Seconds(30);
constexpr Duration kBootstrapRetry = Duration::Milliseconds(500);

pdsim::PdClusterOptions PdOptions(const ClusterOptions& options) {
  pdsim::PdClusterOptions pd;
  pd.members = options.pd_members;
  pd.member = options.pd_member;
  pd.simulation = options.simulation.value_or(
      pdsim::PdClusterOptions::QuietSimulation(options.seed));
  pd.disk = options.disk;
  return pd;
}

}  // namespace

store::pd_worker::PdWorkerOptions ClusterOptions::TestPdWorkerOptions() {
  store::pd_worker::PdWorkerOptions options;
  options.store_heartbeat_interval = Duration::Seconds(1);
  options.region_heartbeat_interval = Duration::Seconds(5);
  options.region_check_interval = Duration::Milliseconds(100);
  options.reconnect_backoff = Duration::Milliseconds(200);
  options.max_peer_down_duration = Duration::Seconds(30);
  return options;
}

// One store's process: its PD client and, once it joined, its Node.
class StoreHost final : public ProcessState {
 public:
  StoreHost(Cluster& cluster, int store, core::env::Env env,
            const client::pd::PdClientOptions& pd)
      : cluster_(cluster),
        store_(store),
        env_(env),
        pd_(env.executor, env.clock, env.network, pd) {}

  void Start() {
    env_.executor.Spawn("tikv-boot", [this] { Boot(); });
  }
  store::server::Node* node() { return node_.get(); }

 private:
  void Boot();
  store::server::NodeOptions NodeOptionsFor(uint64_t cluster_id,
                                            uint64_t store_id);

  Cluster& cluster_;
  const int store_;
  core::env::Env env_;
  // Declared before the node, which uses it.
  client::pd::PdClient pd_;
  std::unique_ptr<store::server::Node> node_;
};

store::server::NodeOptions StoreHost::NodeOptionsFor(uint64_t cluster_id,
                                                     uint64_t store_id) {
  const ClusterOptions& options = cluster_.options_;
  store::server::NodeOptions o;
  o.store.cluster_id = cluster_id;
  o.store.store_id = store_id;
  o.store.store_addresses = {{store_id, Cluster::StoreRaftAddress(store_)}};
  o.store.tick_interval = options.tick_interval;
  o.store.split_check = options.split_check;
  o.store.raft.election_timeout_ticks = options.election_timeout_ticks;
  o.store.raft.heartbeat_interval_ticks = 2;
  o.store.raft.lease_ticks = options.lease_ticks;
  store::server::UseTikvRaftDefaults(&o.store.raft);
  o.rpc.listen_address = Cluster::StoreClientAddress(store_);
  o.pd_worker = options.pd_worker;
  o.pd = &pd_;
  return o;
}

void StoreHost::Boot() {
  metapb::Store store;
  store.set_address(Cluster::StoreClientAddress(store_));
  store.set_peer_address(Cluster::StoreRaftAddress(store_));
  store.set_version("5.0.0");
  absl::StatusOr<store::pd_worker::BootstrapResult> joined;
  while (true) {
    joined = store::pd_worker::BootstrapNode(pd_, env_.engine, store,
                                             pd_.Now() + kBootstrapDeadline);
    if (joined.ok()) break;
    cluster_.pd_.hosts().Log(Cluster::StoreName(store_) +
                             " bootstrap: " + joined.status().ToString());
    env_.executor.SleepFor(kBootstrapRetry);
  }
  cluster_.store_ids_[store_] = joined->store_id;
  if (joined->bootstrapped_cluster) ++cluster_.bootstrapped_count_;
  cluster_.pd_.hosts().Log(
      Cluster::StoreName(store_) + " is store " +
      std::to_string(joined->store_id) +
      (joined->bootstrapped_cluster ? " (bootstrapped the cluster)" : ""));
  auto node = store::server::Node::Create(
      env_, NodeOptionsFor(joined->cluster_id, joined->store_id), nullptr);
  if (!node.ok()) {
    cluster_.pd_.hosts().Log(Cluster::StoreName(store_) +
                             " node: " + node.status().ToString());
    return;
  }
  node_ = *std::move(node);
  node_->Start();
}

Cluster::Cluster(const ClusterOptions& options)
    : options_(options), pd_(PdOptions(options)) {
  CHECK(options.stores >= 1) << options.stores;
  for (int s = 1; s <= options.stores; ++s) {
    CHECK_EQ(pd_.hosts().Add({.name = StoreName(s), .disk = options.disk}),
             HostOf(s));
  }
}

Cluster::~Cluster() = default;

core::env::Address Cluster::StoreRaftAddress(int store) {
  return StoreName(store) + ":" + std::to_string(kRaftPort);
}

core::env::Address Cluster::StoreClientAddress(int store) {
  return StoreName(store) + ":" + std::to_string(kClientPort);
}

std::unique_ptr<ProcessState> Cluster::MakeStore(int store) {
  const int host = HostOf(store);
  client::pd::PdClientOptions pd;
  pd.jitter_seed = options_.seed * 1000 + 500 + static_cast<uint64_t>(store);
  for (int m = 1; m <= options_.pd_members; ++m) {
    pd.members.push_back(pdsim::PdCluster::ClientAddress(m));
  }
  auto state = std::make_unique<StoreHost>(
      *this, store,
      sim().MakeEnv(pd_.hosts().process(host), pd_.hosts().disk(host)), pd);
  state->Start();
  return state;
}

void Cluster::Start() {
  pd_.Start();
  for (int s = 1; s <= options_.stores; ++s) {
    pd_.hosts().Boot(HostOf(s), [this, s](int) { return MakeStore(s); });
  }
}

store::server::Node* Cluster::node(int store) {
  auto* host = static_cast<StoreHost*>(pd_.hosts().state(HostOf(store)));
  return host == nullptr ? nullptr : host->node();
}

uint64_t Cluster::store_id(int store) const {
  auto it = store_ids_.find(store);
  return it == store_ids_.end() ? 0 : it->second;
}

int Cluster::StoreIndex(uint64_t store_id) const {
  for (const auto& [store, id] : store_ids_) {
    if (id == store_id) return store;
  }
  return 0;
}

std::optional<std::string> Cluster::Get(int store, const std::string& key) {
  auto value =
      pd_.hosts()
          .disk(HostOf(store))
          .Get(core::env::Cf::kDefault, store::raftstore::DataKey(key));
  CHECK(value.ok()) << value.status();
  return *value;
}

void Cluster::CrashStore(int store) {
  pd_.hosts().Crash(HostOf(store), "test");
}

void Cluster::RestartStore(int store) { pd_.hosts().Restart(HostOf(store)); }

bool Cluster::RunUntil(const std::function<bool()>& done, Duration limit) {
  const core::base::Instant deadline = pd_.loop().Now() + limit;
  while (!done()) {
    if (pd_.loop().Now() >= deadline) return false;
    RunFor(Duration::Milliseconds(10));
  }
  return true;
}

bool Cluster::RunClient(const std::function<void(client::pd::PdClient&)>& body,
                        Duration limit) {
  client::pd::PdClient& client = pd_.AddClient();
  return pd_.RunClient(client, body, limit);
}

int Cluster::LeaderOf(uint64_t region_id) {
  int leader = 0;
  core::raft::Term term = 0;
  for (int s = 1; s <= options_.stores; ++s) {
    store::server::Node* n = node(s);
    if (n == nullptr) continue;
    const store::raftstore::PeerFsm* peer = n->store().FindPeer(region_id);
    if (peer == nullptr || !peer->is_leader()) continue;
    const core::raft::Term t = peer->raft_peer().raw_node().raft().term();
    if (leader == 0 || t > term) {
      leader = s;
      term = t;
    }
  }
  return leader;
}

std::optional<core::region::Region> Cluster::RegionForKey(
    const std::string& key) {
  std::optional<core::region::Region> newest;
  for (int s = 1; s <= options_.stores; ++s) {
    store::server::Node* n = node(s);
    if (n == nullptr) continue;
    for (const core::region::Region& region : n->store().Regions()) {
      if (!region.ContainsKey(key)) continue;
      if (!newest.has_value() ||
          newest->epoch.IsStaleComparedTo(region.epoch)) {
        newest = region;
      }
    }
  }
  return newest;
}

std::optional<raft_cmdpb::RaftCmdResponse> Cluster::Call(
    int store, raft_cmdpb::RaftCmdRequest cmd) {
  auto answer = std::make_shared<std::optional<raft_cmdpb::RaftCmdResponse>>();
  const ProcessId process = pd_.hosts().process(HostOf(store));
  pd_.loop().executor(process).Spawn(
      "test-call", [this, store, answer, cmd = std::move(cmd)] {
        store::server::Node* n = node(store);
        if (n != nullptr) *answer = n->store().ProposeAndWait(cmd);
      });
  RunUntil([&] { return answer->has_value(); }, Duration::Seconds(10));
  return *answer;
}

bool Cluster::Put(const std::string& key, const std::string& value,
                  Duration limit) {
  const core::base::Instant deadline = pd_.loop().Now() + limit;
  while (pd_.loop().Now() < deadline) {
    std::optional<core::region::Region> region = RegionForKey(key);
    const int leader = region.has_value() ? LeaderOf(region->id) : 0;
    const core::region::Peer* peer =
        leader == 0 ? nullptr : region->FindPeerOnStore(store_id(leader));
    if (peer != nullptr) {
      raft_cmdpb::RaftCmdRequest cmd;
      cmd.mutable_header()->set_region_id(region->id);
      *cmd.mutable_header()->mutable_peer() = core::region::ToMetapb(*peer);
      *cmd.mutable_header()->mutable_region_epoch() =
          core::region::ToMetapb(region->epoch);
      raft_cmdpb::Request* put = cmd.add_requests();
      put->set_cmd_type(raft_cmdpb::Put);
      put->mutable_put()->set_key(key);
      put->mutable_put()->set_value(value);
      auto answer = Call(leader, std::move(cmd));
      if (answer.has_value() && !answer->header().has_error()) return true;
    }
    RunFor(Duration::Milliseconds(100));
  }
  return false;
}

}  // namespace sim::cluster
