// Storage: TiKV's storage layer (src/storage/mod.rs Storage plus its txn
// scheduler) over the pure cores: Percolator actions (core/txn), reads with
// max_ts and memory locks (core/txn txn_read), raw KV (core/rawkv), all
// through the engine seam (engine.h). Every write command runs as
// scheduler.h describes (latches, snapshot, actions, write, ack after
// apply, release); reads take no latches.
//
//   Storage storage(env.executor, env.clock, engine, cm, metrics);
//   auto prewritten = storage.Execute(ctx, Prewrite{...});
//   auto committed = storage.Execute(ctx, Commit{...});
//
// One Execute overload per command of commands.h. Outcomes: the command's
// result, or an Error (commands.h): a region error, a KeyError, bad input
// (InvalidRequest: keys, timestamps and column families are checked before
// any latch is taken, values by the core step before anything is written),
// or an engine failure. Bad input never crashes and never leaves anything
// behind.
//
// Metrics: tikv_storage_command_total{type=<command>} per Execute (TiKV's
// command tags: "prewrite", "commit", "rollback" for BatchRollback, ...),
// plus the scheduler's.
//
// Thread-affinity: one executor; Execute parks the calling fibre.
#ifndef STORE_STORAGE_STORAGE_H_
#define STORE_STORAGE_STORAGE_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "core/env/clock.h"
#include "core/env/executor.h"
#include "core/rawkv/raw_kv.h"
#include "core/txn/concurrency_manager.h"
#include "store/metrics/metrics.h"
#include "store/storage/commands.h"
#include "store/storage/engine.h"
#include "store/storage/scheduler.h"

namespace store::storage {

enum class CommandKind : uint8_t {
  kPrewrite,
  kCommit,
  kCleanup,
  kBatchRollback,
  kCheckTxnStatus,
  kCheckSecondaryLocks,
  kResolveLock,
  kTxnHeartBeat,
  kAcquirePessimisticLock,
  kPessimisticRollback,
  kGc,
  kDeleteRange,
  kScanLock,
  kGet,
  kBatchGet,
  kScan,
  kRawGet,
  kRawBatchGet,
  kRawPut,
  kRawBatchPut,
  kRawDelete,
  kRawBatchDelete,
  kRawDeleteRange,
  kRawScan,
  kRawCompareAndSwap,
  kRawGetKeyTtl,
  kRawChecksum,
};
inline constexpr size_t kCommandKindCount =
    static_cast<size_t>(CommandKind::kRawChecksum) + 1;
// TiKV's tag for the command ("prewrite", "raw_compare_and_swap", ...).
const char* CommandKindName(CommandKind kind);

struct StorageOptions {
  SchedulerOptions scheduler;
  // API V1: raw keys are stored as they are (no key-space prefix), in the
  // key space transactional keys use too.
  core::rawkv::RawKvOptions raw = {.key_prefix = ""};
  // Keys per latched write of a region-wide ResolveLock (TiKV's
  // RESOLVE_LOCK_BATCH_SIZE) and of a Gc.
  size_t resolve_lock_batch_keys = 256;
  size_t gc_batch_keys = 256;
};

class Storage {
 public:
  // Every reference must outlive the storage. `cm` is the store's
  // concurrency manager (max_ts and memory locks), shared with whatever
  // else of the store reads or advances them.
  Storage(core::env::Executor& executor, core::env::Clock& clock,
          Engine& engine, core::txn::ConcurrencyManager& cm,
          metrics::Metrics& metrics, StorageOptions options = {});
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  // Transactional writes.
  Result<PrewriteResult> Execute(const Context& ctx, const Prewrite& cmd);
  Result<CommitResult> Execute(const Context& ctx, const Commit& cmd);
  Outcome Execute(const Context& ctx, const Cleanup& cmd);
  Outcome Execute(const Context& ctx, const BatchRollback& cmd);
  Result<CheckTxnStatusResult> Execute(const Context& ctx,
                                       const CheckTxnStatus& cmd);
  Result<CheckSecondaryLocksResult> Execute(const Context& ctx,
                                            const CheckSecondaryLocks& cmd);
  Result<ResolveLockResult> Execute(const Context& ctx, const ResolveLock& cmd);
  Result<TxnHeartBeatResult> Execute(const Context& ctx,
                                     const TxnHeartBeat& cmd);
  Result<AcquirePessimisticLockResult> Execute(
      const Context& ctx, const AcquirePessimisticLock& cmd);
  Outcome Execute(const Context& ctx, const PessimisticRollback& cmd);
  Result<GcResult> Execute(const Context& ctx, const Gc& cmd);
  Outcome Execute(const Context& ctx, const DeleteRange& cmd);

  // Transactional reads.
  Result<ScanLockResult> Execute(const Context& ctx, const ScanLock& cmd);
  Result<GetResult> Execute(const Context& ctx, const Get& cmd);
  Result<BatchGetResult> Execute(const Context& ctx, const BatchGet& cmd);
  Result<ScanResult> Execute(const Context& ctx, const Scan& cmd);

  // Raw KV.
  Result<RawGetResult> Execute(const Context& ctx, const RawGet& cmd);
  Result<RawBatchGetResult> Execute(const Context& ctx, const RawBatchGet& cmd);
  Outcome Execute(const Context& ctx, const RawPut& cmd);
  Outcome Execute(const Context& ctx, const RawBatchPut& cmd);
  Outcome Execute(const Context& ctx, const RawDelete& cmd);
  Outcome Execute(const Context& ctx, const RawBatchDelete& cmd);
  Outcome Execute(const Context& ctx, const RawDeleteRange& cmd);
  Result<RawScanResult> Execute(const Context& ctx, const RawScan& cmd);
  Result<RawCompareAndSwapResult> Execute(const Context& ctx,
                                          const RawCompareAndSwap& cmd);
  Result<RawGetKeyTtlResult> Execute(const Context& ctx,
                                     const RawGetKeyTtl& cmd);
  Result<RawChecksumResult> Execute(const Context& ctx, const RawChecksum& cmd);

  const Scheduler& scheduler() const { return scheduler_; }

 private:
  void Count(CommandKind kind);
  // Wall-clock seconds for raw TTLs (persisted expire times).
  uint64_t NowUnixSeconds();
  // One latched batch of a region-wide ResolveLock; sets *next_lower when
  // more locks may follow.
  Result<size_t> ResolveLockBatch(const Context& ctx, const ResolveLock& cmd,
                                  Bytes lower, std::optional<Bytes>* next);
  Result<GcResult> GcBatch(const Context& ctx, const Gc& cmd, Bytes lower,
                           std::optional<Bytes>* next);

  core::env::Clock& clock_;
  core::txn::ConcurrencyManager& cm_;
  StorageOptions options_;
  core::rawkv::RawKv raw_;
  Scheduler scheduler_;
  std::array<metrics::Counter*, kCommandKindCount> command_counters_{};
};

}  // namespace store::storage

#endif  // STORE_STORAGE_STORAGE_H_
