// pd-server: one member of the Placement Driver (pd/server's PdMember on
// the runtime: EpollLoop, TCP, RocksDB), serving pdpb.PD, etcd's KV and
// Cluster subset and grpc.health.v1 on its client URL, and PD-to-PD Raft
// on its peer URL. Flags as PD's (see Usage and runtime/bin/README.md).
//
//   pd-server --name=pd1 --data-dir=/var/lib/pd1
//     --client-urls=http://127.0.0.1:2379 --peer-urls=http://127.0.0.1:2380
//
// Prints "serving on HOST:PORT" (the client address) once listening; stops
// gracefully on SIGTERM or SIGINT. Exit status: 0 after a clean stop, 1 on
// a runtime failure (data dir locked, address in use, storage error), 2 on
// a bad command line.
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_split.h"
#include "pd/server/etcd_service.h"
#include "pd/server/pd_grpc.h"
#include "pd/server/pd_member.h"
#include "pd/server/pd_service.h"
#include "rpc/server.h"
#include "runtime/bin/address.h"
#include "runtime/bin/data_dir.h"
#include "runtime/bin/flags.h"
#include "runtime/bin/log.h"
#include "runtime/bin/serve.h"
#include "runtime/env/runtime_env.h"

namespace runtime::bin {
namespace {

using core::base::Duration;
namespace server = ::pd::server;

constexpr char kComponent[] = "pd-server";

void DeclareFlags(FlagSet& flags) {
  flags.Add("name", "pd", "human-readable name for this member");
  flags.Add("data-dir", "",
            "path to the data directory (default default.NAME)");
  flags.Add("client-urls", "http://127.0.0.1:2379", "URL to serve clients on");
  flags.Add("advertise-client-urls", "",
            "client URL advertised to clients (default --client-urls)");
  flags.Add("peer-urls", "http://127.0.0.1:2380", "URL for PD-to-PD traffic");
  flags.Add("advertise-peer-urls", "",
            "peer URL advertised to other members (default --peer-urls; "
            "must equal it for now)");
  flags.Add("initial-cluster", "",
            "every member as NAME=PEER_URL,... (default NAME=PEER_URL of "
            "this member alone)");
  flags.Add("initial-cluster-client-urls", "",
            "other members' client URLs as NAME=URL,... (not a PD flag; "
            "default: each member's peer port minus one)");
  flags.Add("config", "", "TOML configuration file (not supported yet)");
  flags.Add("log-file", "", "log file (default stderr)");
  flags.Add("log-level", "info", "debug, info, warn or error");
}

struct PdServerConfig {
  std::string name;
  std::string data_dir;
  // Where the gRPC server listens (host:port).
  std::string client_listen;
  server::PdMemberOptions member;
};

// NAME=URL,... as name -> host:port.
absl::StatusOr<std::map<std::string, std::string>> ParseNamedUrls(
    std::string_view flag, std::string_view text) {
  std::map<std::string, std::string> out;
  for (absl::string_view part :
       absl::StrSplit(std::string(text), ',', absl::SkipEmpty())) {
    const std::string_view item(part.data(), part.size());
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return absl::InvalidArgumentError("bad value \"" + std::string(item) +
                                        "\" for --" + std::string(flag) +
                                        ": want NAME=URL");
    }
    const std::string name(item.substr(0, eq));
    absl::StatusOr<std::string> url = ParseUrl(flag, item.substr(eq + 1));
    if (!url.ok()) return url.status();
    if (!out.emplace(name, *url).second) {
      return absl::InvalidArgumentError("--" + std::string(flag) + " names " +
                                        name + " twice");
    }
  }
  return out;
}

// host:(port - 1): PD's default client port sits below its peer port.
std::string ClientBelowPeer(const std::string& peer) {
  const size_t colon = peer.rfind(':');
  const int port = std::stoi(peer.substr(colon + 1));
  return peer.substr(0, colon + 1) + std::to_string(port - 1);
}

// Fills config->member.members (ids by name order, so every member agrees
// whatever order its flag lists them in) and config->member.id.
absl::Status ConfigureMembers(const FlagSet& flags, const std::string& own_peer,
                              const std::string& own_client,
                              PdServerConfig* config) {
  std::string cluster = flags.Get("initial-cluster");
  if (cluster.empty()) cluster = config->name + "=http://" + own_peer;
  auto peers = ParseNamedUrls("initial-cluster", cluster);
  if (!peers.ok()) return peers.status();
  auto clients = ParseNamedUrls("initial-cluster-client-urls",
                                flags.Get("initial-cluster-client-urls"));
  if (!clients.ok()) return clients.status();
  auto own = peers->find(config->name);
  if (own == peers->end()) {
    return absl::InvalidArgumentError(
        "--initial-cluster does not name this "
        "member (--name=" +
        config->name + ")");
  }
  if (own->second != own_peer) {
    return absl::InvalidArgumentError(
        "--initial-cluster gives " + config->name + " the peer URL http://" +
        own->second + ", but --advertise-peer-urls is http://" + own_peer);
  }
  server::NodeId id = 0;
  for (const auto& [name, peer] : *peers) {
    ++id;
    std::string client = ClientBelowPeer(peer);
    if (auto it = clients->find(name); it != clients->end())
      client = it->second;
    if (name == config->name) {
      client = own_client;
      config->member.id = id;
    }
    config->member.members[id] = server::MemberInfo{name, peer, client};
  }
  return absl::OkStatus();
}

absl::StatusOr<PdServerConfig> ConfigFromFlags(const FlagSet& flags) {
  if (!flags.Get("config").empty()) {
    return absl::InvalidArgumentError(
        "--config is not supported yet: give the settings as flags");
  }
  PdServerConfig config;
  config.name = flags.Get("name");
  if (config.name.empty()) return absl::InvalidArgumentError("--name is empty");
  config.data_dir = flags.Get("data-dir");
  if (config.data_dir.empty()) config.data_dir = "default." + config.name;
  auto listen = ParseUrls("client-urls", flags.Get("client-urls"));
  if (!listen.ok()) return listen.status();
  if (listen->size() != 1) {
    return absl::InvalidArgumentError("--client-urls: one URL only for now");
  }
  config.client_listen = listen->front();
  std::string client = config.client_listen;
  if (flags.IsSet("advertise-client-urls")) {
    auto advertised =
        ParseUrls("advertise-client-urls", flags.Get("advertise-client-urls"));
    if (!advertised.ok()) return advertised.status();
    client = advertised->front();
  }
  auto peer = ParseUrl("peer-urls", flags.Get("peer-urls"));
  if (!peer.ok()) return peer.status();
  if (flags.IsSet("advertise-peer-urls")) {
    auto advertised =
        ParseUrl("advertise-peer-urls", flags.Get("advertise-peer-urls"));
    if (!advertised.ok()) return advertised.status();
    if (*advertised != *peer) {
      return absl::InvalidArgumentError(
          "--advertise-peer-urls other than --peer-urls is not supported yet");
    }
  }
  absl::Status members = ConfigureMembers(flags, *peer, client, &config);
  if (!members.ok()) return members;
  return config;
}

// Storage failures stop the process (the member is fail-stop).
class HaltObserver final : public server::PdMemberObserver {
 public:
  HaltObserver(EpollLoop& loop, Logger& log) : loop_(loop), log_(log) {}
  void OnHalt(server::NodeId id, const absl::Status& status) override {
    Halt(loop_, log_, kComponent, "member stopped: " + status.ToString());
  }

 private:
  EpollLoop& loop_;
  Logger& log_;
};

int Serve(const PdServerConfig& config, Logger& log) {
  auto lock = DataDirLock::Acquire(config.data_dir);
  if (!lock.ok()) {
    log.Error(kComponent, std::string(lock.status().message()));
    return 1;
  }
  auto node = RuntimeEnv::Create({.data_dir = config.data_dir + "/db"});
  if (!node.ok()) {
    log.Error(kComponent,
              "cannot open the data dir: " + node.status().ToString());
    return 1;
  }
  EpollLoop& loop = (*node)->loop();
  HaltObserver observer(loop, log);
  auto member =
      server::PdMember::Create((*node)->env(), config.member, &observer);
  if (!member.ok()) {
    log.Error(kComponent,
              "cannot recover the member: " + member.status().ToString());
    return 1;
  }
  server::PdService pd(**member);
  server::EtcdService etcd(**member);
  server::HealthService health(**member);
  auto services = std::make_shared<rpc::ServiceRegistry>();
  server::RegisterPdServices(pd, etcd, health, *services);
  (*member)->Start();
  auto rpc_server = rpc::Server::Start(loop, loop.clock(), (*node)->network(),
                                       {.listen_address = config.client_listen},
                                       std::move(services));
  if (!rpc_server.ok()) {
    log.Error(kComponent, "cannot listen on --client-urls " +
                              config.client_listen + ": " +
                              rpc_server.status().ToString());
    return 1;
  }
  log.Info(kComponent, "member " + config.name + " (id " +
                           std::to_string(config.member.id) + " of " +
                           std::to_string(config.member.members.size()) +
                           ") serving clients on " + (*rpc_server)->address());
  std::cout << "serving on " << (*rpc_server)->address() << std::endl;
  const int status = RunUntilSignalled(
      loop, log, kComponent,
      [&] {
        (*rpc_server)->Shutdown(Duration::Seconds(2));
        (*rpc_server)->Close();
      },
      Duration::Seconds(10));
  // Fibres end before the services and the member they use.
  loop.Shutdown();
  return status;
}

}  // namespace
}  // namespace runtime::bin

int main(int argc, char** argv) {
  using namespace runtime::bin;
  FlagSet flags(kComponent);
  DeclareFlags(flags);
  std::unique_ptr<Logger> log;
  if (std::optional<int> exit_status =
          ParseCommandLine(flags, argc, argv, &log)) {
    return *exit_status;
  }
  absl::StatusOr<PdServerConfig> config = ConfigFromFlags(flags);
  if (!config.ok()) return UsageError(kComponent, config.status());
  return Serve(*config, *log);
}
