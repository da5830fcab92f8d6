// What a transaction's failure was, for the application (client-go's
// tikverr: ErrWriteConflict, ErrKeyExist, ErrResultUndetermined,
// ErrDeadlock, ErrLockWaitTimeout, ErrLockAcquireFailAndNoWaitSet, ...).
//
//   absl::Status status = txn.Commit();
//   if (TxnErrorOf(status) == TxnError::kWriteConflict) { retry the txn }
//
// Each kind is an absl::Status with a code (below) and a payload naming the
// kind, so callers test the kind, not the message. The message carries the
// store's details (keys, timestamps).
#ifndef CLIENT_TXNKV_TXN_ERROR_H_
#define CLIENT_TXNKV_TXN_ERROR_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "proto/kvrpcpb.pb.h"

namespace client::txnkv {

enum class TxnError : uint8_t {
  // Another transaction wrote a key after this one's start_ts (ABORTED).
  kWriteConflict,
  // Insert of a key that exists (ALREADY_EXISTS).
  kKeyAlreadyExists,
  // The primary's commit RPC failed without an answer: the transaction
  // may or may not have committed (UNKNOWN).
  kCommitResultUndetermined,
  // A pessimistic lock would wait in a cycle (ABORTED).
  kDeadlock,
  // A pessimistic lock was held by another transaction past the wait
  // (DEADLINE_EXCEEDED), or at once with no wait (ABORTED).
  kLockWaitTimeout,
  // This transaction's locks were rolled back by another's resolver, or
  // it ran into its own rollback (ABORTED).
  kTxnAborted,
  // commit_ts fell behind a key's min_commit_ts more often than allowed.
  kCommitTsExpired,
};

const char* TxnErrorName(TxnError kind);
absl::Status MakeTxnError(TxnError kind, std::string_view message);
// The kind of `status`; nullopt for OK and for other errors.
std::optional<TxnError> TxnErrorOf(const absl::Status& status);
// A store's KeyError (not `locked`, which the resolver handles) as a
// status: conflict, already_exist, deadlock, commit_ts_expired, abort, ...
absl::Status KeyErrorStatus(const kvrpcpb::KeyError& error);

}  // namespace client::txnkv

#endif  // CLIENT_TXNKV_TXN_ERROR_H_
