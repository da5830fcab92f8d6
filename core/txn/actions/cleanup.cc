#include "core/txn/actions/cleanup.h"

#include <set>
#include <utility>

#include "core/base/check.h"
#include "core/txn/actions/rollback_lock.h"
#include "core/txn/validate.h"

namespace core::txn::actions {

mvcc::Outcome Cleanup(mvcc::MvccTxn& txn, mvcc::MvccReader& reader,
                      const Key& key, const CleanupArgs& args) {
  if (auto bad = ValidateStartTs(args.start_ts)) {
    return base::MakeErr(mvcc::Error(*bad));
  }
  auto raw_key = key.ToRaw();
  if (!raw_key.ok()) return mvcc::StorageErr(raw_key.status());
  auto lock = reader.LoadLock(key);
  if (!lock.ok()) return base::MakeErr(std::move(lock).error());
  if (lock->has_value() && (*lock)->ts == args.start_ts) {
    const Lock& own = **lock;
    if (!args.current_ts.IsZero() && !own.IsExpired(args.current_ts)) {
      return base::MakeErr(
          mvcc::Error(mvcc::KeyIsLocked{own.ToLockInfo(*raw_key)}));
    }
    // Collapsing is pointless for a protected record and harmless otherwise.
    return RollbackLock(txn, reader, key, own,
                        RollbackLockOptions{!args.protect_rollback});
  }
  const MissingLockOptions options{args.protect_rollback
                                       ? MissingLockAction::kProtectedRollback
                                       : MissingLockAction::kRollback,
                                   false};
  auto status = CheckTxnStatusMissingLock(txn, reader, key, args.start_ts,
                                          *lock, options);
  if (!status.ok()) return base::MakeErr(std::move(status).error());
  switch (status->kind) {
    case TxnStatus::Kind::kCommitted:
      return base::MakeErr(mvcc::Error(
          mvcc::Committed{args.start_ts, status->commit_ts, *raw_key}));
    case TxnStatus::Kind::kRolledBack:
    case TxnStatus::Kind::kLockNotExist:
      return base::Unit{};
    default:
      UNREACHABLE() << "cleanup got " << TxnStatusKindName(status->kind);
      return base::Unit{};
  }
}

mvcc::Outcome BatchRollback(mvcc::MvccTxn& txn, mvcc::MvccReader& reader,
                            const std::vector<Bytes>& raw_keys,
                            base::TimeStamp start_ts) {
  // The reader does not see this command's own writes: touch each key once.
  std::set<Bytes> seen;
  for (const Bytes& raw : raw_keys) {
    if (auto bad = ValidateKey(raw)) return base::MakeErr(mvcc::Error(*bad));
    if (!seen.insert(raw).second) continue;
    mvcc::Outcome outcome = Cleanup(txn, reader, Key::FromRaw(raw),
                                    CleanupArgs{start_ts, {}, false});
    if (!outcome.ok()) return outcome;
  }
  return base::Unit{};
}

}  // namespace core::txn::actions
