#include "core/txn/concurrency_manager.h"

#include "core/base/check.h"

namespace core::txn {

void ConcurrencyManager::UpdateMaxTs(base::TimeStamp ts) {
  if (ts.IsMax()) return;
  if (ts > max_ts_) max_ts_ = ts;
}

void ConcurrencyManager::LockKey(const Key& key, const Lock& lock) {
  auto it = lock_table_.find(key);
  if (it != lock_table_.end()) {
    CHECK_EQ(it->second.ts, lock.ts)
        << "two transactions hold the memory lock of " << key;
  }
  lock_table_[key] = lock;
}

void ConcurrencyManager::ReleaseKey(const Key& key) { lock_table_.erase(key); }

std::optional<Lock> ConcurrencyManager::GetMemoryLock(const Key& key) const {
  auto it = lock_table_.find(key);
  if (it == lock_table_.end()) return std::nullopt;
  return it->second;
}

mvcc::Outcome ConcurrencyManager::ReadKeyCheck(
    const Key& key,
    const std::function<mvcc::Outcome(const Lock&)>& check) const {
  auto it = lock_table_.find(key);
  if (it == lock_table_.end()) return base::Unit{};
  return check(it->second);
}

mvcc::Outcome ConcurrencyManager::ReadRangeCheck(
    const Key& lower, const std::optional<Key>& upper,
    const std::function<mvcc::Outcome(const Key&, const Lock&)>& check) const {
  for (auto it = lock_table_.lower_bound(lower); it != lock_table_.end();
       ++it) {
    if (upper.has_value() && !(it->first < *upper)) break;
    mvcc::Outcome outcome = check(it->first, it->second);
    if (!outcome.ok()) return outcome;
  }
  return base::Unit{};
}

std::optional<base::TimeStamp> ConcurrencyManager::GlobalMinLockTs() const {
  std::optional<base::TimeStamp> min_ts;
  for (const auto& [key, lock] : lock_table_) {
    if (!min_ts.has_value() || lock.ts < *min_ts) min_ts = lock.ts;
  }
  return min_ts;
}

}  // namespace core::txn
