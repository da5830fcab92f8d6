// Helpers shared by the storage command files. Internal to store/storage.
#ifndef STORE_STORAGE_STORAGE_INTERNAL_H_
#define STORE_STORAGE_STORAGE_INTERNAL_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "core/mvcc/errors.h"
#include "core/mvcc/mvcc_txn.h"
#include "core/mvcc/reader.h"
#include "store/storage/commands.h"
#include "store/storage/scheduler.h"

namespace store::storage::internal {

inline core::base::Err<Error> KeyErr(core::mvcc::Error error) {
  return core::base::MakeErr(Error(std::move(error)));
}
inline core::base::Err<Error> Invalid(std::string message) {
  return KeyErr(core::mvcc::InvalidRequest{std::move(message)});
}
// A raw KV status: kInvalidArgument is bad input, anything else an engine
// failure.
core::base::Err<Error> RawErr(absl::Status status);

// InvalidRequest for the first bad key (empty, over 8 KiB).
std::optional<core::mvcc::InvalidRequest> ValidateKeys(
    const std::vector<Bytes>& keys);
uint64_t KeyBytes(const std::vector<Bytes>& keys);

// An MvccReader over the snapshot (API V1: MVCC keys are engine keys).
core::mvcc::MvccReader TxnReader(const RegionSnapshot& snapshot);

// Runs `action(txn, reader)` (returning core::mvcc::Result<T>) over a fresh
// MvccTxn and a reader of the command's snapshot. The memory locks it placed
// go to the scope either way; on success its modifications are appended to
// the scope's batch.
template <typename T, typename Action>
Result<T> RunTxnAction(WriteScope& scope, TimeStamp start_ts, Action&& action) {
  core::mvcc::MvccReader reader = TxnReader(scope.snapshot());
  core::mvcc::MvccTxn txn(start_ts);
  core::mvcc::Result<T> outcome = action(txn, reader);
  scope.AdoptMemoryLocks(txn);
  if (!outcome.ok()) return KeyErr(std::move(outcome).error());
  scope.batch().Append(txn.ToWriteBatch());
  return std::move(outcome).value();
}

}  // namespace store::storage::internal

#endif  // STORE_STORAGE_STORAGE_INTERNAL_H_
