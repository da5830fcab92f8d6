// Vocabulary shared by the Percolator actions: mutations, transaction
// properties and transaction status.
// Ref: tikv src/storage/txn/actions/prewrite.rs (TransactionProperties),
// src/storage/txn/mod.rs (TxnStatus), kvproto kvrpcpb.Op.
#ifndef CORE_TXN_ACTIONS_TXN_TYPES_H_
#define CORE_TXN_ACTIONS_TXN_TYPES_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <vector>

#include "core/base/timestamp.h"
#include "core/mvcc/key.h"
#include "core/mvcc/lock.h"

namespace core::txn::actions {

using mvcc::Bytes;
using mvcc::BytesView;
using mvcc::Key;
using mvcc::Lock;

// kvrpcpb.Op values a prewrite accepts.
enum class MutationOp {
  kPut,
  kDelete,
  // A read lock: the key must not change before commit (SELECT FOR UPDATE).
  kLock,
  // Put that fails with AlreadyExist when the key has a value.
  kInsert,
  // Fails with AlreadyExist when the key has a value; writes nothing.
  kCheckNotExists,
};

struct Mutation {
  MutationOp op = MutationOp::kPut;
  // Raw user key.
  Bytes key;
  // For kPut and kInsert.
  Bytes value;
};

// kvrpcpb.PrewriteRequest.PessimisticAction.
enum class PessimisticAction {
  // The key was not locked pessimistically (or the txn is optimistic).
  kSkipPessimisticCheck,
  // The key holds this txn's pessimistic lock.
  kDoPessimisticCheck,
  // Not locked pessimistically but needs the optimistic conflict checks
  // (lazy uniqueness check).
  kDoConstraintCheck,
};

enum class CommitKind { kTwoPc, kAsyncCommit, kOnePc };

struct TxnProps {
  base::TimeStamp start_ts;
  // Raw key of the primary lock.
  Bytes primary;
  uint64_t lock_ttl = 0;
  uint64_t txn_size = 0;
  // Zero for optimistic transactions.
  base::TimeStamp for_update_ts;
  // Written into 2PC locks so CheckTxnStatus can push them (large txns).
  base::TimeStamp min_commit_ts;
  // Async commit / 1PC: fail with CommitTsTooLarge above this (0: none).
  base::TimeStamp max_commit_ts;
  CommitKind commit_kind = CommitKind::kTwoPc;
  // Async commit: raw secondary keys, stored in the primary lock.
  std::vector<Bytes> secondaries;

  bool IsPessimistic() const { return !for_update_ts.IsZero(); }
};

// The fate of a transaction as seen from its primary key.
// Ref: tikv src/storage/txn/mod.rs TxnStatus, kvrpcpb.Action.
struct TxnStatus {
  enum class Kind {
    // A Rollback record (or an overlapped rollback) exists.
    kRolledBack,
    // The lock expired and this call rolled it back (TTLExpireRollback).
    kTtlExpire,
    // No lock nor record: this call wrote a rollback (LockNotExistRollback).
    kLockNotExist,
    // No lock, resolving a pessimistic lock: nothing done.
    kLockNotExistDoNothing,
    kCommitted,
    // An expired pessimistic primary was unlocked without a record.
    kPessimisticRollBack,
    // Still locked: `lock` is the primary lock, possibly with a pushed
    // min_commit_ts (MinCommitTsPushed).
    kUncommitted,
  };
  Kind kind = Kind::kLockNotExist;
  base::TimeStamp commit_ts;
  std::optional<Lock> lock;
  bool min_commit_ts_pushed = false;

  static TxnStatus Of(Kind kind) { return TxnStatus{kind, {}, {}, false}; }
  static TxnStatus Committed(base::TimeStamp commit_ts) {
    return TxnStatus{Kind::kCommitted, commit_ts, {}, false};
  }
  static TxnStatus Uncommitted(Lock lock, bool pushed) {
    return TxnStatus{Kind::kUncommitted, {}, std::move(lock), pushed};
  }
  bool IsRolledBack() const {
    return kind == Kind::kRolledBack || kind == Kind::kTtlExpire ||
           kind == Kind::kLockNotExist || kind == Kind::kPessimisticRollBack;
  }
};

const char* TxnStatusKindName(TxnStatus::Kind kind);

}  // namespace core::txn::actions

#endif  // CORE_TXN_ACTIONS_TXN_TYPES_H_
