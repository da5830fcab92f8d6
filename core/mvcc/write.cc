#include "core/mvcc/write.h"

#include "absl/status/status.h"
#include "core/base/check.h"
#include "core/base/status_macros.h"
#include "core/mvcc/record_codec.h"

namespace core::mvcc {
namespace {

// DO NOT CHANGE: persisted field tags and the protected-rollback marker.
constexpr char kShortValuePrefix = 'v';
constexpr char kOverlappedRollbackFlag = 'R';
constexpr char kGcFencePrefix = 'F';
constexpr char kLastChangePrefix = 'l';
constexpr char kTxnSourcePrefix = 'S';
constexpr char kProtectedRollbackShortValue[] = "p";

bool ParseWriteType(char byte, WriteType* type) {
  switch (byte) {
    case 'P':
    case 'D':
    case 'L':
    case 'R':
      *type = static_cast<WriteType>(byte);
      return true;
    default:
      return false;
  }
}

absl::Status ParseWriteField(char tag, BytesView* in, Write* write,
                             bool* stop) {
  switch (tag) {
    case kShortValuePrefix:
      return internal::GetShortValue(in, &write->short_value);
    case kOverlappedRollbackFlag:
      write->has_overlapped_rollback = true;
      return absl::OkStatus();
    case kGcFencePrefix: {
      base::TimeStamp fence;
      RETURN_IF_ERROR(internal::GetTs(in, &fence, "gc_fence"));
      write->gc_fence = fence;
      return absl::OkStatus();
    }
    case kLastChangePrefix:
      RETURN_IF_ERROR(
          internal::GetTs(in, &write->last_change_ts, "last_change_ts"));
      return internal::GetVarU64(in, &write->versions_to_last_change,
                                 "versions_to_last_change");
    case kTxnSourcePrefix:
      return internal::GetVarU64(in, &write->txn_source, "txn_source");
    default:
      *stop = true;
      return absl::OkStatus();
  }
}

}  // namespace

const char* WriteTypeName(WriteType type) {
  switch (type) {
    case WriteType::kPut:
      return "Put";
    case WriteType::kDelete:
      return "Delete";
    case WriteType::kLock:
      return "Lock";
    case WriteType::kRollback:
      return "Rollback";
  }
  return "Unknown";
}

WriteType WriteTypeFromLockType(LockType type) {
  switch (type) {
    case LockType::kPut:
      return WriteType::kPut;
    case LockType::kDelete:
      return WriteType::kDelete;
    case LockType::kLock:
      return WriteType::kLock;
    case LockType::kPessimistic:
      break;
  }
  UNREACHABLE() << "a pessimistic lock has no write type";
  return WriteType::kLock;
}

Write Write::NewRollback(base::TimeStamp start_ts, bool is_protected) {
  Write write;
  write.write_type = WriteType::kRollback;
  write.start_ts = start_ts;
  if (is_protected) write.short_value = Bytes(kProtectedRollbackShortValue);
  return write;
}

bool Write::IsProtectedRollback() const {
  return write_type == WriteType::kRollback && short_value.has_value() &&
         *short_value == kProtectedRollbackShortValue;
}

bool Write::CheckGcFenceAsLatestVersion(base::TimeStamp read_ts) const {
  return !(gc_fence.has_value() && !gc_fence->IsZero() && *gc_fence <= read_ts);
}

Bytes Write::Encode() const {
  Bytes out;
  out.push_back(static_cast<char>(write_type));
  base::PutVarint64(&out, start_ts.value());
  if (short_value.has_value()) {
    out.push_back(kShortValuePrefix);
    internal::PutShortValue(&out, *short_value);
  }
  if (has_overlapped_rollback) out.push_back(kOverlappedRollbackFlag);
  if (gc_fence.has_value()) {
    out.push_back(kGcFencePrefix);
    base::PutFixed64BigEndian(&out, gc_fence->value());
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
  return out;
}

absl::StatusOr<Write> Write::Parse(BytesView bytes) {
  Write write;
  if (bytes.empty() || !ParseWriteType(bytes[0], &write.write_type)) {
    return absl::InvalidArgumentError("write: bad type byte in " +
                                      base::EscapeBytes(bytes));
  }
  BytesView in = bytes.substr(1);
  uint64_t start_ts = 0;
  RETURN_IF_ERROR(internal::GetVarU64(&in, &start_ts, "start_ts"));
  write.start_ts = base::TimeStamp(start_ts);
  bool stop = false;
  while (!in.empty() && !stop) {
    const char tag = in[0];
    in.remove_prefix(1);
    RETURN_IF_ERROR(ParseWriteField(tag, &in, &write, &stop));
  }
  return write;
}

std::ostream& operator<<(std::ostream& out, const Write& write) {
  out << "Write{" << WriteTypeName(write.write_type)
      << " start_ts=" << write.start_ts;
  if (write.IsProtectedRollback()) out << " protected";
  if (write.has_overlapped_rollback) out << " overlapped";
  if (write.gc_fence.has_value()) out << " gc_fence=" << *write.gc_fence;
  return out << "}";
}

}  // namespace core::mvcc
