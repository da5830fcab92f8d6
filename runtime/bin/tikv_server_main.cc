// tikv-server: one TiKV store (store/server's Node: raftstore, RaftKv,
// Storage and tikvpb.Tikv) on the runtime (EpollLoop, TCP, RocksDB),
// joining its cluster through PD on first start (store/pd_worker's
// BootstrapNode, as TiKV's src/server/node.rs does). Flags as TiKV's (see
// Usage and runtime/bin/README.md).
//
//   tikv-server --pd=127.0.0.1:2379 --addr=127.0.0.1:20160
//     --data-dir=/var/lib/tikv1
//
// The Node runs store/pd_worker's PdWorker (store and region heartbeats,
// PD's operators, other stores' addresses, ids for splits). Prints
// "serving on HOST:PORT" once joined and listening; stops gracefully
// on SIGTERM or SIGINT. Exit status: 0 after a clean stop, 1 on a runtime
// failure (data dir locked, PD unreachable, address in use, storage
// error), 2 on a bad command line.
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "client/pd/pd_client.h"
#include "rpc/http1/http_server.h"
#include "runtime/bin/address.h"
#include "runtime/bin/data_dir.h"
#include "runtime/bin/flags.h"
#include "runtime/bin/log.h"
#include "runtime/bin/serve.h"
#include "runtime/bin/status_pages.h"
#include "runtime/env/runtime_env.h"
#include "store/pd_worker/bootstrap.h"
#include "store/server/node.h"

namespace runtime::bin {
namespace {

using core::base::Duration;

constexpr char kComponent[] = "tikv-server";
// How long the first start waits for PD (TiKV retries PD for minutes; a
// playground's PD comes up within seconds).
constexpr Duration kJoinTimeout = Duration::Seconds(60);

void DeclareFlags(FlagSet& flags) {
  flags.Add("pd", "127.0.0.1:2379", "PD endpoints, comma-separated");
  flags.Add("addr", "127.0.0.1:20160", "address tikvpb.Tikv listens on");
  flags.Add("advertise-addr", "",
            "address advertised to clients through PD (default --addr)");
  flags.Add("raft-addr", "",
            "address for store-to-store Raft traffic (not a TiKV flag: "
            "TiKV sends it over --addr; default the --addr port plus 100)");
  flags.Add("status-addr", "",
            "status HTTP address: /metrics, /status, /config, /region/ID "
            "(none by default: TiKV's is 20180)");
  flags.Add("data-dir", "tikv-data", "path to the data directory");
  flags.Add("config", "", "TOML configuration file (not supported yet)");
  flags.Add("log-file", "", "log file (default stderr)");
  flags.Add("log-level", "info", "debug, info, warn or error");
}

struct TikvServerConfig {
  std::vector<std::string> pd;
  std::string addr;
  std::string advertise_addr;
  std::string raft_addr;
  std::string status_addr;
  std::string data_dir;
};

std::string PortPlus(const std::string& host_port, int delta) {
  const size_t colon = host_port.rfind(':');
  const int port = std::stoi(host_port.substr(colon + 1)) + delta;
  return host_port.substr(0, colon + 1) +
         std::to_string(port > 65535 ? 0 : port);
}

absl::StatusOr<TikvServerConfig> ConfigFromFlags(const FlagSet& flags) {
  if (!flags.Get("config").empty()) {
    return absl::InvalidArgumentError(
        "--config is not supported yet: give the settings as flags");
  }
  TikvServerConfig config;
  auto pd = ParseUrls("pd", flags.Get("pd"));
  if (!pd.ok()) return pd.status();
  config.pd = *std::move(pd);
  auto addr = ParseHostPort("addr", flags.Get("addr"));
  if (!addr.ok()) return addr.status();
  config.addr = *addr;
  config.advertise_addr = config.addr;
  if (flags.IsSet("advertise-addr")) {
    auto advertise =
        ParseHostPort("advertise-addr", flags.Get("advertise-addr"));
    if (!advertise.ok()) return advertise.status();
    config.advertise_addr = *advertise;
  }
  const std::string raft = flags.IsSet("raft-addr")
                               ? flags.Get("raft-addr")
                               : PortPlus(config.addr, 100);
  auto raft_addr = ParseHostPort("raft-addr", raft);
  if (!raft_addr.ok()) return raft_addr.status();
  config.raft_addr = *raft_addr;
  if (flags.IsSet("status-addr")) {
    auto status = ParseHostPort("status-addr", flags.Get("status-addr"));
    if (!status.ok()) return status.status();
    config.status_addr = *status;
  }
  config.data_dir = flags.Get("data-dir");
  if (config.data_dir.empty()) {
    return absl::InvalidArgumentError("--data-dir is empty");
  }
  return config;
}

// Everything the serving process owns, built by Join on the boot fibre.
struct Server {
  std::unique_ptr<client::pd::PdClient> pd;
  std::unique_ptr<store::server::Node> node;
  StatusInfo status_info;
  std::unique_ptr<rpc::http1::HttpServer> status;
};

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

// The status pages on --status-addr, once the node runs.
absl::Status StartStatusServer(const TikvServerConfig& config,
                               RuntimeEnv& runtime, uint64_t store_id,
                               Server* server) {
  server->status_info =
      StatusInfo{.store_id = store_id,
                 .address = config.advertise_addr,
                 .status_address = config.status_addr,
                 .config = {{"pd", Joined(config.pd)},
                            {"addr", config.addr},
                            {"advertise-addr", config.advertise_addr},
                            {"raft-addr", config.raft_addr},
                            {"status-addr", config.status_addr},
                            {"data-dir", config.data_dir}}};
  auto status = rpc::http1::HttpServer::Start(
      runtime.loop(), runtime.network(), config.status_addr,
      [server](const rpc::http1::HttpRequest& request) {
        return ServeStatusPage(*server->node, server->status_info, request);
      });
  if (!status.ok()) {
    return absl::UnavailableError("cannot listen on --status-addr " +
                                  config.status_addr + ": " +
                                  status.status().ToString());
  }
  server->status = *std::move(status);
  return absl::OkStatus();
}

// BootstrapNode, again while PD is unavailable (not yet elected, no
// cluster id yet, not reachable) until kJoinTimeout; BootstrapNode is
// idempotent.
absl::StatusOr<store::pd_worker::BootstrapResult> JoinWithRetry(
    client::pd::PdClient& pd, RuntimeEnv& runtime,
    const metapb::Store& store_template, Logger& log) {
  const core::base::Instant deadline = pd.Now() + kJoinTimeout;
  for (int attempt = 1;; ++attempt) {
    auto joined = store::pd_worker::BootstrapNode(pd, runtime.engine(),
                                                  store_template, deadline);
    if (joined.ok() || pd.Now() >= deadline ||
        !(absl::IsUnavailable(joined.status()) ||
          absl::IsDeadlineExceeded(joined.status()))) {
      return joined;
    }
    if (attempt == 1 || attempt % 25 == 0) {
      log.Info(kComponent, "waiting for PD: " + joined.status().ToString());
    }
    pd.SleepFor(Duration::Milliseconds(200));
  }
}

// Joins the cluster, recovers the store, starts it and waits for the gRPC
// server to listen. Runs on a fibre.
absl::Status Join(const TikvServerConfig& config, RuntimeEnv& runtime,
                  Logger& log, Server* server) {
  EpollLoop& loop = runtime.loop();
  server->pd = std::make_unique<client::pd::PdClient>(
      loop, loop.clock(), runtime.network(),
      client::pd::PdClientOptions{.members = config.pd,
                                  .jitter_seed = runtime.seed()});
  metapb::Store store_template;
  store_template.set_address(config.advertise_addr);
  store_template.set_peer_address(config.raft_addr);
  store_template.set_status_address(config.status_addr);
  auto joined = JoinWithRetry(*server->pd, runtime, store_template, log);
  if (!joined.ok()) return joined.status();
  log.Info(kComponent,
           "store " + std::to_string(joined->store_id) + " of cluster " +
               std::to_string(joined->cluster_id) +
               (joined->bootstrapped_cluster ? " (bootstrapped the cluster)"
                                             : " (joined)"));
  store::server::NodeOptions options;
  options.store.cluster_id = joined->cluster_id;
  options.store.store_id = joined->store_id;
  options.store.store_addresses[joined->store_id] = config.raft_addr;
  store::server::UseTikvRaftDefaults(&options.store.raft);
  options.rpc.listen_address = config.addr;
  // The node's PD worker: heartbeats, PD's operators, other stores'
  // addresses, ids for splits.
  options.pd = server->pd.get();
  auto node = store::server::Node::Create(runtime.env(), options, nullptr);
  if (!node.ok()) return node.status();
  server->node = *std::move(node);
  server->node->Start();
  while (server->node->rpc_server() == nullptr) {
    if (!server->node->rpc_status().ok()) {
      return absl::UnavailableError("cannot listen on --addr " + config.addr +
                                    ": " +
                                    server->node->rpc_status().ToString());
    }
    if (server->node->store().halted()) {
      return absl::InternalError("the store stopped while starting");
    }
    loop.SleepFor(Duration::Milliseconds(10));
  }
  if (config.status_addr.empty()) return absl::OkStatus();
  return StartStatusServer(config, runtime, joined->store_id, server);
}

int Serve(const TikvServerConfig& config, Logger& log) {
  auto lock = DataDirLock::Acquire(config.data_dir);
  if (!lock.ok()) {
    log.Error(kComponent, std::string(lock.status().message()));
    return 1;
  }
  auto runtime = RuntimeEnv::Create({.data_dir = config.data_dir + "/db"});
  if (!runtime.ok()) {
    log.Error(kComponent,
              "cannot open the data dir: " + runtime.status().ToString());
    return 1;
  }
  EpollLoop& loop = (*runtime)->loop();
  Server server;
  loop.Spawn("tikv-join", [&] {
    absl::Status joined = Join(config, **runtime, log, &server);
    if (!joined.ok()) return Halt(loop, log, kComponent, joined.ToString());
    log.Info(kComponent, "serving on " + config.addr);
    std::cout << "serving on " << config.addr << std::endl;
  });
  const int status = RunUntilSignalled(
      loop, log, kComponent,
      [&] {
        if (server.status != nullptr) server.status->Close();
        if (server.node == nullptr) return;
        if (rpc::Server* rpc_server = server.node->rpc_server()) {
          rpc_server->Shutdown(Duration::Seconds(2));
        }
        server.node->Close();
      },
      Duration::Seconds(10));
  // Fibres end before the node and client they use.
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
  absl::StatusOr<TikvServerConfig> config = ConfigFromFlags(flags);
  if (!config.ok()) return UsageError(kComponent, config.status());
  return Serve(*config, *log);
}
