// Cleanup (roll back one key of a transaction) and KvBatchRollback.
//
// Ref: tikv src/storage/txn/actions/cleanup.rs,
// src/storage/txn/commands/rollback.rs.
//
//   this transaction's lock present: with a non-zero current_ts and a live
//     lock -> KeyIsLocked; otherwise roll it back (RollbackLock: protected
//     when the key is the lock's primary).
//   lock missing: a commit record -> Committed (cannot roll back); a rollback
//     record -> OK; nothing -> write a Rollback (protected on request) so a
//     late prewrite fails with SelfRolledBack.
#ifndef CORE_TXN_ACTIONS_CLEANUP_H_
#define CORE_TXN_ACTIONS_CLEANUP_H_

#include <vector>

#include "core/mvcc/errors.h"
#include "core/mvcc/mvcc_txn.h"
#include "core/mvcc/reader.h"
#include "core/txn/actions/txn_types.h"

namespace core::txn::actions {

struct CleanupArgs {
  base::TimeStamp start_ts;
  // Zero: roll back regardless of the TTL.
  base::TimeStamp current_ts;
  // Protect the rollback record written when the lock is missing.
  bool protect_rollback = false;
};

mvcc::Outcome Cleanup(mvcc::MvccTxn& txn, mvcc::MvccReader& reader,
                      const Key& key, const CleanupArgs& args);

// KvBatchRollback: rolls back every raw key of start_ts; stops at the first
// error (e.g. Committed).
mvcc::Outcome BatchRollback(mvcc::MvccTxn& txn, mvcc::MvccReader& reader,
                            const std::vector<Bytes>& raw_keys,
                            base::TimeStamp start_ts);

}  // namespace core::txn::actions

#endif  // CORE_TXN_ACTIONS_CLEANUP_H_
