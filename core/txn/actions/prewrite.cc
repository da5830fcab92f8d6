#include "core/txn/actions/prewrite.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "core/base/check.h"
#include "core/base/mutant.h"
#include "core/txn/validate.h"

namespace core::txn::actions {
namespace {

using mvcc::Error;
using mvcc::WriteConflictReason;

enum class LockStatus { kNone, kOwnPessimistic, kOwnPrewritten };

mvcc::Result<LockStatus> CheckExistingLock(const std::optional<Lock>& lock,
                                           const TxnProps& props,
                                           BytesView raw_key) {
  if (!lock.has_value()) return LockStatus::kNone;
  if (lock->ts != props.start_ts) {
    return base::MakeErr(Error(mvcc::KeyIsLocked{lock->ToLockInfo(raw_key)}));
  }
  if (!lock->IsPessimisticLock()) return LockStatus::kOwnPrewritten;
  if (!props.IsPessimistic()) {
    return base::MakeErr(
        Error(mvcc::LockTypeNotMatch{props.start_ts, Bytes(raw_key), true}));
  }
  return LockStatus::kOwnPessimistic;
}

base::Err<Error> Conflict(const TxnProps& props, BytesView raw_key,
                          const mvcc::VersionedWrite& version,
                          WriteConflictReason reason) {
  return base::MakeErr(Error(mvcc::WriteConflict{
      props.start_ts, version.write.start_ts, version.commit_ts, Bytes(raw_key),
      props.primary, reason}));
}

// Step 2 of the contract in prewrite.h. Returns the commit_ts of this
// transaction's own commit record when the key is already committed.
mvcc::Result<std::optional<base::TimeStamp>> CheckForNewerVersion(
    mvcc::MvccReader& reader, const Key& key, BytesView raw_key,
    const TxnProps& props, PessimisticAction action) {
  base::TimeStamp seek_ts = base::TimeStamp::Max();
  while (true) {
    auto found = reader.SeekWrite(key, seek_ts);
    if (!found.ok()) return base::MakeErr(std::move(found).error());
    if (!found->has_value() || (*found)->commit_ts < props.start_ts) break;
    const mvcc::VersionedWrite& version = **found;
    const bool rollback =
        version.write.write_type == mvcc::WriteType::kRollback;
    if (version.commit_ts == props.start_ts &&
        (rollback || version.write.has_overlapped_rollback)) {
      return Conflict(props, raw_key, version,
                      WriteConflictReason::kSelfRolledBack);
    }
    if (version.write.start_ts == props.start_ts && !rollback) {
      return std::optional<base::TimeStamp>(version.commit_ts);
    }
    if (version.commit_ts == props.start_ts) break;
    if (!props.IsPessimistic()) {
      return Conflict(props, raw_key, version,
                      WriteConflictReason::kOptimistic);
    }
    if (action == PessimisticAction::kDoConstraintCheck) {
      return Conflict(props, raw_key, version,
                      WriteConflictReason::kLazyUniquenessCheck);
    }
    if (version.commit_ts > props.for_update_ts && !rollback) {
      return base::MakeErr(
          Error(mvcc::PessimisticLockNotFound{props.start_ts, Bytes(raw_key)}));
    }
    seek_ts = version.commit_ts.Prev();
  }
  return std::optional<base::TimeStamp>();
}

mvcc::Outcome CheckNotExists(mvcc::MvccReader& reader, const Key& key,
                             BytesView raw_key) {
  auto latest = reader.GetWrite(key, base::TimeStamp::Max());
  if (!latest.ok()) return base::MakeErr(std::move(latest).error());
  if (latest->has_value()) {
    return base::MakeErr(Error(mvcc::AlreadyExist{Bytes(raw_key)}));
  }
  return base::Unit{};
}

mvcc::LockType LockTypeOf(MutationOp op) {
  switch (op) {
    case MutationOp::kPut:
    case MutationOp::kInsert:
      return mvcc::LockType::kPut;
    case MutationOp::kDelete:
      return mvcc::LockType::kDelete;
    case MutationOp::kLock:
      return mvcc::LockType::kLock;
    case MutationOp::kCheckNotExists:
      break;
  }
  UNREACHABLE() << "CheckNotExists writes no lock";
  return mvcc::LockType::kLock;
}

Lock BuildLock(mvcc::MvccTxn& txn, const Key& key, const TxnProps& props,
               const Mutation& mutation) {
  Lock lock;
  lock.lock_type = LockTypeOf(mutation.op);
  lock.primary = props.primary;
  lock.ts = props.start_ts;
  lock.ttl = props.lock_ttl;
  lock.for_update_ts = props.for_update_ts;
  lock.txn_size = props.txn_size;
  lock.min_commit_ts = props.min_commit_ts;
  if (lock.lock_type == mvcc::LockType::kPut) {
    if (mutation.value.size() <= mvcc::kShortValueMaxLen) {
      lock.short_value = mutation.value;
    } else {
      txn.PutValue(key, props.start_ts, mutation.value);
    }
  }
  if (props.commit_kind == CommitKind::kAsyncCommit) {
    lock.use_async_commit = true;
    if (mutation.key == props.primary) lock.secondaries = props.secondaries;
  }
  return lock;
}

// Places the lock in the memory table, then derives min_commit_ts from
// max_ts (Invariant AsyncCommitTsAboveReads). Ref: tikv prewrite.rs
// async_commit_timestamps.
mvcc::Result<base::TimeStamp> AsyncCommitTimestamps(mvcc::MvccTxn& txn,
                                                    ConcurrencyManager& cm,
                                                    const Key& key, Lock& lock,
                                                    const TxnProps& props) {
  cm.LockKey(key, lock);
  txn.memory_locked_keys().push_back(key);
  base::TimeStamp max_ts = cm.max_ts();
  if (MUTANT(TXN_ASYNC_MIN_COMMIT_TS_NOT_ABOVE_MAX_TS)) {
    // Known bug: ignores the reads this store has served.
    max_ts = base::TimeStamp::Zero();
  }
  base::TimeStamp min_commit_ts =
      std::max({max_ts, props.start_ts, props.for_update_ts}).Next();
  min_commit_ts = std::max(min_commit_ts, lock.min_commit_ts);
  if (!props.max_commit_ts.IsZero() && min_commit_ts > props.max_commit_ts) {
    return base::MakeErr(Error(mvcc::CommitTsTooLarge{
        props.start_ts, min_commit_ts, props.max_commit_ts}));
  }
  lock.min_commit_ts = min_commit_ts;
  cm.LockKey(key, lock);
  return min_commit_ts;
}

std::optional<mvcc::InvalidRequest> ValidateMutation(const TxnProps& props,
                                                     const Mutation& mutation,
                                                     PessimisticAction action) {
  if (auto bad = ValidateStartTs(props.start_ts)) return bad;
  if (auto bad = ValidateKey(mutation.key)) return bad;
  if (auto bad = ValidateKey(props.primary)) return bad;
  if (auto bad = ValidateValue(mutation.value)) return bad;
  if (!props.IsPessimistic() &&
      action != PessimisticAction::kSkipPessimisticCheck) {
    return mvcc::InvalidRequest{"pessimistic action in an optimistic txn"};
  }
  if (props.IsPessimistic() && props.for_update_ts < props.start_ts) {
    return mvcc::InvalidRequest{"for_update_ts below start_ts"};
  }
  return std::nullopt;
}

}  // namespace

mvcc::Result<PrewriteOutcome> Prewrite(mvcc::MvccTxn& txn,
                                       mvcc::MvccReader& reader,
                                       ConcurrencyManager& cm,
                                       const TxnProps& props,
                                       const Mutation& mutation,
                                       PessimisticAction pessimistic_action) {
  if (auto bad = ValidateMutation(props, mutation, pessimistic_action)) {
    return base::MakeErr(Error(*bad));
  }
  const Key key = Key::FromRaw(mutation.key);
  auto existing = reader.LoadLock(key);
  if (!existing.ok()) return base::MakeErr(std::move(existing).error());
  auto status = CheckExistingLock(*existing, props, mutation.key);
  if (!status.ok()) return base::MakeErr(std::move(status).error());
  if (*status == LockStatus::kOwnPrewritten) {
    return PrewriteOutcome{(*existing)->min_commit_ts, false};
  }
  const bool holds_pessimistic_lock = *status == LockStatus::kOwnPessimistic;
  if (!holds_pessimistic_lock) {
    auto committed = CheckForNewerVersion(reader, key, mutation.key, props,
                                          pessimistic_action);
    if (!committed.ok()) return base::MakeErr(std::move(committed).error());
    if (committed->has_value()) return PrewriteOutcome{**committed, true};
  }
  const bool constraint_checked =
      holds_pessimistic_lock &&
      pessimistic_action == PessimisticAction::kDoPessimisticCheck;
  if ((mutation.op == MutationOp::kInsert ||
       mutation.op == MutationOp::kCheckNotExists) &&
      !constraint_checked) {
    mvcc::Outcome absent = CheckNotExists(reader, key, mutation.key);
    if (!absent.ok()) return base::MakeErr(std::move(absent).error());
  }
  if (mutation.op == MutationOp::kCheckNotExists) return PrewriteOutcome{};
  Lock lock = BuildLock(txn, key, props, mutation);
  if (holds_pessimistic_lock) lock.rollback_ts = (*existing)->rollback_ts;
  PrewriteOutcome outcome;
  if (props.commit_kind != CommitKind::kTwoPc) {
    auto min_commit_ts = AsyncCommitTimestamps(txn, cm, key, lock, props);
    if (!min_commit_ts.ok())
      return base::MakeErr(std::move(min_commit_ts).error());
    outcome.min_commit_ts = *min_commit_ts;
  }
  if (props.commit_kind == CommitKind::kOnePc) {
    txn.locks_for_1pc().push_back(
        mvcc::OnePcLock{key, lock, holds_pessimistic_lock});
  } else {
    txn.PutLock(key, lock);
  }
  return outcome;
}

void ReleaseMemoryLocks(mvcc::MvccTxn& txn, ConcurrencyManager& cm) {
  for (const Key& key : txn.memory_locked_keys()) cm.ReleaseKey(key);
  txn.memory_locked_keys().clear();
}

namespace {

// Turns the 1PC locks into write records at commit_ts.
// Ref: tikv commands/prewrite.rs handle_1pc_locks.
void HandleOnePcLocks(mvcc::MvccTxn& txn, base::TimeStamp commit_ts) {
  for (const mvcc::OnePcLock& entry : txn.locks_for_1pc()) {
    mvcc::Write write;
    write.write_type = mvcc::WriteTypeFromLockType(entry.lock.lock_type);
    write.start_ts = entry.lock.ts;
    write.short_value = entry.lock.short_value;
    txn.PutWrite(entry.key, commit_ts, write);
    if (entry.delete_pessimistic_lock) {
      txn.UnlockKey(entry.key, entry.lock.ts, /*pessimistic=*/true);
    }
  }
  txn.locks_for_1pc().clear();
}

struct Attempt {
  std::vector<mvcc::KeyIsLocked> locks;
  base::TimeStamp max_min_commit_ts;
};

// One pass over the mutations. KeyIsLocked is collected; any other error
// (including CommitTsTooLarge) ends the pass.
mvcc::Result<Attempt> PrewriteAll(mvcc::MvccTxn& txn, mvcc::MvccReader& reader,
                                  ConcurrencyManager& cm,
                                  const PrewriteRequest& request,
                                  const TxnProps& props) {
  Attempt attempt;
  for (size_t i = 0; i < request.mutations.size(); ++i) {
    const PessimisticAction action =
        request.pessimistic_actions.empty()
            ? PessimisticAction::kSkipPessimisticCheck
            : request.pessimistic_actions[i];
    auto outcome =
        Prewrite(txn, reader, cm, props, request.mutations[i], action);
    if (!outcome.ok()) {
      if (auto* locked = std::get_if<mvcc::KeyIsLocked>(&outcome.error())) {
        attempt.locks.push_back(*locked);
        continue;
      }
      return base::MakeErr(std::move(outcome).error());
    }
    attempt.max_min_commit_ts =
        std::max(attempt.max_min_commit_ts, outcome->min_commit_ts);
  }
  return attempt;
}

}  // namespace

mvcc::Result<PrewriteResult> PrewriteKeys(mvcc::MvccTxn& txn,
                                          mvcc::MvccReader& reader,
                                          ConcurrencyManager& cm,
                                          const PrewriteRequest& request) {
  if (!request.pessimistic_actions.empty() &&
      request.pessimistic_actions.size() != request.mutations.size()) {
    return mvcc::InvalidRequestErr("pessimistic_actions size mismatch");
  }
  TxnProps props = request.props;
  mvcc::MvccTxn attempt_txn(props.start_ts);
  auto attempt = PrewriteAll(attempt_txn, reader, cm, request, props);
  if (!attempt.ok() &&
      std::holds_alternative<mvcc::CommitTsTooLarge>(attempt.error())) {
    // Fall back to 2PC (tikv commands/prewrite.rs): drop the memory locks and
    // every modification, then prewrite again without async commit / 1PC.
    ReleaseMemoryLocks(attempt_txn, cm);
    props.commit_kind = CommitKind::kTwoPc;
    props.secondaries.clear();
    attempt_txn = mvcc::MvccTxn(props.start_ts);
    attempt = PrewriteAll(attempt_txn, reader, cm, request, props);
  }
  if (!attempt.ok() || !attempt->locks.empty()) {
    ReleaseMemoryLocks(attempt_txn, cm);
    if (!attempt.ok()) return base::MakeErr(std::move(attempt).error());
    return PrewriteResult{std::move(attempt->locks), {}, {}};
  }
  PrewriteResult result;
  if (props.commit_kind == CommitKind::kAsyncCommit) {
    result.min_commit_ts = attempt->max_min_commit_ts;
  } else if (props.commit_kind == CommitKind::kOnePc) {
    result.one_pc_commit_ts = attempt->max_min_commit_ts;
    HandleOnePcLocks(attempt_txn, result.one_pc_commit_ts);
  }
  txn.Absorb(std::move(attempt_txn));
  return result;
}

}  // namespace core::txn::actions
