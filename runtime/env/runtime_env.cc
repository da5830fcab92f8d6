#include "runtime/env/runtime_env.h"

#include <utility>

#include "core/engine/mem_engine.h"
#include "runtime/loop/system_clock.h"
#include "runtime/storage/offload_engine.h"
#include "runtime/storage/rocks_engine.h"

namespace runtime {

RuntimeEnv::RuntimeEnv(const RuntimeEnvOptions& options, uint64_t seed)
    : seed_(seed), loop_(options.loop), network_(loop_), random_(seed) {}

absl::StatusOr<std::unique_ptr<RuntimeEnv>> RuntimeEnv::Create(
    const RuntimeEnvOptions& options) {
  const uint64_t seed = options.seed.value_or(SeedFromOs());
  std::unique_ptr<RuntimeEnv> node(new RuntimeEnv(options, seed));
  if (options.data_dir.empty()) {
    node->engine_ = std::make_unique<core::engine::MemEngine>();
    return node;
  }
  auto rocks = storage::RocksEngine::Open(options.data_dir, {});
  if (!rocks.ok()) return rocks.status();
  node->engine_ = std::make_unique<storage::OffloadEngine>(
      node->loop_, std::shared_ptr<core::env::Engine>(*std::move(rocks)));
  return node;
}

RuntimeEnv::~RuntimeEnv() {
  loop_.Shutdown();  // Fibres unwind while the engine and network exist.
  engine_.reset();
}

core::env::Env RuntimeEnv::env() {
  return core::env::Env{.clock = loop_.clock(),
                        .random = random_,
                        .executor = loop_,
                        .network = network_,
                        .engine = *engine_,
                        .faults = faults_};
}

}  // namespace runtime
