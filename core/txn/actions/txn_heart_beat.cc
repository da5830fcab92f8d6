#include "core/txn/actions/txn_heart_beat.h"

#include <utility>

#include "core/txn/validate.h"

namespace core::txn::actions {

mvcc::Result<Lock> TxnHeartBeat(mvcc::MvccTxn& txn, mvcc::MvccReader& reader,
                                const Key& primary_key,
                                const TxnHeartBeatArgs& args) {
  if (auto bad = ValidateStartTs(args.start_ts)) {
    return base::MakeErr(mvcc::Error(*bad));
  }
  auto lock = reader.LoadLock(primary_key);
  if (!lock.ok()) return base::MakeErr(std::move(lock).error());
  if (!lock->has_value() || (*lock)->ts != args.start_ts) {
    auto raw = primary_key.ToRaw();
    if (!raw.ok()) return mvcc::StorageErr(raw.status());
    return base::MakeErr(mvcc::Error(mvcc::TxnNotFound{args.start_ts, *raw}));
  }
  Lock updated = **lock;
  bool changed = false;
  if (updated.ttl < args.advise_lock_ttl) {
    updated.ttl = args.advise_lock_ttl;
    changed = true;
  }
  if (!args.min_commit_ts.IsZero() &&
      updated.min_commit_ts < args.min_commit_ts) {
    updated.min_commit_ts = args.min_commit_ts;
    changed = true;
  }
  if (changed) txn.PutLock(primary_key, updated);
  return updated;
}

}  // namespace core::txn::actions
