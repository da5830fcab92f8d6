// KvGet / KvScan as a store serves them: raise max_ts to the read ts, check
// the concurrency manager's in-memory locks (async-commit/1PC prewrites in
// flight), then read the snapshot with TiKV's lock-visibility rules.
//
// Ref: tikv src/storage/mod.rs (get, scan: prepare_snap_ctx, that is
// update_max_ts + check the memory locks, before the snapshot is taken).
// Invariant (AsyncCommitTsAboveReads) depends on the order: max_ts first.
// Under read committed (mvcc::IsolationLevel::kRc) max_ts is still raised
// but locks, in memory or not, are ignored.
#ifndef CORE_TXN_TXN_READ_H_
#define CORE_TXN_TXN_READ_H_

#include <optional>
#include <vector>

#include "core/mvcc/errors.h"
#include "core/mvcc/reader.h"
#include "core/mvcc/snapshot_read.h"
#include "core/txn/concurrency_manager.h"

namespace core::txn {

// The part of a read that must come before its snapshot is taken: raise
// max_ts to read_ts (so that an async-commit / 1PC prewrite that has not yet
// computed its min_commit_ts commits above read_ts), then check the memory
// locks of the prewrites that have (their batch may not be applied yet). A
// driver whose snapshot can park (a Raft read) calls this first; TxnGet and
// TxnScan repeat it, which is cheap and keeps a caller that already holds a
// snapshot safe. InvalidRequest for an empty or oversized key or a zero ts.
mvcc::Outcome PrepareKeysRead(ConcurrencyManager& cm,
                              const std::vector<mvcc::Bytes>& raw_keys,
                              base::TimeStamp read_ts,
                              const mvcc::ReadOptions& options);
mvcc::Outcome PrepareRangeRead(ConcurrencyManager& cm,
                               const mvcc::ScanOptions& options);

// InvalidRequest for an empty or oversized key or a zero read ts.
mvcc::Result<std::optional<mvcc::ValueAtTs>> TxnGet(
    ConcurrencyManager& cm, mvcc::MvccReader& reader, mvcc::BytesView raw_key,
    base::TimeStamp read_ts, const mvcc::ReadOptions& options);

mvcc::Result<std::vector<mvcc::KvPair>> TxnScan(
    ConcurrencyManager& cm, mvcc::MvccReader& reader,
    const mvcc::ScanOptions& options);

}  // namespace core::txn

#endif  // CORE_TXN_TXN_READ_H_
