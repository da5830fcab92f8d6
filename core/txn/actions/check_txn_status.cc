#include "core/txn/actions/check_txn_status.h"

#include <algorithm>
#include <utility>

#include "core/txn/actions/rollback_lock.h"
#include "core/txn/validate.h"

namespace core::txn::actions {
namespace {

MissingLockOptions MissingOptions(const CheckTxnStatusArgs& args) {
  return MissingLockOptions{args.rollback_if_not_exist
                                ? MissingLockAction::kProtectedRollback
                                : MissingLockAction::kReturnError,
                            args.resolving_pessimistic_lock};
}

void RaiseMaxTs(ConcurrencyManager& cm, const CheckTxnStatusArgs& args) {
  base::TimeStamp new_max_ts = args.lock_ts;
  if (!args.current_ts.IsMax())
    new_max_ts = std::max(new_max_ts, args.current_ts);
  if (!args.caller_start_ts.IsMax()) {
    new_max_ts = std::max(new_max_ts, args.caller_start_ts);
  }
  cm.UpdateMaxTs(new_max_ts);
}

// Alive lock: push min_commit_ts above the caller so its read can proceed.
// "Pushed" tells a reader it may bypass the transaction's locks: they cannot
// commit at or below its ts (pessimistic locks never block reads).
TxnStatus CheckAliveLock(mvcc::MvccTxn& txn, const Key& primary_key, Lock lock,
                         const CheckTxnStatusArgs& args) {
  if (!lock.min_commit_ts.IsZero() && !args.caller_start_ts.IsMax() &&
      args.caller_start_ts >= lock.min_commit_ts) {
    lock.min_commit_ts = std::max(args.caller_start_ts.Next(), args.current_ts);
    txn.PutLock(primary_key, lock);
  }
  const bool pushed = (!args.caller_start_ts.IsZero() &&
                       lock.min_commit_ts > args.caller_start_ts) ||
                      lock.IsPessimisticLock();
  return TxnStatus::Uncommitted(std::move(lock), pushed);
}

mvcc::Result<TxnStatus> CheckTxnStatusLockExists(
    mvcc::MvccTxn& txn, mvcc::MvccReader& reader, const Key& primary_key,
    const Lock& lock, const CheckTxnStatusArgs& args) {
  if (args.verify_is_primary && !ShouldProtectRollback(primary_key, lock)) {
    if (!lock.IsPessimisticLock() || args.resolving_pessimistic_lock) {
      auto raw = primary_key.ToRaw();
      if (!raw.ok()) return mvcc::StorageErr(raw.status());
      return base::MakeErr(
          mvcc::Error(mvcc::PrimaryMismatch{lock.ToLockInfo(*raw)}));
    }
    // A pessimistic lock whose primary moved: drop it and decide as if the
    // primary lock were missing.
    txn.UnlockKey(primary_key, lock.ts, /*pessimistic=*/true);
    return CheckTxnStatusMissingLock(txn, reader, primary_key, args.lock_ts,
                                     std::nullopt, MissingOptions(args));
  }
  if (lock.use_async_commit && !args.force_sync_commit) {
    return TxnStatus::Uncommitted(lock, false);
  }
  if (!lock.IsExpired(args.current_ts)) {
    return CheckAliveLock(txn, primary_key, lock, args);
  }
  if (lock.IsPessimisticLock() && args.resolving_pessimistic_lock) {
    txn.UnlockKey(primary_key, lock.ts, /*pessimistic=*/true);
    return TxnStatus::Of(TxnStatus::Kind::kPessimisticRollBack);
  }
  mvcc::Outcome rolled_back =
      RollbackLock(txn, reader, primary_key, lock, RollbackLockOptions{true});
  if (!rolled_back.ok()) return base::MakeErr(std::move(rolled_back).error());
  return TxnStatus::Of(TxnStatus::Kind::kTtlExpire);
}

}  // namespace

mvcc::Result<TxnStatus> CheckTxnStatus(mvcc::MvccTxn& txn,
                                       mvcc::MvccReader& reader,
                                       ConcurrencyManager& cm,
                                       const Key& primary_key,
                                       const CheckTxnStatusArgs& args) {
  if (auto bad = ValidateStartTs(args.lock_ts)) {
    return base::MakeErr(mvcc::Error(*bad));
  }
  RaiseMaxTs(cm, args);
  auto lock = reader.LoadLock(primary_key);
  if (!lock.ok()) return base::MakeErr(std::move(lock).error());
  if (lock->has_value() && (*lock)->ts == args.lock_ts) {
    return CheckTxnStatusLockExists(txn, reader, primary_key, **lock, args);
  }
  return CheckTxnStatusMissingLock(txn, reader, primary_key, args.lock_ts,
                                   *lock, MissingOptions(args));
}

}  // namespace core::txn::actions
