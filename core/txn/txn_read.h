// KvGet / KvScan as a store serves them: raise max_ts to the read ts, check
// the concurrency manager's in-memory locks (async-commit/1PC prewrites in
// flight), then read the snapshot with TiKV's lock-visibility rules.
//
// Ref: tikv src/storage/mod.rs (get, scan: update_max_ts + check_key_locked).
// Invariant (AsyncCommitTsAboveReads) depends on the order: max_ts first.
#ifndef CORE_TXN_TXN_READ_H_
#define CORE_TXN_TXN_READ_H_

#include <optional>
#include <vector>

#include "core/mvcc/errors.h"
#include "core/mvcc/reader.h"
#include "core/mvcc/snapshot_read.h"
#include "core/txn/concurrency_manager.h"

namespace core::txn {

// InvalidRequest for an empty or oversized key or a zero read ts.
mvcc::Result<std::optional<mvcc::ValueAtTs>> TxnGet(
    ConcurrencyManager& cm, mvcc::MvccReader& reader, mvcc::BytesView raw_key,
    base::TimeStamp read_ts, const mvcc::ReadOptions& options);

mvcc::Result<std::vector<mvcc::KvPair>> TxnScan(
    ConcurrencyManager& cm, mvcc::MvccReader& reader,
    const mvcc::ScanOptions& options);

}  // namespace core::txn

#endif  // CORE_TXN_TXN_READ_H_
