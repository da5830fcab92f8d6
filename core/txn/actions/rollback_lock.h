// Rollback building blocks shared by cleanup, batch rollback,
// CheckTxnStatus, CheckSecondaryLocks and ResolveLock.
// Ref: tikv src/storage/txn/actions/check_txn_status.rs (rollback_lock,
// check_txn_status_missing_lock, collapse_prev_rollback, make_rollback),
// src/storage/mvcc/txn.rs (mark_rollback_on_mismatching_lock).
//
// A rollback of start_ts on a key writes a Rollback record at key+start_ts.
// It is *protected* when the key is the transaction's primary: a protected
// record is never collapsed, so a late prewrite or pessimistic-lock retry of
// a rolled-back primary always finds it (SelfRolledBack). Invariant
// (PrimaryDecidesSecondaries): once the primary says "rolled back", no key of
// the transaction can be committed.
#ifndef CORE_TXN_ACTIONS_ROLLBACK_LOCK_H_
#define CORE_TXN_ACTIONS_ROLLBACK_LOCK_H_

#include <optional>

#include "core/mvcc/errors.h"
#include "core/mvcc/mvcc_txn.h"
#include "core/mvcc/reader.h"
#include "core/txn/actions/txn_types.h"

namespace core::txn::actions {

// What to do when the lock of start_ts is missing and nothing is recorded.
enum class MissingLockAction {
  // Write an unprotected Rollback and collapse an older unprotected one.
  kRollback,
  // Write a protected Rollback.
  kProtectedRollback,
  // Fail with TxnNotFound.
  kReturnError,
};

struct MissingLockOptions {
  MissingLockAction action = MissingLockAction::kProtectedRollback;
  // Resolving a pessimistic lock: never write a rollback for a missing lock.
  bool resolving_pessimistic_lock = false;
};

// Deletes the newest record at or below `below_ts` when it is an
// unprotected Rollback (rollback records would otherwise pile up on a hot
// key). The record at exactly `below_ts`+1.. is never touched.
mvcc::Outcome CollapsePrevRollback(mvcc::MvccTxn& txn, mvcc::MvccReader& reader,
                                   const Key& key, base::TimeStamp below_ts);

// Records the rollback of start_ts on `key`: a Rollback record, or, when a
// commit of another transaction sits at commit_ts == start_ts, the
// overlapped-rollback flag on that record (only if protected).
void WriteRollbackRecord(
    mvcc::MvccTxn& txn, const Key& key, base::TimeStamp start_ts,
    bool is_protected, const std::optional<mvcc::OverlappedWrite>& overlapped);

// Whether a rollback of `lock` on `key` must be protected (key is primary).
bool ShouldProtectRollback(const Key& key, const Lock& lock);

struct RollbackLockOptions {
  // Collapse an older unprotected rollback of the key.
  bool collapse_rollback = true;
};

// Rolls back `lock` (this transaction's lock on `key`): deletes a long value
// from CF_DEFAULT, writes the rollback record (protected for the primary),
// and deletes the lock. CHECKs that no commit record of the transaction
// exists (a lock and a commit of one start_ts cannot coexist).
mvcc::Outcome RollbackLock(mvcc::MvccTxn& txn, mvcc::MvccReader& reader,
                           const Key& key, const Lock& lock,
                           const RollbackLockOptions& options);

// The missing-lock half of CheckTxnStatus (tikv.md §2.6): report a commit or
// rollback record if one exists; otherwise act per options. `mismatch_lock`
// is a lock of another transaction found on the key, if any: a protected
// rollback records start_ts in it so that a later commit at that ts marks
// its write overlapped instead of erasing the rollback.
mvcc::Result<TxnStatus> CheckTxnStatusMissingLock(
    mvcc::MvccTxn& txn, mvcc::MvccReader& reader, const Key& primary,
    base::TimeStamp start_ts, const std::optional<Lock>& mismatch_lock,
    const MissingLockOptions& options);

}  // namespace core::txn::actions

#endif  // CORE_TXN_ACTIONS_ROLLBACK_LOCK_H_
