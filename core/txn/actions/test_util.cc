#include "core/txn/actions/test_util.h"

#include <gtest/gtest.h>

#include <utility>

#include "core/mvcc/snapshot_read.h"
#include "core/txn/txn_read.h"

namespace core::txn::actions::testing {
namespace {

#define FAIL_AT(loc) ADD_FAILURE_AT((loc).file_name(), (loc).line())

Key K(const std::string& raw) { return Key::FromRaw(raw); }

}  // namespace

mvcc::MvccReader TestEngine::Reader() {
  return mvcc::MvccReader(engine_.NewSnapshot());
}

void TestEngine::Apply(mvcc::MvccTxn& txn) {
  absl::Status status = engine_.Write(txn.ToWriteBatch(), {});
  EXPECT_TRUE(status.ok()) << status;
  ReleaseMemoryLocks(txn, cm_);
}

base::TimeStamp Ts(uint64_t value) { return base::TimeStamp(value); }

Mutation Put(const std::string& key, const std::string& value) {
  return Mutation{MutationOp::kPut, key, value};
}
Mutation Delete(const std::string& key) {
  return Mutation{MutationOp::kDelete, key, ""};
}
Mutation LockKey(const std::string& key) {
  return Mutation{MutationOp::kLock, key, ""};
}
Mutation Insert(const std::string& key, const std::string& value) {
  return Mutation{MutationOp::kInsert, key, value};
}
Mutation CheckNotExists(const std::string& key) {
  return Mutation{MutationOp::kCheckNotExists, key, ""};
}

mvcc::Result<PrewriteResult> TryPrewrite(TestEngine& engine,
                                         const std::vector<Mutation>& mutations,
                                         const std::string& primary,
                                         uint64_t start_ts,
                                         const PrewriteOptions& options) {
  PrewriteRequest request;
  request.props.start_ts = Ts(start_ts);
  request.props.primary = primary;
  request.props.lock_ttl = options.lock_ttl;
  request.props.for_update_ts = options.for_update_ts;
  request.props.min_commit_ts = options.min_commit_ts;
  request.props.max_commit_ts = options.max_commit_ts;
  request.props.commit_kind = options.commit_kind;
  request.props.secondaries = options.secondaries;
  request.props.txn_size = mutations.size();
  request.mutations = mutations;
  if (!options.for_update_ts.IsZero()) {
    request.pessimistic_actions.assign(mutations.size(),
                                       options.pessimistic_action);
  }
  mvcc::MvccReader reader = engine.Reader();
  mvcc::MvccTxn txn(Ts(start_ts));
  auto result = PrewriteKeys(txn, reader, engine.cm(), request);
  if (result.ok() && result->locks.empty()) engine.Apply(txn);
  if (result.ok() && !result->locks.empty()) {
    return base::MakeErr(mvcc::Error(result->locks.front()));
  }
  return result;
}

PrewriteResult MustPrewrite(TestEngine& engine,
                            const std::vector<Mutation>& mutations,
                            const std::string& primary, uint64_t start_ts,
                            const PrewriteOptions& options, Loc loc) {
  auto result = TryPrewrite(engine, mutations, primary, start_ts, options);
  if (!result.ok()) {
    FAIL_AT(loc) << "prewrite failed: " << result.error();
    return {};
  }
  return *result;
}

void MustPrewritePut(TestEngine& engine, const std::string& key,
                     const std::string& value, const std::string& primary,
                     uint64_t start_ts, Loc loc) {
  MustPrewrite(engine, {Put(key, value)}, primary, start_ts, {}, loc);
}

void MustPrewriteDelete(TestEngine& engine, const std::string& key,
                        const std::string& primary, uint64_t start_ts,
                        Loc loc) {
  MustPrewrite(engine, {Delete(key)}, primary, start_ts, {}, loc);
}

void MustPrewriteLock(TestEngine& engine, const std::string& key,
                      const std::string& primary, uint64_t start_ts, Loc loc) {
  MustPrewrite(engine, {LockKey(key)}, primary, start_ts, {}, loc);
}

void MustPessimisticPrewritePut(TestEngine& engine, const std::string& key,
                                const std::string& value,
                                const std::string& primary, uint64_t start_ts,
                                uint64_t for_update_ts,
                                PessimisticAction action, Loc loc) {
  PrewriteOptions options;
  options.for_update_ts = Ts(for_update_ts);
  options.pessimistic_action = action;
  MustPrewrite(engine, {Put(key, value)}, primary, start_ts, options, loc);
}

mvcc::Error MustPrewriteErr(TestEngine& engine, const Mutation& mutation,
                            const std::string& primary, uint64_t start_ts,
                            const PrewriteOptions& options, Loc loc) {
  auto result = TryPrewrite(engine, {mutation}, primary, start_ts, options);
  if (result.ok()) {
    FAIL_AT(loc) << "prewrite of " << mutation.key << " succeeded";
    return mvcc::InvalidRequest{"unexpected success"};
  }
  return result.error();
}

mvcc::Error MustPrewritePutErr(TestEngine& engine, const std::string& key,
                               const std::string& value,
                               const std::string& primary, uint64_t start_ts,
                               Loc loc) {
  return MustPrewriteErr(engine, Put(key, value), primary, start_ts, {}, loc);
}

namespace {

mvcc::Result<CommitOutcome> TryCommit(TestEngine& engine,
                                      const std::string& key, uint64_t start_ts,
                                      uint64_t commit_ts) {
  mvcc::MvccReader reader = engine.Reader();
  mvcc::MvccTxn txn(Ts(start_ts));
  auto outcome =
      Commit(txn, reader, K(key), CommitArgs{Ts(start_ts), Ts(commit_ts)});
  if (outcome.ok()) engine.Apply(txn);
  return outcome;
}

mvcc::Outcome TryCleanup(TestEngine& engine, const std::string& key,
                         const CleanupArgs& args) {
  mvcc::MvccReader reader = engine.Reader();
  mvcc::MvccTxn txn(args.start_ts);
  auto outcome = Cleanup(txn, reader, K(key), args);
  if (outcome.ok()) engine.Apply(txn);
  return outcome;
}

mvcc::Result<PessimisticLockOutcome> TryAcquire(TestEngine& engine,
                                                const std::string& key,
                                                const std::string& primary,
                                                uint64_t start_ts,
                                                uint64_t for_update_ts) {
  mvcc::MvccReader reader = engine.Reader();
  mvcc::MvccTxn txn(Ts(start_ts));
  PessimisticLockArgs args;
  args.primary = primary;
  args.start_ts = Ts(start_ts);
  args.for_update_ts = Ts(for_update_ts);
  args.lock_ttl = 3000;
  auto outcome = AcquirePessimisticLock(txn, reader, K(key), args);
  if (outcome.ok()) engine.Apply(txn);
  return outcome;
}

}  // namespace

void MustCommit(TestEngine& engine, const std::string& key, uint64_t start_ts,
                uint64_t commit_ts, Loc loc) {
  auto outcome = TryCommit(engine, key, start_ts, commit_ts);
  if (!outcome.ok()) FAIL_AT(loc) << "commit failed: " << outcome.error();
}

mvcc::Error MustCommitErr(TestEngine& engine, const std::string& key,
                          uint64_t start_ts, uint64_t commit_ts, Loc loc) {
  auto outcome = TryCommit(engine, key, start_ts, commit_ts);
  if (outcome.ok()) {
    FAIL_AT(loc) << "commit of " << key << " succeeded";
    return mvcc::InvalidRequest{"unexpected success"};
  }
  return outcome.error();
}

void MustRollback(TestEngine& engine, const std::string& key, uint64_t start_ts,
                  Loc loc) {
  mvcc::MvccReader reader = engine.Reader();
  mvcc::MvccTxn txn(Ts(start_ts));
  auto outcome = BatchRollback(txn, reader, {key}, Ts(start_ts));
  if (!outcome.ok()) {
    FAIL_AT(loc) << "rollback failed: " << outcome.error();
    return;
  }
  engine.Apply(txn);
}

mvcc::Error MustRollbackErr(TestEngine& engine, const std::string& key,
                            uint64_t start_ts, Loc loc) {
  mvcc::MvccReader reader = engine.Reader();
  mvcc::MvccTxn txn(Ts(start_ts));
  auto outcome = BatchRollback(txn, reader, {key}, Ts(start_ts));
  if (outcome.ok()) {
    FAIL_AT(loc) << "rollback of " << key << " succeeded";
    return mvcc::InvalidRequest{"unexpected success"};
  }
  return outcome.error();
}

void MustCleanup(TestEngine& engine, const std::string& key, uint64_t start_ts,
                 uint64_t current_ts, Loc loc) {
  auto outcome =
      TryCleanup(engine, key, CleanupArgs{Ts(start_ts), Ts(current_ts), false});
  if (!outcome.ok()) FAIL_AT(loc) << "cleanup failed: " << outcome.error();
}

mvcc::Error MustCleanupErr(TestEngine& engine, const std::string& key,
                           uint64_t start_ts, uint64_t current_ts, Loc loc) {
  auto outcome =
      TryCleanup(engine, key, CleanupArgs{Ts(start_ts), Ts(current_ts), false});
  if (outcome.ok()) {
    FAIL_AT(loc) << "cleanup of " << key << " succeeded";
    return mvcc::InvalidRequest{"unexpected success"};
  }
  return outcome.error();
}

void MustAcquirePessimisticLock(TestEngine& engine, const std::string& key,
                                const std::string& primary, uint64_t start_ts,
                                uint64_t for_update_ts, Loc loc) {
  auto outcome = TryAcquire(engine, key, primary, start_ts, for_update_ts);
  if (!outcome.ok()) {
    FAIL_AT(loc) << "pessimistic lock failed: " << outcome.error();
  }
}

mvcc::Error MustAcquirePessimisticLockErr(TestEngine& engine,
                                          const std::string& key,
                                          const std::string& primary,
                                          uint64_t start_ts,
                                          uint64_t for_update_ts, Loc loc) {
  auto outcome = TryAcquire(engine, key, primary, start_ts, for_update_ts);
  if (outcome.ok()) {
    FAIL_AT(loc) << "pessimistic lock of " << key << " succeeded";
    return mvcc::InvalidRequest{"unexpected success"};
  }
  return outcome.error();
}

void MustPessimisticRollback(TestEngine& engine, const std::string& key,
                             uint64_t start_ts, uint64_t for_update_ts,
                             Loc loc) {
  mvcc::MvccReader reader = engine.Reader();
  mvcc::MvccTxn txn(Ts(start_ts));
  auto outcome = PessimisticRollbackKeys(
      txn, reader, {key},
      PessimisticRollbackArgs{Ts(start_ts), Ts(for_update_ts)});
  if (!outcome.ok()) {
    FAIL_AT(loc) << "pessimistic rollback failed: " << outcome.error();
    return;
  }
  engine.Apply(txn);
}

mvcc::Result<TxnStatus> TryCheckTxnStatus(TestEngine& engine,
                                          const std::string& primary,
                                          const CheckTxnStatusArgs& args) {
  mvcc::MvccReader reader = engine.Reader();
  mvcc::MvccTxn txn(args.lock_ts);
  auto status = CheckTxnStatus(txn, reader, engine.cm(), K(primary), args);
  if (status.ok()) engine.Apply(txn);
  return status;
}

Lock MustLocked(TestEngine& engine, const std::string& key, uint64_t start_ts,
                Loc loc) {
  mvcc::MvccReader reader = engine.Reader();
  auto lock = reader.LoadLock(K(key));
  if (!lock.ok() || !lock->has_value()) {
    FAIL_AT(loc) << "no lock on " << key;
    return Lock{};
  }
  if ((*lock)->ts != Ts(start_ts)) {
    FAIL_AT(loc) << "lock on " << key << " is " << **lock << ", want ts "
                 << start_ts;
  }
  return **lock;
}

void MustUnlocked(TestEngine& engine, const std::string& key, Loc loc) {
  mvcc::MvccReader reader = engine.Reader();
  auto lock = reader.LoadLock(K(key));
  if (!lock.ok() || lock->has_value()) {
    FAIL_AT(loc) << "key " << key << " is locked: "
                 << (lock.ok() ? ::testing::PrintToString(**lock)
                               : mvcc::ErrorToString(lock.error()));
  }
}

mvcc::Write MustWritten(TestEngine& engine, const std::string& key,
                        uint64_t start_ts, uint64_t commit_ts,
                        mvcc::WriteType type, Loc loc) {
  mvcc::MvccReader reader = engine.Reader();
  auto found = reader.SeekWrite(K(key), Ts(commit_ts));
  if (!found.ok() || !found->has_value() ||
      (*found)->commit_ts != Ts(commit_ts)) {
    FAIL_AT(loc) << "no write record on " << key << " at " << commit_ts;
    return mvcc::Write{};
  }
  const mvcc::Write& write = (*found)->write;
  if (write.start_ts != Ts(start_ts) || write.write_type != type) {
    FAIL_AT(loc) << "write on " << key << " at " << commit_ts << " is "
                 << write;
  }
  return write;
}

void MustNotWritten(TestEngine& engine, const std::string& key,
                    uint64_t commit_ts, Loc loc) {
  mvcc::MvccReader reader = engine.Reader();
  auto found = reader.SeekWrite(K(key), Ts(commit_ts));
  if (found.ok() && found->has_value() &&
      (*found)->commit_ts == Ts(commit_ts)) {
    FAIL_AT(loc) << "unexpected write on " << key << " at " << commit_ts << ": "
                 << (*found)->write;
  }
}

void MustHaveRollback(TestEngine& engine, const std::string& key,
                      uint64_t start_ts, bool is_protected, Loc loc) {
  mvcc::Write write = MustWritten(engine, key, start_ts, start_ts,
                                  mvcc::WriteType::kRollback, loc);
  if (write.IsProtectedRollback() != is_protected) {
    FAIL_AT(loc) << "rollback of " << start_ts << " on " << key
                 << (is_protected ? " is not protected" : " is protected");
  }
}

uint64_t MustGetCommitTs(TestEngine& engine, const std::string& key,
                         uint64_t start_ts, Loc loc) {
  mvcc::MvccReader reader = engine.Reader();
  auto record = reader.GetTxnCommitRecord(K(key), Ts(start_ts));
  if (!record.ok() || !record->IsCommitted()) {
    FAIL_AT(loc) << "txn " << start_ts << " is not committed on " << key;
    return 0;
  }
  return record->commit_ts.value();
}

namespace {

mvcc::Result<std::optional<mvcc::ValueAtTs>> TryGet(TestEngine& engine,
                                                    const std::string& key,
                                                    uint64_t ts) {
  mvcc::MvccReader reader = engine.Reader();
  return TxnGet(engine.cm(), reader, key, Ts(ts), mvcc::ReadOptions{});
}

}  // namespace

void MustGet(TestEngine& engine, const std::string& key, uint64_t ts,
             const std::string& expected, Loc loc) {
  auto value = TryGet(engine, key, ts);
  if (!value.ok()) {
    FAIL_AT(loc) << "get " << key << "@" << ts << " failed: " << value.error();
  } else if (!value->has_value()) {
    FAIL_AT(loc) << "get " << key << "@" << ts << " found nothing";
  } else if ((*value)->value != expected) {
    FAIL_AT(loc) << "get " << key << "@" << ts << " = " << (*value)->value
                 << ", want " << expected;
  }
}

void MustGetNone(TestEngine& engine, const std::string& key, uint64_t ts,
                 Loc loc) {
  auto value = TryGet(engine, key, ts);
  if (!value.ok()) {
    FAIL_AT(loc) << "get " << key << "@" << ts << " failed: " << value.error();
  } else if (value->has_value()) {
    FAIL_AT(loc) << "get " << key << "@" << ts << " = " << (*value)->value;
  }
}

mvcc::Error MustGetErr(TestEngine& engine, const std::string& key, uint64_t ts,
                       Loc loc) {
  auto value = TryGet(engine, key, ts);
  if (value.ok()) {
    FAIL_AT(loc) << "get " << key << "@" << ts << " succeeded";
    return mvcc::InvalidRequest{"unexpected success"};
  }
  return value.error();
}

}  // namespace core::txn::actions::testing
