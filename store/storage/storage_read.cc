// The transactional reads. Ref: tikv src/storage/mod.rs get, batch_get,
// scan, scan_lock; prepare_snap_ctx: max_ts is raised and the memory locks
// checked before the snapshot is taken, so an async-commit / 1PC prewrite
// either commits above the read or is seen by it.
#include <utility>

#include "core/mvcc/snapshot_read.h"
#include "core/txn/actions/scan_lock.h"
#include "core/txn/txn_read.h"
#include "core/txn/validate.h"
#include "store/storage/storage.h"
#include "store/storage/storage_internal.h"

namespace store::storage {
namespace {

using core::mvcc::Key;
using core::mvcc::MvccReader;
using internal::KeyErr;

core::mvcc::ReadOptions ReadOptionsOf(const Context& ctx) {
  core::mvcc::ReadOptions options;
  options.bypass_locks = ctx.resolved_locks;
  options.isolation_level = ctx.isolation_level;
  return options;
}

ReadSpec KeysAt(std::vector<Bytes> keys, TimeStamp read_ts) {
  ReadSpec spec;
  spec.keys = std::move(keys);
  spec.read_ts = read_ts;
  return spec;
}

// Snapshot locks and memory locks with ts <= max_ts, merged in key order (a
// key's memory lock is the newer state of it), at most `limit`.
std::vector<core::mvcc::LockInfo> MergeLocks(
    std::vector<core::mvcc::LockInfo> persisted,
    std::vector<core::mvcc::LockInfo> in_memory, size_t limit) {
  std::vector<core::mvcc::LockInfo> merged;
  auto p = persisted.begin();
  auto m = in_memory.begin();
  while ((p != persisted.end() || m != in_memory.end()) &&
         (limit == 0 || merged.size() < limit)) {
    if (m == in_memory.end() || (p != persisted.end() && p->key < m->key)) {
      merged.push_back(std::move(*p++));
      continue;
    }
    if (p != persisted.end() && p->key == m->key) ++p;
    merged.push_back(std::move(*m++));
  }
  return merged;
}

}  // namespace

Result<GetResult> Storage::Execute(const Context& ctx, const Get& cmd) {
  Count(CommandKind::kGet);
  const core::mvcc::ReadOptions options = ReadOptionsOf(ctx);
  core::mvcc::Outcome prepared =
      core::txn::PrepareKeysRead(cm_, {cmd.key}, cmd.start_ts, options);
  if (!prepared.ok()) return KeyErr(std::move(prepared).error());
  return scheduler_.RunRead<GetResult>(
      ctx, KeysAt({cmd.key}, cmd.start_ts),
      [&](const RegionSnapshot& snapshot) -> Result<GetResult> {
        MvccReader reader = internal::TxnReader(snapshot);
        auto got =
            core::txn::TxnGet(cm_, reader, cmd.key, cmd.start_ts, options);
        if (!got.ok()) return KeyErr(std::move(got).error());
        if (!got->has_value()) return GetResult{};
        return GetResult{std::move((*got)->value), (*got)->commit_ts};
      });
}

Result<BatchGetResult> Storage::Execute(const Context& ctx,
                                        const BatchGet& cmd) {
  Count(CommandKind::kBatchGet);
  const core::mvcc::ReadOptions options = ReadOptionsOf(ctx);
  core::mvcc::Outcome prepared =
      core::txn::PrepareKeysRead(cm_, cmd.keys, cmd.start_ts, options);
  if (!prepared.ok()) return KeyErr(std::move(prepared).error());
  return scheduler_.RunRead<BatchGetResult>(
      ctx, KeysAt(cmd.keys, cmd.start_ts),
      [&](const RegionSnapshot& snapshot) -> Result<BatchGetResult> {
        MvccReader reader = internal::TxnReader(snapshot);
        BatchGetResult result;
        for (const Bytes& key : cmd.keys) {
          auto got = core::txn::TxnGet(cm_, reader, key, cmd.start_ts, options);
          if (!got.ok()) {
            auto* locked = std::get_if<core::mvcc::KeyIsLocked>(&got.error());
            if (locked == nullptr) return KeyErr(std::move(got).error());
            result.pairs.push_back({key, Bytes(), *locked});
            continue;
          }
          if (got->has_value()) {
            result.pairs.push_back(
                {key, std::move((*got)->value), std::nullopt});
          }
        }
        return result;
      });
}

Result<ScanResult> Storage::Execute(const Context& ctx, const Scan& cmd) {
  Count(CommandKind::kScan);
  core::mvcc::ScanOptions options;
  options.lower_bound = cmd.reverse ? cmd.end_key : cmd.start_key;
  const Bytes& upper = cmd.reverse ? cmd.start_key : cmd.end_key;
  if (!upper.empty()) options.upper_bound = upper;
  options.read_ts = cmd.start_ts;
  options.limit = cmd.limit;
  options.key_only = cmd.key_only;
  options.reverse = cmd.reverse;
  options.read_options = ReadOptionsOf(ctx);
  if (cmd.start_key.size() > core::txn::kMaxKeySizeBytes ||
      cmd.end_key.size() > core::txn::kMaxKeySizeBytes) {
    return internal::Invalid("scan bound over the key size limit");
  }
  core::mvcc::Outcome prepared = core::txn::PrepareRangeRead(cm_, options);
  if (!prepared.ok()) return KeyErr(std::move(prepared).error());
  return scheduler_.RunRead<ScanResult>(
      ctx, KeysAt({}, cmd.start_ts),
      [&](const RegionSnapshot& snapshot) -> Result<ScanResult> {
        auto range =
            ScanRangeInRegion(snapshot.region, cmd.start_key, cmd.end_key,
                              cmd.reverse, KeySpace::kTxn);
        if (!range.ok()) return core::base::MakeErr(std::move(range).error());
        core::mvcc::ScanOptions bounded = options;
        bounded.lower_bound = range->start_key;
        bounded.upper_bound.reset();
        if (!range->end_key.empty()) bounded.upper_bound = range->end_key;
        MvccReader reader = internal::TxnReader(snapshot);
        auto pairs = core::txn::TxnScan(cm_, reader, bounded);
        if (!pairs.ok()) return KeyErr(std::move(pairs).error());
        return ScanResult{std::move(pairs).value()};
      });
}

Result<ScanLockResult> Storage::Execute(const Context& ctx,
                                        const ScanLock& cmd) {
  Count(CommandKind::kScanLock);
  if (cmd.max_ts.IsZero()) return internal::Invalid("scan_lock max_ts is 0");
  cm_.UpdateMaxTs(cmd.max_ts);
  return scheduler_.RunRead<ScanLockResult>(
      ctx, KeysAt({}, cmd.max_ts),
      [&](const RegionSnapshot& snapshot) -> Result<ScanLockResult> {
        auto range =
            ScanRangeInRegion(snapshot.region, cmd.start_key, cmd.end_key,
                              /*reverse=*/false, KeySpace::kTxn);
        if (!range.ok()) return core::base::MakeErr(std::move(range).error());
        std::vector<core::mvcc::LockInfo> in_memory;
        std::optional<Key> upper;
        if (!range->end_key.empty()) upper = Key::FromRaw(range->end_key);
        core::mvcc::Outcome memory = cm_.ReadRangeCheck(
            Key::FromRaw(range->start_key), upper,
            [&](const Key& key, const core::mvcc::Lock& lock) {
              auto raw = key.ToRaw();
              if (!raw.ok())
                return core::mvcc::Outcome(
                    core::mvcc::StorageErr(raw.status()));
              if (lock.ts <= cmd.max_ts)
                in_memory.push_back(lock.ToLockInfo(*raw));
              return core::mvcc::Outcome(core::base::Unit{});
            });
        if (!memory.ok()) return KeyErr(std::move(memory).error());
        MvccReader reader = internal::TxnReader(snapshot);
        core::txn::actions::ScanLockArgs args;
        args.max_version = cmd.max_ts;
        args.start_key = range->start_key;
        if (!range->end_key.empty()) args.end_key = range->end_key;
        args.limit = cmd.limit;
        auto persisted = core::txn::actions::ScanLock(reader, args);
        if (!persisted.ok()) return KeyErr(std::move(persisted).error());
        return ScanLockResult{MergeLocks(std::move(persisted).value(),
                                         std::move(in_memory), cmd.limit)};
      });
}

}  // namespace store::storage
