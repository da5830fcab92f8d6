// ResolveLock: finish the transactions whose fate is known, on every key
// they hold a lock in (a region, or a list of keys).
// Ref: tikv src/storage/txn/commands/resolve_lock.rs; tikv.md §2.5 step 4.
//
// For each lock whose start_ts is in `txn_status`: commit_ts > 0 commits
// it (Commit), 0 rolls it back (Cleanup without TTL check). A commit_ts not
// above the lock's start_ts is InvalidRequest. Locks of other transactions
// are left alone.
#ifndef CORE_TXN_ACTIONS_RESOLVE_LOCK_H_
#define CORE_TXN_ACTIONS_RESOLVE_LOCK_H_

#include <cstddef>
#include <map>
#include <optional>
#include <vector>

#include "core/mvcc/errors.h"
#include "core/mvcc/mvcc_txn.h"
#include "core/mvcc/reader.h"
#include "core/txn/actions/txn_types.h"

namespace core::txn::actions {

// start_ts -> commit_ts (zero: roll back).
using TxnStatusMap = std::map<base::TimeStamp, base::TimeStamp>;

// Resolves one lock found on `key`.
mvcc::Outcome ResolveLock(mvcc::MvccTxn& txn, mvcc::MvccReader& reader,
                          const Key& key, const Lock& lock,
                          base::TimeStamp commit_ts);

struct ResolveLockArgs {
  TxnStatusMap txn_status;
  // Resolve only these raw keys; empty: scan [lower_bound, upper_bound).
  std::vector<Bytes> keys;
  Bytes lower_bound;
  std::optional<Bytes> upper_bound;
  // At most this many locks per call when scanning (0: unlimited). A
  // caller loops while `scanned_all` is false.
  size_t scan_limit = 0;
};

struct ResolveLockResult {
  size_t resolved = 0;
  bool scanned_all = true;
  // Where to continue when !scanned_all.
  Bytes next_lower_bound;
};

mvcc::Result<ResolveLockResult> ResolveLocks(mvcc::MvccTxn& txn,
                                             mvcc::MvccReader& reader,
                                             const ResolveLockArgs& args);

}  // namespace core::txn::actions

#endif  // CORE_TXN_ACTIONS_RESOLVE_LOCK_H_
