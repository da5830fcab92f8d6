#include "client/txnkv/txn_client.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/txnkv/txn_error.h"
#include "client/txnkv/txn_rpc.h"
#include "core/base/status_macros.h"

namespace client::txnkv {

// ----- TxnClient

TxnClient::TxnClient(core::env::Executor& executor, core::env::Clock& clock,
                     core::env::Random& random, Oracle& oracle,
                     locate::RegionCache& cache,
                     locate::StoreTransport& transport,
                     TxnClientOptions options)
    : executor_(executor),
      clock_(clock),
      random_(random),
      oracle_(oracle),
      sender_(cache, transport),
      resolver_(sender_, oracle),
      options_(std::move(options)) {}

TxnEnv TxnClient::Env() {
  return TxnEnv{executor_, clock_,  random_, sender_,
                resolver_, oracle_, options_};
}

absl::StatusOr<std::unique_ptr<Transaction>> TxnClient::Begin() {
  ASSIGN_OR_RETURN(uint64_t start_ts, oracle_.GetTimestamp());
  return std::unique_ptr<Transaction>(
      new Transaction(Env(), start_ts, /*pessimistic=*/false));
}

absl::StatusOr<std::unique_ptr<Transaction>> TxnClient::BeginPessimistic() {
  ASSIGN_OR_RETURN(uint64_t start_ts, oracle_.GetTimestamp());
  return std::unique_ptr<Transaction>(
      new Transaction(Env(), start_ts, /*pessimistic=*/true));
}

std::unique_ptr<Transaction> TxnClient::Snapshot(uint64_t ts) {
  return std::unique_ptr<Transaction>(new Transaction(Env(), ts, false));
}

// ----- Transaction: reads

Transaction::Transaction(const TxnEnv& env, uint64_t start_ts, bool pessimistic)
    : env_(env),
      start_ts_(start_ts),
      pessimistic_(pessimistic),
      begin_at_(env.clock.NowMonotonic()),
      snapshot_(env.executor, env.sender, env.resolver, start_ts) {}

absl::Status Transaction::CheckOpen() const {
  if (done_) {
    return absl::FailedPreconditionError(
        "the transaction has committed or rolled back");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> Transaction::Get(
    const std::string& key) {
  auto it = buffer_.find(key);
  if (it != buffer_.end()) {
    if (it->second.op == kvrpcpb::Del) return std::optional<std::string>();
    return std::optional<std::string>(it->second.value);
  }
  retry::Backoffer bo = env_.NewBackoffer(kGetMaxBackoff);
  return snapshot_.Get(bo, key);
}

absl::StatusOr<std::map<std::string, std::string>> Transaction::BatchGet(
    const std::vector<std::string>& keys) {
  std::map<std::string, std::string> found;
  std::vector<std::string> unbuffered;
  for (const std::string& key : keys) {
    auto it = buffer_.find(key);
    if (it == buffer_.end()) {
      unbuffered.push_back(key);
    } else if (it->second.op != kvrpcpb::Del) {
      found[key] = it->second.value;
    }
  }
  retry::Backoffer bo = env_.NewBackoffer(kGetMaxBackoff);
  ASSIGN_OR_RETURN(auto read, snapshot_.BatchGet(bo, unbuffered));
  found.merge(read);
  return found;
}

absl::StatusOr<std::vector<KvPair>> Transaction::Scan(
    const std::string& start_key, const std::string& end_key, uint32_t limit) {
  auto first = buffer_.lower_bound(start_key);
  auto last = end_key.empty() ? buffer_.end() : buffer_.lower_bound(end_key);
  // Each buffered write in range can hide one read pair at most.
  const uint32_t extra = static_cast<uint32_t>(std::distance(first, last));
  retry::Backoffer bo = env_.NewBackoffer(kGetMaxBackoff);
  ASSIGN_OR_RETURN(std::vector<KvPair> read,
                   snapshot_.Scan(bo, start_key, end_key, limit + extra));
  std::map<std::string, std::string> merged;
  for (KvPair& pair : read) merged[pair.key] = std::move(pair.value);
  for (auto it = first; it != last; ++it) {
    if (it->second.op == kvrpcpb::Del) {
      merged.erase(it->first);
    } else {
      merged[it->first] = it->second.value;
    }
  }
  std::vector<KvPair> out;
  for (auto& [key, value] : merged) {
    if (out.size() >= limit) break;
    out.push_back({key, std::move(value)});
  }
  return out;
}

// ----- Transaction: writes

absl::Status Transaction::Set(const std::string& key,
                              const std::string& value) {
  RETURN_IF_ERROR(CheckOpen());
  buffer_[key] = {kvrpcpb::Put, value};
  return absl::OkStatus();
}

absl::Status Transaction::Delete(const std::string& key) {
  RETURN_IF_ERROR(CheckOpen());
  buffer_[key] = {kvrpcpb::Del, ""};
  return absl::OkStatus();
}

absl::Status Transaction::Insert(const std::string& key,
                                 const std::string& value) {
  RETURN_IF_ERROR(CheckOpen());
  buffer_[key] = {kvrpcpb::Insert, value};
  return absl::OkStatus();
}

std::vector<Mutation> Transaction::Mutations() const {
  std::map<std::string, Mutation> all;
  for (const auto& [key, write] : buffer_) {
    all[key] = {write.op, key, write.value, locked_.contains(key)};
  }
  for (const std::string& key : locked_) {
    all.try_emplace(key, Mutation{kvrpcpb::Lock, key, "", true});
  }
  for (const std::string& key : lock_only_) {
    all.try_emplace(key, Mutation{kvrpcpb::Lock, key, "", false});
  }
  std::vector<Mutation> out;
  for (auto& [key, m] : all) out.push_back(std::move(m));
  return out;
}

absl::Status Transaction::Commit() {
  RETURN_IF_ERROR(CheckOpen());
  done_ = true;
  committer_ = std::make_shared<Committer>(
      env_, start_ts_, begin_at_, Mutations(), primary_, for_update_ts_, ttl_);
  absl::Status status = committer_->Execute();
  ttl_.Stop();
  if (status.ok()) commit_ts_ = committer_->commit_ts();
  return status;
}

absl::Status Transaction::Rollback() {
  RETURN_IF_ERROR(CheckOpen());
  done_ = true;
  ttl_.Stop();
  if (locked_.empty()) return absl::OkStatus();
  return PessimisticRollback({locked_.begin(), locked_.end()});
}

// ----- Transaction: pessimistic locks

absl::Status Transaction::LockKeys(const std::vector<std::string>& keys) {
  RETURN_IF_ERROR(CheckOpen());
  if (!pessimistic_) {
    // An optimistic txn checks the keys at commit (Op_Lock).
    for (const std::string& key : keys) lock_only_.insert(key);
    return absl::OkStatus();
  }
  std::vector<std::string> fresh;
  for (const std::string& key : keys) {
    if (!locked_.contains(key) &&
        std::find(fresh.begin(), fresh.end(), key) == fresh.end()) {
      fresh.push_back(key);
    }
  }
  if (fresh.empty()) return absl::OkStatus();
  return LockPessimistic(fresh);
}

absl::Status Transaction::LockPessimistic(
    const std::vector<std::string>& keys) {
  ASSIGN_OR_RETURN(const uint64_t for_update_ts, env_.oracle.GetTimestamp());
  for_update_ts_ = std::max(for_update_ts_, for_update_ts);
  const bool first_lock = primary_.empty();
  if (first_lock) primary_ = keys.front();
  BatchPlan plan{&keys, [&](size_t i) { return keys[i].size(); },
                 env_.options.txn_commit_batch_size, primary_};
  retry::Backoffer bo = env_.NewBackoffer(kPessimisticLockMaxBackoff);
  locate::RegionCache& cache = env_.sender.cache();
  const core::base::Instant wait_start = env_.clock.NowMonotonic();
  BatchFn fn = [&](retry::Backoffer& child, const Batch& batch) {
    return LockBatch(child, keys, batch, first_lock, wait_start);
  };
  absl::StatusOr<std::vector<Batch>> batches =
      MakeBatches(bo, cache, plan, AllIndexes(keys.size()));
  absl::Status status = batches.status();
  if (status.ok() && first_lock && batches->front().is_primary) {
    // The primary is locked first: a secondary lock never points at a
    // primary that is not locked.
    status = RunBatches(env_.executor, bo, cache, plan, {batches->front()}, fn);
    batches->erase(batches->begin());
  }
  if (status.ok()) {
    status = RunBatches(env_.executor, bo, cache, plan, *batches, fn);
  }
  if (!status.ok()) {
    (void)PessimisticRollback(keys);
    if (first_lock) primary_.clear();
    return status;
  }
  locked_.insert(keys.begin(), keys.end());
  ttl_.Start(env_, primary_, start_ts_, begin_at_);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<errorpb::Error>> Transaction::LockBatch(
    retry::Backoffer& bo, const std::vector<std::string>& keys,
    const Batch& batch, bool first_lock, core::base::Instant wait_start) {
  const core::base::Duration wait = env_.options.lock_wait_timeout;
  for (;;) {
    kvrpcpb::PessimisticLockRequest request;
    for (size_t i : batch.indexes) {
      kvrpcpb::Mutation* m = request.add_mutations();
      m->set_op(kvrpcpb::PessimisticLock);
      m->set_key(keys[i]);
    }
    request.set_primary_lock(primary_);
    request.set_start_version(start_ts_);
    const auto elapsed = env_.clock.NowMonotonic() - begin_at_;
    request.set_lock_ttl(static_cast<uint64_t>(elapsed.milliseconds()) +
                         env_.options.managed_lock_ttl_ms);
    request.set_for_update_ts(for_update_ts_);
    request.set_is_first_lock(first_lock && keys.size() == 1);
    request.set_wait_timeout(
        wait == core::base::Duration::Zero() ? -1 : wait.milliseconds());
    ASSIGN_OR_RETURN(
        auto response,
        env_.sender.SendReq<kvrpcpb::PessimisticLockResponse>(
            bo, kKvPessimisticLock, request, batch.location.region));
    if (response.has_region_error()) return response.region_error();
    std::vector<Lock> locks;
    for (const kvrpcpb::KeyError& error : response.errors()) {
      if (!error.has_locked()) return KeyErrorStatus(error);
      locks.push_back(Lock::FromInfo(error.locked()));
    }
    if (locks.empty()) return std::nullopt;
    ASSIGN_OR_RETURN(ResolveResult resolved,
                     env_.resolver.ResolveLocks(bo, 0, locks));
    if (resolved.ms_before_txn_expired == 0) continue;
    const std::string why = absl::StrCat(
        "key ", locks.front().key, " is locked by txn ", locks.front().txn_id);
    if (env_.clock.NowMonotonic() - wait_start >= wait) {
      return MakeTxnError(TxnError::kLockWaitTimeout, why);
    }
    RETURN_IF_ERROR(bo.Backoff(retry::kBoTxnLock, absl::AbortedError(why)));
  }
}

absl::Status Transaction::PessimisticRollback(
    const std::vector<std::string>& keys) {
  retry::Backoffer bo = env_.NewBackoffer(kCleanupMaxBackoff);
  return ForEachRegion(
      bo, env_.sender.cache(), keys,
      [&](const locate::KeyLocation& location,
          const std::vector<std::string>& group)
          -> absl::StatusOr<std::optional<errorpb::Error>> {
        kvrpcpb::PessimisticRollbackRequest request;
        request.set_start_version(start_ts_);
        request.set_for_update_ts(for_update_ts_);
        for (const std::string& key : group) request.add_keys(key);
        ASSIGN_OR_RETURN(
            auto response,
            env_.sender.SendReq<kvrpcpb::PessimisticRollbackResponse>(
                bo, kKvPessimisticRollback, request, location.region));
        if (response.has_region_error()) return response.region_error();
        for (const kvrpcpb::KeyError& error : response.errors()) {
          return KeyErrorStatus(error);
        }
        return std::nullopt;
      });
}

}  // namespace client::txnkv
