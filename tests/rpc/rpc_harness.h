// A server node and client nodes on one simulated network, for rpc/ tests:
// the server listens on "server:20160" with the test's ServiceRegistry;
// RunOn runs a body on a node's fibre and the loop until it returns.
#ifndef TESTS_RPC_RPC_HARNESS_H_
#define TESTS_RPC_RPC_HARNESS_H_

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "core/base/time.h"
#include "rpc/channel.h"
#include "rpc/server.h"
#include "sim/simulation/simulation.h"

namespace rpc::testing {

inline constexpr char kServerAddress[] = "server:20160";

class RpcHarness {
 public:
  explicit RpcHarness(sim::SimulationOptions options = {.seed = 7})
      : sim_(options) {
    server_node_ = sim_.AddNode({.host = "server"});
    client_node_ = sim_.AddNode({.host = "client"});
  }
  ~RpcHarness() {
    channels_.clear();
    server_.reset();
  }

  sim::Simulation& sim() { return sim_; }
  sim::SimLoop& loop() { return sim_.loop(); }
  sim::ProcessId server_node() const { return server_node_; }
  sim::ProcessId client_node() const { return client_node_; }
  ServiceRegistry& services() { return *services_; }
  core::env::Executor& executor(sim::ProcessId p) { return loop().executor(p); }
  core::env::Clock& clock(sim::ProcessId p) { return loop().clock(p); }
  core::env::Network& network(sim::ProcessId p) {
    return sim_.network().endpoint(p);
  }
  core::base::Instant now() { return loop().Now(); }

  Server& StartServer(ServerOptions options = {}) {
    options.listen_address = kServerAddress;
    auto server = Server::Start(executor(server_node_), clock(server_node_),
                                network(server_node_), options, services_);
    EXPECT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    return *server_;
  }
  Server& server() { return *server_; }
  void StopServer() { server_.reset(); }

  // A channel from `node` (the client node by default) to the server.
  Channel& NewChannel(ChannelOptions options = {}) {
    return NewChannelOn(client_node_, std::move(options));
  }
  Channel& NewChannelOn(sim::ProcessId node, ChannelOptions options = {}) {
    options.target = kServerAddress;
    channels_.push_back(std::make_unique<Channel>(executor(node), clock(node),
                                                  network(node), options));
    return *channels_.back();
  }

  // Runs `body` on a fibre of `node` and the loop until it returns or
  // `limit` of virtual time passes; true if it returned.
  bool RunOn(sim::ProcessId node, std::function<void()> body,
             core::base::Duration limit = core::base::Duration::Seconds(120)) {
    bool done = false;
    executor(node).Spawn("test-body", [&] {
      body();
      done = true;
      loop().Stop();
    });
    loop().RunFor(limit);
    return done;
  }
  bool RunClient(
      std::function<void()> body,
      core::base::Duration limit = core::base::Duration::Seconds(120)) {
    return RunOn(client_node_, std::move(body), limit);
  }

 private:
  sim::Simulation sim_;
  sim::ProcessId server_node_;
  sim::ProcessId client_node_;
  std::shared_ptr<ServiceRegistry> services_ =
      std::make_shared<ServiceRegistry>();
  std::unique_ptr<Server> server_;
  std::vector<std::unique_ptr<Channel>> channels_;
};

}  // namespace rpc::testing

#endif  // TESTS_RPC_RPC_HARNESS_H_
