// Lock: the record in CF_LOCK under a key's encoded bytes (no timestamp).
//
// Layout (Ref: tikv components/txn_types/src/lock.rs, Lock::to_bytes):
//   type byte 'P'|'D'|'L'|'S'
//   compact_bytes(primary)          zigzag-varint length + raw primary key
//   var_u64(start_ts) var_u64(ttl)
//   then optional fields, each behind a one-byte tag, in this order:
//   'v' u8 len + short value        'f' u64 for_update_ts
//   't' u64 txn_size                'c' u64 min_commit_ts
//   'a' var_u64 n + n compact_bytes secondaries (async commit)
//   'r' var_u64 n + n u64 rollback_ts
//   'l' u64 last_change_ts + var_u64 versions_to_last_change
//   's' var_u64 txn_source          'F' locked with conflict
//   'g' u64 generation
// u64 fields are big-endian. As in TiKV, parsing stops at an unknown tag so
// newer writers stay readable; a truncated field or unknown type is an error.
#ifndef CORE_MVCC_LOCK_H_
#define CORE_MVCC_LOCK_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/base/bytes.h"
#include "core/base/timestamp.h"

namespace core::mvcc {

using base::Bytes;
using base::BytesView;

// DO NOT CHANGE: persisted. The largest value inlined in a lock or write
// record; longer values go to CF_DEFAULT at key+start_ts
// (tikv components/txn_types/src/types.rs SHORT_VALUE_MAX_LEN).
inline constexpr size_t kShortValueMaxLen = 255;

// DO NOT CHANGE: persisted type bytes.
enum class LockType : char {
  kPut = 'P',
  kDelete = 'D',
  // A read lock (SELECT FOR UPDATE in an optimistic txn); never blocks reads.
  kLock = 'L',
  // A pessimistic lock placeholder (no value); never blocks reads.
  kPessimistic = 'S',
};

const char* LockTypeName(LockType type);

// What a reader or writer that hits a lock learns about it (kvrpcpb.LockInfo).
struct LockInfo {
  Bytes primary_lock;
  base::TimeStamp lock_version;
  Bytes key;
  uint64_t lock_ttl = 0;
  uint64_t txn_size = 0;
  LockType lock_type = LockType::kPut;
  base::TimeStamp lock_for_update_ts;
  bool use_async_commit = false;
  base::TimeStamp min_commit_ts;
  std::vector<Bytes> secondaries;

  bool operator==(const LockInfo&) const = default;
};

struct Lock {
  LockType lock_type = LockType::kPut;
  // Raw key of the transaction's primary lock.
  Bytes primary;
  // The transaction's start_ts.
  base::TimeStamp ts;
  // Milliseconds after ts.physical_ms() at which the lock counts as expired.
  uint64_t ttl = 0;
  // The value when it is at most 255 bytes; longer values live in CF_DEFAULT
  // at key+start_ts.
  std::optional<Bytes> short_value;
  // Non-zero for pessimistic transactions.
  base::TimeStamp for_update_ts;
  uint64_t txn_size = 0;
  // Readers with ts < min_commit_ts are not blocked; commit needs
  // commit_ts >= min_commit_ts.
  base::TimeStamp min_commit_ts;
  bool use_async_commit = false;
  // Raw secondary keys; only on an async-commit primary.
  std::vector<Bytes> secondaries;
  // start_ts of other transactions rolled back on this key while this lock
  // existed; committing at one of them marks the write overlapped.
  std::vector<base::TimeStamp> rollback_ts;
  base::TimeStamp last_change_ts;
  uint64_t versions_to_last_change = 0;
  uint64_t txn_source = 0;
  bool is_locked_with_conflict = false;
  uint64_t generation = 0;

  Bytes Encode() const;
  // InvalidArgument on malformed bytes.
  static absl::StatusOr<Lock> Parse(BytesView bytes);

  LockInfo ToLockInfo(BytesView raw_key) const;
  bool IsPessimisticLock() const { return lock_type == LockType::kPessimistic; }
  // Whether ts.physical_ms() + ttl < current_ts.physical_ms().
  bool IsExpired(base::TimeStamp current_ts) const;

  bool operator==(const Lock&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Lock& lock);

}  // namespace core::mvcc

#endif  // CORE_MVCC_LOCK_H_
