#include "sim/host/sim_disk.h"

#include <cmath>
#include <sstream>

#include "core/base/check.h"

namespace sim {

using core::base::Duration;

std::string SimDiskOptions::ToString() const {
  std::ostringstream out;
  out << "sync_latency=" << sync_latency_min << "+exp("
      << sync_latency_mean_extra << ") stall=" << stall_probability << ":"
      << stall_max;
  return out.str();
}

SimDisk::SimDisk(SimLoop& loop, ProcessId owner, uint64_t seed,
                 const SimDiskOptions& options)
    : loop_(loop),
      owner_(owner),
      options_(options),
      prng_(seed),
      faults_(*this),
      engine_(core::engine::MemEngineOptions{.fault_injector = &faults_}) {}

bool SimDisk::DrawFault() {
  if (fault_probability_ <= 0 || loop_.Now() >= fault_window_end_) {
    return false;
  }
  if (!prng_.Bernoulli(fault_probability_)) return false;
  ++stats_.injected_errors;
  return true;
}

absl::Status SimDisk::Faults::BeforeWrite(const core::env::WriteBatch&) {
  if (!disk_.DrawFault()) return absl::OkStatus();
  return disk_.prng_.OneIn(2) ? core::engine::IoError("simulated write")
                              : core::engine::NoSpaceError("simulated write");
}

absl::Status SimDisk::Faults::BeforeSync() {
  if (!disk_.DrawFault()) return absl::OkStatus();
  return core::engine::IoError("simulated sync");
}

void SimDisk::SpendSyncLatency() {
  if (!loop_.InFibre()) return;
  CHECK_EQ(loop_.current_process(), owner_) << "a disk used by another node";
  const double mean =
      static_cast<double>(options_.sync_latency_mean_extra.nanoseconds());
  int64_t ns = options_.sync_latency_min.nanoseconds() +
               static_cast<int64_t>(-std::log1p(-prng_.NextDouble()) * mean);
  if (prng_.Bernoulli(options_.stall_probability)) {
    ns += static_cast<int64_t>(prng_.Uniform(
        static_cast<uint64_t>(options_.stall_max.nanoseconds()) + 1));
  }
  loop_.executor(owner_).SleepFor(Duration::Nanoseconds(ns));
}

absl::Status SimDisk::Write(const core::env::WriteBatch& batch,
                            const core::env::WriteOptions& options) {
  ++stats_.writes;
  if (options.sync) {
    ++stats_.syncs;
    SpendSyncLatency();
  }
  return engine_.Write(batch, options);
}

absl::Status SimDisk::Sync() {
  ++stats_.syncs;
  SpendSyncLatency();
  return engine_.Sync();
}

absl::StatusOr<std::optional<std::string>> SimDisk::Get(core::env::Cf cf,
                                                        std::string_view key) {
  return engine_.Get(cf, key);
}

std::shared_ptr<const core::env::Snapshot> SimDisk::NewSnapshot() {
  return engine_.NewSnapshot();
}

void SimDisk::OpenFaultWindow(core::base::Instant until, double probability) {
  CHECK(probability >= 0 && probability <= 1) << probability;
  fault_window_end_ = until;
  fault_probability_ = probability;
}

void SimDisk::CloseFaultWindow() { fault_probability_ = 0; }

core::engine::CrashReport SimDisk::Crash() {
  const core::engine::CrashReport report = engine_.SimulateCrash(prng_);
  ++stats_.crashes;
  stats_.lost_batches += report.unsynced_batches - report.surviving_batches;
  return report;
}

bool SimDisk::CorruptRandomValue() {
  // Work-around: MemEngine damages a value by flipping a bit, so damaging
  // the same stored version twice would restore it (and trips a CHECK in
  // MemEngine). One corruption per disk is enough: the node that finds it
  // stops for good.
  if (stats_.corruptions > 0) return false;
  const bool corrupted = engine_.CorruptRandomValue(prng_);
  if (corrupted) ++stats_.corruptions;
  return corrupted;
}

}  // namespace sim
