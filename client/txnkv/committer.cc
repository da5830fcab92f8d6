#include "client/txnkv/committer.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/txnkv/txn_error.h"
#include "client/txnkv/txn_rpc.h"
#include "core/base/mutant.h"
#include "core/base/status_macros.h"
#include "core/base/timestamp.h"

namespace client::txnkv {

namespace {

constexpr uint64_t kMaxLockTtlMs = 120000;  // client-go maxLockTTL
constexpr double kTtlFactor = 6000;         // client-go ttlFactor
// client-go: a min_commit_ts this far past the attempt is not chased.
constexpr uint64_t kMaxCommitTsGap =
    uint64_t{3600000} << core::base::TimeStamp::kPhysicalShiftBits;

}  // namespace

// ----- TtlManager

void TtlManager::Start(const TxnEnv& env, const std::string& primary,
                       uint64_t start_ts, core::base::Instant begin_at) {
  if (state_ != nullptr) return;
  state_ = std::make_shared<State>();
  env.executor.Spawn("txn-ttl", [env, primary, start_ts, begin_at,
                                 state = state_] {
    const auto interval = core::base::Duration::Milliseconds(
        static_cast<int64_t>(env.options.managed_lock_ttl_ms / 2));
    for (;;) {
      env.executor.SleepFor(interval);
      if (state->stopped) return;
      const uint64_t uptime_ms = static_cast<uint64_t>(
          (env.clock.NowMonotonic() - begin_at).milliseconds());
      kvrpcpb::TxnHeartBeatRequest request;
      request.set_primary_lock(primary);
      request.set_start_version(start_ts);
      request.set_advise_lock_ttl(uptime_ms + env.options.managed_lock_ttl_ms);
      retry::Backoffer bo = env.NewBackoffer(kPessimisticLockMaxBackoff);
      auto response = SendToKey<kvrpcpb::TxnHeartBeatResponse>(
          env.sender, bo, kKvTxnHeartBeat, primary, request);
      if (state->stopped) return;
      if (!response.ok() || response->has_error()) {
        state->stopped = true;  // the lock is gone: nothing to keep
        return;
      }
      ++state->heartbeats;
    }
  });
}

void TtlManager::Stop() {
  if (state_ != nullptr) state_->stopped = true;
}

// ----- Committer

Committer::Committer(const TxnEnv& env, uint64_t start_ts,
                     core::base::Instant begin_at,
                     std::vector<Mutation> mutations, std::string primary,
                     uint64_t for_update_ts, TtlManager& ttl)
    : env_(env),
      start_ts_(start_ts),
      begin_at_(begin_at),
      mutations_(std::move(mutations)),
      primary_(std::move(primary)),
      for_update_ts_(for_update_ts),
      ttl_(ttl) {
  for (const Mutation& m : mutations_) keys_.push_back(m.key);
  if (primary_.empty() && !keys_.empty()) primary_ = keys_.front();
  prewrite_plan_ = {&keys_,
                    [this](size_t i) {
                      return mutations_[i].key.size() +
                             mutations_[i].value.size();
                    },
                    env_.options.txn_commit_batch_size, primary_};
  key_plan_ = {&keys_, [this](size_t i) { return mutations_[i].key.size(); },
               env_.options.txn_commit_batch_size, primary_};
}

void Committer::Decide() {
  const TxnClientOptions& o = env_.options;
  size_t key_bytes = 0;
  size_t total_bytes = 0;
  for (const Mutation& m : mutations_) {
    key_bytes += m.key.size();
    total_bytes += m.key.size() + m.value.size();
  }
  async_commit_ = o.enable_async_commit &&
                  mutations_.size() <= o.async_commit_keys_limit &&
                  key_bytes <= o.async_commit_total_key_size_limit;
  // 1PC needs one batch: decided again from the batches (Prewrite).
  one_pc_ = o.try_one_pc && total_bytes <= o.txn_commit_batch_size;
}

uint64_t Committer::LockTtlMs() const {
  uint64_t ttl = env_.options.default_lock_ttl_ms;
  size_t size = 0;
  for (const Mutation& m : mutations_) size += m.key.size() + m.value.size();
  if (size >= env_.options.txn_commit_batch_size) {
    const double mib = static_cast<double>(size) / (1024 * 1024);
    ttl = static_cast<uint64_t>(kTtlFactor * std::sqrt(mib));
    ttl = std::clamp(ttl, env_.options.default_lock_ttl_ms, kMaxLockTtlMs);
  }
  const auto elapsed = env_.clock.NowMonotonic() - begin_at_;
  return ttl + static_cast<uint64_t>(elapsed.milliseconds());
}

absl::Status Committer::Execute() {
  if (mutations_.empty()) return absl::OkStatus();
  Decide();
  absl::Status prewritten = Prewrite();
  if (!prewritten.ok()) {
    ttl_.Stop();
    // Best effort: the locks would else wait for their TTL and a reader.
    (void)Cleanup();
    return prewritten;
  }
  if (env_.options.after_prewrite && !env_.options.after_prewrite(start_ts_)) {
    return absl::UnavailableError("the commit stopped after prewrite");
  }
  if (one_pc_) {
    commit_ts_ = one_pc_commit_ts_;
    ttl_.Stop();
    return absl::OkStatus();
  }
  if (async_commit_) {
    commit_ts_ = min_commit_ts_;
    ttl_.Stop();
    CommitSecondariesInBackground(/*with_primary=*/true);
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(commit_ts_, env_.oracle.GetTimestamp());
  if (commit_ts_ <= start_ts_) {
    return absl::InternalError(
        absl::StrCat("commit_ts ", commit_ts_, " <= start_ts ", start_ts_));
  }
  if (MUTANT(CLIENT_TXN_SECONDARIES_BEFORE_PRIMARY)) {
    (void)CommitSecondaries(/*with_primary=*/false);
  }
  absl::Status committed = CommitPrimary();
  ttl_.Stop();
  RETURN_IF_ERROR(committed);
  if (env_.options.after_primary_commit &&
      !env_.options.after_primary_commit(start_ts_)) {
    return absl::OkStatus();
  }
  if (!MUTANT(CLIENT_TXN_SECONDARIES_BEFORE_PRIMARY)) {
    CommitSecondariesInBackground(/*with_primary=*/false);
  }
  return absl::OkStatus();
}

// ----- prewrite

absl::Status Committer::Prewrite() {
  retry::Backoffer bo = env_.NewBackoffer(kPrewriteMaxBackoff);
  locate::RegionCache& cache = env_.sender.cache();
  ASSIGN_OR_RETURN(
      std::vector<Batch> batches,
      MakeBatches(bo, cache, prewrite_plan_, AllIndexes(mutations_.size())));
  return RunBatches(env_.executor, bo, cache, prewrite_plan_, batches,
                    [this](retry::Backoffer& child, const Batch& batch) {
                      return PrewriteBatch(child, batch);
                    });
}

kvrpcpb::PrewriteRequest Committer::PrewriteRequest(const Batch& batch) const {
  kvrpcpb::PrewriteRequest request;
  request.set_primary_lock(primary_);
  request.set_start_version(start_ts_);
  request.set_lock_ttl(LockTtlMs());
  request.set_txn_size(mutations_.size());
  request.set_for_update_ts(for_update_ts_);
  for (size_t i : batch.indexes) {
    const Mutation& m = mutations_[i];
    kvrpcpb::Mutation* out = request.add_mutations();
    out->set_op(m.op);
    out->set_key(m.key);
    out->set_value(m.value);
    if (for_update_ts_ != 0) {
      request.add_pessimistic_actions(
          m.pessimistic ? kvrpcpb::PrewriteRequest::DO_PESSIMISTIC_CHECK
                        : kvrpcpb::PrewriteRequest::SKIP_PESSIMISTIC_CHECK);
    }
  }
  request.set_min_commit_ts(std::max(start_ts_, for_update_ts_) + 1);
  if (async_commit_ || one_pc_) {
    const auto window = (env_.clock.NowMonotonic() - begin_at_) +
                        env_.options.async_commit_safe_window;
    request.set_max_commit_ts(
        start_ts_ + core::base::TimeStamp::Compose(
                        static_cast<uint64_t>(window.milliseconds()), 0)
                        .value());
  }
  if (async_commit_) {
    request.set_use_async_commit(true);
    if (batch.is_primary) {
      for (const std::string& key : keys_) {
        if (key != primary_) request.add_secondaries(key);
      }
    }
  }
  request.set_try_one_pc(one_pc_);
  return request;
}

absl::StatusOr<std::optional<errorpb::Error>> Committer::PrewriteBatch(
    retry::Backoffer& bo, const Batch& batch) {
  // 1PC only when this one request carries the whole txn.
  if (batch.indexes.size() != mutations_.size()) one_pc_ = false;
  for (;;) {
    kvrpcpb::PrewriteRequest request = PrewriteRequest(batch);
    ++stats_.prewrite_batches;
    ASSIGN_OR_RETURN(auto response,
                     env_.sender.SendReq<kvrpcpb::PrewriteResponse>(
                         bo, kKvPrewrite, request, batch.location.region));
    if (response.has_region_error()) return response.region_error();
    std::vector<Lock> locks;
    for (const kvrpcpb::KeyError& error : response.errors()) {
      if (!error.has_locked()) return KeyErrorStatus(error);
      locks.push_back(Lock::FromInfo(error.locked()));
    }
    if (!locks.empty()) {
      ASSIGN_OR_RETURN(ResolveResult resolved,
                       env_.resolver.ResolveLocks(bo, 0, locks));
      if (resolved.ms_before_txn_expired > 0) {
        RETURN_IF_ERROR(bo.Backoff(
            retry::kBoTxnLock,
            absl::UnavailableError(absl::StrCat(
                "prewrite met the lock of txn ", locks.front().txn_id,
                " on key ", locks.front().key))));
      }
      continue;
    }
    if (request.try_one_pc()) {
      if (response.one_pc_commit_ts() == 0) one_pc_ = false;
      one_pc_commit_ts_ = response.one_pc_commit_ts();
    }
    if (request.use_async_commit()) {
      if (response.min_commit_ts() == 0) async_commit_ = false;
      min_commit_ts_ = std::max(min_commit_ts_, response.min_commit_ts());
    }
    size_t size = 0;
    for (const Mutation& m : mutations_) size += m.key.size() + m.value.size();
    if (batch.is_primary && size > env_.options.ttl_refreshed_txn_size &&
        response.one_pc_commit_ts() == 0) {
      ttl_.Start(env_, primary_, start_ts_, begin_at_);
    }
    return std::nullopt;
  }
}

// ----- commit

absl::Status Committer::CommitPrimary() {
  retry::Backoffer bo = env_.NewBackoffer(kCommitMaxBackoff);
  locate::RegionCache& cache = env_.sender.cache();
  ASSIGN_OR_RETURN(
      std::vector<Batch> batches,
      MakeBatches(bo, cache, key_plan_, AllIndexes(mutations_.size())));
  std::vector<Batch> primary = {batches.front()};
  primary_batch_ = batches.front().indexes;
  absl::Status status =
      RunBatches(env_.executor, bo, cache, key_plan_, primary,
                 [this](retry::Backoffer& child, const Batch& batch) {
                   return CommitBatch(child, batch);
                 });
  // Only a store's answer about the primary decides; a budget spent on
  // failed sends and region errors may hide an attempt that committed.
  if (!status.ok() && !primary_answered_) {
    return MakeTxnError(TxnError::kCommitResultUndetermined,
                        absl::StrCat("the primary's commit got no answer: ",
                                     std::string(status.message())));
  }
  return status;
}

absl::StatusOr<std::optional<errorpb::Error>> Committer::CommitBatch(
    retry::Backoffer& bo, const Batch& batch) {
  for (;;) {
    kvrpcpb::CommitRequest request;
    request.set_start_version(start_ts_);
    request.set_commit_version(commit_ts_);
    for (size_t i : batch.indexes) request.add_keys(keys_[i]);
    ++stats_.commit_batches;
    absl::StatusOr<kvrpcpb::CommitResponse> response =
        env_.sender.SendReq<kvrpcpb::CommitResponse>(bo, kKvCommit, request,
                                                     batch.location.region);
    if (!response.ok()) return response.status();
    if (response->has_region_error()) return response->region_error();
    if (!response->has_error()) return std::nullopt;
    const kvrpcpb::KeyError& error = response->error();
    if (!error.has_commit_ts_expired() || async_commit_ ||
        error.commit_ts_expired().min_commit_ts() -
                error.commit_ts_expired().attempted_commit_ts() >
            kMaxCommitTsGap) {
      if (batch.is_primary) primary_answered_ = true;
      return KeyErrorStatus(error);
    }
    // A reader pushed the primary's min_commit_ts past ours: a newer one.
    ASSIGN_OR_RETURN(commit_ts_, env_.oracle.GetTimestamp());
  }
}

absl::Status Committer::CommitSecondaries(bool with_primary) {
  retry::Backoffer bo = env_.NewBackoffer(kCommitSecondaryMaxBackoff);
  std::vector<size_t> indexes;
  // The primary's batch was committed with it (client-go forgetPrimary).
  std::vector<bool> skip(keys_.size(), false);
  for (size_t i : primary_batch_) skip[i] = !with_primary;
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == primary_) skip[i] = !with_primary;
  }
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (!skip[i]) indexes.push_back(i);
  }
  absl::Status status =
      DoBatches(env_.executor, bo, env_.sender.cache(), key_plan_, indexes,
                [this](retry::Backoffer& child, const Batch& batch) {
                  return CommitBatch(child, batch);
                });
  if (!status.ok()) ++stats_.secondary_failures;
  return status;
}

void Committer::CommitSecondariesInBackground(bool with_primary) {
  env_.executor.Spawn("txn-commit-secondaries",
                      [self = shared_from_this(), with_primary] {
                        (void)self->CommitSecondaries(with_primary);
                      });
}

// ----- cleanup

absl::Status Committer::Cleanup() {
  retry::Backoffer bo = env_.NewBackoffer(kCleanupMaxBackoff);
  return DoBatches(
      env_.executor, bo, env_.sender.cache(), key_plan_,
      AllIndexes(keys_.size()),
      [this](retry::Backoffer& child, const Batch& batch)
          -> absl::StatusOr<std::optional<errorpb::Error>> {
        kvrpcpb::BatchRollbackRequest request;
        request.set_start_version(start_ts_);
        for (size_t i : batch.indexes) request.add_keys(keys_[i]);
        ASSIGN_OR_RETURN(
            auto response,
            env_.sender.SendReq<kvrpcpb::BatchRollbackResponse>(
                child, kKvBatchRollback, request, batch.location.region));
        if (response.has_region_error()) return response.region_error();
        if (response.has_error()) return KeyErrorStatus(response.error());
        return std::nullopt;
      });
}

}  // namespace client::txnkv
