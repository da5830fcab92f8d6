// RuntimeEnv: one node's core::env::Env on the real machine: an EpollLoop
// (its executor and SystemClock), a TcpNetwork, a SeededRandom seeded from
// the OS (or given), no fault points, and an engine: RocksDB under
// `data_dir` behind an OffloadEngine, or a MemEngine when data_dir is empty
// (tests, the interop server).
//
//   auto node = RuntimeEnv::Create({.data_dir = "/var/lib/tikv"});
//   node->loop().Spawn("main", [&] { Serve(node->env()); });
//   node->loop().Run();
//
// Destruction shuts the loop down first (every fibre unwinds), then closes
// the engine.
#ifndef RUNTIME_ENV_RUNTIME_ENV_H_
#define RUNTIME_ENV_RUNTIME_ENV_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "core/env/env.h"
#include "core/env/random.h"
#include "runtime/loop/epoll_loop.h"
#include "runtime/net/tcp_network.h"

namespace runtime {

struct RuntimeEnvOptions {
  // Empty: an in-memory engine (nothing durable).
  std::string data_dir;
  // Unset: drawn from the OS (the chosen seed is in seed()).
  std::optional<uint64_t> seed;
  EpollLoopOptions loop;
};

class RuntimeEnv {
 public:
  static absl::StatusOr<std::unique_ptr<RuntimeEnv>> Create(
      const RuntimeEnvOptions& options);
  ~RuntimeEnv();
  RuntimeEnv(const RuntimeEnv&) = delete;
  RuntimeEnv& operator=(const RuntimeEnv&) = delete;

  core::env::Env env();
  EpollLoop& loop() { return loop_; }
  TcpNetwork& network() { return network_; }
  core::env::Engine& engine() { return *engine_; }
  uint64_t seed() const { return seed_; }

 private:
  RuntimeEnv(const RuntimeEnvOptions& options, uint64_t seed);

  uint64_t seed_;
  EpollLoop loop_;
  TcpNetwork network_;
  core::env::SeededRandom random_;
  core::env::NeverFaultPoints faults_;
  std::unique_ptr<core::env::Engine> engine_;
};

}  // namespace runtime

#endif  // RUNTIME_ENV_RUNTIME_ENV_H_
