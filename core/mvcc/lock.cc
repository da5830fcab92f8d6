#include "core/mvcc/lock.h"

#include "absl/status/status.h"
#include "core/base/check.h"
#include "core/base/status_macros.h"
#include "core/mvcc/record_codec.h"

namespace core::mvcc {
namespace {

// DO NOT CHANGE: persisted field tags.
constexpr char kShortValuePrefix = 'v';
constexpr char kForUpdateTsPrefix = 'f';
constexpr char kTxnSizePrefix = 't';
constexpr char kMinCommitTsPrefix = 'c';
constexpr char kAsyncCommitPrefix = 'a';
constexpr char kRollbackTsPrefix = 'r';
constexpr char kLastChangePrefix = 'l';
constexpr char kTxnSourcePrefix = 's';
constexpr char kLockedWithConflictPrefix = 'F';
constexpr char kGenerationPrefix = 'g';

bool ParseLockType(char byte, LockType* type) {
  switch (byte) {
    case 'P':
    case 'D':
    case 'L':
    case 'S':
      *type = static_cast<LockType>(byte);
      return true;
    default:
      return false;
  }
}

absl::Status ParseSecondaries(BytesView* in, Lock* lock) {
  uint64_t count = 0;
  RETURN_IF_ERROR(internal::GetVarU64(in, &count, "secondaries count"));
  // Each secondary takes at least one byte, which bounds the reservation.
  if (count > in->size()) {
    return absl::InvalidArgumentError("lock: secondaries count too large");
  }
  lock->use_async_commit = true;
  lock->secondaries.resize(count);
  for (Bytes& secondary : lock->secondaries) {
    RETURN_IF_ERROR(internal::GetCompactBytes(in, &secondary, "secondary"));
  }
  return absl::OkStatus();
}

absl::Status ParseRollbackTs(BytesView* in, Lock* lock) {
  uint64_t count = 0;
  RETURN_IF_ERROR(internal::GetVarU64(in, &count, "rollback_ts count"));
  if (count > in->size() / 8) {
    return absl::InvalidArgumentError("lock: rollback_ts count too large");
  }
  lock->rollback_ts.resize(count);
  for (base::TimeStamp& ts : lock->rollback_ts) {
    RETURN_IF_ERROR(internal::GetTs(in, &ts, "rollback_ts"));
  }
  return absl::OkStatus();
}

// Parses one tagged field. Sets *stop for an unknown tag (forward
// compatibility: fields are written in order, so nothing after it is ours).
absl::Status ParseLockField(char tag, BytesView* in, Lock* lock, bool* stop) {
  uint64_t u = 0;
  switch (tag) {
    case kShortValuePrefix:
      return internal::GetShortValue(in, &lock->short_value);
    case kForUpdateTsPrefix:
      return internal::GetTs(in, &lock->for_update_ts, "for_update_ts");
    case kTxnSizePrefix:
      return internal::GetU64(in, &lock->txn_size, "txn_size");
    case kMinCommitTsPrefix:
      return internal::GetTs(in, &lock->min_commit_ts, "min_commit_ts");
    case kAsyncCommitPrefix:
      return ParseSecondaries(in, lock);
    case kRollbackTsPrefix:
      return ParseRollbackTs(in, lock);
    case kLastChangePrefix:
      RETURN_IF_ERROR(
          internal::GetTs(in, &lock->last_change_ts, "last_change"));
      return internal::GetVarU64(in, &lock->versions_to_last_change,
                                 "versions_to_last_change");
    case kTxnSourcePrefix:
      return internal::GetVarU64(in, &lock->txn_source, "txn_source");
    case kLockedWithConflictPrefix:
      lock->is_locked_with_conflict = true;
      return absl::OkStatus();
    case kGenerationPrefix:
      RETURN_IF_ERROR(internal::GetU64(in, &u, "generation"));
      lock->generation = u;
      return absl::OkStatus();
    default:
      *stop = true;
      return absl::OkStatus();
  }
}

}  // namespace

const char* LockTypeName(LockType type) {
  switch (type) {
    case LockType::kPut:
      return "Put";
    case LockType::kDelete:
      return "Delete";
    case LockType::kLock:
      return "Lock";
    case LockType::kPessimistic:
      return "Pessimistic";
  }
  return "Unknown";
}

Bytes Lock::Encode() const {
  Bytes out;
  out.push_back(static_cast<char>(lock_type));
  internal::PutCompactBytes(&out, primary);
  base::PutVarint64(&out, ts.value());
  base::PutVarint64(&out, ttl);
  if (short_value.has_value()) {
    out.push_back(kShortValuePrefix);
    internal::PutShortValue(&out, *short_value);
  }
  if (!for_update_ts.IsZero()) {
    out.push_back(kForUpdateTsPrefix);
    base::PutFixed64BigEndian(&out, for_update_ts.value());
  }
  if (txn_size > 0) {
    out.push_back(kTxnSizePrefix);
    base::PutFixed64BigEndian(&out, txn_size);
  }
  if (!min_commit_ts.IsZero()) {
    out.push_back(kMinCommitTsPrefix);
    base::PutFixed64BigEndian(&out, min_commit_ts.value());
  }
  if (use_async_commit) {
    out.push_back(kAsyncCommitPrefix);
    base::PutVarint64(&out, secondaries.size());
    for (const Bytes& secondary : secondaries) {
      internal::PutCompactBytes(&out, secondary);
    }
  } else {
    CHECK(secondaries.empty()) << "secondaries without async commit";
  }
  if (!rollback_ts.empty()) {
    out.push_back(kRollbackTsPrefix);
    base::PutVarint64(&out, rollback_ts.size());
    for (base::TimeStamp rollback : rollback_ts) {
      base::PutFixed64BigEndian(&out, rollback.value());
    }
  }
  if (!last_change_ts.IsZero() || versions_to_last_change != 0) {
    out.push_back(kLastChangePrefix);
    base::PutFixed64BigEndian(&out, last_change_ts.value());
    base::PutVarint64(&out, versions_to_last_change);
  }
  if (txn_source != 0) {
    out.push_back(kTxnSourcePrefix);
    base::PutVarint64(&out, txn_source);
  }
  if (is_locked_with_conflict) out.push_back(kLockedWithConflictPrefix);
  if (generation != 0) {
    out.push_back(kGenerationPrefix);
    base::PutFixed64BigEndian(&out, generation);
  }
  return out;
}

absl::StatusOr<Lock> Lock::Parse(BytesView bytes) {
  Lock lock;
  if (bytes.empty() || !ParseLockType(bytes[0], &lock.lock_type)) {
    return absl::InvalidArgumentError("lock: bad type byte in " +
                                      base::EscapeBytes(bytes));
  }
  BytesView in = bytes.substr(1);
  uint64_t start_ts = 0;
  RETURN_IF_ERROR(internal::GetCompactBytes(&in, &lock.primary, "primary"));
  RETURN_IF_ERROR(internal::GetVarU64(&in, &start_ts, "start_ts"));
  RETURN_IF_ERROR(internal::GetVarU64(&in, &lock.ttl, "ttl"));
  lock.ts = base::TimeStamp(start_ts);
  bool stop = false;
  while (!in.empty() && !stop) {
    const char tag = in[0];
    in.remove_prefix(1);
    RETURN_IF_ERROR(ParseLockField(tag, &in, &lock, &stop));
  }
  return lock;
}

LockInfo Lock::ToLockInfo(BytesView raw_key) const {
  LockInfo info;
  info.primary_lock = primary;
  info.lock_version = ts;
  info.key = Bytes(raw_key);
  info.lock_ttl = ttl;
  info.txn_size = txn_size;
  info.lock_type = lock_type;
  info.lock_for_update_ts = for_update_ts;
  info.use_async_commit = use_async_commit;
  info.min_commit_ts = min_commit_ts;
  info.secondaries = secondaries;
  return info;
}

bool Lock::IsExpired(base::TimeStamp current_ts) const {
  return ts.physical_ms() + ttl < current_ts.physical_ms();
}

std::ostream& operator<<(std::ostream& out, const Lock& lock) {
  out << "Lock{" << LockTypeName(lock.lock_type)
      << " primary=" << base::EscapeBytes(lock.primary) << " ts=" << lock.ts
      << " ttl=" << lock.ttl;
  if (!lock.for_update_ts.IsZero())
    out << " for_update_ts=" << lock.for_update_ts;
  if (!lock.min_commit_ts.IsZero())
    out << " min_commit_ts=" << lock.min_commit_ts;
  if (lock.use_async_commit) out << " async(" << lock.secondaries.size() << ")";
  return out << "}";
}

}  // namespace core::mvcc
