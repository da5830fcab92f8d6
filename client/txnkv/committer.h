// Committer: one transaction's two-phase commit (client-go
// txnkv/transaction/2pc.go, prewrite.go, commit.go, cleanup.go), and the
// TTL manager of its primary lock (2pc.go ttlManager / keepAlive).
//
// Execute():
//   1. Mutations in key order; the primary is the first key (a pessimistic
//      txn's: its first locked key). 1PC when try_one_pc and every
//      mutation fits one batch; async commit when enable_async_commit and
//      at most async_commit_keys_limit keys of at most
//      async_commit_total_key_size_limit bytes (the primary's request
//      lists the secondaries; max_commit_ts = start + elapsed + the safe
//      window).
//   2. Prewrite every batch at once (the primary's first in the list),
//      lock_ttl = the default TTL (3 s; 6 s * sqrt(MiB) for txns over one
//      batch, at most 120 s) + the time since Begin. Locks met are
//      resolved as a writer (caller_start_ts 0), then the batch is sent
//      again after kBoTxnLock while one lives. WriteConflict and
//      KeyAlreadyExists fail the commit; every prewritten key is then
//      rolled back (KvBatchRollback). A prewrite of the primary in a txn
//      over ttl_refreshed_txn_size starts the TTL manager.
//   3. 1PC: a one_pc_commit_ts answer is the commit. Async commit: the
//      commit_ts is the largest min_commit_ts answered; the txn is
//      committed, every key is committed in the background. Either falls
//      back to 2PC when the store answers 0.
//   4. 2PC: commit_ts from PD; the primary's batch is committed first
//      (CommitTsExpired: a newer commit_ts, again); a send that never got
//      a store's answer within the budget is kCommitResultUndetermined; then
//      the secondaries in the background (their own 41 s budget).
//
// Thread-affinity: fibres of env.executor; the committer outlives Execute
// while its secondaries commit (shared_ptr).
#ifndef CLIENT_TXNKV_COMMITTER_H_
#define CLIENT_TXNKV_COMMITTER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/locate/region_request.h"
#include "client/retry/backoff.h"
#include "client/txnkv/batches.h"
#include "client/txnkv/lock_resolver.h"
#include "client/txnkv/oracle.h"
#include "core/base/time.h"
#include "core/env/clock.h"
#include "core/env/executor.h"
#include "core/env/random.h"
#include "proto/kvrpcpb.pb.h"

namespace client::txnkv {

struct TxnClientOptions {
  // client-go config.TiKVClient.AsyncCommit / EnableOnePC.
  bool enable_async_commit = false;
  size_t async_commit_keys_limit = 256;
  size_t async_commit_total_key_size_limit = 4096;
  core::base::Duration async_commit_safe_window =
      core::base::Duration::Seconds(2);
  bool try_one_pc = false;
  // client-go txnCommitBatchSize.
  size_t txn_commit_batch_size = 16 * 1024;
  // client-go defaultLockTTL, ManagedLockTTL, TTLRefreshedTxnSize.
  uint64_t default_lock_ttl_ms = 3000;
  uint64_t managed_lock_ttl_ms = 20000;
  uint64_t ttl_refreshed_txn_size = 32 * 1024 * 1024;
  // How long LockKeys waits out another txn's live lock (the store answers
  // at once; the client backs off and asks again). Zero: no wait.
  core::base::Duration lock_wait_timeout = core::base::Duration::Seconds(3);
  // Test hook: called after a successful prewrite; false stops the commit
  // there (a client crashing mid-commit: its locks stay).
  std::function<bool(uint64_t start_ts)> after_prewrite;
  // Test hook: called after the primary committed; false skips the
  // secondaries (a client crashing there: readers roll them forward).
  std::function<bool(uint64_t start_ts)> after_primary_commit;
};

// What a transaction's parts share; every referent outlives them.
struct TxnEnv {
  core::env::Executor& executor;
  core::env::Clock& clock;
  core::env::Random& random;
  locate::RegionRequestSender& sender;
  LockResolver& resolver;
  Oracle& oracle;
  const TxnClientOptions& options;

  retry::Backoffer NewBackoffer(core::base::Duration budget) const {
    return retry::Backoffer(executor, budget, random.NextU64());
  }
};

struct Mutation {
  kvrpcpb::Op op = kvrpcpb::Put;
  std::string key;
  std::string value;
  // Locked pessimistically (prewrite: DO_PESSIMISTIC_CHECK).
  bool pessimistic = false;
};

// Keeps a primary lock alive: TxnHeartBeat every managed_lock_ttl / 2 with
// advise_lock_ttl = time since Begin + managed_lock_ttl, until stopped or
// the store refuses.
class TtlManager {
 public:
  void Start(const TxnEnv& env, const std::string& primary, uint64_t start_ts,
             core::base::Instant begin_at);
  void Stop();
  bool running() const { return state_ != nullptr && !state_->stopped; }
  uint64_t heartbeats() const { return state_ ? state_->heartbeats : 0; }

 private:
  struct State {
    bool stopped = false;
    uint64_t heartbeats = 0;
  };
  std::shared_ptr<State> state_;
};

struct CommitterStats {
  uint64_t prewrite_batches = 0;
  uint64_t commit_batches = 0;
  uint64_t secondary_failures = 0;
};

class Committer : public std::enable_shared_from_this<Committer> {
 public:
  Committer(const TxnEnv& env, uint64_t start_ts, core::base::Instant begin_at,
            std::vector<Mutation> mutations, std::string primary,
            uint64_t for_update_ts, TtlManager& ttl);

  absl::Status Execute();
  uint64_t commit_ts() const { return commit_ts_; }
  bool one_pc() const { return one_pc_; }
  bool async_commit() const { return async_commit_; }
  const CommitterStats& stats() const { return stats_; }

 private:
  void Decide();
  uint64_t LockTtlMs() const;
  absl::Status Prewrite();
  absl::StatusOr<std::optional<errorpb::Error>> PrewriteBatch(
      retry::Backoffer& bo, const Batch& batch);
  kvrpcpb::PrewriteRequest PrewriteRequest(const Batch& batch) const;
  absl::Status CommitPrimary();
  absl::StatusOr<std::optional<errorpb::Error>> CommitBatch(
      retry::Backoffer& bo, const Batch& batch);
  // Commits every key but the primary (all of them for async commit).
  absl::Status CommitSecondaries(bool with_primary);
  // The same on a fibre of its own.
  void CommitSecondariesInBackground(bool with_primary);
  absl::Status Cleanup();

  TxnEnv env_;
  uint64_t start_ts_;
  core::base::Instant begin_at_;
  std::vector<Mutation> mutations_;
  std::vector<std::string> keys_;
  std::string primary_;
  uint64_t for_update_ts_;
  TtlManager& ttl_;
  BatchPlan prewrite_plan_;
  BatchPlan key_plan_;
  bool one_pc_ = false;
  bool async_commit_ = false;
  uint64_t min_commit_ts_ = 0;
  uint64_t one_pc_commit_ts_ = 0;
  uint64_t commit_ts_ = 0;
  // The primary batch's keys (committed with the primary).
  std::vector<size_t> primary_batch_;
  // The store answered the primary's commit with a KeyError.
  bool primary_answered_ = false;
  CommitterStats stats_;
};

}  // namespace client::txnkv

#endif  // CLIENT_TXNKV_COMMITTER_H_
