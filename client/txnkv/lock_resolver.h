// LockResolver: what a reader or writer does with another transaction's
// lock (tikv/client-go v2.0.4 txnkv/txnlock/lock_resolver.go).
//
//   ASSIGN_OR_RETURN(ResolveResult r, resolver.ResolveLocks(bo, start_ts,
//                                                           locks));
//   if (r.ms_before_txn_expired > 0) back off kBoTxnLockFast, retry;
//   retry with r.pushed in the request's Context.resolved_locks.
//
// For each lock (GetTxnStatusFromLock, then ResolveLocks):
//   * The status of its transaction: the resolved cache first (committed
//     or rolled back txns, 2048 entries, oldest out), else CheckTxnStatus
//     on the primary's region with lock_ts, caller_start_ts, current_ts (a
//     TSO timestamp; u64 max for a TTL-0 lock: resolve it at once) and
//     rollback_if_not_exist (false first). TxnNotFound: while the lock's
//     TTL has not run out a pessimistic lock counts as alive (ttl kept)
//     and others back off kBoTxnNotFound and ask again; once it ran out,
//     ask again with rollback_if_not_exist (the store writes a rollback).
//   * Answers: lock_ttl != 0: alive (ttl); lock_ttl == 0: committed
//     (commit_version) or rolled back (0), both cached. An async-commit
//     primary (lock_info.use_async_commit) is alive while its TTL lasts;
//     after, its outcome is decided from all its keys' CheckSecondaryLocks
//     (any commit_ts: committed there; a key without a lock and no
//     commit_ts: rolled back; else committed at the largest
//     min_commit_ts), then ResolveLock on every region of its keys; a
//     secondary that is no async-commit lock falls back to
//     CheckTxnStatus with force_sync_commit.
//   * Decided (ttl 0): a pessimistic lock is PessimisticRollback'ed (key,
//     for_update_ts); any other ResolveLock'ed: lite (the one key) when the
//     txn is small (txn_size < 16 keys), else the whole region once per
//     txn (cleaned regions remembered).
//   * Alive: ms_before_txn_expired is the least time left; with
//     caller_start_ts != 0 and action MinCommitTsPushed the txn id is
//     `pushed` (a reader may skip that lock; client-go pushes for every
//     live non-pessimistic lock read by a reader).
// Region errors back off kBoRegionMiss and locate again.
//
// Thread-affinity: fibres of one executor; the cache is shared.
#ifndef CLIENT_TXNKV_LOCK_RESOLVER_H_
#define CLIENT_TXNKV_LOCK_RESOLVER_H_

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/locate/region_cache.h"
#include "client/locate/region_request.h"
#include "client/retry/backoff.h"
#include "client/txnkv/oracle.h"
#include "proto/kvrpcpb.pb.h"

namespace client::txnkv {

// A lock met by a request (client-go txnlock.Lock).
struct Lock {
  std::string key;
  std::string primary;
  uint64_t txn_id = 0;  // the locking txn's start_ts
  uint64_t ttl_ms = 0;
  uint64_t txn_size = 0;
  kvrpcpb::Op lock_type = kvrpcpb::Put;
  bool use_async_commit = false;
  uint64_t lock_for_update_ts = 0;
  uint64_t min_commit_ts = 0;

  static Lock FromInfo(const kvrpcpb::LockInfo& info);
};

// A transaction's status (client-go TxnStatus).
struct TxnStatus {
  uint64_t ttl_ms = 0;     // != 0: the lock is alive
  uint64_t commit_ts = 0;  // with ttl 0: committed there (0: rolled back)
  kvrpcpb::Action action = kvrpcpb::NoAction;
  std::optional<kvrpcpb::LockInfo> primary_lock;

  bool IsCommitted() const { return ttl_ms == 0 && commit_ts > 0; }
  bool IsRolledBack() const { return ttl_ms == 0 && commit_ts == 0; }
};

struct ResolveResult {
  // The least time left of the locks still alive; 0 when every lock was
  // resolved.
  int64_t ms_before_txn_expired = 0;
  // Txns whose min_commit_ts was pushed past the caller's start_ts.
  std::vector<uint64_t> pushed;
};

struct LockResolverStats {
  uint64_t check_txn_status = 0;
  uint64_t resolve_lock = 0;
  uint64_t pessimistic_rollback = 0;
  uint64_t check_secondary_locks = 0;
  uint64_t cache_hits = 0;
};

class LockResolver {
 public:
  // client-go's ResolvedCacheSize and bigTxnThreshold.
  static constexpr size_t kResolvedCacheSize = 2048;
  static constexpr uint64_t kBigTxnThreshold = 16;

  LockResolver(locate::RegionRequestSender& sender, Oracle& oracle)
      : sender_(sender), oracle_(oracle) {}

  // `caller_start_ts` 0: a writer (no min_commit_ts push).
  absl::StatusOr<ResolveResult> ResolveLocks(retry::Backoffer& bo,
                                             uint64_t caller_start_ts,
                                             const std::vector<Lock>& locks);
  absl::StatusOr<TxnStatus> GetTxnStatusFromLock(retry::Backoffer& bo,
                                                 const Lock& lock,
                                                 uint64_t caller_start_ts,
                                                 bool force_sync_commit);
  // One CheckTxnStatus (after the cache); NOT_FOUND status for TxnNotFound.
  absl::StatusOr<TxnStatus> GetTxnStatus(
      retry::Backoffer& bo, uint64_t txn_id, const std::string& primary,
      uint64_t caller_start_ts, uint64_t current_ts, bool rollback_if_not_exist,
      bool force_sync_commit, const Lock* lock);

  // The cached outcome of `txn_id`; nullopt when none.
  std::optional<TxnStatus> Resolved(uint64_t txn_id) const;
  const LockResolverStats& stats() const { return stats_; }

 private:
  using RegionSet = std::set<uint64_t>;  // region ids cleaned for one txn
  absl::Status ResolveOne(retry::Backoffer& bo, const Lock& lock,
                          const TxnStatus& status, RegionSet& cleaned);
  absl::Status ResolveLock(retry::Backoffer& bo, const Lock& lock,
                           uint64_t commit_ts, bool lite, RegionSet& cleaned);
  absl::Status ResolvePessimisticLock(retry::Backoffer& bo, const Lock& lock);
  absl::Status ResolveLockAsync(retry::Backoffer& bo, const Lock& lock,
                                const TxnStatus& status, bool* fallback);
  void SaveResolved(uint64_t txn_id, const TxnStatus& status);

  locate::RegionRequestSender& sender_;
  Oracle& oracle_;
  std::map<uint64_t, TxnStatus> resolved_;
  std::deque<uint64_t> resolved_order_;
  LockResolverStats stats_;
};

}  // namespace client::txnkv

#endif  // CLIENT_TXNKV_LOCK_RESOLVER_H_
