#include "store/server/kv_convert.h"

#include <utility>

#include "core/region/metapb_convert.h"

namespace store::server {
namespace {

using core::base::MakeErr;
using core::base::TimeStamp;
using core::mvcc::InvalidRequest;
namespace actions = core::txn::actions;

kvrpcpb::Op LockOpOf(core::mvcc::LockType type) {
  switch (type) {
    case core::mvcc::LockType::kPut:
      return kvrpcpb::Put;
    case core::mvcc::LockType::kDelete:
      return kvrpcpb::Del;
    case core::mvcc::LockType::kLock:
      return kvrpcpb::Lock;
    case core::mvcc::LockType::kPessimistic:
      return kvrpcpb::PessimisticLock;
  }
  return kvrpcpb::Put;
}

kvrpcpb::WriteConflict_Reason ReasonOf(core::mvcc::WriteConflictReason r) {
  using R = core::mvcc::WriteConflictReason;
  switch (r) {
    case R::kOptimistic:
      return kvrpcpb::WriteConflict::Optimistic;
    case R::kPessimisticRetry:
      return kvrpcpb::WriteConflict::PessimisticRetry;
    case R::kSelfRolledBack:
      return kvrpcpb::WriteConflict::SelfRolledBack;
    case R::kRcCheckTs:
      return kvrpcpb::WriteConflict::RcCheckTs;
    case R::kLazyUniquenessCheck:
      return kvrpcpb::WriteConflict::LazyUniquenessCheck;
    case R::kNotLockedKeyConflict:
      return kvrpcpb::WriteConflict::Unknown;
  }
  return kvrpcpb::WriteConflict::Unknown;
}

struct KeyErrorVisitor {
  kvrpcpb::KeyError& out;
  void operator()(const core::mvcc::KeyIsLocked& e) {
    *out.mutable_locked() = LockInfoOf(e.info);
  }
  void operator()(const core::mvcc::WriteConflict& e) {
    kvrpcpb::WriteConflict* c = out.mutable_conflict();
    c->set_start_ts(e.start_ts.value());
    c->set_conflict_ts(e.conflict_start_ts.value());
    c->set_conflict_commit_ts(e.conflict_commit_ts.value());
    c->set_key(e.key);
    c->set_primary(e.primary);
    c->set_reason(ReasonOf(e.reason));
  }
  void operator()(const core::mvcc::AlreadyExist& e) {
    out.mutable_already_exist()->set_key(e.key);
  }
  void operator()(const core::mvcc::CommitTsExpired& e) {
    kvrpcpb::CommitTsExpired* c = out.mutable_commit_ts_expired();
    c->set_start_ts(e.start_ts.value());
    c->set_attempted_commit_ts(e.commit_ts.value());
    c->set_key(e.key);
    c->set_min_commit_ts(e.min_commit_ts.value());
  }
  void operator()(const core::mvcc::CommitTsTooLarge& e) {
    out.mutable_commit_ts_too_large()->set_commit_ts(e.min_commit_ts.value());
  }
  void operator()(const core::mvcc::TxnNotFound& e) {
    out.mutable_txn_not_found()->set_start_ts(e.start_ts.value());
    out.mutable_txn_not_found()->set_primary_key(e.key);
  }
  void operator()(const core::mvcc::PrimaryMismatch& e) {
    out.set_abort("primary mismatch: " + core::mvcc::ErrorToString(e));
  }
  // TxnLockNotFound, Committed, PessimisticLockNotFound, LockTypeNotMatch,
  // InvalidRequest, StorageError: TiKV's Error::Other, as `abort` (the
  // client gives the transaction up).
  template <typename E>
  void operator()(const E& e) {
    out.set_abort(core::mvcc::ErrorToString(core::mvcc::Error(e)));
  }
};

actions::MutationOp MutationOpOf(kvrpcpb::Op op, bool* ok) {
  *ok = true;
  switch (op) {
    case kvrpcpb::Put:
      return actions::MutationOp::kPut;
    case kvrpcpb::Del:
      return actions::MutationOp::kDelete;
    case kvrpcpb::Lock:
      return actions::MutationOp::kLock;
    case kvrpcpb::Insert:
      return actions::MutationOp::kInsert;
    case kvrpcpb::CheckNotExists:
      return actions::MutationOp::kCheckNotExists;
    default:
      *ok = false;
      return actions::MutationOp::kPut;
  }
}

actions::PessimisticAction PessimisticActionOf(
    kvrpcpb::PrewriteRequest::PessimisticAction action) {
  switch (action) {
    case kvrpcpb::PrewriteRequest::DO_PESSIMISTIC_CHECK:
      return actions::PessimisticAction::kDoPessimisticCheck;
    case kvrpcpb::PrewriteRequest::DO_CONSTRAINT_CHECK:
      return actions::PessimisticAction::kDoConstraintCheck;
    default:
      return actions::PessimisticAction::kSkipPessimisticCheck;
  }
}

}  // namespace

core::base::Result<storage::Context, InvalidRequest> ContextOf(
    const kvrpcpb::Context& context) {
  if (context.api_version() != kvrpcpb::V1 &&
      context.api_version() != kvrpcpb::V1TTL) {
    return MakeErr(InvalidRequest{"api version " +
                                  std::to_string(context.api_version()) +
                                  " is not served (this store speaks API V1)"});
  }
  storage::Context out;
  out.route.region_id = context.region_id();
  out.route.region_epoch = core::region::FromMetapb(context.region_epoch());
  out.route.peer.id = context.peer().id();
  out.route.peer.store_id = context.peer().store_id();
  out.isolation_level = context.isolation_level() == kvrpcpb::RC
                            ? core::mvcc::IsolationLevel::kRc
                            : core::mvcc::IsolationLevel::kSi;
  for (uint64_t ts : context.resolved_locks()) {
    out.resolved_locks.insert(TimeStamp(ts));
  }
  out.replica_read = context.replica_read();
  out.stale_read = context.stale_read();
  return out;
}

std::optional<core::env::Cf> RawCfOf(const std::string& name) {
  if (name.empty() || name == "default") return core::env::Cf::kDefault;
  if (name == "lock") return core::env::Cf::kLock;
  if (name == "write") return core::env::Cf::kWrite;
  return std::nullopt;
}

kvrpcpb::LockInfo LockInfoOf(const core::mvcc::LockInfo& info) {
  kvrpcpb::LockInfo out;
  out.set_primary_lock(info.primary_lock);
  out.set_lock_version(info.lock_version.value());
  out.set_key(info.key);
  out.set_lock_ttl(info.lock_ttl);
  out.set_txn_size(info.txn_size);
  out.set_lock_type(LockOpOf(info.lock_type));
  out.set_lock_for_update_ts(info.lock_for_update_ts.value());
  out.set_use_async_commit(info.use_async_commit);
  out.set_min_commit_ts(info.min_commit_ts.value());
  for (const auto& key : info.secondaries) out.add_secondaries(key);
  return out;
}

kvrpcpb::KeyError KeyErrorOf(const core::mvcc::Error& error) {
  kvrpcpb::KeyError out;
  std::visit(KeyErrorVisitor{out}, error);
  return out;
}

std::string RawErrorOf(const core::mvcc::Error& error) {
  return core::mvcc::ErrorToString(error);
}

core::base::Result<storage::Prewrite, InvalidRequest> PrewriteOf(
    const kvrpcpb::PrewriteRequest& request) {
  storage::Prewrite out;
  for (const kvrpcpb::Mutation& m : request.mutations()) {
    bool ok = false;
    actions::MutationOp op = MutationOpOf(m.op(), &ok);
    if (!ok) {
      return MakeErr(InvalidRequest{"prewrite of an unsupported op " +
                                    std::to_string(m.op())});
    }
    out.mutations.push_back({op, m.key(), m.value()});
  }
  out.primary = request.primary_lock();
  out.start_ts = TimeStamp(request.start_version());
  out.lock_ttl = request.lock_ttl();
  out.txn_size = request.txn_size();
  out.for_update_ts = TimeStamp(request.for_update_ts());
  for (int action : request.pessimistic_actions()) {
    out.pessimistic_actions.push_back(PessimisticActionOf(
        static_cast<kvrpcpb::PrewriteRequest::PessimisticAction>(action)));
  }
  out.min_commit_ts = TimeStamp(request.min_commit_ts());
  out.max_commit_ts = TimeStamp(request.max_commit_ts());
  out.use_async_commit = request.use_async_commit();
  for (const auto& key : request.secondaries()) {
    out.secondary_keys.push_back(key);
  }
  out.try_one_pc = request.try_one_pc();
  return out;
}

storage::CheckTxnStatus CheckTxnStatusOf(
    const kvrpcpb::CheckTxnStatusRequest& request) {
  storage::CheckTxnStatus out;
  out.primary_key = request.primary_key();
  out.lock_ts = TimeStamp(request.lock_ts());
  out.caller_start_ts = TimeStamp(request.caller_start_ts());
  out.current_ts = TimeStamp(request.current_ts());
  out.rollback_if_not_exist = request.rollback_if_not_exist();
  out.force_sync_commit = request.force_sync_commit();
  out.resolving_pessimistic_lock = request.resolving_pessimistic_lock();
  return out;
}

storage::ResolveLock ResolveLockOf(const kvrpcpb::ResolveLockRequest& request) {
  storage::ResolveLock out;
  if (request.start_version() != 0) {
    out.txn_status[TimeStamp(request.start_version())] =
        TimeStamp(request.commit_version());
  }
  for (const kvrpcpb::TxnInfo& info : request.txn_infos()) {
    out.txn_status[TimeStamp(info.txn())] = TimeStamp(info.status());
  }
  for (const auto& key : request.keys()) out.keys.push_back(key);
  return out;
}

storage::AcquirePessimisticLock PessimisticLockOf(
    const kvrpcpb::PessimisticLockRequest& request) {
  storage::AcquirePessimisticLock out;
  for (const kvrpcpb::Mutation& m : request.mutations()) {
    out.keys.push_back(m.key());
    out.should_not_exist |= m.op() == kvrpcpb::Insert;
  }
  out.primary = request.primary_lock();
  out.start_ts = TimeStamp(request.start_version());
  out.for_update_ts = TimeStamp(request.for_update_ts());
  out.lock_ttl = request.lock_ttl();
  out.return_values = request.return_values();
  out.min_commit_ts = TimeStamp(request.min_commit_ts());
  return out;
}

void FillCheckTxnStatus(const storage::CheckTxnStatusResult& status,
                        const std::string& primary_key,
                        kvrpcpb::CheckTxnStatusResponse* response) {
  using Kind = actions::TxnStatus::Kind;
  switch (status.kind) {
    case Kind::kRolledBack:
      response->set_action(kvrpcpb::NoAction);
      break;
    case Kind::kTtlExpire:
      response->set_action(kvrpcpb::TTLExpireRollback);
      break;
    case Kind::kLockNotExist:
      response->set_action(kvrpcpb::LockNotExistRollback);
      break;
    case Kind::kLockNotExistDoNothing:
      response->set_action(kvrpcpb::LockNotExistDoNothing);
      break;
    case Kind::kCommitted:
      response->set_commit_version(status.commit_ts.value());
      break;
    case Kind::kPessimisticRollBack:
      response->set_action(kvrpcpb::TTLExpirePessimisticRollback);
      break;
    case Kind::kUncommitted:
      response->set_action(status.min_commit_ts_pushed
                               ? kvrpcpb::MinCommitTSPushed
                               : kvrpcpb::NoAction);
      if (status.lock.has_value()) {
        response->set_lock_ttl(status.lock->ttl);
        *response->mutable_lock_info() =
            LockInfoOf(status.lock->ToLockInfo(primary_key));
      }
      break;
  }
}

void FillCheckSecondaryLocks(const storage::CheckSecondaryLocksResult& status,
                             kvrpcpb::CheckSecondaryLocksResponse* response) {
  using Kind = actions::SecondaryLocksStatus::Kind;
  if (status.kind == Kind::kCommitted) {
    response->set_commit_ts(status.commit_ts.value());
  }
  if (status.kind != Kind::kLocked) return;
  for (const core::mvcc::LockInfo& lock : status.locks) {
    *response->add_locks() = LockInfoOf(lock);
  }
}

kvrpcpb::KvPair KvPairOf(const core::mvcc::KvPair& pair) {
  kvrpcpb::KvPair out;
  out.set_key(pair.key);
  if (pair.locked.has_value()) {
    *out.mutable_error() = KeyErrorOf(core::mvcc::Error(*pair.locked));
  } else {
    out.set_value(pair.value);
  }
  return out;
}

}  // namespace store::server
