#include "client/txnkv/lock_resolver.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/txnkv/txn_error.h"
#include "client/txnkv/txn_rpc.h"
#include "core/base/mutant.h"
#include "core/base/status_macros.h"

namespace client::txnkv {

namespace {

constexpr uint64_t kMaxTs = std::numeric_limits<uint64_t>::max();

// The first KeyError of a response's `errors` as a status.
template <typename Errors>
absl::Status FirstKeyError(const Errors& errors) {
  for (const kvrpcpb::KeyError& error : errors) return KeyErrorStatus(error);
  return absl::OkStatus();
}

}  // namespace

Lock Lock::FromInfo(const kvrpcpb::LockInfo& info) {
  Lock lock;
  lock.key = info.key();
  lock.primary = info.primary_lock();
  lock.txn_id = info.lock_version();
  lock.ttl_ms = info.lock_ttl();
  lock.txn_size = info.txn_size();
  lock.lock_type = info.lock_type();
  lock.use_async_commit = info.use_async_commit();
  lock.lock_for_update_ts = info.lock_for_update_ts();
  lock.min_commit_ts = info.min_commit_ts();
  return lock;
}

std::optional<TxnStatus> LockResolver::Resolved(uint64_t txn_id) const {
  auto it = resolved_.find(txn_id);
  if (it == resolved_.end()) return std::nullopt;
  return it->second;
}

void LockResolver::SaveResolved(uint64_t txn_id, const TxnStatus& status) {
  if (resolved_.contains(txn_id)) return;
  resolved_[txn_id] = status;
  resolved_order_.push_back(txn_id);
  if (resolved_order_.size() > kResolvedCacheSize) {
    resolved_.erase(resolved_order_.front());
    resolved_order_.pop_front();
  }
}

absl::StatusOr<TxnStatus> LockResolver::GetTxnStatus(
    retry::Backoffer& bo, uint64_t txn_id, const std::string& primary,
    uint64_t caller_start_ts, uint64_t current_ts, bool rollback_if_not_exist,
    bool force_sync_commit, const Lock* lock) {
  if (std::optional<TxnStatus> cached = Resolved(txn_id)) {
    ++stats_.cache_hits;
    return *cached;
  }
  kvrpcpb::CheckTxnStatusRequest request;
  request.set_primary_key(primary);
  request.set_lock_ts(txn_id);
  request.set_caller_start_ts(caller_start_ts);
  request.set_current_ts(current_ts);
  request.set_rollback_if_not_exist(rollback_if_not_exist);
  request.set_force_sync_commit(force_sync_commit);
  request.set_resolving_pessimistic_lock(
      lock != nullptr && lock->lock_type == kvrpcpb::PessimisticLock);
  ++stats_.check_txn_status;
  ASSIGN_OR_RETURN(auto response,
                   SendToKey<kvrpcpb::CheckTxnStatusResponse>(
                       sender_, bo, kKvCheckTxnStatus, primary, request));
  if (response.has_error()) {
    if (response.error().has_txn_not_found()) {
      return absl::NotFoundError(
          absl::StrCat("txn ", txn_id, " not found on primary ", primary));
    }
    return KeyErrorStatus(response.error());
  }
  TxnStatus status;
  status.action = response.action();
  if (response.has_lock_info()) status.primary_lock = response.lock_info();
  if (status.primary_lock.has_value() &&
      status.primary_lock->use_async_commit() && !force_sync_commit) {
    // An async-commit primary decides nothing: alive while its TTL lasts,
    // then its secondaries tell (ResolveLockAsync).
    if (oracle_.UntilExpiredMs(txn_id, response.lock_ttl()) > 0) {
      status.ttl_ms = response.lock_ttl();
    }
  } else if (response.lock_ttl() != 0) {
    status.ttl_ms = response.lock_ttl();
  } else {
    status.commit_ts = response.commit_version();
    SaveResolved(txn_id, status);
  }
  return status;
}

absl::StatusOr<TxnStatus> LockResolver::GetTxnStatusFromLock(
    retry::Backoffer& bo, const Lock& lock, uint64_t caller_start_ts,
    bool force_sync_commit) {
  // The timestamp anchors the oracle's expiry view too. A TTL-0 lock is
  // TiKV's "resolve it now" (a pessimistic prewrite met it): u64 max.
  ASSIGN_OR_RETURN(uint64_t current_ts, oracle_.GetTimestamp());
  if (lock.ttl_ms == 0) current_ts = kMaxTs;
  bool rollback_if_not_exist = false;
  for (;;) {
    absl::StatusOr<TxnStatus> status =
        GetTxnStatus(bo, lock.txn_id, lock.primary, caller_start_ts, current_ts,
                     rollback_if_not_exist, force_sync_commit, &lock);
    if (status.ok() || !absl::IsNotFound(status.status())) return status;
    // The primary has no lock and no record: the txn's prewrite of the
    // primary may still be on its way. Once this lock's TTL ran out,
    // roll it back (the store records a rollback).
    if (oracle_.UntilExpiredMs(lock.txn_id, lock.ttl_ms) <= 0) {
      if (lock.lock_type == kvrpcpb::PessimisticLock) return TxnStatus{};
      rollback_if_not_exist = true;
    } else if (lock.lock_type == kvrpcpb::PessimisticLock) {
      TxnStatus alive;
      alive.ttl_ms = lock.ttl_ms;
      return alive;
    }
    RETURN_IF_ERROR(bo.Backoff(retry::kBoTxnNotFound, status.status()));
  }
}

absl::StatusOr<ResolveResult> LockResolver::ResolveLocks(
    retry::Backoffer& bo, uint64_t caller_start_ts,
    const std::vector<Lock>& locks) {
  ResolveResult result;
  std::map<uint64_t, RegionSet> clean_txns;
  bool push_failed = false;
  for (const Lock& lock : locks) {
    ASSIGN_OR_RETURN(TxnStatus status,
                     GetTxnStatusFromLock(bo, lock, caller_start_ts, false));
    if (status.ttl_ms == 0) {
      auto [it, first] = clean_txns.try_emplace(lock.txn_id);
      if (status.primary_lock.has_value() &&
          status.primary_lock->use_async_commit() && first) {
        bool fallback = false;
        RETURN_IF_ERROR(ResolveLockAsync(bo, lock, status, &fallback));
        if (!fallback) continue;
        // A secondary is no async-commit lock: decide as a plain txn.
        ASSIGN_OR_RETURN(status,
                         GetTxnStatusFromLock(bo, lock, caller_start_ts, true));
      }
      RETURN_IF_ERROR(ResolveOne(bo, lock, status, it->second));
      continue;
    }
    const int64_t left = oracle_.UntilExpiredMs(lock.txn_id, status.ttl_ms);
    const int64_t alive_ms = std::max<int64_t>(left, 1);
    result.ms_before_txn_expired =
        result.ms_before_txn_expired == 0
            ? alive_ms
            : std::min(result.ms_before_txn_expired, alive_ms);
    if (caller_start_ts == 0) continue;  // a writer pushes nothing
    if (status.action != kvrpcpb::MinCommitTSPushed) {
      push_failed = true;
      continue;
    }
    result.pushed.push_back(lock.txn_id);
  }
  if (push_failed) result.pushed.clear();
  return result;
}

absl::Status LockResolver::ResolveOne(retry::Backoffer& bo, const Lock& lock,
                                      const TxnStatus& status,
                                      RegionSet& cleaned) {
  if (lock.lock_type == kvrpcpb::PessimisticLock) {
    return ResolvePessimisticLock(bo, lock);
  }
  uint64_t commit_ts = status.commit_ts;
  if (MUTANT(CLIENT_TXN_RESOLVER_COMMITS_ROLLED_BACK) && commit_ts == 0) {
    commit_ts = lock.txn_id + 1;  // the bug: a rolled-back txn committed
  }
  return ResolveLock(bo, lock, commit_ts, lock.txn_size < kBigTxnThreshold,
                     cleaned);
}

absl::Status LockResolver::ResolveLock(retry::Backoffer& bo, const Lock& lock,
                                       uint64_t commit_ts, bool lite,
                                       RegionSet& cleaned) {
  for (;;) {
    ASSIGN_OR_RETURN(locate::KeyLocation location,
                     sender_.cache().LocateKey(bo, lock.key));
    if (cleaned.contains(location.region.id)) return absl::OkStatus();
    kvrpcpb::ResolveLockRequest request;
    request.set_start_version(lock.txn_id);
    request.set_commit_version(commit_ts);
    if (lite) request.add_keys(lock.key);
    ++stats_.resolve_lock;
    ASSIGN_OR_RETURN(auto response,
                     sender_.SendReq<kvrpcpb::ResolveLockResponse>(
                         bo, kKvResolveLock, request, location.region));
    if (response.has_region_error()) {
      RETURN_IF_ERROR(BackoffRegionError(bo, response.region_error()));
      continue;
    }
    if (response.has_error()) return KeyErrorStatus(response.error());
    if (!lite) cleaned.insert(location.region.id);
    return absl::OkStatus();
  }
}

absl::Status LockResolver::ResolvePessimisticLock(retry::Backoffer& bo,
                                                  const Lock& lock) {
  kvrpcpb::PessimisticRollbackRequest request;
  request.set_start_version(lock.txn_id);
  request.set_for_update_ts(
      lock.lock_for_update_ts == 0 ? kMaxTs : lock.lock_for_update_ts);
  request.add_keys(lock.key);
  ++stats_.pessimistic_rollback;
  ASSIGN_OR_RETURN(auto response,
                   SendToKey<kvrpcpb::PessimisticRollbackResponse>(
                       sender_, bo, kKvPessimisticRollback, lock.key, request));
  return FirstKeyError(response.errors());
}

// The outcome of an async-commit txn from all its keys' locks
// (client-go checkAllSecondaries / resolveAsyncResolveData).
absl::Status LockResolver::ResolveLockAsync(retry::Backoffer& bo,
                                            const Lock& lock,
                                            const TxnStatus& status,
                                            bool* fallback) {
  const kvrpcpb::LockInfo& primary = *status.primary_lock;
  std::vector<std::string> keys(primary.secondaries().begin(),
                                primary.secondaries().end());
  keys.push_back(lock.primary);
  uint64_t commit_ts = 0;
  uint64_t max_min_commit_ts = 0;
  bool missing_lock = false;
  locate::RegionCache& cache = sender_.cache();
  RETURN_IF_ERROR(ForEachRegion(
      bo, cache, keys,
      [&](const locate::KeyLocation& location,
          const std::vector<std::string>& group)
          -> absl::StatusOr<std::optional<errorpb::Error>> {
        kvrpcpb::CheckSecondaryLocksRequest request;
        for (const std::string& key : group) request.add_keys(key);
        request.set_start_version(lock.txn_id);
        ++stats_.check_secondary_locks;
        ASSIGN_OR_RETURN(
            auto response,
            sender_.SendReq<kvrpcpb::CheckSecondaryLocksResponse>(
                bo, kKvCheckSecondaryLocks, request, location.region));
        if (response.has_region_error()) return response.region_error();
        if (response.has_error()) return KeyErrorStatus(response.error());
        for (const kvrpcpb::LockInfo& info : response.locks()) {
          if (!info.use_async_commit()) *fallback = true;
          max_min_commit_ts = std::max(max_min_commit_ts, info.min_commit_ts());
        }
        commit_ts = std::max(commit_ts, response.commit_ts());
        if (response.commit_ts() == 0 &&
            static_cast<size_t>(response.locks_size()) < group.size()) {
          missing_lock = true;
        }
        return std::nullopt;
      }));
  if (*fallback) return absl::OkStatus();
  TxnStatus decided;
  if (commit_ts == 0 && !missing_lock) commit_ts = max_min_commit_ts;
  // A committed key decides; else a key without a lock was rolled back;
  // else every key is locked and the txn commits at the largest
  // min_commit_ts.
  decided.commit_ts = commit_ts;
  RETURN_IF_ERROR(ForEachRegion(
      bo, cache, keys,
      [&](const locate::KeyLocation& location,
          const std::vector<std::string>& group)
          -> absl::StatusOr<std::optional<errorpb::Error>> {
        kvrpcpb::ResolveLockRequest request;
        request.set_start_version(lock.txn_id);
        request.set_commit_version(decided.commit_ts);
        for (const std::string& key : group) request.add_keys(key);
        ++stats_.resolve_lock;
        ASSIGN_OR_RETURN(auto response,
                         sender_.SendReq<kvrpcpb::ResolveLockResponse>(
                             bo, kKvResolveLock, request, location.region));
        if (response.has_region_error()) return response.region_error();
        if (response.has_error()) return KeyErrorStatus(response.error());
        return std::nullopt;
      }));
  SaveResolved(lock.txn_id, decided);
  return absl::OkStatus();
}

}  // namespace client::txnkv
