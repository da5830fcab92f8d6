#include "client/txnkv/txn_error.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace client::txnkv {

namespace {

constexpr char kPayloadUrl[] = "tikv-sim/client.txnkv.TxnError";

constexpr TxnError kAllKinds[] = {
    TxnError::kWriteConflict,
    TxnError::kKeyAlreadyExists,
    TxnError::kCommitResultUndetermined,
    TxnError::kDeadlock,
    TxnError::kLockWaitTimeout,
    TxnError::kTxnAborted,
    TxnError::kCommitTsExpired,
};

absl::StatusCode CodeOf(TxnError kind) {
  switch (kind) {
    case TxnError::kKeyAlreadyExists:
      return absl::StatusCode::kAlreadyExists;
    case TxnError::kCommitResultUndetermined:
      return absl::StatusCode::kUnknown;
    case TxnError::kLockWaitTimeout:
      return absl::StatusCode::kDeadlineExceeded;
    default:
      return absl::StatusCode::kAborted;
  }
}

}  // namespace

const char* TxnErrorName(TxnError kind) {
  switch (kind) {
    case TxnError::kWriteConflict:
      return "WriteConflict";
    case TxnError::kKeyAlreadyExists:
      return "KeyAlreadyExists";
    case TxnError::kCommitResultUndetermined:
      return "CommitResultUndetermined";
    case TxnError::kDeadlock:
      return "Deadlock";
    case TxnError::kLockWaitTimeout:
      return "LockWaitTimeout";
    case TxnError::kTxnAborted:
      return "TxnAborted";
    case TxnError::kCommitTsExpired:
      return "CommitTsExpired";
  }
  return "?";
}

absl::Status MakeTxnError(TxnError kind, std::string_view message) {
  absl::Status status(CodeOf(kind), absl::StrCat(TxnErrorName(kind), ": ",
                                                 std::string(message)));
  status.SetPayload(kPayloadUrl, absl::Cord(TxnErrorName(kind)));
  return status;
}

std::optional<TxnError> TxnErrorOf(const absl::Status& status) {
  auto payload = status.GetPayload(kPayloadUrl);
  if (!payload.has_value()) return std::nullopt;
  for (TxnError kind : kAllKinds) {
    if (*payload == TxnErrorName(kind)) return kind;
  }
  return std::nullopt;
}

absl::Status KeyErrorStatus(const kvrpcpb::KeyError& error) {
  if (error.has_conflict()) {
    const auto& c = error.conflict();
    return MakeTxnError(
        TxnError::kWriteConflict,
        absl::StrCat("key ", c.key(), " start_ts ", c.start_ts(),
                     " conflict_ts ", c.conflict_ts(), " conflict_commit_ts ",
                     c.conflict_commit_ts()));
  }
  if (error.has_already_exist()) {
    return MakeTxnError(TxnError::kKeyAlreadyExists,
                        absl::StrCat("key ", error.already_exist().key()));
  }
  if (error.has_deadlock()) {
    return MakeTxnError(TxnError::kDeadlock,
                        absl::StrCat("lock_ts ", error.deadlock().lock_ts(),
                                     " key ", error.deadlock().lock_key()));
  }
  if (error.has_commit_ts_expired()) {
    return MakeTxnError(TxnError::kCommitTsExpired,
                        error.commit_ts_expired().ShortDebugString());
  }
  if (error.has_txn_not_found()) {
    return MakeTxnError(TxnError::kTxnAborted,
                        absl::StrCat("txn not found: ",
                                     error.txn_not_found().ShortDebugString()));
  }
  if (!error.retryable().empty()) {
    return absl::UnavailableError(
        absl::StrCat("retryable: ", error.retryable()));
  }
  if (!error.abort().empty()) {
    return MakeTxnError(TxnError::kTxnAborted, error.abort());
  }
  return absl::UnknownError(error.ShortDebugString());
}

}  // namespace client::txnkv
