#include "tests/env/env_under_test.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "core/base/check.h"
#include "core/engine/mem_engine.h"
#include "runtime/env/runtime_env.h"
#include "runtime/storage/scratch_dir.h"
#include "sim/simulation/simulation.h"

namespace tests::env {

using core::base::Duration;
using core::env::Address;

namespace {

// --- The simulator: node n1 under test; n2 listens behind a blocked path.

class SimEnvUnderTest final : public EnvUnderTest {
 public:
  SimEnvUnderTest() {
    sim_.network().Block(n1_, n2_);
    auto listener = sim_.network().endpoint(n2_).Listen("n2:7000");
    CHECK(listener.ok()) << listener.status();
    silent_listener_ = *std::move(listener);
  }
  ~SimEnvUnderTest() override {
    sim_.loop().Shutdown();
    silent_listener_.reset();
  }

  core::env::Env& env() override { return env_; }
  bool Run(std::function<void()> body, Duration limit) override {
    bool done = false;
    env_.executor.Spawn("test-body", [&] {
      body();
      done = true;
      sim_.loop().Stop();
    });
    sim_.loop().RunFor(limit);
    return done;
  }
  Address AnyPort() override { return "n1:0"; }
  Address RefusingAddress() override { return "n1:9"; }
  Address SilentAddress() override { return "n2:7000"; }

 private:
  core::engine::MemEngine engine_;
  sim::Simulation sim_{sim::SimulationOptions{.seed = 11}};
  sim::ProcessId n1_ = sim_.AddNode({.host = "n1"});
  sim::ProcessId n2_ = sim_.AddNode({.host = "n2"});
  core::env::Env env_ = sim_.MakeEnv(n1_, engine_);
  std::unique_ptr<core::env::Listener> silent_listener_;
};

// --- The runtime: loopback TCP, RocksDB in a scratch directory.

// A loopback listener whose accept queue is full and never drained: the
// kernel drops further SYNs, so a connect there hangs until its timeout.
class FullBacklog {
 public:
  FullBacklog() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK_EQ(bind(listen_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
    CHECK_EQ(listen(listen_fd_, 0), 0);
    socklen_t length = sizeof(sa);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&sa), &length);
    address_ = "127.0.0.1:" + std::to_string(ntohs(sa.sin_port));
    // Backlog 0 admits one queued connection; a few more to be sure.
    for (int i = 0; i < 3; ++i) {
      const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
      fillers_.push_back(fd);
    }
    usleep(20'000);  // Let the handshakes land in the queue.
  }
  ~FullBacklog() {
    for (int fd : fillers_) close(fd);
    close(listen_fd_);
  }
  const Address& address() const { return address_; }

 private:
  int listen_fd_ = -1;
  std::vector<int> fillers_;
  Address address_;
};

class RuntimeEnvUnderTest final : public EnvUnderTest {
 public:
  RuntimeEnvUnderTest() {
    auto node = runtime::RuntimeEnv::Create(
        {.data_dir = scratch_.path() + "/db", .seed = 11});
    CHECK(node.ok()) << node.status();
    node_ = *std::move(node);
    env_ = std::make_unique<core::env::Env>(node_->env());
  }

  core::env::Env& env() override { return *env_; }
  bool Run(std::function<void()> body, Duration limit) override {
    bool done = false;
    runtime::EpollLoop& loop = node_->loop();
    const core::env::TimerId watchdog = loop.After(limit, [&] { loop.Stop(); });
    loop.Spawn("test-body", [&] {
      body();
      done = true;
      loop.Stop();
    });
    loop.Run();
    loop.Cancel(watchdog);
    return done;
  }
  Address AnyPort() override { return "127.0.0.1:0"; }
  Address RefusingAddress() override {
    // A port just bound and released: nothing listens on it.
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
    socklen_t length = sizeof(sa);
    getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &length);
    close(fd);
    return "127.0.0.1:" + std::to_string(ntohs(sa.sin_port));
  }
  Address SilentAddress() override { return full_backlog_.address(); }

 private:
  runtime::storage::ScratchDir scratch_{"env_conformance"};
  FullBacklog full_backlog_;
  std::unique_ptr<runtime::RuntimeEnv> node_;
  std::unique_ptr<core::env::Env> env_;
};

}  // namespace

std::unique_ptr<EnvUnderTest> MakeSimEnv() {
  return std::make_unique<SimEnvUnderTest>();
}

std::unique_ptr<EnvUnderTest> MakeRuntimeEnv() {
  return std::make_unique<RuntimeEnvUnderTest>();
}

}  // namespace tests::env
