// SimDisk: a simulated node's disk. It is the node's core::env::Engine: a
// MemEngine (which models the page cache: unsynced writes are lost
// on crash) plus what a real disk adds:
//  * latency: a sync (Sync(), or Write with sync) parks the calling fibre
//    for min + Exp(mean) of the node's time, and now and then stalls for up
//    to `stall_max`; an unsynced write costs nothing (page cache);
//  * fault windows: while one is open, each write fails with probability p
//    (EIO or ENOSPC, the batch not applied) and each sync with p (EIO, the
//    data left unsynced), through MemEngine's FaultInjector hook;
//  * crash: Crash() keeps the synced state plus a random prefix of the
//    unsynced batches, each whole;
//  * latent corruption: CorruptRandomValue() damages one stored value,
//    which checksums turn into kDataLoss when it is read.
// The latency is spent before the operation takes effect, so a crash
// during it loses the write or the sync.
//
// The disk belongs to the harness, not to the node's volatile state: it
// survives the node's crashes. Every draw comes from its own seeded PRNG.
//
// Thread-affinity: the simulator's thread; parking calls from a fibre of
// the owner process.
#ifndef SIM_HOST_SIM_DISK_H_
#define SIM_HOST_SIM_DISK_H_

#include <cstdint>
#include <memory>
#include <string>

#include "core/base/prng.h"
#include "core/base/time.h"
#include "core/engine/fault_injector.h"
#include "core/engine/mem_engine.h"
#include "core/env/engine.h"
#include "sim/loop/sim_loop.h"

namespace sim {

struct SimDiskOptions {
  core::base::Duration sync_latency_min =
      core::base::Duration::Microseconds(200);
  core::base::Duration sync_latency_mean_extra =
      core::base::Duration::Microseconds(800);
  double stall_probability = 0.002;
  core::base::Duration stall_max = core::base::Duration::Milliseconds(100);
  std::string ToString() const;
};

class SimDisk final : public core::env::Engine {
 public:
  struct Stats {
    uint64_t writes = 0;
    uint64_t syncs = 0;
    uint64_t injected_errors = 0;
    uint64_t crashes = 0;
    uint64_t lost_batches = 0;
    uint64_t corruptions = 0;
  };

  SimDisk(SimLoop& loop, ProcessId owner, uint64_t seed,
          const SimDiskOptions& options);
  SimDisk(const SimDisk&) = delete;
  SimDisk& operator=(const SimDisk&) = delete;

  absl::Status Write(const core::env::WriteBatch& batch,
                     const core::env::WriteOptions& options) override;
  absl::Status Sync() override;
  absl::StatusOr<std::optional<std::string>> Get(core::env::Cf cf,
                                                 std::string_view key) override;
  std::shared_ptr<const core::env::Snapshot> NewSnapshot() override;

  // Until `until` (true time), each write and sync fails with
  // `probability`.
  void OpenFaultWindow(core::base::Instant until, double probability);
  void CloseFaultWindow();
  core::engine::CrashReport Crash();
  // Damages one stored value (at most once per disk). False if nothing was
  // damaged.
  bool CorruptRandomValue();
  const Stats& stats() const { return stats_; }

 private:
  class Faults final : public core::engine::FaultInjector {
   public:
    explicit Faults(SimDisk& disk) : disk_(disk) {}
    absl::Status BeforeWrite(const core::env::WriteBatch& batch) override;
    absl::Status BeforeSync() override;

   private:
    SimDisk& disk_;
  };
  bool DrawFault();
  void SpendSyncLatency();

  SimLoop& loop_;
  ProcessId owner_;
  SimDiskOptions options_;
  core::base::Prng prng_;
  Faults faults_;
  core::engine::MemEngine engine_;
  core::base::Instant fault_window_end_;
  double fault_probability_ = 0;
  Stats stats_;
};

}  // namespace sim

#endif  // SIM_HOST_SIM_DISK_H_
