#include "store/storage/scheduler.h"

#include <memory>
#include <string>
#include <utility>

#include "core/base/check.h"
#include "core/region/region.h"

namespace store::storage {
namespace {

using core::base::MakeErr;

Error FromEngine(EngineError error) {
  if (auto* region_error = std::get_if<RegionError>(&error)) {
    return Error(std::move(*region_error));
  }
  return Error(core::mvcc::Error(
      core::mvcc::StorageError{std::get<absl::Status>(std::move(error))}));
}

core::base::Err<Error> NotInRegion(const Region& region,
                                   core::base::BytesView key) {
  return MakeErr(Error(RegionError(KeyNotInRegion{
      Bytes(key), region.id, region.start_key, region.end_key})));
}

// Whether `end` (empty: +inf) is at or before the region's end.
bool EndWithinRegion(const Region& region, core::base::BytesView end) {
  return core::region::CompareEndKeys(end, region.end_key) <= 0;
}

}  // namespace

WriteScope::~WriteScope() {
  for (const core::mvcc::Key& key : memory_locked_keys_) cm_.ReleaseKey(key);
}

void WriteScope::AdoptMemoryLocks(core::mvcc::MvccTxn& txn) {
  for (core::mvcc::Key& key : txn.memory_locked_keys()) {
    memory_locked_keys_.push_back(std::move(key));
  }
  txn.memory_locked_keys().clear();
}

// Holds a command's latches from construction (queued or not) until
// destruction, which releases them, withdraws a command still waiting, and
// wakes the next in line.
class Scheduler::LatchGuard {
 public:
  LatchGuard(Scheduler& scheduler, const std::vector<Bytes>& raw_keys)
      : scheduler_(scheduler), command_id_(++scheduler.next_command_id_) {
    std::vector<core::mvcc::Key> keys;
    keys.reserve(raw_keys.size());
    for (const Bytes& raw : raw_keys) {
      keys.push_back(core::mvcc::Key::FromRaw(raw));
    }
    lock_ = scheduler.latches_.GenLock(keys);
  }
  ~LatchGuard() {
    scheduler_.latch_waiters_.erase(command_id_);
    for (uint64_t woken : scheduler_.latches_.Release(lock_, command_id_)) {
      scheduler_.Wake(woken);
    }
  }
  LatchGuard(const LatchGuard&) = delete;
  LatchGuard& operator=(const LatchGuard&) = delete;

  // Parks until the command holds every latch, in FIFO turn per latch.
  void Acquire() {
    Scheduler& s = scheduler_;
    if (s.latches_.Acquire(lock_, command_id_)) return;
    s.latch_waits_.Increment();
    const core::base::Instant start = s.clock_.NowMonotonic();
    std::unique_ptr<core::env::Event> woken = s.executor_.NewEvent();
    s.latch_waiters_[command_id_] = woken.get();
    do {
      woken->Wait();
      woken->Reset();
    } while (!s.latches_.Acquire(lock_, command_id_));
    s.latch_waiters_.erase(command_id_);
    s.latch_wait_seconds_.Observe((s.clock_.NowMonotonic() - start).seconds());
  }

 private:
  Scheduler& scheduler_;
  const uint64_t command_id_;
  core::txn::LatchLock lock_;
};

// Counts a write from admission to acknowledgement, for flow control.
class Scheduler::PendingWrite {
 public:
  PendingWrite(Scheduler& scheduler, uint64_t bytes)
      : scheduler_(scheduler), bytes_(bytes) {
    ++scheduler_.running_writes_;
    scheduler_.pending_write_bytes_ += bytes_;
  }
  ~PendingWrite() {
    --scheduler_.running_writes_;
    scheduler_.pending_write_bytes_ -= bytes_;
  }
  PendingWrite(const PendingWrite&) = delete;
  PendingWrite& operator=(const PendingWrite&) = delete;

 private:
  Scheduler& scheduler_;
  const uint64_t bytes_;
};

Scheduler::Scheduler(core::env::Executor& executor, core::env::Clock& clock,
                     Engine& engine, core::txn::ConcurrencyManager& cm,
                     metrics::Metrics& metrics, const SchedulerOptions& options)
    : executor_(executor),
      clock_(clock),
      engine_(engine),
      cm_(cm),
      options_(options),
      latches_(options.latch_slots),
      latch_waits_(metrics.GetCounter("tikv_scheduler_latch_wait_total", {})),
      latch_wait_seconds_(metrics.GetHistogram(
          "tikv_scheduler_latch_wait_duration_seconds", {})),
      too_busy_(metrics.GetCounter("tikv_scheduler_too_busy_total", {})) {}

void Scheduler::Wake(uint64_t command_id) {
  auto it = latch_waiters_.find(command_id);
  if (it != latch_waiters_.end()) it->second->Notify();
}

Result<RegionSnapshot> Scheduler::TakeSnapshot(
    const Context& ctx, std::optional<TimeStamp> read_ts) {
  SnapContext snap_ctx;
  snap_ctx.route = ctx.route;
  if (read_ts.has_value()) {
    // Only reads may be served by a follower or from a stale state.
    snap_ctx.read_ts = *read_ts;
    snap_ctx.replica_read = ctx.replica_read;
    snap_ctx.stale_read = ctx.stale_read;
  }
  EngineResult<RegionSnapshot> snapshot = engine_.Snapshot(snap_ctx);
  if (!snapshot.ok()) return MakeErr(FromEngine(std::move(snapshot).error()));
  CHECK(snapshot->snapshot != nullptr) << "an engine returned no snapshot";
  return std::move(snapshot).value();
}

Result<RegionSnapshot> Scheduler::ReadSnapshot(const Context& ctx,
                                               const ReadSpec& spec) {
  Result<RegionSnapshot> snapshot = TakeSnapshot(ctx, spec.read_ts);
  if (!snapshot.ok()) return snapshot;
  if (auto bad = CheckInRegion(snapshot->region, spec.keys, std::nullopt,
                               spec.key_space)) {
    return MakeErr(Error(RegionError(*std::move(bad))));
  }
  return snapshot;
}

Outcome Scheduler::RunWriteSteps(
    const Context& ctx, const WriteSpec& spec,
    const std::function<Outcome(WriteScope&)>& process) {
  if (running_writes_ > 0 && pending_write_bytes_ + spec.write_bytes >
                                 options_.pending_write_bytes_max) {
    too_busy_.Increment();
    return MakeErr(Error(RegionError(ServerIsBusy{"scheduler is busy", 0})));
  }
  PendingWrite pending(*this, spec.write_bytes);
  LatchGuard latches(*this, spec.keys);
  latches.Acquire();
  Result<RegionSnapshot> snapshot = TakeSnapshot(ctx, std::nullopt);
  if (!snapshot.ok()) return MakeErr(std::move(snapshot).error());
  if (auto bad = CheckInRegion(snapshot->region, spec.keys, spec.range,
                               spec.key_space)) {
    return MakeErr(Error(RegionError(*std::move(bad))));
  }
  // Declared after the latches: its memory locks go first.
  WriteScope scope(*snapshot, cm_);
  Outcome processed = process(scope);
  if (!processed.ok()) return processed;
  if (scope.batch().empty()) return core::base::Unit{};
  WriteContext write_ctx;
  write_ctx.route = ctx.route;
  EngineResult<core::base::Unit> written =
      engine_.Write(write_ctx, scope.batch());
  if (!written.ok()) return MakeErr(FromEngine(std::move(written).error()));
  return core::base::Unit{};
}

Bytes RegionKeyOf(KeySpace space, core::base::BytesView key) {
  if (space == KeySpace::kRaw || key.empty()) return Bytes(key);
  return core::mvcc::Key::FromRaw(key).encoded();
}

Result<Region> TxnUserKeyRegion(const Region& region) {
  Region view = region;
  for (Bytes* bound : {&view.start_key, &view.end_key}) {
    if (bound->empty()) continue;
    auto raw = core::mvcc::Key::FromEncoded(*bound).ToRaw();
    if (!raw.ok()) {
      return MakeErr(Error(core::mvcc::Error(core::mvcc::InvalidRequest{
          "region " + std::to_string(region.id) +
          " has a bound that is not a memcomparable-encoded key (API V1: "
          "transactional regions are split at encoded keys)"})));
    }
    *bound = *std::move(raw);
  }
  return view;
}

std::optional<KeyNotInRegion> CheckInRegion(
    const Region& region, const std::vector<Bytes>& keys,
    const std::optional<KeyRange>& range, KeySpace space) {
  for (const Bytes& key : keys) {
    if (auto bad = CheckKeyInRegion(region, RegionKeyOf(space, key))) {
      return bad;
    }
  }
  if (!range.has_value()) return std::nullopt;
  const Bytes start = RegionKeyOf(space, range->start_key);
  const Bytes end = RegionKeyOf(space, range->end_key);
  if (auto bad = CheckKeyInRegion(region, start)) return bad;
  if (!end.empty() && !EndWithinRegion(region, end)) {
    return KeyNotInRegion{end, region.id, region.start_key, region.end_key};
  }
  return std::nullopt;
}

namespace {

Result<KeyRange> ScanRangeInUserRegion(const Region& region,
                                       const Bytes& start_key,
                                       const Bytes& end_key, bool reverse) {
  if (!reverse) {
    if (!region.ContainsKey(start_key)) return NotInRegion(region, start_key);
    const bool clamp = end_key.empty() || !EndWithinRegion(region, end_key);
    return KeyRange{start_key, clamp ? region.end_key : end_key};
  }
  // start_key is the exclusive upper bound: it may equal the region's end.
  const bool upper_fits =
      start_key.empty()
          ? region.end_key.empty()
          : start_key > region.start_key && EndWithinRegion(region, start_key);
  if (!upper_fits) return NotInRegion(region, start_key);
  return KeyRange{end_key < region.start_key ? region.start_key : end_key,
                  start_key};
}

}  // namespace

Result<KeyRange> ScanRangeInRegion(const Region& region, const Bytes& start_key,
                                   const Bytes& end_key, bool reverse,
                                   KeySpace space) {
  if (space == KeySpace::kRaw) {
    return ScanRangeInUserRegion(region, start_key, end_key, reverse);
  }
  Result<Region> view = TxnUserKeyRegion(region);
  if (!view.ok()) return MakeErr(std::move(view).error());
  Result<KeyRange> range =
      ScanRangeInUserRegion(*view, start_key, end_key, reverse);
  if (range.ok()) return range;
  // Report the region as it is, with the key as the region compares it.
  return NotInRegion(region, RegionKeyOf(space, start_key));
}

}  // namespace store::storage
