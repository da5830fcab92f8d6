// ScanLock: the locks with start_ts <= max_version in a raw key range, for GC
// and for clients resolving a region's locks.
// Ref: tikv src/storage/txn/commands/scan_lock.rs.
#ifndef CORE_TXN_ACTIONS_SCAN_LOCK_H_
#define CORE_TXN_ACTIONS_SCAN_LOCK_H_

#include <cstddef>
#include <optional>
#include <vector>

#include "core/mvcc/errors.h"
#include "core/mvcc/reader.h"
#include "core/txn/actions/txn_types.h"

namespace core::txn::actions {

struct ScanLockArgs {
  base::TimeStamp max_version;
  Bytes start_key;
  std::optional<Bytes> end_key;
  // 0: unlimited.
  size_t limit = 0;
};

mvcc::Result<std::vector<mvcc::LockInfo>> ScanLock(mvcc::MvccReader& reader,
                                                   const ScanLockArgs& args);

}  // namespace core::txn::actions

#endif  // CORE_TXN_ACTIONS_SCAN_LOCK_H_
