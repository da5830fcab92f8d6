#include "sim/pd/pd_cluster.h"

#include <utility>

#include "core/base/check.h"

namespace sim::pdsim {
namespace {

using core::base::Duration;
namespace server = ::pd::server;

constexpr int kClientPort = 2379;
constexpr int kPeerPort = 2380;

}  // namespace

SimulationOptions PdClusterOptions::QuietSimulation(uint64_t seed) {
  SimulationOptions options;
  options.seed = seed;
  options.buggify.enabled = false;
  return options;
}

core::env::Address PdCluster::ClientAddress(int member) {
  return Name(member) + ":" + std::to_string(kClientPort);
}

core::env::Address PdCluster::PeerAddress(int member) {
  return Name(member) + ":" + std::to_string(kPeerPort);
}

PdCluster::PdCluster(const PdClusterOptions& options)
    : options_(options),
      sim_(options.simulation),
      hosts_(sim_, options.simulation.seed) {
  CHECK(options.members >= 1 && options.members <= 9) << options.members;
  for (int member = 1; member <= options.members; ++member) {
    CHECK_EQ(hosts_.Add({.name = Name(member), .disk = options.disk}), member);
  }
  client_process_ = sim_.AddNode({.host = "client", .clock = ClockOptions{}});
}

PdCluster::~PdCluster() {
  // Client fibres reference the clients: end them first.
  loop().Shutdown();
}

server::PdMemberOptions PdCluster::MemberOptions(int member) const {
  server::PdMemberOptions o = options_.member;
  o.id = static_cast<server::NodeId>(member);
  o.members.clear();
  for (int m = 1; m <= options_.members; ++m) {
    o.members[static_cast<server::NodeId>(m)] =
        server::MemberInfo{Name(m), PeerAddress(m), ClientAddress(m)};
  }
  return o;
}

std::unique_ptr<ProcessState> PdCluster::MakeHost(int member) {
  auto created =
      PdHost::Create(sim_.MakeEnv(hosts_.process(member), hosts_.disk(member)),
                     MemberOptions(member), this);
  if (!created.ok()) {
    hosts_.Log(Name(member) +
               " recovery failed: " + created.status().ToString());
    if (absl::IsDataLoss(created.status())) {
      hosts_.MarkLost(member);
    } else {
      hosts_.RestartAfter(member, Duration::Milliseconds(200));
    }
    return nullptr;
  }
  std::unique_ptr<PdHost> host = *std::move(created);
  host->Start();
  return host;
}

void PdCluster::Start() {
  for (int member = 1; member <= options_.members; ++member) {
    hosts_.Boot(member, [this](int m) { return MakeHost(m); });
  }
}

PdHost* PdCluster::host(int member) {
  return static_cast<PdHost*>(hosts_.state(member));
}

int PdCluster::Leader() {
  int leader = 0;
  core::raft::Term term = 0;
  for (int member = 1; member <= options_.members; ++member) {
    PdHost* h = host(member);
    if (h == nullptr || !h->member().IsLeader()) continue;
    const core::raft::Term t = h->member().raw_node().raft().term();
    if (leader == 0 || t > term) {
      leader = member;
      term = t;
    }
  }
  return leader;
}

int PdCluster::WaitForLeader(Duration max) {
  const core::base::Instant deadline = loop().Now() + max;
  while (Leader() == 0 && loop().Now() < deadline) {
    loop().RunFor(Duration::Milliseconds(50));
  }
  return Leader();
}

void PdCluster::Crash(int member) { hosts_.Crash(member, "test"); }

void PdCluster::Restart(int member) { hosts_.Restart(member); }

void PdCluster::AfterStep(server::NodeId id) {
  const int member = static_cast<int>(id);
  PdHost* h = host(member);
  if (h == nullptr) return;
  const core::raft::Raft& raft = h->member().raw_node().raft();
  if (raft.role() != core::raft::StateRole::kLeader) return;
  core::raft::Term& led = led_term_[member];
  if (led == raft.term()) return;
  led = raft.term();
  hosts_.Log(Name(member) + " leads term " + std::to_string(raft.term()));
  if (on_elected_) on_elected_(member);
}

void PdCluster::OnHalt(server::NodeId id, const absl::Status& status) {
  hosts_.Halt(static_cast<int>(id), status, absl::IsDataLoss(status));
}

PdClient& PdCluster::AddClient() {
  PdClientOptions client = options_.client;
  client.jitter_seed = options_.simulation.seed * 1000 + clients_.size();
  client.members.clear();
  for (int m = 1; m <= options_.members; ++m) {
    client.members.push_back(ClientAddress(m));
  }
  clients_.push_back(std::make_unique<PdClient>(
      loop().executor(client_process_), loop().clock(client_process_),
      sim_.network().endpoint(client_process_), client));
  return *clients_.back();
}

std::shared_ptr<bool> PdCluster::SpawnClient(
    PdClient& client, std::function<void(PdClient&)> body) {
  auto done = std::make_shared<bool>(false);
  loop()
      .executor(client_process_)
      .Spawn("pd-client", [&client, body = std::move(body), done] {
        body(client);
        *done = true;
      });
  return done;
}

bool PdCluster::RunClient(PdClient& client, std::function<void(PdClient&)> body,
                          Duration max) {
  std::shared_ptr<bool> done = SpawnClient(client, std::move(body));
  const core::base::Instant deadline = loop().Now() + max;
  while (!*done && loop().Now() < deadline) {
    loop().RunFor(Duration::Milliseconds(10));
  }
  return *done;
}

}  // namespace sim::pdsim
