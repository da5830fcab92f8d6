#include "core/txn/actions/acquire_pessimistic_lock.h"

#include <algorithm>
#include <set>
#include <utility>

#include "core/txn/validate.h"

namespace core::txn::actions {
namespace {

using mvcc::Error;

std::optional<mvcc::InvalidRequest> ValidateArgs(
    const Key& key, BytesView raw_key, const PessimisticLockArgs& args) {
  if (auto bad = ValidateStartTs(args.start_ts)) return bad;
  if (auto bad = ValidateKey(raw_key)) return bad;
  if (auto bad = ValidateKey(args.primary)) return bad;
  if (args.for_update_ts < args.start_ts) {
    return mvcc::InvalidRequest{"for_update_ts below start_ts"};
  }
  return std::nullopt;
}

base::Err<Error> Conflict(const PessimisticLockArgs& args, BytesView raw_key,
                          const mvcc::VersionedWrite& version,
                          mvcc::WriteConflictReason reason) {
  return base::MakeErr(Error(mvcc::WriteConflict{
      args.start_ts, version.write.start_ts, version.commit_ts, Bytes(raw_key),
      args.primary, reason}));
}

// The write-CF checks for a key without our lock.
mvcc::Outcome CheckWrites(mvcc::MvccReader& reader, const Key& key,
                          BytesView raw_key, const PessimisticLockArgs& args) {
  auto latest = reader.SeekWrite(key, base::TimeStamp::Max());
  if (!latest.ok()) return base::MakeErr(std::move(latest).error());
  if (!latest->has_value()) return base::Unit{};
  const mvcc::VersionedWrite& newest = **latest;
  if (newest.commit_ts > args.for_update_ts) {
    return Conflict(args, raw_key, newest,
                    mvcc::WriteConflictReason::kPessimisticRetry);
  }
  auto is_self_rollback = [&](const mvcc::VersionedWrite& version) {
    return version.commit_ts == args.start_ts &&
           (version.write.write_type == mvcc::WriteType::kRollback ||
            version.write.has_overlapped_rollback);
  };
  if (is_self_rollback(newest)) {
    return Conflict(args, raw_key, newest,
                    mvcc::WriteConflictReason::kSelfRolledBack);
  }
  if (newest.commit_ts > args.start_ts) {
    auto older = reader.SeekWrite(key, args.start_ts);
    if (!older.ok()) return base::MakeErr(std::move(older).error());
    if (older->has_value() && is_self_rollback(**older)) {
      return Conflict(args, raw_key, **older,
                      mvcc::WriteConflictReason::kSelfRolledBack);
    }
  }
  return base::Unit{};
}

mvcc::Result<PessimisticLockOutcome> ReadValue(
    mvcc::MvccReader& reader, const Key& key, const PessimisticLockArgs& args) {
  PessimisticLockOutcome outcome;
  if (!args.need_value && !args.should_not_exist) return outcome;
  auto write = reader.GetWrite(key, base::TimeStamp::Max());
  if (!write.ok()) return base::MakeErr(std::move(write).error());
  if (!write->has_value()) return outcome;
  if (args.should_not_exist) {
    auto raw = key.ToRaw();
    if (!raw.ok()) return mvcc::StorageErr(raw.status());
    return base::MakeErr(Error(mvcc::AlreadyExist{*raw}));
  }
  auto value = reader.LoadData(key, (*write)->write);
  if (!value.ok()) return base::MakeErr(std::move(value).error());
  outcome.value = std::move(value).value();
  return outcome;
}

}  // namespace

mvcc::Result<PessimisticLockOutcome> AcquirePessimisticLock(
    mvcc::MvccTxn& txn, mvcc::MvccReader& reader, const Key& key,
    const PessimisticLockArgs& args) {
  auto raw_key = key.ToRaw();
  if (!raw_key.ok()) return mvcc::StorageErr(raw_key.status());
  if (auto bad = ValidateArgs(key, *raw_key, args)) {
    return base::MakeErr(Error(*bad));
  }
  auto lock = reader.LoadLock(key);
  if (!lock.ok()) return base::MakeErr(std::move(lock).error());
  if (lock->has_value()) {
    const Lock& existing = **lock;
    if (existing.ts != args.start_ts) {
      return base::MakeErr(
          Error(mvcc::KeyIsLocked{existing.ToLockInfo(*raw_key)}));
    }
    if (!existing.IsPessimisticLock()) {
      return base::MakeErr(
          Error(mvcc::LockTypeNotMatch{args.start_ts, *raw_key, false}));
    }
    // Holding the lock, nobody else could have written the key since.
    if (existing.for_update_ts < args.for_update_ts) {
      Lock raised = existing;
      raised.for_update_ts = args.for_update_ts;
      raised.ttl = std::max(raised.ttl, args.lock_ttl);
      txn.PutLock(key, raised);
    }
    PessimisticLockArgs read_args = args;
    read_args.should_not_exist = false;  // checked when the lock was taken
    return ReadValue(reader, key, read_args);
  }
  mvcc::Outcome writes = CheckWrites(reader, key, *raw_key, args);
  if (!writes.ok()) return base::MakeErr(std::move(writes).error());
  auto outcome = ReadValue(reader, key, args);
  if (!outcome.ok()) return outcome;
  Lock pessimistic;
  pessimistic.lock_type = mvcc::LockType::kPessimistic;
  pessimistic.primary = args.primary;
  pessimistic.ts = args.start_ts;
  pessimistic.ttl = args.lock_ttl;
  pessimistic.for_update_ts = args.for_update_ts;
  pessimistic.min_commit_ts = args.min_commit_ts;
  txn.PutLock(key, pessimistic);
  return outcome;
}

mvcc::Result<std::vector<PessimisticLockOutcome>> AcquirePessimisticLocks(
    mvcc::MvccTxn& txn, mvcc::MvccReader& reader,
    const std::vector<Bytes>& raw_keys, const PessimisticLockArgs& args) {
  mvcc::MvccTxn attempt(txn.start_ts());
  std::vector<PessimisticLockOutcome> outcomes;
  std::set<Bytes> seen;
  for (const Bytes& raw : raw_keys) {
    if (auto bad = ValidateKey(raw)) return base::MakeErr(Error(*bad));
    if (!seen.insert(raw).second) continue;
    auto outcome =
        AcquirePessimisticLock(attempt, reader, Key::FromRaw(raw), args);
    if (!outcome.ok()) return base::MakeErr(std::move(outcome).error());
    outcomes.push_back(std::move(outcome).value());
  }
  txn.Absorb(std::move(attempt));
  return outcomes;
}

}  // namespace core::txn::actions
