// The commands over a key range of the region: ResolveLock without keys
// (tikv commands/resolve_lock.rs with its read phase,
// resolve_lock_readphase.rs), Gc (tikv src/server/gc_worker/gc_worker.rs
// gc_keys over actions/gc.rs) and DeleteRange (tikv src/storage/mod.rs
// delete_range). A range is read without latches to find its keys, then
// each batch of keys is one latched write that re-reads them.
#include <utility>

#include "core/base/bytes.h"
#include "core/txn/actions/gc.h"
#include "core/txn/actions/resolve_lock.h"
#include "core/txn/validate.h"
#include "store/storage/storage.h"
#include "store/storage/storage_internal.h"

namespace store::storage {
namespace {

namespace actions = core::txn::actions;
using core::mvcc::Key;
using core::mvcc::MvccReader;
using core::mvcc::MvccTxn;
using internal::KeyErr;
using internal::RunTxnAction;

std::optional<Key> UpperKey(const Bytes& end_key) {
  if (end_key.empty()) return std::nullopt;
  return Key::FromRaw(end_key);
}

// The raw keys of up to `limit` user keys with write records in [lower,
// upper) (empty upper: unbounded), in order.
Result<std::vector<Bytes>> ScanWriteKeys(const RegionSnapshot& snapshot,
                                         const Bytes& lower, const Bytes& upper,
                                         size_t limit) {
  core::env::IteratorOptions bounds;
  bounds.lower_bound = Key::FromRaw(lower).encoded();
  if (!upper.empty()) bounds.upper_bound = Key::FromRaw(upper).encoded();
  auto it = snapshot.snapshot->NewIterator(core::env::Cf::kWrite, bounds);
  std::vector<Bytes> keys;
  for (it->SeekToFirst(); it->Valid() && keys.size() < limit;) {
    auto split = Key::SplitVersionKey(it->key());
    if (!split.ok()) return KeyErr(core::mvcc::StorageError{split.status()});
    auto raw = split->first.ToRaw();
    if (!raw.ok()) return KeyErr(core::mvcc::StorageError{raw.status()});
    keys.push_back(*std::move(raw));
    it->Seek(core::base::PrefixSuccessor(split->first.encoded()));
  }
  if (!it->status().ok()) {
    return KeyErr(core::mvcc::StorageError{it->status()});
  }
  return keys;
}

// Keys found for a batch of `limit` (the read phase asks for one more): the
// extra key, if any, is taken off and returned as the next batch's start.
std::optional<Bytes> TakeNextBatchStart(std::vector<Bytes>& keys,
                                        size_t limit) {
  if (keys.size() <= limit) return std::nullopt;
  std::optional<Bytes> next = std::move(keys.back());
  keys.pop_back();
  return next;
}

std::optional<core::mvcc::InvalidRequest> ValidateTxnStatus(
    const actions::TxnStatusMap& txn_status) {
  for (const auto& [start_ts, commit_ts] : txn_status) {
    if (commit_ts.IsZero()) {
      if (auto bad = core::txn::ValidateStartTs(start_ts)) return bad;
    } else if (auto bad = core::txn::ValidateCommitTs(start_ts, commit_ts)) {
      return bad;
    }
  }
  return std::nullopt;
}

std::optional<core::mvcc::InvalidRequest> ValidateRange(const Bytes& start,
                                                        const Bytes& end) {
  if (start.size() > core::txn::kMaxKeySizeBytes ||
      end.size() > core::txn::kMaxKeySizeBytes) {
    return core::mvcc::InvalidRequest{"range bound over the key size limit"};
  }
  if (!end.empty() && end <= start) {
    return core::mvcc::InvalidRequest{"range end not above its start"};
  }
  return std::nullopt;
}

// Resolves the locks of txn_status on exactly `keys` (re-read under their
// latches); returns how many it resolved.
Result<size_t> ResolveKeys(Scheduler& scheduler, const Context& ctx,
                           const actions::TxnStatusMap& txn_status,
                           std::vector<Bytes> keys) {
  actions::ResolveLockArgs args;
  args.txn_status = txn_status;
  args.keys = keys;
  WriteSpec spec;
  spec.write_bytes = internal::KeyBytes(keys);
  spec.keys = std::move(keys);
  return scheduler.RunWrite<size_t>(ctx, spec, [&](WriteScope& scope) {
    return RunTxnAction<size_t>(
        scope, txn_status.begin()->first,
        [&](MvccTxn& txn, MvccReader& reader) -> core::mvcc::Result<size_t> {
          auto resolved = actions::ResolveLocks(txn, reader, args);
          if (!resolved.ok()) {
            return core::base::MakeErr(std::move(resolved).error());
          }
          return resolved->resolved;
        });
  });
}

}  // namespace

Result<size_t> Storage::ResolveLockBatch(const Context& ctx,
                                         const ResolveLock& cmd, Bytes lower,
                                         std::optional<Bytes>* next) {
  // One key more than the batch: where the next batch starts.
  const size_t limit = options_.resolve_lock_batch_keys;
  auto found = scheduler_.RunRead<std::vector<Bytes>>(
      ctx, ReadSpec{},
      [&](const RegionSnapshot& snapshot) -> Result<std::vector<Bytes>> {
        Result<Region> user_region = TxnUserKeyRegion(snapshot.region);
        if (!user_region.ok()) {
          return core::base::MakeErr(std::move(user_region).error());
        }
        const Region& region = *user_region;
        if (lower < region.start_key) lower = region.start_key;
        MvccReader reader = internal::TxnReader(snapshot);
        auto locks = reader.ScanLocks(
            Key::FromRaw(lower), UpperKey(region.end_key),
            [&](const core::mvcc::Lock& lock) {
              return cmd.txn_status.contains(lock.ts);
            },
            limit + 1);
        if (!locks.ok()) return KeyErr(std::move(locks).error());
        std::vector<Bytes> keys;
        for (const core::mvcc::LockEntry& entry : *locks) {
          auto raw = entry.key.ToRaw();
          if (!raw.ok()) return KeyErr(core::mvcc::StorageError{raw.status()});
          keys.push_back(*std::move(raw));
        }
        return keys;
      });
  if (!found.ok()) return core::base::MakeErr(std::move(found).error());
  if (found->empty()) return size_t{0};
  *next = TakeNextBatchStart(found.value(), limit);
  return ResolveKeys(scheduler_, ctx, cmd.txn_status, std::move(found).value());
}

Result<ResolveLockResult> Storage::Execute(const Context& ctx,
                                           const ResolveLock& cmd) {
  Count(CommandKind::kResolveLock);
  if (cmd.txn_status.empty()) return internal::Invalid("no txn_status");
  if (auto bad = ValidateTxnStatus(cmd.txn_status)) return KeyErr(*bad);
  if (auto bad = internal::ValidateKeys(cmd.keys)) return KeyErr(*bad);
  if (!cmd.keys.empty()) {
    auto resolved = ResolveKeys(scheduler_, ctx, cmd.txn_status, cmd.keys);
    if (!resolved.ok()) return core::base::MakeErr(std::move(resolved).error());
    return ResolveLockResult{*resolved};
  }
  ResolveLockResult result;
  std::optional<Bytes> lower = Bytes();
  while (lower.has_value()) {
    std::optional<Bytes> next;
    auto resolved = ResolveLockBatch(ctx, cmd, *std::move(lower), &next);
    if (!resolved.ok()) return core::base::MakeErr(std::move(resolved).error());
    result.resolved += *resolved;
    lower = std::move(next);
  }
  return result;
}

Result<GcResult> Storage::GcBatch(const Context& ctx, const Gc& cmd,
                                  Bytes lower, std::optional<Bytes>* next) {
  const size_t limit = options_.gc_batch_keys;
  auto found = scheduler_.RunRead<std::vector<Bytes>>(
      ctx, ReadSpec{},
      [&](const RegionSnapshot& snapshot) -> Result<std::vector<Bytes>> {
        auto range = ScanRangeInRegion(snapshot.region, lower, cmd.end_key,
                                       /*reverse=*/false, KeySpace::kTxn);
        if (!range.ok()) return core::base::MakeErr(std::move(range).error());
        return ScanWriteKeys(snapshot, range->start_key, range->end_key,
                             limit + 1);
      });
  if (!found.ok()) return core::base::MakeErr(std::move(found).error());
  if (found->empty()) return GcResult{};
  *next = TakeNextBatchStart(found.value(), limit);
  WriteSpec spec;
  spec.keys = std::move(found).value();
  return scheduler_.RunWrite<GcResult>(ctx, spec, [&](WriteScope& scope) {
    return RunTxnAction<GcResult>(
        scope, cmd.safe_point,
        [&](MvccTxn& txn, MvccReader& reader) -> core::mvcc::Result<GcResult> {
          GcResult result;
          for (const Bytes& raw : spec.keys) {
            const Key key = Key::FromRaw(raw);
            auto lock = reader.LoadLock(key);
            if (!lock.ok()) return core::base::MakeErr(std::move(lock).error());
            if (lock->has_value() && (*lock)->ts <= cmd.safe_point) {
              return core::base::MakeErr(core::mvcc::Error(
                  core::mvcc::KeyIsLocked{(*lock)->ToLockInfo(raw)}));
            }
            auto collected = actions::Gc(txn, reader, key, cmd.safe_point);
            if (!collected.ok()) {
              return core::base::MakeErr(std::move(collected).error());
            }
            ++result.keys_scanned;
            result.deleted_versions += collected->deleted_versions;
          }
          return result;
        });
  });
}

Result<GcResult> Storage::Execute(const Context& ctx, const Gc& cmd) {
  Count(CommandKind::kGc);
  if (auto bad = core::txn::ValidateStartTs(cmd.safe_point)) {
    return KeyErr(*std::move(bad));
  }
  if (auto bad = ValidateRange(cmd.start_key, cmd.end_key)) return KeyErr(*bad);
  GcResult total;
  std::optional<Bytes> lower = cmd.start_key;
  while (lower.has_value()) {
    std::optional<Bytes> next;
    auto batch = GcBatch(ctx, cmd, *std::move(lower), &next);
    if (!batch.ok()) return core::base::MakeErr(std::move(batch).error());
    total.keys_scanned += batch->keys_scanned;
    total.deleted_versions += batch->deleted_versions;
    lower = std::move(next);
  }
  return total;
}

Outcome Storage::Execute(const Context& ctx, const DeleteRange& cmd) {
  Count(CommandKind::kDeleteRange);
  if (auto bad = ValidateRange(cmd.start_key, cmd.end_key)) return KeyErr(*bad);
  WriteSpec spec;
  spec.range = KeyRange{cmd.start_key, cmd.end_key};
  return scheduler_.RunWrite<core::base::Unit>(
      ctx, spec, [&](WriteScope& scope) -> Outcome {
        // API V1: the region's end is an encoded key.
        const std::string lower = Key::FromRaw(cmd.start_key).encoded();
        const Bytes& region_end = scope.snapshot().region.end_key;
        const std::string upper =
            !cmd.end_key.empty()
                ? Key::FromRaw(cmd.end_key).encoded()
                : (region_end.empty() ? KeySpaceEnd() : region_end);
        for (core::env::Cf cf : {core::env::Cf::kLock, core::env::Cf::kWrite,
                                 core::env::Cf::kDefault}) {
          scope.batch().DeleteRange(cf, lower, upper);
        }
        return core::base::Unit{};
      });
}

}  // namespace store::storage
