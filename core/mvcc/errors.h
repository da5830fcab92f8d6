// The typed outcomes of MVCC reads and Percolator actions that a caller
// branches on. Each struct carries the data TiKV puts in kvrpcpb.KeyError so
// that the RPC layer can translate them one to one.
// Ref: tikv src/storage/mvcc/mod.rs (ErrorInner), kvproto kvrpcpb.KeyError.
//
// Environment failures (engine I/O, corruption) travel as StorageError with
// the absl::Status from the engine; bad requests as InvalidRequest. Neither is
// a crash.
#ifndef CORE_MVCC_ERRORS_H_
#define CORE_MVCC_ERRORS_H_

#include <ostream>
#include <string>
#include <variant>

#include "absl/status/status.h"
#include "core/base/bytes.h"
#include "core/base/result.h"
#include "core/base/timestamp.h"
#include "core/mvcc/lock.h"

namespace core::mvcc {

// A lock of another transaction blocks the request (KeyError.locked).
struct KeyIsLocked {
  LockInfo info;
  bool operator==(const KeyIsLocked&) const = default;
};

// kvrpcpb.WriteConflict.Reason.
enum class WriteConflictReason {
  kOptimistic,
  kPessimisticRetry,
  kSelfRolledBack,
  kRcCheckTs,
  kLazyUniquenessCheck,
  kNotLockedKeyConflict,
};

struct WriteConflict {
  base::TimeStamp start_ts;
  base::TimeStamp conflict_start_ts;
  base::TimeStamp conflict_commit_ts;
  Bytes key;
  Bytes primary;
  WriteConflictReason reason = WriteConflictReason::kOptimistic;
  bool operator==(const WriteConflict&) const = default;
};

// Insert or CheckNotExists found a live value.
struct AlreadyExist {
  Bytes key;
  bool operator==(const AlreadyExist&) const = default;
};

// commit_ts < lock.min_commit_ts: the client must get a newer commit_ts.
struct CommitTsExpired {
  base::TimeStamp start_ts;
  base::TimeStamp commit_ts;
  Bytes key;
  base::TimeStamp min_commit_ts;
  bool operator==(const CommitTsExpired&) const = default;
};

// Async commit / 1PC: the computed min_commit_ts exceeds max_commit_ts; the
// prewrite command falls back to 2PC.
struct CommitTsTooLarge {
  base::TimeStamp start_ts;
  base::TimeStamp min_commit_ts;
  base::TimeStamp max_commit_ts;
  bool operator==(const CommitTsTooLarge&) const = default;
};

// Commit found neither the lock nor a commit record (it was rolled back).
struct TxnLockNotFound {
  base::TimeStamp start_ts;
  base::TimeStamp commit_ts;
  Bytes key;
  bool operator==(const TxnLockNotFound&) const = default;
};

// A rollback (cleanup) found the transaction already committed on this key
// (KeyError.abort "txn already committed").
struct Committed {
  base::TimeStamp start_ts;
  base::TimeStamp commit_ts;
  Bytes key;
  bool operator==(const Committed&) const = default;
};

// CheckTxnStatus with rollback_if_not_exist = false found nothing.
struct TxnNotFound {
  base::TimeStamp start_ts;
  Bytes key;
  bool operator==(const TxnNotFound&) const = default;
};

// A pessimistic prewrite expected its pessimistic lock but it is gone and
// the key changed since for_update_ts.
struct PessimisticLockNotFound {
  base::TimeStamp start_ts;
  Bytes key;
  bool operator==(const PessimisticLockNotFound&) const = default;
};

// CheckTxnStatus was sent to a key that is not the lock's primary.
struct PrimaryMismatch {
  LockInfo info;
  bool operator==(const PrimaryMismatch&) const = default;
};

// Commit or prewrite met a lock of this transaction of the wrong kind (e.g.
// committing a pessimistic lock that was never prewritten).
struct LockTypeNotMatch {
  base::TimeStamp start_ts;
  Bytes key;
  bool pessimistic = false;
  bool operator==(const LockTypeNotMatch&) const = default;
};

// The request itself is malformed (empty or oversized key, zero start_ts...).
struct InvalidRequest {
  std::string message;
  bool operator==(const InvalidRequest&) const = default;
};

// The engine failed (I/O error) or returned bytes that do not parse
// (kDataLoss). Never a wrong answer.
struct StorageError {
  absl::Status status;
  bool operator==(const StorageError&) const = default;
};

using Error =
    std::variant<KeyIsLocked, WriteConflict, AlreadyExist, CommitTsExpired,
                 CommitTsTooLarge, TxnLockNotFound, Committed, TxnNotFound,
                 PessimisticLockNotFound, PrimaryMismatch, LockTypeNotMatch,
                 InvalidRequest, StorageError>;

template <typename T>
using Result = base::Result<T, Error>;
using Outcome = base::Result<base::Unit, Error>;

const char* WriteConflictReasonName(WriteConflictReason reason);
// A one-line description for logs and test failures.
std::string ErrorToString(const Error& error);
std::ostream& operator<<(std::ostream& out, const Error& error);

// Shorthands for building errors.
inline base::Err<Error> StorageErr(absl::Status status) {
  return base::MakeErr(Error(StorageError{std::move(status)}));
}
inline base::Err<Error> InvalidRequestErr(std::string message) {
  return base::MakeErr(Error(InvalidRequest{std::move(message)}));
}

}  // namespace core::mvcc

#endif  // CORE_MVCC_ERRORS_H_
