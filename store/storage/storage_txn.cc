// The transactional write commands. Ref: tikv src/storage/txn/commands/
// (prewrite.rs, commit.rs, cleanup.rs, rollback.rs, check_txn_status.rs,
// check_secondary_locks.rs, resolve_lock.rs, txn_heart_beat.rs,
// acquire_pessimistic_lock.rs, pessimistic_rollback.rs).
#include <utility>

#include "core/txn/actions/acquire_pessimistic_lock.h"
#include "core/txn/actions/check_secondary_locks.h"
#include "core/txn/actions/check_txn_status.h"
#include "core/txn/actions/cleanup.h"
#include "core/txn/actions/commit.h"
#include "core/txn/actions/pessimistic_rollback.h"
#include "core/txn/actions/prewrite.h"
#include "core/txn/actions/resolve_lock.h"
#include "core/txn/actions/txn_heart_beat.h"
#include "core/txn/validate.h"
#include "store/storage/storage.h"
#include "store/storage/storage_internal.h"

namespace store::storage {
namespace {

namespace actions = core::txn::actions;
using core::mvcc::Key;
using core::mvcc::MvccReader;
using core::mvcc::MvccTxn;
using internal::KeyErr;
using internal::RunTxnAction;
using Unit = core::base::Unit;

std::optional<core::mvcc::InvalidRequest> ValidatePrewrite(
    const Prewrite& cmd) {
  if (auto bad = core::txn::ValidateStartTs(cmd.start_ts)) return bad;
  if (auto bad = core::txn::ValidateKey(cmd.primary)) return bad;
  for (const actions::Mutation& mutation : cmd.mutations) {
    if (auto bad = core::txn::ValidateKey(mutation.key)) return bad;
    if (auto bad = core::txn::ValidateValue(mutation.value)) return bad;
  }
  if (auto bad = internal::ValidateKeys(cmd.secondary_keys)) return bad;
  if (cmd.use_async_commit && cmd.try_one_pc) {
    // TiKV tries 1PC first when both are set; one commit kind keeps the
    // outcome unambiguous.
    return core::mvcc::InvalidRequest{"use_async_commit with try_one_pc"};
  }
  return std::nullopt;
}

actions::PrewriteRequest ToPrewriteRequest(const Prewrite& cmd) {
  actions::PrewriteRequest request;
  actions::TxnProps& props = request.props;
  props.start_ts = cmd.start_ts;
  props.primary = cmd.primary;
  props.lock_ttl = cmd.lock_ttl;
  props.txn_size = cmd.txn_size;
  props.for_update_ts = cmd.for_update_ts;
  props.min_commit_ts = cmd.min_commit_ts;
  props.max_commit_ts = cmd.max_commit_ts;
  props.commit_kind = cmd.try_one_pc         ? actions::CommitKind::kOnePc
                      : cmd.use_async_commit ? actions::CommitKind::kAsyncCommit
                                             : actions::CommitKind::kTwoPc;
  if (cmd.use_async_commit) props.secondaries = cmd.secondary_keys;
  request.mutations = cmd.mutations;
  request.pessimistic_actions = cmd.pessimistic_actions;
  return request;
}

WriteSpec Latched(std::vector<Bytes> keys, uint64_t extra_bytes = 0) {
  WriteSpec spec;
  spec.write_bytes = internal::KeyBytes(keys) + extra_bytes;
  spec.keys = std::move(keys);
  return spec;
}

}  // namespace

Result<PrewriteResult> Storage::Execute(const Context& ctx,
                                        const Prewrite& cmd) {
  Count(CommandKind::kPrewrite);
  if (auto bad = ValidatePrewrite(cmd)) return KeyErr(*std::move(bad));
  std::vector<Bytes> keys;
  uint64_t value_bytes = 0;
  for (const actions::Mutation& mutation : cmd.mutations) {
    keys.push_back(mutation.key);
    value_bytes += mutation.value.size();
  }
  const actions::PrewriteRequest request = ToPrewriteRequest(cmd);
  return scheduler_.RunWrite<PrewriteResult>(
      ctx, Latched(std::move(keys), value_bytes), [&](WriteScope& scope) {
        return RunTxnAction<PrewriteResult>(
            scope, cmd.start_ts, [&](MvccTxn& txn, MvccReader& reader) {
              return actions::PrewriteKeys(txn, reader, cm_, request);
            });
      });
}

Result<CommitResult> Storage::Execute(const Context& ctx, const Commit& cmd) {
  Count(CommandKind::kCommit);
  if (auto bad = core::txn::ValidateCommitTs(cmd.lock_ts, cmd.commit_ts)) {
    return KeyErr(*std::move(bad));
  }
  if (auto bad = internal::ValidateKeys(cmd.keys)) return KeyErr(*bad);
  return scheduler_.RunWrite<CommitResult>(
      ctx, Latched(cmd.keys), [&](WriteScope& scope) {
        return RunTxnAction<CommitResult>(
            scope, cmd.lock_ts,
            [&](MvccTxn& txn,
                MvccReader& reader) -> core::mvcc::Result<CommitResult> {
              core::mvcc::Outcome committed = actions::CommitKeys(
                  txn, reader, cmd.keys, {cmd.lock_ts, cmd.commit_ts});
              if (!committed.ok()) {
                return core::base::MakeErr(std::move(committed).error());
              }
              return CommitResult{cmd.commit_ts};
            });
      });
}

Outcome Storage::Execute(const Context& ctx, const Cleanup& cmd) {
  Count(CommandKind::kCleanup);
  if (auto bad = core::txn::ValidateStartTs(cmd.start_ts)) {
    return KeyErr(*std::move(bad));
  }
  if (auto bad = core::txn::ValidateKey(cmd.key)) return KeyErr(*bad);
  // A commit must never overwrite the protected rollback written here, so
  // no async commit may pick a commit_ts at or below start_ts from now on
  // (Ref: tikv commands/cleanup.rs).
  cm_.UpdateMaxTs(cmd.start_ts);
  return scheduler_.RunWrite<Unit>(
      ctx, Latched({cmd.key}), [&](WriteScope& scope) {
        return RunTxnAction<Unit>(
            scope, cmd.start_ts, [&](MvccTxn& txn, MvccReader& reader) {
              return actions::Cleanup(
                  txn, reader, Key::FromRaw(cmd.key),
                  {cmd.start_ts, cmd.current_ts, /*protect_rollback=*/true});
            });
      });
}

Outcome Storage::Execute(const Context& ctx, const BatchRollback& cmd) {
  Count(CommandKind::kBatchRollback);
  if (auto bad = core::txn::ValidateStartTs(cmd.start_ts)) {
    return KeyErr(*std::move(bad));
  }
  if (auto bad = internal::ValidateKeys(cmd.keys)) return KeyErr(*bad);
  return scheduler_.RunWrite<Unit>(
      ctx, Latched(cmd.keys), [&](WriteScope& scope) {
        return RunTxnAction<Unit>(scope, cmd.start_ts,
                                  [&](MvccTxn& txn, MvccReader& reader) {
                                    return actions::BatchRollback(
                                        txn, reader, cmd.keys, cmd.start_ts);
                                  });
      });
}

Result<CheckTxnStatusResult> Storage::Execute(const Context& ctx,
                                              const CheckTxnStatus& cmd) {
  Count(CommandKind::kCheckTxnStatus);
  if (auto bad = core::txn::ValidateStartTs(cmd.lock_ts)) {
    return KeyErr(*std::move(bad));
  }
  if (auto bad = core::txn::ValidateKey(cmd.primary_key)) return KeyErr(*bad);
  actions::CheckTxnStatusArgs args;
  args.lock_ts = cmd.lock_ts;
  args.caller_start_ts = cmd.caller_start_ts;
  args.current_ts = cmd.current_ts;
  args.rollback_if_not_exist = cmd.rollback_if_not_exist;
  args.force_sync_commit = cmd.force_sync_commit;
  args.resolving_pessimistic_lock = cmd.resolving_pessimistic_lock;
  args.verify_is_primary = cmd.verify_is_primary;
  return scheduler_.RunWrite<CheckTxnStatusResult>(
      ctx, Latched({cmd.primary_key}), [&](WriteScope& scope) {
        return RunTxnAction<CheckTxnStatusResult>(
            scope, cmd.lock_ts, [&](MvccTxn& txn, MvccReader& reader) {
              return actions::CheckTxnStatus(
                  txn, reader, cm_, Key::FromRaw(cmd.primary_key), args);
            });
      });
}

Result<CheckSecondaryLocksResult> Storage::Execute(
    const Context& ctx, const CheckSecondaryLocks& cmd) {
  Count(CommandKind::kCheckSecondaryLocks);
  if (auto bad = core::txn::ValidateStartTs(cmd.start_ts)) {
    return KeyErr(*std::move(bad));
  }
  if (auto bad = internal::ValidateKeys(cmd.keys)) return KeyErr(*bad);
  // As for Cleanup: the protected rollbacks written here must stay below
  // every later commit (Ref: tikv commands/check_secondary_locks.rs).
  cm_.UpdateMaxTs(cmd.start_ts);
  return scheduler_.RunWrite<CheckSecondaryLocksResult>(
      ctx, Latched(cmd.keys), [&](WriteScope& scope) {
        return RunTxnAction<CheckSecondaryLocksResult>(
            scope, cmd.start_ts, [&](MvccTxn& txn, MvccReader& reader) {
              return actions::CheckSecondaryLocks(txn, reader, cmd.keys,
                                                  cmd.start_ts);
            });
      });
}

Result<TxnHeartBeatResult> Storage::Execute(const Context& ctx,
                                            const TxnHeartBeat& cmd) {
  Count(CommandKind::kTxnHeartBeat);
  if (auto bad = core::txn::ValidateStartTs(cmd.start_ts)) {
    return KeyErr(*std::move(bad));
  }
  if (auto bad = core::txn::ValidateKey(cmd.primary_key)) return KeyErr(*bad);
  return scheduler_.RunWrite<TxnHeartBeatResult>(
      ctx, Latched({cmd.primary_key}), [&](WriteScope& scope) {
        return RunTxnAction<TxnHeartBeatResult>(
            scope, cmd.start_ts,
            [&](MvccTxn& txn,
                MvccReader& reader) -> core::mvcc::Result<TxnHeartBeatResult> {
              auto lock = actions::TxnHeartBeat(
                  txn, reader, Key::FromRaw(cmd.primary_key),
                  {cmd.start_ts, cmd.advise_ttl, cmd.min_commit_ts});
              if (!lock.ok()) {
                return core::base::MakeErr(std::move(lock).error());
              }
              return TxnHeartBeatResult{lock->ttl};
            });
      });
}

Result<AcquirePessimisticLockResult> Storage::Execute(
    const Context& ctx, const AcquirePessimisticLock& cmd) {
  Count(CommandKind::kAcquirePessimisticLock);
  if (auto bad = core::txn::ValidateStartTs(cmd.start_ts)) {
    return KeyErr(*std::move(bad));
  }
  if (auto bad = core::txn::ValidateKey(cmd.primary)) return KeyErr(*bad);
  if (auto bad = internal::ValidateKeys(cmd.keys)) return KeyErr(*bad);
  actions::PessimisticLockArgs args;
  args.primary = cmd.primary;
  args.start_ts = cmd.start_ts;
  args.for_update_ts = cmd.for_update_ts;
  args.lock_ttl = cmd.lock_ttl;
  args.should_not_exist = cmd.should_not_exist;
  args.need_value = cmd.return_values;
  args.min_commit_ts = cmd.min_commit_ts;
  using ResultT = AcquirePessimisticLockResult;
  return scheduler_.RunWrite<ResultT>(
      ctx, Latched(cmd.keys), [&](WriteScope& scope) {
        return RunTxnAction<ResultT>(
            scope, cmd.start_ts,
            [&](MvccTxn& txn,
                MvccReader& reader) -> core::mvcc::Result<ResultT> {
              auto locked =
                  actions::AcquirePessimisticLocks(txn, reader, cmd.keys, args);
              if (!locked.ok()) {
                return core::base::MakeErr(std::move(locked).error());
              }
              ResultT result;
              if (cmd.return_values) {
                for (const auto& outcome : *locked) {
                  result.values.push_back(outcome.value);
                }
              }
              return result;
            });
      });
}

Outcome Storage::Execute(const Context& ctx, const PessimisticRollback& cmd) {
  Count(CommandKind::kPessimisticRollback);
  if (auto bad = core::txn::ValidateStartTs(cmd.start_ts)) {
    return KeyErr(*std::move(bad));
  }
  if (auto bad = internal::ValidateKeys(cmd.keys)) return KeyErr(*bad);
  return scheduler_.RunWrite<Unit>(
      ctx, Latched(cmd.keys), [&](WriteScope& scope) {
        return RunTxnAction<Unit>(
            scope, cmd.start_ts, [&](MvccTxn& txn, MvccReader& reader) {
              return actions::PessimisticRollbackKeys(
                  txn, reader, cmd.keys, {cmd.start_ts, cmd.for_update_ts});
            });
      });
}

}  // namespace store::storage
