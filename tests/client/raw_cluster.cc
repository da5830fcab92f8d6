#include "tests/client/raw_cluster.h"

#include <utility>

#include "core/base/check.h"
#include "core/region/metapb_convert.h"
#include "proto/pdpb.pb.h"
#include "sim/pd/pd_host.h"

namespace client::testing {
namespace {

using core::base::Instant;
using store::raftstore::testing::kFirstRegionId;
using store::server::testing::TikvAddress;

constexpr char kPdName[] = "pd1";
constexpr char kPdClientAddress[] = "pd1:2379";

::pd::server::PdMemberOptions PdOptions() {
  ::pd::server::PdMemberOptions options;
  options.id = 1;
  options.members[1] =
      ::pd::server::MemberInfo{kPdName, "pd1:2380", kPdClientAddress};
  return options;
}

metapb::Store StoreMeta(uint64_t store_id) {
  metapb::Store store;
  store.set_id(store_id);
  store.set_address(TikvAddress(store_id));
  return store;
}

}  // namespace

RawCluster::RawCluster(uint64_t seed)
    : tikv_(store::server::testing::ClusterOptions{.seed = seed}),
      hosts_(tikv_.raft().sim(), seed),
      random_(seed * 7919 + 1) {
  CHECK_EQ(hosts_.Add({.name = kPdName}), 1);
  sim::Simulation& sim = tikv_.raft().sim();
  client_ = sim.AddNode({.host = "rawclient", .clock = sim::ClockOptions{}});
  sim::SimLoop& loop = sim.loop();
  client::pd::PdClientOptions pd_options;
  pd_options.members = {kPdClientAddress};
  pd_options.jitter_seed = seed;
  pd_ = std::make_unique<pd::PdClient>(
      loop.executor(client_), loop.clock(client_),
      sim.network().endpoint(client_), pd_options);
  source_ = std::make_unique<locate::PdRegionSource>(*pd_);
  transport_ = std::make_unique<locate::RpcStoreTransport>(
      loop.executor(client_), loop.clock(client_),
      sim.network().endpoint(client_));
  cache_ = std::make_unique<locate::RegionCache>(*source_);
  raw_ = std::make_unique<rawkv::RawClient>(loop.executor(client_), random_,
                                            *cache_, *transport_);
}

RawCluster::~RawCluster() {
  // The clients' fibres and channels go with the loop first.
  tikv_.raft().sim().loop().Shutdown();
}

void RawCluster::Start() {
  tikv_.StartAll();
  hosts_.Boot(1, [this](int host) -> std::unique_ptr<sim::ProcessState> {
    sim::Simulation& sim = tikv_.raft().sim();
    auto created = sim::pdsim::PdHost::Create(
        sim.MakeEnv(hosts_.process(host), hosts_.disk(host)), PdOptions(),
        nullptr);
    CHECK(created.ok()) << created.status();
    (*created)->Start();
    return *std::move(created);
  });
  RunOnClient([this] {
    const Instant deadline = pd_->Now() + Duration::Seconds(30);
    pdpb::BootstrapRequest bootstrap;
    *bootstrap.mutable_store() = StoreMeta(1);
    *bootstrap.mutable_region() =
        core::region::ToMetapb(*stores().GetRegion(kFirstRegionId));
    auto booted =
        pd_->CallLeader<pdpb::BootstrapRequest, pdpb::BootstrapResponse>(
            "/pdpb.PD/Bootstrap", bootstrap, deadline);
    CHECK(booted.ok() && !booted->header().has_error())
        << booted.status() << " " << booted->header().ShortDebugString();
    for (uint64_t store_id : stores().store_ids()) {
      pdpb::PutStoreRequest put;
      *put.mutable_store() = StoreMeta(store_id);
      auto response =
          pd_->CallLeader<pdpb::PutStoreRequest, pdpb::PutStoreResponse>(
              "/pdpb.PD/PutStore", put, deadline);
      CHECK(response.ok() && !response->header().has_error());
    }
  });
  ReportRegions();
}

void RawCluster::RunOnClient(const std::function<void()>& body) {
  auto done = std::make_shared<bool>(false);
  tikv_.raft().sim().loop().executor(client_).Spawn("client", [body, done] {
    body();
    *done = true;
  });
  CHECK(tikv_.raft().RunUntil([&] { return *done; }, Duration::Seconds(60)));
}

bool RawCluster::Run(const std::function<void(rawkv::RawClient&)>& body,
                     Duration limit) {
  auto done = std::make_shared<bool>(false);
  tikv_.raft().sim().loop().executor(client_).Spawn("client",
                                                    [this, body, done] {
                                                      body(*raw_);
                                                      *done = true;
                                                    });
  return tikv_.raft().RunUntil([&] { return *done; }, limit);
}

std::vector<core::region::Region> RawCluster::Regions() {
  std::vector<core::region::Region> regions;
  std::string key;
  for (;;) {
    std::optional<core::region::Region> region = stores().RegionForKey(key);
    CHECK(region.has_value()) << "no region for " << key;
    regions.push_back(*region);
    if (region->end_key.empty()) return regions;
    key = region->end_key;
  }
}

void RawCluster::ReportRegions() {
  std::vector<pdpb::RegionHeartbeatRequest> heartbeats;
  for (const core::region::Region& region : Regions()) {
    const uint64_t leader = stores().WaitForLeader(region.id);
    CHECK_NE(leader, 0u);
    pdpb::RegionHeartbeatRequest request;
    *request.mutable_region() = core::region::ToMetapb(region);
    *request.mutable_leader() =
        core::region::ToMetapb(*region.FindPeerOnStore(leader));
    request.set_approximate_size(1 << 20);
    heartbeats.push_back(std::move(request));
  }
  RunOnClient([&] {
    CHECK(pd_->UpdateMembers(pd_->Now() + Duration::Seconds(10)).ok());
    auto stream = rpc::OpenBidiStream<pdpb::RegionHeartbeatRequest,
                                      pdpb::RegionHeartbeatResponse>(
        pd_->channel(pd_->leader()), "/pdpb.PD/RegionHeartbeat");
    for (pdpb::RegionHeartbeatRequest& request : heartbeats) {
      request.mutable_header()->set_cluster_id(pd_->cluster_id());
      CHECK(stream.Write(request));
    }
    // PD answers a heartbeat only with an operator: wait until it knows.
    pd_->SleepFor(Duration::Milliseconds(300));
    stream.Cancel();
  });
}

bool RawCluster::TransferLeader(uint64_t region_id, uint64_t store_id) {
  const uint64_t leader = stores().WaitForLeader(region_id);
  if (leader == store_id) return true;
  const core::region::Region region = *stores().GetRegion(region_id);
  raft_cmdpb::RaftCmdRequest cmd = stores().Command(region, leader);
  raft_cmdpb::AdminRequest* admin = cmd.mutable_admin_request();
  admin->set_cmd_type(raft_cmdpb::TransferLeader);
  *admin->mutable_transfer_leader()->mutable_peer() =
      core::region::ToMetapb(*region.FindPeerOnStore(store_id));
  auto answer = stores().Call(leader, cmd);
  if (!answer.has_value() || answer->header().has_error()) return false;
  return stores().RunUntil(
      [&] { return stores().LeaderStore(region_id) == store_id; });
}

rawkv::RawClient& RawCluster::NewRawClient() {
  sim::SimLoop& loop = tikv_.raft().sim().loop();
  extra_caches_.push_back(std::make_unique<locate::RegionCache>(*source_));
  extra_clients_.push_back(std::make_unique<rawkv::RawClient>(
      loop.executor(client_), random_, *extra_caches_.back(), *transport_));
  return *extra_clients_.back();
}

}  // namespace client::testing
