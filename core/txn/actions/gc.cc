#include "core/txn/actions/gc.h"

#include <utility>

namespace core::txn::actions {
namespace {

void DeleteVersion(mvcc::MvccTxn& txn, const Key& key,
                   const mvcc::VersionedWrite& version, GcOutcome& outcome) {
  txn.DeleteWrite(key, version.commit_ts);
  if (version.write.write_type == mvcc::WriteType::kPut &&
      !version.write.short_value.has_value()) {
    txn.DeleteValue(key, version.write.start_ts);
  }
  ++outcome.deleted_versions;
}

}  // namespace

mvcc::Result<GcOutcome> Gc(mvcc::MvccTxn& txn, mvcc::MvccReader& reader,
                           const Key& key, base::TimeStamp safe_point) {
  auto writes = reader.ScanWrites(key);
  if (!writes.ok()) return base::MakeErr(std::move(writes).error());
  enum class State { kRewind, kRemoveIdempotent, kRemoveAll };
  State state = State::kRewind;
  GcOutcome outcome;
  for (const mvcc::VersionedWrite& version : *writes) {
    if (state == State::kRewind) {
      if (version.commit_ts > safe_point) continue;
      state = State::kRemoveIdempotent;
    }
    if (state == State::kRemoveAll) {
      DeleteVersion(txn, key, version, outcome);
      continue;
    }
    switch (version.write.write_type) {
      case mvcc::WriteType::kLock:
      case mvcc::WriteType::kRollback:
        DeleteVersion(txn, key, version, outcome);
        break;
      case mvcc::WriteType::kPut:
        state = State::kRemoveAll;
        break;
      case mvcc::WriteType::kDelete:
        DeleteVersion(txn, key, version, outcome);
        state = State::kRemoveAll;
        break;
    }
  }
  return outcome;
}

}  // namespace core::txn::actions
