// Prewrite (Percolator phase 1) of one key, and KvPrewrite over a request
// with async commit, 1PC and the CommitTsTooLarge fallback to 2PC.
//
// Ref: Percolator §2.2 (prewrite: abort on any lock or any write newer than
// start_ts, then lock); tikv src/storage/txn/actions/prewrite.rs,
// src/storage/txn/commands/prewrite.rs; tikv.md §2.2–2.4.
//
// Per key, in order:
//  1. A lock of another transaction -> KeyIsLocked. This transaction's
//     prewrite lock -> idempotent retry (nothing written). This transaction's
//     pessimistic lock is what a pessimistic prewrite expects; an optimistic
//     prewrite meeting one -> LockTypeNotMatch.
//  2. Unless the key holds our pessimistic lock, scan the writes newer than
//     start_ts: a Rollback (or overlapped rollback) at start_ts ->
//     WriteConflict(SelfRolledBack); our own commit record -> the key is
//     already committed (stale retry, nothing written); optimistic: any newer
//     commit -> WriteConflict(Optimistic); pessimistic without a lock
//     (kDoPessimisticCheck amends a lost lock): a newer non-Rollback record
//     above for_update_ts -> PessimisticLockNotFound; kDoConstraintCheck:
//     any newer commit -> WriteConflict(LazyUniquenessCheck).
//  3. Insert / CheckNotExists on a key with a value -> AlreadyExist
//     (skipped when our pessimistic lock already checked it).
//  4. Write the lock (short values inline, long values in CF_DEFAULT at
//     key+start_ts). Async commit / 1PC compute
//       min_commit_ts = max(max_ts, start_ts, for_update_ts) + 1
//     after placing the lock in the concurrency manager's memory table;
//     above max_commit_ts -> CommitTsTooLarge.
#ifndef CORE_TXN_ACTIONS_PREWRITE_H_
#define CORE_TXN_ACTIONS_PREWRITE_H_

#include <vector>

#include "core/mvcc/errors.h"
#include "core/mvcc/mvcc_txn.h"
#include "core/mvcc/reader.h"
#include "core/txn/actions/txn_types.h"
#include "core/txn/concurrency_manager.h"

namespace core::txn::actions {

struct PrewriteOutcome {
  // Async commit / 1PC: this key's min_commit_ts. Zero for 2PC.
  base::TimeStamp min_commit_ts;
  // A stale retry found the key already committed by this transaction.
  bool already_committed = false;
};

mvcc::Result<PrewriteOutcome> Prewrite(mvcc::MvccTxn& txn,
                                       mvcc::MvccReader& reader,
                                       ConcurrencyManager& cm,
                                       const TxnProps& props,
                                       const Mutation& mutation,
                                       PessimisticAction pessimistic_action);

struct PrewriteRequest {
  TxnProps props;
  std::vector<Mutation> mutations;
  // One per mutation; empty means kSkipPessimisticCheck for all.
  std::vector<PessimisticAction> pessimistic_actions;
};

struct PrewriteResult {
  // KeyIsLocked for every locked key; when non-empty nothing was written.
  std::vector<mvcc::KeyIsLocked> locks;
  // Async commit: the transaction's commit_ts (max over keys). Zero for 2PC,
  // including a fallback from async commit / 1PC after CommitTsTooLarge.
  base::TimeStamp min_commit_ts;
  // 1PC: the commit_ts the keys were committed at. Zero otherwise.
  base::TimeStamp one_pc_commit_ts;
};

// KvPrewrite. On success `txn` holds the command's modifications (and, for
// async commit / 1PC, the keys it locked in `cm`, which the caller releases
// once the batch is applied). Errors other than KeyIsLocked fail the whole
// request, and `txn` is left unchanged.
mvcc::Result<PrewriteResult> PrewriteKeys(mvcc::MvccTxn& txn,
                                          mvcc::MvccReader& reader,
                                          ConcurrencyManager& cm,
                                          const PrewriteRequest& request);

// Releases the memory locks recorded in `txn` (after its batch is applied,
// or when it is dropped).
void ReleaseMemoryLocks(mvcc::MvccTxn& txn, ConcurrencyManager& cm);

}  // namespace core::txn::actions

#endif  // CORE_TXN_ACTIONS_PREWRITE_H_
