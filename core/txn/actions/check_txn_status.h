// CheckTxnStatus: decide or advance a transaction's fate from its primary
// key. Sent by a client that met a lock (lock resolution, tikv.md §2.5).
//
// Ref: tikv src/storage/txn/actions/check_txn_status.rs,
// src/storage/txn/commands/check_txn_status.rs; the full decision table is
// tikv.md §2.6. First, max_ts := max(max_ts, lock_ts, current_ts,
// caller_start_ts). "Expired" means lock.ts.physical + ttl <
// current_ts.physical.
//
// Primary lock of lock_ts present:
//   verify_is_primary and the lock's primary is another key: a pessimistic
//     lock (not resolving pessimistic) is unlocked and the missing-lock path
//     runs; otherwise PrimaryMismatch.
//   async-commit lock and not force_sync_commit: Uncommitted (no action;
//     only CheckSecondaryLocks may decide an async-commit txn).
//   expired pessimistic lock while resolving pessimistic locks: unlocked
//     without a record -> PessimisticRollBack.
//   expired: rolled back with a protected Rollback -> TtlExpire.
//   alive, min_commit_ts != 0, caller_start_ts != Max and >= min_commit_ts:
//     min_commit_ts := max(caller_start_ts + 1, current_ts) -> pushed.
//   alive otherwise: Uncommitted with the lock (its TTL).
// No lock of lock_ts: CheckTxnStatusMissingLock with ProtectedRollback when
// rollback_if_not_exist, else ReturnError (TxnNotFound).
#ifndef CORE_TXN_ACTIONS_CHECK_TXN_STATUS_H_
#define CORE_TXN_ACTIONS_CHECK_TXN_STATUS_H_

#include "core/mvcc/errors.h"
#include "core/mvcc/mvcc_txn.h"
#include "core/mvcc/reader.h"
#include "core/txn/actions/txn_types.h"
#include "core/txn/concurrency_manager.h"

namespace core::txn::actions {

struct CheckTxnStatusArgs {
  base::TimeStamp lock_ts;
  // The caller's start_ts; Max when the caller is not a reader.
  base::TimeStamp caller_start_ts;
  // A fresh TSO timestamp, used for expiry.
  base::TimeStamp current_ts;
  bool rollback_if_not_exist = true;
  bool force_sync_commit = false;
  bool resolving_pessimistic_lock = false;
  bool verify_is_primary = true;
};

mvcc::Result<TxnStatus> CheckTxnStatus(mvcc::MvccTxn& txn,
                                       mvcc::MvccReader& reader,
                                       ConcurrencyManager& cm,
                                       const Key& primary_key,
                                       const CheckTxnStatusArgs& args);

}  // namespace core::txn::actions

#endif  // CORE_TXN_ACTIONS_CHECK_TXN_STATUS_H_
