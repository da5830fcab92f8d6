// Write: the record in CF_WRITE at key+!commit_ts (for a Rollback, the
// "commit_ts" is the rolled-back transaction's start_ts).
//
// Layout (Ref: tikv components/txn_types/src/write.rs, Write::to_bytes):
//   type byte 'P'|'D'|'L'|'R', var_u64(start_ts), then tagged fields:
//   'v' u8 len + short value    'R' has_overlapped_rollback
//   'F' u64 gc_fence            'l' u64 last_change_ts + var_u64 versions
//   'S' var_u64 txn_source
// A protected Rollback carries the short value "p"; it is never collapsed, so
// a late prewrite of a rolled-back primary always finds it.
#ifndef CORE_MVCC_WRITE_H_
#define CORE_MVCC_WRITE_H_

#include <cstdint>
#include <optional>
#include <ostream>

#include "absl/status/statusor.h"
#include "core/base/bytes.h"
#include "core/base/timestamp.h"
#include "core/mvcc/lock.h"

namespace core::mvcc {

// DO NOT CHANGE: persisted type bytes.
enum class WriteType : char {
  kPut = 'P',
  kDelete = 'D',
  kLock = 'L',
  kRollback = 'R',
};

const char* WriteTypeName(WriteType type);
// Put/Delete/Lock locks become Put/Delete/Lock writes; a pessimistic lock has
// no write type (CHECK).
WriteType WriteTypeFromLockType(LockType type);

struct Write {
  WriteType write_type = WriteType::kPut;
  base::TimeStamp start_ts;
  std::optional<Bytes> short_value;
  // A rollback of another transaction at this record's commit_ts happened.
  bool has_overlapped_rollback = false;
  // Set together with has_overlapped_rollback: the commit_ts of the next newer
  // Put/Delete of the key when the flag was set (0 when there was none).
  // Reads at ts >= gc_fence must not treat this record as the latest.
  std::optional<base::TimeStamp> gc_fence;
  base::TimeStamp last_change_ts;
  uint64_t versions_to_last_change = 0;
  uint64_t txn_source = 0;

  static Write NewRollback(base::TimeStamp start_ts, bool is_protected);

  Bytes Encode() const;
  // InvalidArgument on malformed bytes.
  static absl::StatusOr<Write> Parse(BytesView bytes);

  bool IsProtectedRollback() const;
  // Ref: tikv write.rs check_gc_fence_as_latest_version.
  bool CheckGcFenceAsLatestVersion(base::TimeStamp read_ts) const;
  // Put or Delete: a record that changes the value.
  bool IsDataChange() const {
    return write_type == WriteType::kPut || write_type == WriteType::kDelete;
  }

  bool operator==(const Write&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Write& write);

}  // namespace core::mvcc

#endif  // CORE_MVCC_WRITE_H_
