// Scheduler: how every storage command runs. Ref: tikv
// src/storage/txn/scheduler.rs (the txn scheduler) and core/txn/README.md.
//
// A write command:
//   1. flow control: while other writes are pending and the pending write
//      bytes would exceed pending_write_bytes_max -> ServerIsBusy;
//   2. takes the latches of its keys (core/txn Latches: FIFO per key, woken
//      on release), parking while another command holds one;
//   3. takes a snapshot through the engine seam and checks every key (and
//      range) of the command against the snapshot's region
//      (KeyNotInRegion);
//   4. runs its process step: core actions into an MvccTxn, or raw KV ops,
//      appending engine ops to the scope's batch;
//   5. writes the batch through the engine seam and acknowledges only once
//      it is applied;
//   6. then releases the memory locks the command placed (async commit /
//      1PC) and its latches, waking the next command in line.
// Step 6 runs on every path (a region error, a failed action, a failed
// write, a fibre unwound by a crash): both are RAII, so nothing stays
// latched and no memory lock leaks.
//
// A read command takes no latches: snapshot, region check, process.
//
// Metrics: tikv_scheduler_latch_wait_total (commands that had to wait for a
// latch), tikv_scheduler_latch_wait_duration_seconds, and
// tikv_scheduler_too_busy_total.
//
// Thread-affinity: one executor; calls park the calling fibre.
#ifndef STORE_STORAGE_SCHEDULER_H_
#define STORE_STORAGE_SCHEDULER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "core/base/bytes.h"
#include "core/env/clock.h"
#include "core/env/executor.h"
#include "core/mvcc/key.h"
#include "core/mvcc/mvcc_txn.h"
#include "core/txn/concurrency_manager.h"
#include "core/txn/latches.h"
#include "store/metrics/metrics.h"
#include "store/storage/commands.h"
#include "store/storage/engine.h"

namespace store::storage {

// Which API a request's keys belong to. TiKV API V1: raw and transactional
// keys share one key space, and a region's bounds are raw keys for raw KV
// and memcomparable-encoded keys for transactional KV (client-go's
// CodecPDClient encodes them), so a transactional key is checked against the
// region by its encoding and a raw key as it is.
enum class KeySpace : uint8_t { kTxn, kRaw };

// `key` as the region's bounds compare it: Key::FromRaw(key).encoded() for
// kTxn, `key` itself for kRaw. An empty key stays empty (an unbounded end).
Bytes RegionKeyOf(KeySpace space, core::base::BytesView key);

// The region with its bounds as transactional user keys (decoded), for
// clamping scans of user keys. InvalidRequest when a bound is not a
// memcomparable-encoded key (a region split at a raw key holds raw data).
Result<Region> TxnUserKeyRegion(const Region& region);

struct WriteSpec {
  // User keys: latched, and checked against the region (in key_space).
  std::vector<Bytes> keys;
  // Checked against the region (not latched), when set: it must start in
  // the region and end at or before the region's end; an empty end_key
  // stands for the region's end.
  std::optional<KeyRange> range;
  // Estimated key and value bytes, for flow control.
  uint64_t write_bytes = 0;
  KeySpace key_space = KeySpace::kTxn;
};

struct ReadSpec {
  // User keys, checked against the region in key_space (a scan checks its
  // range itself: ScanRangeInRegion).
  std::vector<Bytes> keys;
  TimeStamp read_ts;
  KeySpace key_space = KeySpace::kTxn;
};

// What a write command's process step works with.
class WriteScope {
 public:
  WriteScope(const RegionSnapshot& snapshot, core::txn::ConcurrencyManager& cm)
      : snapshot_(snapshot), cm_(cm) {}
  // Releases the adopted memory locks.
  ~WriteScope();
  WriteScope(const WriteScope&) = delete;
  WriteScope& operator=(const WriteScope&) = delete;

  const RegionSnapshot& snapshot() const { return snapshot_; }
  // Engine ops, written through the seam once the process step succeeds.
  core::env::WriteBatch& batch() { return batch_; }
  // Takes over the memory locks `txn` placed (async commit / 1PC): they
  // are released when the scope ends, after the batch is applied or
  // dropped, never before.
  void AdoptMemoryLocks(core::mvcc::MvccTxn& txn);

 private:
  const RegionSnapshot& snapshot_;
  core::txn::ConcurrencyManager& cm_;
  core::env::WriteBatch batch_;
  std::vector<core::mvcc::Key> memory_locked_keys_;
};

struct SchedulerOptions {
  // Latch slots (a power of two; collisions only cost concurrency).
  size_t latch_slots = 4096;
  // TiKV's scheduler-pending-write-threshold (100 MiB).
  uint64_t pending_write_bytes_max = uint64_t{100} << 20;
};

class Scheduler {
 public:
  // Every reference must outlive the scheduler.
  Scheduler(core::env::Executor& executor, core::env::Clock& clock,
            Engine& engine, core::txn::ConcurrencyManager& cm,
            metrics::Metrics& metrics, const SchedulerOptions& options);
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  template <typename T>
  Result<T> RunWrite(const Context& ctx, const WriteSpec& spec,
                     const std::function<Result<T>(WriteScope&)>& process) {
    std::optional<T> value;
    Outcome outcome = RunWriteSteps(ctx, spec, [&](WriteScope& scope) {
      Result<T> result = process(scope);
      if (!result.ok())
        return Outcome(core::base::MakeErr(Error(std::move(result).error())));
      value.emplace(std::move(result).value());
      return Outcome(core::base::Unit{});
    });
    if (!outcome.ok()) return core::base::MakeErr(std::move(outcome).error());
    return std::move(*value);
  }

  template <typename T>
  Result<T> RunRead(
      const Context& ctx, const ReadSpec& spec,
      const std::function<Result<T>(const RegionSnapshot&)>& process) {
    Result<RegionSnapshot> snapshot = ReadSnapshot(ctx, spec);
    if (!snapshot.ok()) return core::base::MakeErr(std::move(snapshot).error());
    return process(*snapshot);
  }

  // Commands holding or waiting for latches (zero when idle).
  size_t latch_entry_count() const { return latches_.entry_count(); }
  // Write commands between admission and acknowledgement.
  size_t running_write_count() const { return running_writes_; }
  uint64_t pending_write_bytes() const { return pending_write_bytes_; }

 private:
  class LatchGuard;
  class PendingWrite;

  Outcome RunWriteSteps(const Context& ctx, const WriteSpec& spec,
                        const std::function<Outcome(WriteScope&)>& process);
  Result<RegionSnapshot> ReadSnapshot(const Context& ctx, const ReadSpec& spec);
  // `read_ts` for a read; nullopt for a write command's snapshot.
  Result<RegionSnapshot> TakeSnapshot(const Context& ctx,
                                      std::optional<TimeStamp> read_ts);
  void Wake(uint64_t command_id);

  core::env::Executor& executor_;
  core::env::Clock& clock_;
  Engine& engine_;
  core::txn::ConcurrencyManager& cm_;
  SchedulerOptions options_;
  core::txn::Latches latches_;
  // Parked commands by id, woken when Latches::Release names them.
  std::map<uint64_t, core::env::Event*> latch_waiters_;
  uint64_t next_command_id_ = 0;
  size_t running_writes_ = 0;
  uint64_t pending_write_bytes_ = 0;
  metrics::Counter& latch_waits_;
  metrics::Histogram& latch_wait_seconds_;
  metrics::Counter& too_busy_;
};

// KeyNotInRegion for the first key, or range bound, outside `region` (see
// WriteSpec::range); user keys of `space`, compared as RegionKeyOf.
std::optional<KeyNotInRegion> CheckInRegion(
    const Region& region, const std::vector<Bytes>& keys,
    const std::optional<KeyRange>& range, KeySpace space);

// The part of a scan's range inside `region`, as [lower, upper) with an
// empty upper for "unbounded". The bound a scan starts from must lie in the
// region, the other is clamped to it (Ref: tikv RegionSnapshot iterators,
// bounded by the region). Forward: `start_key` is the lower bound and must
// be in the region; `end_key` (empty: the region's end) is clamped. Reverse
// (kvrpcpb): `start_key` is the exclusive upper bound and must lie in
// (region start, region end] (empty only for an unbounded region);
// `end_key` is the lower bound, clamped up to the region's start. Keys and
// the result are user keys of `space` (kTxn: clamped to the decoded bounds,
// TxnUserKeyRegion).
Result<KeyRange> ScanRangeInRegion(const Region& region, const Bytes& start_key,
                                   const Bytes& end_key, bool reverse,
                                   KeySpace space);

}  // namespace store::storage

#endif  // STORE_STORAGE_SCHEDULER_H_
