// ConcurrencyManager: per-store state shared by reads and async-commit/1PC
// prewrites. Pure data structure; the driver owns one per store and calls it
// from its single executor.
//
// Ref: tikv components/concurrency_manager (max_ts, lock_table),
// tikv.md §2.3.
//
// max_ts is the largest timestamp any reader (or CheckTxnStatus caller) has
// used on this store. An async-commit or 1PC prewrite computes
//   min_commit_ts = max(max_ts, start_ts, for_update_ts) + 1
// after placing its lock in the in-memory lock table, so a reader either
// raised max_ts before (and the commit_ts lands above its read ts) or sees
// the memory lock and waits. Invariant (AsyncCommitTsAboveReads): an async
// commit never commits at or below a read timestamp that was served without
// seeing its lock.
#ifndef CORE_TXN_CONCURRENCY_MANAGER_H_
#define CORE_TXN_CONCURRENCY_MANAGER_H_

#include <functional>
#include <map>
#include <optional>

#include "core/base/timestamp.h"
#include "core/mvcc/errors.h"
#include "core/mvcc/key.h"
#include "core/mvcc/lock.h"

namespace core::txn {

using mvcc::Key;
using mvcc::Lock;

class ConcurrencyManager {
 public:
  explicit ConcurrencyManager(
      base::TimeStamp initial_max_ts = base::TimeStamp::Zero())
      : max_ts_(initial_max_ts) {}

  base::TimeStamp max_ts() const { return max_ts_; }
  // Raises max_ts to ts. base::TimeStamp::Max() ("read the latest") is ignored,
  // as in TiKV, since no commit could land above it.
  void UpdateMaxTs(base::TimeStamp ts);

  // Places (or replaces) the in-memory lock of `key`. Each key has at most
  // one memory lock: latches keep two commands off the same key.
  void LockKey(const Key& key, const Lock& lock);
  void ReleaseKey(const Key& key);
  std::optional<Lock> GetMemoryLock(const Key& key) const;

  // Runs `check` on the memory lock of `key`, if any; returns its error.
  mvcc::Outcome ReadKeyCheck(
      const Key& key,
      const std::function<mvcc::Outcome(const Lock&)>& check) const;
  // Same for every memory lock with encoded key in [lower, upper) (unbounded
  // when upper is nullopt), in key order; stops at the first error.
  mvcc::Outcome ReadRangeCheck(
      const Key& lower, const std::optional<Key>& upper,
      const std::function<mvcc::Outcome(const Key&, const Lock&)>& check) const;

  // The smallest start_ts among memory locks (resolved-ts), if any.
  std::optional<base::TimeStamp> GlobalMinLockTs() const;
  size_t memory_lock_count() const { return lock_table_.size(); }

 private:
  base::TimeStamp max_ts_;
  std::map<Key, Lock> lock_table_;
};

}  // namespace core::txn

#endif  // CORE_TXN_CONCURRENCY_MANAGER_H_
