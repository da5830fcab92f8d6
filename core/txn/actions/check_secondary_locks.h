// CheckSecondaryLocks: the async-commit recovery step. An async-commit
// transaction is committed iff every one of its keys was prewritten, so a
// resolver inspects each secondary:
//   this transaction's prewrite lock      -> Locked(lock);
//   this transaction's pessimistic lock   -> it was never prewritten: roll
//                                            it back (protected) -> RolledBack;
//   a commit record                       -> Committed(commit_ts);
//   a rollback record                     -> RolledBack;
//   nothing                               -> write a protected Rollback so the
//                                            prewrite can never succeed later
//                                            -> RolledBack.
// The request result is Committed/RolledBack at the first such key, else
// the list of locks (all locked: the resolver commits at the max
// min_commit_ts of the primary and all secondaries).
// Ref: tikv src/storage/txn/commands/check_secondary_locks.rs,
// client-go lock_resolver.go resolveAsyncCommitLock; tikv.md §2.3.
#ifndef CORE_TXN_ACTIONS_CHECK_SECONDARY_LOCKS_H_
#define CORE_TXN_ACTIONS_CHECK_SECONDARY_LOCKS_H_

#include <vector>

#include "core/mvcc/errors.h"
#include "core/mvcc/mvcc_txn.h"
#include "core/mvcc/reader.h"
#include "core/txn/actions/txn_types.h"

namespace core::txn::actions {

struct SecondaryLocksStatus {
  enum class Kind { kLocked, kCommitted, kRolledBack };
  Kind kind = Kind::kLocked;
  // kLocked: one per key, in request order.
  std::vector<mvcc::LockInfo> locks;
  // kCommitted.
  base::TimeStamp commit_ts;
};

mvcc::Result<SecondaryLocksStatus> CheckSecondaryLocks(
    mvcc::MvccTxn& txn, mvcc::MvccReader& reader,
    const std::vector<Bytes>& raw_keys, base::TimeStamp start_ts);

}  // namespace core::txn::actions

#endif  // CORE_TXN_ACTIONS_CHECK_SECONDARY_LOCKS_H_
