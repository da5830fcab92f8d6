// Snapshot-isolation reads: point get and range scans at a read timestamp,
// with TiKV's lock-visibility rules.
//
// Ref: tikv components/txn_types/src/lock.rs (check_ts_conflict_si),
// src/storage/mvcc/reader/point_getter.rs, scanner/{forward,backward}.rs.
//
// A lock blocks a read at read_ts (KeyIsLocked) only when all hold:
//   the read is under snapshot isolation (RC reads ignore locks);
//   lock.ts <= read_ts;
//   the lock is a Put or Delete lock (Lock-type and pessimistic locks never
//     block reads: they do not change the value);
//   lock.min_commit_ts <= read_ts (the writer will commit above read_ts);
//   lock.ts is not in bypass_locks (locks the client already resolved);
//   not (read_ts == Max and the key is the lock's primary and the lock is not
//     async-commit): reading "the latest committed version" of a primary.
// Otherwise the read returns the newest Put with commit_ts <= read_ts, or
// nothing when the newest Put/Delete is a Delete.
//
// The caller must first raise the concurrency manager's max_ts to read_ts and
// check its in-memory locks (core/txn does this); this file only sees the
// snapshot.
#ifndef CORE_MVCC_SNAPSHOT_READ_H_
#define CORE_MVCC_SNAPSHOT_READ_H_

#include <cstddef>
#include <optional>
#include <set>
#include <vector>

#include "core/mvcc/errors.h"
#include "core/mvcc/key.h"
#include "core/mvcc/lock.h"
#include "core/mvcc/reader.h"

namespace core::mvcc {

// kvrpcpb.IsolationLevel. Under read committed (RC) a read never meets a
// lock: it returns the newest committed version at its ts and ignores
// pending writers (Ref: tikv src/storage/mvcc/reader/point_getter.rs,
// IsolationLevel::Rc skips the lock check).
enum class IsolationLevel { kSi, kRc };

struct ReadOptions {
  // start_ts of transactions whose locks the client knows to be resolved
  // (kvrpcpb.Context.resolved_locks).
  std::set<base::TimeStamp> bypass_locks;
  IsolationLevel isolation_level = IsolationLevel::kSi;
};

// Outcome::ok() when `lock` does not block a read of `raw_key` at read_ts;
// otherwise KeyIsLocked carrying the lock's info.
Outcome CheckLockForRead(const Lock& lock, BytesView raw_key,
                         base::TimeStamp read_ts, const ReadOptions& options);

struct ValueAtTs {
  Bytes value;
  base::TimeStamp commit_ts;
  bool operator==(const ValueAtTs&) const = default;
};

// KvGet: the value of `raw_key` at read_ts (nullopt: no value).
Result<std::optional<ValueAtTs>> PointGet(MvccReader& reader, BytesView raw_key,
                                          base::TimeStamp read_ts,
                                          const ReadOptions& options);

struct ScanOptions {
  // Raw user-key range [lower_bound, upper_bound); an absent upper bound is
  // unbounded. A reverse scan walks it from the top.
  Bytes lower_bound;
  std::optional<Bytes> upper_bound;
  base::TimeStamp read_ts;
  // At most this many pairs (errors included); 0 means no limit.
  size_t limit = 0;
  bool key_only = false;
  bool reverse = false;
  ReadOptions read_options;
};

// One scanned key: either a value or the lock that blocked it (TiKV returns
// a per-pair KeyError and keeps scanning).
struct KvPair {
  Bytes key;
  Bytes value;
  std::optional<KeyIsLocked> locked;
  bool operator==(const KvPair&) const = default;
};

// KvScan. Storage errors abort the scan; locks are reported per pair.
Result<std::vector<KvPair>> Scan(MvccReader& reader,
                                 const ScanOptions& options);

}  // namespace core::mvcc

#endif  // CORE_MVCC_SNAPSHOT_READ_H_
