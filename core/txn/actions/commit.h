// Commit (Percolator phase 2) of one key, and KvCommit over many keys.
//
// Ref: Percolator §2.2 (commit: check the lock, write the commit record,
// erase the lock); tikv src/storage/txn/actions/commit.rs.
//
//   lock of start_ts present: commit_ts < lock.min_commit_ts ->
//   CommitTsExpired;
//     a pessimistic (never prewritten) lock -> LockTypeNotMatch; otherwise
//     write Put/Delete/Lock at key+commit_ts and delete the lock.
//   lock missing: a commit record of start_ts -> OK (idempotent);
//     otherwise (rolled back or never prewritten) -> TxnLockNotFound.
// Invariant (CommitAfterStart): commit_ts > start_ts, checked before any
// storage access (InvalidRequest).
#ifndef CORE_TXN_ACTIONS_COMMIT_H_
#define CORE_TXN_ACTIONS_COMMIT_H_

#include <vector>

#include "core/mvcc/errors.h"
#include "core/mvcc/mvcc_txn.h"
#include "core/mvcc/reader.h"
#include "core/txn/actions/txn_types.h"

namespace core::txn::actions {

struct CommitArgs {
  base::TimeStamp start_ts;
  base::TimeStamp commit_ts;
};

struct CommitOutcome {
  // False when the key was already committed by an earlier attempt.
  bool committed_now = false;
  // The commit_ts recorded on the key (the earlier one when idempotent).
  base::TimeStamp commit_ts;
};

mvcc::Result<CommitOutcome> Commit(mvcc::MvccTxn& txn, mvcc::MvccReader& reader,
                                   const Key& key, const CommitArgs& args);

// KvCommit: commits every raw key; stops at the first error (the client
// retries the whole request, which is idempotent).
mvcc::Outcome CommitKeys(mvcc::MvccTxn& txn, mvcc::MvccReader& reader,
                         const std::vector<Bytes>& raw_keys,
                         const CommitArgs& args);

}  // namespace core::txn::actions

#endif  // CORE_TXN_ACTIONS_COMMIT_H_
