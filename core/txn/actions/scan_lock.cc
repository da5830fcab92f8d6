#include "core/txn/actions/scan_lock.h"

#include <utility>

namespace core::txn::actions {

mvcc::Result<std::vector<mvcc::LockInfo>> ScanLock(mvcc::MvccReader& reader,
                                                   const ScanLockArgs& args) {
  std::optional<Key> upper;
  if (args.end_key.has_value()) upper = Key::FromRaw(*args.end_key);
  auto locks = reader.ScanLocks(
      Key::FromRaw(args.start_key), upper,
      [&](const Lock& lock) { return lock.ts <= args.max_version; },
      args.limit);
  if (!locks.ok()) return base::MakeErr(std::move(locks).error());
  std::vector<mvcc::LockInfo> infos;
  infos.reserve(locks->size());
  for (const mvcc::LockEntry& entry : *locks) {
    auto raw = entry.key.ToRaw();
    if (!raw.ok()) return mvcc::StorageErr(raw.status());
    infos.push_back(entry.lock.ToLockInfo(*raw));
  }
  return infos;
}

}  // namespace core::txn::actions
