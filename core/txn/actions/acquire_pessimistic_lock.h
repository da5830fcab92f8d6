// AcquirePessimisticLock: lock a key at for_update_ts before the
// transaction writes it (SELECT FOR UPDATE / DML in a pessimistic txn).
//
// Ref: tikv src/storage/txn/actions/acquire_pessimistic_lock.rs; tikv.md §2.4.
//   a lock of another transaction -> KeyIsLocked (the request may wait);
//   this transaction's prewrite lock -> LockTypeNotMatch;
//   this transaction's pessimistic lock -> idempotent; its for_update_ts is
//     raised when the request's is larger;
//   a write with commit_ts > for_update_ts -> WriteConflict(PessimisticRetry)
//     (the client retries the statement with a newer for_update_ts);
//   a Rollback (or overlapped rollback) at start_ts -> WriteConflict(
//     SelfRolledBack);
//   should_not_exist and the key has a value -> AlreadyExist;
//   otherwise write a Pessimistic lock (no value).
#ifndef CORE_TXN_ACTIONS_ACQUIRE_PESSIMISTIC_LOCK_H_
#define CORE_TXN_ACTIONS_ACQUIRE_PESSIMISTIC_LOCK_H_

#include <optional>
#include <vector>

#include "core/mvcc/errors.h"
#include "core/mvcc/mvcc_txn.h"
#include "core/mvcc/reader.h"
#include "core/txn/actions/txn_types.h"

namespace core::txn::actions {

struct PessimisticLockArgs {
  Bytes primary;
  base::TimeStamp start_ts;
  base::TimeStamp for_update_ts;
  uint64_t lock_ttl = 0;
  // Insert semantics: fail with AlreadyExist when the key has a value.
  bool should_not_exist = false;
  // Return the value at for_update_ts (kvrpcpb return_values).
  bool need_value = false;
  base::TimeStamp min_commit_ts;
};

struct PessimisticLockOutcome {
  // The latest value when need_value (nullopt: no value).
  std::optional<Bytes> value;
};

mvcc::Result<PessimisticLockOutcome> AcquirePessimisticLock(
    mvcc::MvccTxn& txn, mvcc::MvccReader& reader, const Key& key,
    const PessimisticLockArgs& args);

// KvPessimisticLock over several raw keys: stops at the first error and then
// leaves `txn` as it was (the request writes all locks or none).
mvcc::Result<std::vector<PessimisticLockOutcome>> AcquirePessimisticLocks(
    mvcc::MvccTxn& txn, mvcc::MvccReader& reader,
    const std::vector<Bytes>& raw_keys, const PessimisticLockArgs& args);

}  // namespace core::txn::actions

#endif  // CORE_TXN_ACTIONS_ACQUIRE_PESSIMISTIC_LOCK_H_
