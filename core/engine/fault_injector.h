// Storage fault injection for MemEngine, driven by the simulator or a test.
// MemEngine asks its FaultInjector before each write and each sync; a non-OK
// answer becomes that operation's result. Corruption of stored bytes is a
// separate MemEngine hook (CorruptValue), caught by per-entry checksums.
//
// Status codes follow the Engine contract (core/env/engine.h):
//   kInternal          an I/O error (EIO)
//   kResourceExhausted a full disk (ENOSPC)
#ifndef CORE_ENGINE_FAULT_INJECTOR_H_
#define CORE_ENGINE_FAULT_INJECTOR_H_

#include <deque>
#include <string_view>

#include "absl/status/status.h"
#include "core/base/prng.h"
#include "core/env/engine.h"

namespace core::engine {

class FaultInjector {
 public:
  virtual ~FaultInjector() = default;
  // Before a Write applies anything. Non-OK: the Write fails and nothing of
  // the batch is applied.
  virtual absl::Status BeforeWrite(const env::WriteBatch& batch) = 0;
  // Before a sync (Sync(), or the sync of a Write with sync = true). Non-OK:
  // the sync fails; writes already applied stay visible but remain unsynced,
  // so a later crash may lose them.
  virtual absl::Status BeforeSync() = 0;
};

// The errors MemEngine reports for the two modelled disk failures.
absl::Status IoError(std::string_view what);
absl::Status NoSpaceError(std::string_view what);

// Fails exactly the operations a test queues, in order.
class ScriptedFaultInjector final : public FaultInjector {
 public:
  // The next write (sync) fails with `status`; queued statuses are used up
  // one per operation.
  void FailNextWrite(absl::Status status);
  void FailNextSync(absl::Status status);

  absl::Status BeforeWrite(const env::WriteBatch& batch) override;
  absl::Status BeforeSync() override;

 private:
  std::deque<absl::Status> write_failures_;
  std::deque<absl::Status> sync_failures_;
};

struct RandomFaultOptions {
  // Probabilities per operation.
  double write_io_error = 0;
  double write_no_space = 0;
  double sync_io_error = 0;
};

// Fails operations at random from a seeded PRNG, for simulation sweeps.
class RandomFaultInjector final : public FaultInjector {
 public:
  // `prng` must outlive the injector.
  RandomFaultInjector(base::Prng& prng, const RandomFaultOptions& options)
      : prng_(prng), options_(options) {}

  absl::Status BeforeWrite(const env::WriteBatch& batch) override;
  absl::Status BeforeSync() override;

 private:
  base::Prng& prng_;
  RandomFaultOptions options_;
};

}  // namespace core::engine

#endif  // CORE_ENGINE_FAULT_INJECTOR_H_
