#include "core/txn/actions/commit.h"

#include <algorithm>
#include <utility>

#include "core/base/mutant.h"
#include "core/txn/validate.h"

namespace core::txn::actions {
namespace {

mvcc::Result<CommitOutcome> CommitLock(mvcc::MvccTxn& txn, const Key& key,
                                       BytesView raw_key, const Lock& lock,
                                       const CommitArgs& args) {
  if (lock.IsPessimisticLock()) {
    return base::MakeErr(mvcc::Error(
        mvcc::LockTypeNotMatch{args.start_ts, Bytes(raw_key), true}));
  }
  if (args.commit_ts < lock.min_commit_ts) {
    return base::MakeErr(mvcc::Error(mvcc::CommitTsExpired{
        args.start_ts, args.commit_ts, Bytes(raw_key), lock.min_commit_ts}));
  }
  mvcc::Write write;
  write.write_type = mvcc::WriteTypeFromLockType(lock.lock_type);
  write.start_ts = args.start_ts;
  write.short_value = lock.short_value;
  // A rollback of another txn at exactly our commit_ts was recorded on the
  // lock; keep its trace on the commit record it would otherwise lose to.
  if (std::find(lock.rollback_ts.begin(), lock.rollback_ts.end(),
                args.commit_ts) != lock.rollback_ts.end()) {
    write.has_overlapped_rollback = true;
  }
  txn.PutWrite(key, args.commit_ts, write);
  txn.UnlockKey(key, args.start_ts, /*pessimistic=*/false);
  return CommitOutcome{true, args.commit_ts};
}

}  // namespace

mvcc::Result<CommitOutcome> Commit(mvcc::MvccTxn& txn, mvcc::MvccReader& reader,
                                   const Key& key, const CommitArgs& args) {
  if (auto bad = ValidateCommitTs(args.start_ts, args.commit_ts)) {
    return base::MakeErr(mvcc::Error(*bad));
  }
  auto raw_key = key.ToRaw();
  if (!raw_key.ok()) return mvcc::StorageErr(raw_key.status());
  auto lock = reader.LoadLock(key);
  if (!lock.ok()) return base::MakeErr(std::move(lock).error());
  if (lock->has_value() && (*lock)->ts == args.start_ts) {
    return CommitLock(txn, key, *raw_key, **lock, args);
  }
  if (MUTANT(TXN_COMMIT_WITHOUT_LOCK_CHECK)) {
    // Known bug: commit writes a record without finding its lock (e.g. after
    // the transaction was rolled back by another client).
    {
      auto record = reader.GetTxnCommitRecord(key, args.start_ts);
      if (record.ok() && !record->IsCommitted()) {
        mvcc::Write write;
        write.write_type = mvcc::WriteType::kPut;
        write.start_ts = args.start_ts;
        write.short_value = Bytes();
        txn.PutWrite(key, args.commit_ts, write);
        return CommitOutcome{true, args.commit_ts};
      }
    }
  }
  auto record = reader.GetTxnCommitRecord(key, args.start_ts);
  if (!record.ok()) return base::MakeErr(std::move(record).error());
  if (record->IsCommitted()) return CommitOutcome{false, record->commit_ts};
  return base::MakeErr(mvcc::Error(
      mvcc::TxnLockNotFound{args.start_ts, args.commit_ts, *raw_key}));
}

mvcc::Outcome CommitKeys(mvcc::MvccTxn& txn, mvcc::MvccReader& reader,
                         const std::vector<Bytes>& raw_keys,
                         const CommitArgs& args) {
  for (const Bytes& raw : raw_keys) {
    if (auto bad = ValidateKey(raw)) return base::MakeErr(mvcc::Error(*bad));
    auto outcome = Commit(txn, reader, Key::FromRaw(raw), args);
    if (!outcome.ok()) return base::MakeErr(std::move(outcome).error());
  }
  return base::Unit{};
}

}  // namespace core::txn::actions
