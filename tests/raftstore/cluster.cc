#include "tests/raftstore/cluster.h"

#include <cstdlib>
#include <utility>

#include "core/base/check.h"
#include "core/region/metapb_convert.h"
#include "proto/tikvpb.pb.h"
#include "store/raftstore/keys.h"
#include "store/raftstore/local_state.h"

namespace store::raftstore::testing {

struct Cluster::StoreProcess final : public StoreProcessState {
  Store* store() override { return owned.get(); }
  std::unique_ptr<Store> owned;
};

namespace {

// RAFTSTORE_SEED=N reruns every scenario on another seed (a sweep by hand).
uint64_t SeedOf(uint64_t seed) {
  const char* env = std::getenv("RAFTSTORE_SEED");
  return env != nullptr ? std::stoull(env) : seed;
}

}  // namespace

Cluster::Cluster(const ClusterOptions& options)
    : options_(options),
      sim_(sim::SimulationOptions{.seed = SeedOf(options.seed),
                                  .buggify = {.enabled = options.buggify}}) {
  std::map<uint64_t, core::env::Address> addresses;
  for (uint64_t id = 1; id <= static_cast<uint64_t>(options.stores); ++id) {
    const std::string host = "s" + std::to_string(id);
    processes_[id] = sim_.AddNode({.host = host, .clock = sim::ClockOptions{}});
    disks_[id] = std::make_unique<sim::SimDisk>(sim_.loop(), processes_[id],
                                                options.seed * 100 + id,
                                                sim::SimDiskOptions{});
    addresses[id] = host + ":20160";
  }
  tester_ = sim_.AddNode({.host = "tester", .clock = sim::ClockOptions{}});
  tester_transport_ = std::make_unique<store::transport::Transport>(
      sim_.loop().executor(tester_), sim_.loop().clock(tester_),
      sim_.network().endpoint(tester_),
      store::transport::TransportOptions{.local_address = "tester:1"});
  for (uint64_t id = 1; id <= static_cast<uint64_t>(options.stores); ++id) {
    StoreOptions store_options{
        .cluster_id = kClusterId,
        .store_id = id,
        .store_addresses = addresses,
        .tick_interval = options.tick_interval,
        .raft_entry_max_size_bytes = options.raft_entry_max_size_bytes,
        .max_pending_proposals_per_region =
            options.max_pending_proposals_per_region,
        .raft_log_gc = options.raft_log_gc,
        .hibernate = options.hibernate};
    if (options.split_check.has_value()) {
      store_options.split_check = *options.split_check;
      store_options.id_source = &ids_;
    }
    store_options.raft.election_timeout_ticks = options.election_timeout_ticks;
    store_options.raft.heartbeat_interval_ticks = 2;
    store_options.raft.pre_vote = true;
    store_options.raft.check_quorum = true;
    options_by_store_[id] = store_options;
  }
}

Cluster::~Cluster() {
  sim_.loop().Shutdown();
  tester_transport_.reset();
}

void Cluster::Isolate(uint64_t store_id) {
  std::vector<sim::ProcessId> others = {tester_};
  for (const auto& [id, process] : processes_) {
    if (id != store_id) others.push_back(process);
  }
  sim_.network().Partition({{processes_.at(store_id)}, others});
}

void Cluster::Heal() { sim_.network().Heal(); }

void Cluster::Pause(uint64_t store_id, Duration duration) {
  sim_.loop().Pause(processes_.at(store_id), duration);
}

void Cluster::SendRaftMessages(
    uint64_t store_id,
    const std::vector<raft_serverpb::RaftMessage>& messages) {
  tikvpb::BatchRaftMessage batch;
  for (const auto& message : messages) *batch.add_msgs() = message;
  SendFrame(store_id, batch.SerializeAsString());
}

void Cluster::SendFrame(uint64_t store_id, std::string frame) {
  const core::env::Address to =
      options_by_store_.at(store_id).store_addresses.at(store_id);
  sim_.loop().executor(tester_).Spawn(
      "test-sender", [this, to, frame = std::move(frame)] {
        (void)tester_transport_->Send(to, frame);
      });
  RunFor(Duration::Milliseconds(50));
}

void Cluster::BootstrapFirstRegion(const std::vector<uint64_t>& store_ids) {
  metapb::Region region;
  region.set_id(kFirstRegionId);
  region.mutable_region_epoch()->set_conf_ver(1);
  region.mutable_region_epoch()->set_version(1);
  for (uint64_t id : store_ids) {
    metapb::Peer* peer = region.add_peers();
    peer->set_id(id);
    peer->set_store_id(id);
  }
  for (const auto& [id, disk] : disks_) {
    CHECK(BootstrapStore(*disk, kClusterId, id).ok());
  }
  for (uint64_t id : store_ids) {
    absl::Status status = BootstrapRegion(*disks_.at(id), id, region);
    CHECK(status.ok()) << status;
  }
}

std::unique_ptr<sim::ProcessState> Cluster::BootStore(uint64_t store_id) {
  if (options_.boot_process) {
    return options_.boot_process(
        sim_.MakeEnv(processes_.at(store_id), *disks_.at(store_id)),
        options_by_store_.at(store_id));
  }
  auto process = std::make_unique<StoreProcess>();
  auto store =
      Store::Create(sim_.MakeEnv(processes_.at(store_id), *disks_.at(store_id)),
                    options_by_store_.at(store_id));
  CHECK(store.ok()) << store.status();
  process->owned = *std::move(store);
  process->owned->Start();
  return process;
}

void Cluster::StartAll() {
  for (const auto& [id, process] : processes_) Start(id);
}

void Cluster::Start(uint64_t store_id) {
  CHECK(!booted_[store_id]) << "store " << store_id << " started twice";
  booted_[store_id] = true;
  sim_.loop().Boot(processes_.at(store_id),
                   [this, store_id] { return BootStore(store_id); });
}

void Cluster::Crash(uint64_t store_id) {
  sim_.loop().Crash(processes_.at(store_id));
  (void)disks_.at(store_id)->Crash();
}

void Cluster::Restart(uint64_t store_id) {
  sim_.loop().Restart(processes_.at(store_id));
}

Store* Cluster::store(uint64_t store_id) {
  auto* process = static_cast<StoreProcessState*>(
      sim_.loop().state(processes_.at(store_id)));
  return process == nullptr ? nullptr : process->store();
}

std::vector<uint64_t> Cluster::store_ids() const {
  std::vector<uint64_t> ids;
  for (const auto& [id, process] : processes_) ids.push_back(id);
  return ids;
}

bool Cluster::RunUntil(const std::function<bool()>& done, Duration limit) {
  const core::base::Instant deadline = sim_.loop().Now() + limit;
  while (!done()) {
    if (sim_.loop().Now() >= deadline) return false;
    RunFor(Duration::Milliseconds(10));
  }
  return true;
}

uint64_t Cluster::LeaderStore(uint64_t region_id) {
  for (uint64_t id : store_ids()) {
    Store* s = store(id);
    if (s == nullptr) continue;
    const PeerFsm* peer = s->FindPeer(region_id);
    if (peer != nullptr && peer->is_leader()) return id;
  }
  return 0;
}

uint64_t Cluster::WaitForLeader(uint64_t region_id, Duration limit) {
  uint64_t leader = 0;
  RunUntil([&] { return (leader = LeaderStore(region_id)) != 0; }, limit);
  return leader;
}

std::optional<core::region::Region> Cluster::GetRegion(uint64_t region_id) {
  std::optional<core::region::Region> newest;
  for (uint64_t id : store_ids()) {
    Store* s = store(id);
    const PeerFsm* peer = s == nullptr ? nullptr : s->FindPeer(region_id);
    if (peer == nullptr || !peer->initialized()) continue;
    if (!newest.has_value() ||
        newest->epoch.IsStaleComparedTo(peer->region().epoch)) {
      newest = peer->region();
    }
  }
  return newest;
}

std::optional<core::region::Region> Cluster::RegionForKey(
    const std::string& key) {
  std::optional<core::region::Region> newest;
  for (uint64_t id : store_ids()) {
    Store* s = store(id);
    if (s == nullptr) continue;
    for (const core::region::Region& region : s->Regions()) {
      if (!region.ContainsKey(key)) continue;
      if (!newest.has_value() || newest->epoch.version < region.epoch.version ||
          (newest->epoch.version == region.epoch.version &&
           newest->epoch.conf_ver < region.epoch.conf_ver)) {
        newest = region;
      }
    }
  }
  return newest;
}

std::optional<raft_cmdpb::RaftCmdResponse> Cluster::Call(
    uint64_t store_id, raft_cmdpb::RaftCmdRequest cmd, Duration limit) {
  std::vector<raft_cmdpb::RaftCmdResponse> answers;
  if (!CallAll(store_id, {std::move(cmd)}, &answers, limit)) {
    return std::nullopt;
  }
  return answers.front();
}

bool Cluster::CallAll(uint64_t store_id,
                      std::vector<raft_cmdpb::RaftCmdRequest> cmds,
                      std::vector<raft_cmdpb::RaftCmdResponse>* answers,
                      Duration limit) {
  struct Calls {
    std::vector<raft_cmdpb::RaftCmdResponse> answers;
    size_t answered = 0;
  };
  auto calls = std::make_shared<Calls>();
  calls->answers.resize(cmds.size());
  sim_.loop()
      .executor(processes_.at(store_id))
      .Spawn("test-client", [this, store_id, calls, cmds = std::move(cmds)] {
        Store* s = store(store_id);
        if (s == nullptr) return;
        for (size_t i = 0; i < cmds.size(); ++i) {
          s->Propose(cmds[i], [calls, i](raft_cmdpb::RaftCmdResponse answer) {
            calls->answers[i] = std::move(answer);
            ++calls->answered;
          });
        }
      });
  const size_t count = calls->answers.size();
  const bool all = RunUntil([&] { return calls->answered == count; }, limit);
  *answers = calls->answers;
  return all;
}

raft_cmdpb::RaftCmdRequest Cluster::Command(const core::region::Region& region,
                                            uint64_t store_id) {
  raft_cmdpb::RaftCmdRequest cmd;
  raft_cmdpb::RaftRequestHeader* header = cmd.mutable_header();
  header->set_region_id(region.id);
  *header->mutable_region_epoch() = core::region::ToMetapb(region.epoch);
  if (const core::region::Peer* peer = region.FindPeerOnStore(store_id)) {
    *header->mutable_peer() = core::region::ToMetapb(*peer);
  }
  header->set_uuid("cmd-" + std::to_string(AllocId()));
  return cmd;
}

raft_cmdpb::RaftCmdRequest Cluster::PutCommand(
    const core::region::Region& region, uint64_t store_id,
    const std::string& key, const std::string& value) {
  raft_cmdpb::RaftCmdRequest cmd = Command(region, store_id);
  raft_cmdpb::Request* put = cmd.add_requests();
  put->set_cmd_type(raft_cmdpb::Put);
  put->mutable_put()->set_key(key);
  put->mutable_put()->set_value(value);
  return cmd;
}

raft_cmdpb::RaftCmdResponse Cluster::MustPut(const std::string& key,
                                             const std::string& value) {
  raft_cmdpb::RaftCmdResponse last;
  for (int attempt = 0; attempt < 50; ++attempt) {
    auto region = RegionForKey(key);
    const uint64_t leader = region ? WaitForLeader(region->id) : 0;
    if (leader != 0) {
      auto answer = Call(leader, PutCommand(*region, leader, key, value));
      if (answer.has_value()) {
        last = *std::move(answer);
        if (!last.header().has_error()) return last;
      }
    }
    RunFor(Duration::Milliseconds(100));
  }
  return last;
}

raft_cmdpb::RaftCmdResponse Cluster::Split(
    const std::vector<std::string>& split_keys) {
  auto region = RegionForKey(split_keys.front());
  CHECK(region.has_value()) << "no region holds the first split key";
  const uint64_t leader = WaitForLeader(region->id);
  CHECK_NE(leader, 0u) << "region " << region->id << " has no leader";
  raft_cmdpb::RaftCmdRequest cmd = Command(*region, leader);
  raft_cmdpb::AdminRequest* admin = cmd.mutable_admin_request();
  admin->set_cmd_type(raft_cmdpb::BatchSplit);
  admin->mutable_splits()->set_right_derive(true);
  for (const std::string& key : split_keys) {
    raft_cmdpb::SplitRequest* split = admin->mutable_splits()->add_requests();
    split->set_split_key(key);
    split->set_new_region_id(AllocId());
    for (size_t i = 0; i < region->peers.size(); ++i) {
      split->add_new_peer_ids(AllocId());
    }
  }
  auto answer = Call(leader, std::move(cmd));
  CHECK(answer.has_value()) << "the split was not answered";
  return *std::move(answer);
}

std::optional<std::string> Cluster::Get(uint64_t store_id,
                                        const std::string& key) {
  auto value = disks_.at(store_id)->Get(core::env::Cf::kDefault, DataKey(key));
  CHECK(value.ok()) << value.status();
  return *value;
}

std::string ErrorOf(const raft_cmdpb::RaftCmdResponse& response) {
  return response.header().has_error() ? response.header().error().message()
                                       : "";
}

}  // namespace store::raftstore::testing
