#include "core/txn/actions/resolve_lock.h"

#include <set>
#include <utility>

#include "core/txn/actions/cleanup.h"
#include "core/txn/actions/commit.h"
#include "core/txn/validate.h"

namespace core::txn::actions {

mvcc::Outcome ResolveLock(mvcc::MvccTxn& txn, mvcc::MvccReader& reader,
                          const Key& key, const Lock& lock,
                          base::TimeStamp commit_ts) {
  if (commit_ts.IsZero()) {
    return Cleanup(txn, reader, key, CleanupArgs{lock.ts, {}, false});
  }
  if (commit_ts <= lock.ts) {
    return mvcc::InvalidRequestErr("resolve commit_ts not above the lock ts");
  }
  auto committed = Commit(txn, reader, key, CommitArgs{lock.ts, commit_ts});
  if (!committed.ok()) return base::MakeErr(std::move(committed).error());
  return base::Unit{};
}

namespace {

mvcc::Result<ResolveLockResult> ResolveListedKeys(mvcc::MvccTxn& txn,
                                                  mvcc::MvccReader& reader,
                                                  const ResolveLockArgs& args) {
  ResolveLockResult result;
  std::set<Bytes> seen;
  for (const Bytes& raw : args.keys) {
    if (auto bad = ValidateKey(raw)) return base::MakeErr(mvcc::Error(*bad));
    if (!seen.insert(raw).second) continue;
    const Key key = Key::FromRaw(raw);
    auto lock = reader.LoadLock(key);
    if (!lock.ok()) return base::MakeErr(std::move(lock).error());
    if (!lock->has_value()) continue;
    auto status = args.txn_status.find((*lock)->ts);
    if (status == args.txn_status.end()) continue;
    mvcc::Outcome outcome =
        ResolveLock(txn, reader, key, **lock, status->second);
    if (!outcome.ok()) return base::MakeErr(std::move(outcome).error());
    ++result.resolved;
  }
  return result;
}

}  // namespace

mvcc::Result<ResolveLockResult> ResolveLocks(mvcc::MvccTxn& txn,
                                             mvcc::MvccReader& reader,
                                             const ResolveLockArgs& args) {
  if (!args.keys.empty()) return ResolveListedKeys(txn, reader, args);
  std::optional<Key> upper;
  if (args.upper_bound.has_value()) upper = Key::FromRaw(*args.upper_bound);
  auto locks = reader.ScanLocks(
      Key::FromRaw(args.lower_bound), upper,
      [&](const Lock& lock) { return args.txn_status.contains(lock.ts); },
      args.scan_limit);
  if (!locks.ok()) return base::MakeErr(std::move(locks).error());
  ResolveLockResult result;
  for (const mvcc::LockEntry& entry : *locks) {
    mvcc::Outcome outcome = ResolveLock(txn, reader, entry.key, entry.lock,
                                        args.txn_status.at(entry.lock.ts));
    if (!outcome.ok()) return base::MakeErr(std::move(outcome).error());
    ++result.resolved;
  }
  if (args.scan_limit != 0 && locks->size() >= args.scan_limit) {
    result.scanned_all = false;
    auto last = locks->back().key.ToRaw();
    if (!last.ok()) return mvcc::StorageErr(last.status());
    result.next_lower_bound = base::NextKey(*last);
  }
  return result;
}

}  // namespace core::txn::actions
