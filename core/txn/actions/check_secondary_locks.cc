#include "core/txn/actions/check_secondary_locks.h"

#include <set>
#include <utility>

#include "core/txn/actions/rollback_lock.h"
#include "core/txn/validate.h"

namespace core::txn::actions {
namespace {

using Kind = SecondaryLocksStatus::Kind;

struct KeyStatus {
  Kind kind = Kind::kLocked;
  std::optional<Lock> lock;
  base::TimeStamp commit_ts;
};

mvcc::Result<KeyStatus> CheckSecondaryLock(mvcc::MvccTxn& txn,
                                           mvcc::MvccReader& reader,
                                           const Key& key,
                                           base::TimeStamp start_ts) {
  auto lock = reader.LoadLock(key);
  if (!lock.ok()) return base::MakeErr(std::move(lock).error());
  if (lock->has_value() && (*lock)->ts == start_ts) {
    const Lock& own = **lock;
    if (!own.IsPessimisticLock()) return KeyStatus{Kind::kLocked, own, {}};
    // Never prewritten: the transaction cannot have been committed. The
    // rollback must stay visible to a late prewrite, so protect it.
    auto record = reader.GetTxnCommitRecord(key, start_ts);
    if (!record.ok()) return base::MakeErr(std::move(record).error());
    WriteRollbackRecord(txn, key, start_ts, /*is_protected=*/true,
                        record->overlapped_write);
    txn.UnlockKey(key, start_ts, /*pessimistic=*/true);
    return KeyStatus{Kind::kRolledBack, std::nullopt, {}};
  }
  auto status = CheckTxnStatusMissingLock(
      txn, reader, key, start_ts, *lock,
      MissingLockOptions{MissingLockAction::kProtectedRollback, false});
  if (!status.ok()) return base::MakeErr(std::move(status).error());
  if (status->kind == TxnStatus::Kind::kCommitted) {
    return KeyStatus{Kind::kCommitted, std::nullopt, status->commit_ts};
  }
  return KeyStatus{Kind::kRolledBack, std::nullopt, {}};
}

}  // namespace

mvcc::Result<SecondaryLocksStatus> CheckSecondaryLocks(
    mvcc::MvccTxn& txn, mvcc::MvccReader& reader,
    const std::vector<Bytes>& raw_keys, base::TimeStamp start_ts) {
  if (auto bad = ValidateStartTs(start_ts)) {
    return base::MakeErr(mvcc::Error(*bad));
  }
  SecondaryLocksStatus result;
  std::set<Bytes> seen;
  for (const Bytes& raw : raw_keys) {
    if (auto bad = ValidateKey(raw)) return base::MakeErr(mvcc::Error(*bad));
    if (!seen.insert(raw).second) continue;
    auto status = CheckSecondaryLock(txn, reader, Key::FromRaw(raw), start_ts);
    if (!status.ok()) return base::MakeErr(std::move(status).error());
    if (status->kind == Kind::kLocked) {
      result.locks.push_back(status->lock->ToLockInfo(raw));
      continue;
    }
    result.kind = status->kind;
    result.commit_ts = status->commit_ts;
    result.locks.clear();
    return result;
  }
  return result;
}

}  // namespace core::txn::actions
