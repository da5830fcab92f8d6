// The storage layer's commands and results: plain structs over core types,
// one per kvrpcpb request / response, named as TiKV's storage commands
// (src/storage/txn/commands/*.rs for writes, src/storage/mod.rs for reads
// and raw KV), so the tikvpb.Tikv binding is a thin kvrpcpb <-> struct
// mapping. Where a core type already is the response (PrewriteResult,
// TxnStatus, SecondaryLocksStatus) it is used as is.
//
// Keys are raw user keys; timestamps are TSO timestamps.
#ifndef STORE_STORAGE_COMMANDS_H_
#define STORE_STORAGE_COMMANDS_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "core/base/timestamp.h"
#include "core/env/engine.h"
#include "core/mvcc/errors.h"
#include "core/mvcc/lock.h"
#include "core/mvcc/snapshot_read.h"
#include "core/rawkv/raw_kv.h"
#include "core/txn/actions/check_secondary_locks.h"
#include "core/txn/actions/prewrite.h"
#include "core/txn/actions/resolve_lock.h"
#include "core/txn/actions/txn_types.h"
#include "store/storage/engine.h"
#include "store/storage/region_error.h"

namespace store::storage {

using core::base::Bytes;
using core::base::TimeStamp;
using core::mvcc::IsolationLevel;
// A user-key range [start_key, end_key); an empty end is unbounded.
using core::rawkv::KeyRange;

// kvrpcpb.Context: where the request goes and how it reads.
struct Context {
  RequestRoute route;
  IsolationLevel isolation_level = IsolationLevel::kSi;
  // start_ts of transactions whose locks the client resolved: reads pass
  // them (kvrpcpb resolved_locks).
  std::set<TimeStamp> resolved_locks;
  bool replica_read = false;
  bool stale_read = false;
};

// Why a command failed. A RegionError becomes the response's region_error
// (the client re-routes or retries); an mvcc::Error is the KeyError of a
// transactional response or the `error` string of a raw one. It also carries
// bad input (InvalidRequest: keys over 8 KiB, empty keys, values over the
// entry limit, start_ts 0, commit_ts <= start_ts, ...) and engine failures
// (StorageError).
using Error = std::variant<RegionError, core::mvcc::Error>;
template <typename T>
using Result = core::base::Result<T, Error>;
using Outcome = Result<core::base::Unit>;

std::string ErrorToString(const Error& error);

// ---------------------------------------------------------------------------
// Transactional writes (each runs under the latches of its keys).

// KvPrewrite. `for_update_ts` non-zero makes it pessimistic.
struct Prewrite {
  std::vector<core::txn::actions::Mutation> mutations;
  Bytes primary;
  TimeStamp start_ts;
  uint64_t lock_ttl = 0;
  uint64_t txn_size = 0;
  TimeStamp for_update_ts;
  // One per mutation, or empty (no pessimistic checks).
  std::vector<core::txn::actions::PessimisticAction> pessimistic_actions;
  TimeStamp min_commit_ts;
  TimeStamp max_commit_ts;
  bool use_async_commit = false;
  // Async commit: the secondary keys, stored in the primary lock.
  std::vector<Bytes> secondary_keys;
  bool try_one_pc = false;
};
// locks (KeyIsLocked per locked key; nothing written when non-empty),
// min_commit_ts (async commit), one_pc_commit_ts (1PC).
using PrewriteResult = core::txn::actions::PrewriteResult;

// KvCommit.
struct Commit {
  std::vector<Bytes> keys;
  TimeStamp lock_ts;
  TimeStamp commit_ts;
};
struct CommitResult {
  TimeStamp commit_ts;
};

// KvCleanup: roll back `key` of start_ts unless its lock is alive at
// current_ts (zero: regardless of the TTL).
struct Cleanup {
  Bytes key;
  TimeStamp start_ts;
  TimeStamp current_ts;
};

// KvBatchRollback.
struct BatchRollback {
  std::vector<Bytes> keys;
  TimeStamp start_ts;
};

// KvCheckTxnStatus (the decision table is reference tikv.md §2.6).
struct CheckTxnStatus {
  Bytes primary_key;
  TimeStamp lock_ts;
  TimeStamp caller_start_ts;
  TimeStamp current_ts;
  bool rollback_if_not_exist = true;
  bool force_sync_commit = false;
  bool resolving_pessimistic_lock = false;
  bool verify_is_primary = true;
};
using CheckTxnStatusResult = core::txn::actions::TxnStatus;

// KvCheckSecondaryLocks.
struct CheckSecondaryLocks {
  std::vector<Bytes> keys;
  TimeStamp start_ts;
};
using CheckSecondaryLocksResult = core::txn::actions::SecondaryLocksStatus;

// KvResolveLock: commit (commit_ts > 0) or roll back (0) the locks of every
// transaction in txn_status, on `keys` or, when empty, on every key of the
// region (scanned in batches, each its own latched write).
struct ResolveLock {
  core::txn::actions::TxnStatusMap txn_status;
  std::vector<Bytes> keys;
};
struct ResolveLockResult {
  size_t resolved = 0;
};

// KvTxnHeartBeat.
struct TxnHeartBeat {
  Bytes primary_key;
  TimeStamp start_ts;
  uint64_t advise_ttl = 0;
  // Zero: leave min_commit_ts alone.
  TimeStamp min_commit_ts;
};
struct TxnHeartBeatResult {
  uint64_t lock_ttl = 0;
};

// KvPessimisticLock. A key locked by another transaction fails the request
// with KeyIsLocked at once: there is no lock manager to wait in yet.
struct AcquirePessimisticLock {
  std::vector<Bytes> keys;
  Bytes primary;
  TimeStamp start_ts;
  TimeStamp for_update_ts;
  uint64_t lock_ttl = 0;
  bool should_not_exist = false;
  bool return_values = false;
  TimeStamp min_commit_ts;
};
struct AcquirePessimisticLockResult {
  // With return_values: one per key, nullopt for no value.
  std::vector<std::optional<Bytes>> values;
};

// KVPessimisticRollback.
struct PessimisticRollback {
  std::vector<Bytes> keys;
  TimeStamp start_ts;
  TimeStamp for_update_ts;
};

// GC of every key in [start_key, end_key) (empty end: the region's end)
// below safe_point (Ref: tikv src/server/gc_worker/gc_worker.rs gc, per-key
// src/storage/txn/actions/gc.rs). A lock at or below the safe point fails
// it with KeyIsLocked: the GC driver resolves locks first.
struct Gc {
  TimeStamp safe_point;
  Bytes start_key;
  Bytes end_key;
};
struct GcResult {
  size_t keys_scanned = 0;
  size_t deleted_versions = 0;
};

// KvDeleteRange: every version and lock of [start_key, end_key), through
// the engine like any write. Takes no latches (as in TiKV): the caller
// makes sure nothing writes the range meanwhile.
struct DeleteRange {
  Bytes start_key;
  Bytes end_key;
};

// KvScanLock: locks with ts <= max_ts in [start_key, end_key) (empty end:
// the region's end), at most `limit` (0: no limit), memory locks included.
struct ScanLock {
  TimeStamp max_ts;
  Bytes start_key;
  Bytes end_key;
  size_t limit = 0;
};
struct ScanLockResult {
  std::vector<core::mvcc::LockInfo> locks;
};

// ---------------------------------------------------------------------------
// Transactional reads (no latches; SI reads raise max_ts and meet locks, RC
// reads skip locks).

// KvGet at start_ts.
struct Get {
  Bytes key;
  TimeStamp start_ts;
};
struct GetResult {
  std::optional<Bytes> value;
  // The commit_ts of the version read (kvrpcpb need_commit_ts).
  TimeStamp commit_ts;
};

// KvBatchGet: a locked key is a pair with its KeyIsLocked, as TiKV's
// per-pair error; absent keys are left out.
struct BatchGet {
  std::vector<Bytes> keys;
  TimeStamp start_ts;
};
struct BatchGetResult {
  std::vector<core::mvcc::KvPair> pairs;
};

// KvScan. Forward: [start_key, end_key). Reverse: from start_key
// (exclusive) down to end_key, as kvrpcpb has it. An empty bound is the
// region's edge.
struct Scan {
  Bytes start_key;
  Bytes end_key;
  TimeStamp start_ts;
  size_t limit = 0;
  bool key_only = false;
  bool reverse = false;
};
struct ScanResult {
  std::vector<core::mvcc::KvPair> pairs;
};

// ---------------------------------------------------------------------------
// Raw KV (core/rawkv semantics). Every raw write runs under the latches of
// its keys, so a RawCompareAndSwap is atomic with respect to every other raw
// write of its key (TiKV's atomic mode, which it needs for CAS); a
// RawDeleteRange takes none and is not atomic with respect to concurrent
// writes of its range.

struct RawGet {
  core::env::Cf cf = core::env::Cf::kDefault;
  Bytes key;
};
struct RawGetResult {
  std::optional<Bytes> value;
};

struct RawBatchGet {
  core::env::Cf cf = core::env::Cf::kDefault;
  std::vector<Bytes> keys;
};
struct RawBatchGetResult {
  // Found pairs, in request order.
  std::vector<core::rawkv::KvPair> pairs;
};

struct RawPut {
  core::env::Cf cf = core::env::Cf::kDefault;
  Bytes key;
  Bytes value;
  uint64_t ttl_seconds = 0;
};

struct RawBatchPut {
  core::env::Cf cf = core::env::Cf::kDefault;
  std::vector<core::rawkv::KvPair> pairs;
  // Empty, one for all, or one per pair.
  std::vector<uint64_t> ttls_seconds;
};

struct RawDelete {
  core::env::Cf cf = core::env::Cf::kDefault;
  Bytes key;
};

struct RawBatchDelete {
  core::env::Cf cf = core::env::Cf::kDefault;
  std::vector<Bytes> keys;
};

struct RawDeleteRange {
  core::env::Cf cf = core::env::Cf::kDefault;
  Bytes start_key;
  Bytes end_key;
};

// Forward: [start_key, end_key). Reverse: from start_key (exclusive) down
// to end_key. An empty bound is the region's edge.
struct RawScan {
  core::env::Cf cf = core::env::Cf::kDefault;
  Bytes start_key;
  Bytes end_key;
  size_t limit = 0;
  bool key_only = false;
  bool reverse = false;
};
struct RawScanResult {
  std::vector<core::rawkv::KvPair> pairs;
};

// RawCompareAndSwap: when the key's value is previous_value (nullopt: the
// key must not exist), store `value` (nullopt: delete the key).
struct RawCompareAndSwap {
  core::env::Cf cf = core::env::Cf::kDefault;
  Bytes key;
  std::optional<Bytes> previous_value;
  std::optional<Bytes> value;
  uint64_t ttl_seconds = 0;
};
struct RawCompareAndSwapResult {
  bool succeed = false;
  std::optional<Bytes> previous_value;
};

struct RawGetKeyTtl {
  core::env::Cf cf = core::env::Cf::kDefault;
  Bytes key;
};
struct RawGetKeyTtlResult {
  // Seconds left; 0: no TTL; nullopt: not found (absent or expired).
  std::optional<uint64_t> ttl_seconds;
};

// RawChecksum (Crc64_Xor) of CF_DEFAULT over `ranges`; an empty end is the
// region's end.
struct RawChecksum {
  std::vector<core::rawkv::KeyRange> ranges;
};
using RawChecksumResult = core::rawkv::ChecksumResult;

}  // namespace store::storage

#endif  // STORE_STORAGE_COMMANDS_H_
