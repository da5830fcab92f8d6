#include "tests/server/tikv_cluster.h"

#include <utility>

#include "core/base/check.h"
#include "core/region/metapb_convert.h"

namespace store::server::testing {
namespace {

struct NodeProcess final : public raftstore::testing::StoreProcessState {
  raftstore::Store* store() override { return &node->store(); }
  std::unique_ptr<Node> node;
};

}  // namespace

core::env::Address TikvAddress(uint64_t store_id) {
  return "s" + std::to_string(store_id) + ":20170";
}

TikvCluster::TikvCluster(ClusterOptions options) {
  options.boot_process = [this](core::env::Env env,
                                const raftstore::StoreOptions& store) {
    NodeOptions node_options;
    node_options.store = store;
    UseTikvRaftDefaults(&node_options.store.raft);
    node_options.rpc.listen_address = TikvAddress(store.store_id);
    auto node = Node::Create(env, node_options, &ids_);
    CHECK(node.ok()) << node.status();
    auto process = std::make_unique<NodeProcess>();
    process->node = *std::move(node);
    process->node->Start();
    nodes_[store.store_id] = {&process->node->store(), process->node.get()};
    return process;
  };
  cluster_ = std::make_unique<Cluster>(options);
  client_ =
      cluster_->sim().AddNode({.host = "client", .clock = sim::ClockOptions{}});
}

TikvCluster::~TikvCluster() {
  // The channels' fibres go with the loop; the channels after.
  cluster_->sim().loop().Shutdown();
  channels_.clear();
}

Node* TikvCluster::node(uint64_t store_id) {
  raftstore::Store* store = cluster_->store(store_id);
  auto it = nodes_.find(store_id);
  // The node booted last is the live one iff it owns the live store.
  if (store == nullptr || it == nodes_.end() || it->second.first != store) {
    return nullptr;
  }
  return it->second.second;
}

void TikvCluster::StartAll() {
  cluster_->BootstrapFirstRegion(cluster_->store_ids());
  cluster_->StartAll();
  CHECK_NE(cluster_->WaitForLeader(raftstore::testing::kFirstRegionId), 0u);
}

bool TikvCluster::RunClient(const std::function<void()>& body, Duration limit) {
  auto done = std::make_shared<bool>(false);
  cluster_->sim().loop().executor(client_).Spawn("client", [body, done] {
    body();
    *done = true;
  });
  return cluster_->RunUntil([&] { return *done; }, limit);
}

rpc::Channel& TikvCluster::channel(uint64_t store_id) {
  auto& channel = channels_[store_id];
  if (channel == nullptr) {
    sim::SimLoop& loop = cluster_->sim().loop();
    channel = std::make_unique<rpc::Channel>(
        loop.executor(client_), loop.clock(client_),
        cluster_->sim().network().endpoint(client_),
        rpc::ChannelOptions{.target = TikvAddress(store_id)});
  }
  return *channel;
}

void TikvCluster::Sleep(Duration duration) {
  cluster_->sim().loop().executor(client_).SleepFor(duration);
}

kvrpcpb::Context TikvCluster::ContextFor(const core::region::Region& region,
                                         uint64_t store_id) const {
  kvrpcpb::Context context;
  context.set_region_id(region.id);
  *context.mutable_region_epoch() = core::region::ToMetapb(region.epoch);
  if (const core::region::Peer* peer = region.FindPeerOnStore(store_id)) {
    *context.mutable_peer() = core::region::ToMetapb(*peer);
  }
  return context;
}

std::optional<std::pair<core::region::Region, uint64_t>> TikvCluster::Route(
    const std::string& region_key) {
  for (int i = 0; i < 100; ++i) {
    std::optional<core::region::Region> region =
        cluster_->RegionForKey(region_key);
    const uint64_t leader =
        region.has_value() ? cluster_->LeaderStore(region->id) : 0;
    if (leader != 0) return std::make_pair(*region, leader);
    Sleep(Duration::Milliseconds(50));
  }
  return std::nullopt;
}

}  // namespace store::server::testing
