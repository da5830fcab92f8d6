#include "core/txn/actions/rollback_lock.h"

#include <utility>

#include "core/base/check.h"
#include "core/base/mutant.h"

namespace core::txn::actions {
namespace {

mvcc::Error RawKeyError(const Key& key) {
  return mvcc::StorageError{absl::DataLossError("undecodable key")};
}

}  // namespace

mvcc::Outcome CollapsePrevRollback(mvcc::MvccTxn& txn, mvcc::MvccReader& reader,
                                   const Key& key, base::TimeStamp below_ts) {
  if (below_ts.IsZero()) return base::Unit{};
  auto prev = reader.SeekWrite(key, below_ts.Prev());
  if (!prev.ok()) return base::MakeErr(std::move(prev).error());
  if (prev->has_value()) {
    const mvcc::VersionedWrite& version = **prev;
    if (version.write.write_type == mvcc::WriteType::kRollback &&
        !version.write.IsProtectedRollback()) {
      txn.DeleteWrite(key, version.commit_ts);
    }
  }
  return base::Unit{};
}

void WriteRollbackRecord(
    mvcc::MvccTxn& txn, const Key& key, base::TimeStamp start_ts,
    bool is_protected, const std::optional<mvcc::OverlappedWrite>& overlapped) {
  if (MUTANT(TXN_UNPROTECTED_PRIMARY_ROLLBACK)) {
    // Known bug: rollbacks of primaries can be collapsed.
    is_protected = false;
  }
  if (!overlapped.has_value()) {
    txn.PutWrite(key, start_ts,
                 mvcc::Write::NewRollback(start_ts, is_protected));
    return;
  }
  CHECK_EQ(overlapped->commit_ts, start_ts);
  CHECK_NE(overlapped->write.start_ts, start_ts);
  if (!is_protected) return;  // an unprotected rollback needs no trace
  mvcc::Write write = overlapped->write;
  write.has_overlapped_rollback = true;
  write.gc_fence = overlapped->gc_fence;
  txn.PutWrite(key, start_ts, write);
}

bool ShouldProtectRollback(const Key& key, const Lock& lock) {
  return Key::FromRaw(lock.primary) == key;
}

mvcc::Outcome RollbackLock(mvcc::MvccTxn& txn, mvcc::MvccReader& reader,
                           const Key& key, const Lock& lock,
                           const RollbackLockOptions& options) {
  auto record = reader.GetTxnCommitRecord(key, lock.ts);
  if (!record.ok()) return base::MakeErr(std::move(record).error());
  CHECK(!record->IsCommitted())
      << "lock and commit record of one txn coexist: " << lock << " on " << key;
  if (lock.lock_type == mvcc::LockType::kPut && !lock.short_value.has_value()) {
    txn.DeleteValue(key, lock.ts);
  }
  if (!record->IsRolledBack()) {
    WriteRollbackRecord(txn, key, lock.ts, ShouldProtectRollback(key, lock),
                        record->overlapped_write);
    if (options.collapse_rollback) {
      mvcc::Outcome collapsed = CollapsePrevRollback(txn, reader, key, lock.ts);
      if (!collapsed.ok()) return collapsed;
    }
  }
  txn.UnlockKey(key, lock.ts, lock.IsPessimisticLock());
  return base::Unit{};
}

mvcc::Result<TxnStatus> CheckTxnStatusMissingLock(
    mvcc::MvccTxn& txn, mvcc::MvccReader& reader, const Key& primary,
    base::TimeStamp start_ts, const std::optional<Lock>& mismatch_lock,
    const MissingLockOptions& options) {
  auto record = reader.GetTxnCommitRecord(primary, start_ts);
  if (!record.ok()) return base::MakeErr(std::move(record).error());
  if (record->IsCommitted()) return TxnStatus::Committed(record->commit_ts);
  if (record->IsRolledBack())
    return TxnStatus::Of(TxnStatus::Kind::kRolledBack);
  if (options.action == MissingLockAction::kReturnError) {
    auto raw = primary.ToRaw();
    if (!raw.ok()) return base::MakeErr(RawKeyError(primary));
    return base::MakeErr(mvcc::Error(mvcc::TxnNotFound{start_ts, *raw}));
  }
  if (options.resolving_pessimistic_lock) {
    return TxnStatus::Of(TxnStatus::Kind::kLockNotExistDoNothing);
  }
  const bool is_protected =
      options.action == MissingLockAction::kProtectedRollback;
  if (!is_protected) {
    mvcc::Outcome collapsed =
        CollapsePrevRollback(txn, reader, primary, start_ts);
    if (!collapsed.ok()) return base::MakeErr(std::move(collapsed).error());
  }
  if (mismatch_lock.has_value() && is_protected &&
      !record->overlapped_write.has_value()) {
    CHECK_NE(mismatch_lock->ts, start_ts);
    Lock marked = *mismatch_lock;
    marked.rollback_ts.push_back(start_ts);
    txn.PutLock(primary, marked);
  }
  WriteRollbackRecord(txn, primary, start_ts, is_protected,
                      record->overlapped_write);
  return TxnStatus::Of(TxnStatus::Kind::kLockNotExist);
}

}  // namespace core::txn::actions
