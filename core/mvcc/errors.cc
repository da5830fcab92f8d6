#include "core/mvcc/errors.h"

#include <sstream>

namespace core::mvcc {
namespace {

using base::EscapeBytes;

struct Describe {
  std::ostringstream& out;

  void operator()(const KeyIsLocked& e) {
    out << "KeyIsLocked{key=" << EscapeBytes(e.info.key)
        << " primary=" << EscapeBytes(e.info.primary_lock)
        << " lock_version=" << e.info.lock_version << " ttl=" << e.info.lock_ttl
        << " type=" << LockTypeName(e.info.lock_type) << "}";
  }
  void operator()(const WriteConflict& e) {
    out << "WriteConflict{start_ts=" << e.start_ts
        << " conflict_start_ts=" << e.conflict_start_ts
        << " conflict_commit_ts=" << e.conflict_commit_ts
        << " key=" << EscapeBytes(e.key)
        << " primary=" << EscapeBytes(e.primary)
        << " reason=" << WriteConflictReasonName(e.reason) << "}";
  }
  void operator()(const AlreadyExist& e) {
    out << "AlreadyExist{key=" << EscapeBytes(e.key) << "}";
  }
  void operator()(const CommitTsExpired& e) {
    out << "CommitTsExpired{start_ts=" << e.start_ts
        << " commit_ts=" << e.commit_ts << " key=" << EscapeBytes(e.key)
        << " min_commit_ts=" << e.min_commit_ts << "}";
  }
  void operator()(const CommitTsTooLarge& e) {
    out << "CommitTsTooLarge{start_ts=" << e.start_ts
        << " min_commit_ts=" << e.min_commit_ts
        << " max_commit_ts=" << e.max_commit_ts << "}";
  }
  void operator()(const TxnLockNotFound& e) {
    out << "TxnLockNotFound{start_ts=" << e.start_ts
        << " commit_ts=" << e.commit_ts << " key=" << EscapeBytes(e.key) << "}";
  }
  void operator()(const Committed& e) {
    out << "Committed{start_ts=" << e.start_ts << " commit_ts=" << e.commit_ts
        << " key=" << EscapeBytes(e.key) << "}";
  }
  void operator()(const TxnNotFound& e) {
    out << "TxnNotFound{start_ts=" << e.start_ts
        << " key=" << EscapeBytes(e.key) << "}";
  }
  void operator()(const PessimisticLockNotFound& e) {
    out << "PessimisticLockNotFound{start_ts=" << e.start_ts
        << " key=" << EscapeBytes(e.key) << "}";
  }
  void operator()(const PrimaryMismatch& e) {
    out << "PrimaryMismatch{key=" << EscapeBytes(e.info.key)
        << " primary=" << EscapeBytes(e.info.primary_lock) << "}";
  }
  void operator()(const LockTypeNotMatch& e) {
    out << "LockTypeNotMatch{start_ts=" << e.start_ts
        << " key=" << EscapeBytes(e.key) << " pessimistic=" << e.pessimistic
        << "}";
  }
  void operator()(const InvalidRequest& e) {
    out << "InvalidRequest{" << e.message << "}";
  }
  void operator()(const StorageError& e) {
    out << "StorageError{" << e.status.ToString() << "}";
  }
};

}  // namespace

const char* WriteConflictReasonName(WriteConflictReason reason) {
  switch (reason) {
    case WriteConflictReason::kOptimistic:
      return "Optimistic";
    case WriteConflictReason::kPessimisticRetry:
      return "PessimisticRetry";
    case WriteConflictReason::kSelfRolledBack:
      return "SelfRolledBack";
    case WriteConflictReason::kRcCheckTs:
      return "RcCheckTs";
    case WriteConflictReason::kLazyUniquenessCheck:
      return "LazyUniquenessCheck";
    case WriteConflictReason::kNotLockedKeyConflict:
      return "NotLockedKeyConflict";
  }
  return "Unknown";
}

std::string ErrorToString(const Error& error) {
  std::ostringstream out;
  std::visit(Describe{out}, error);
  return out.str();
}

std::ostream& operator<<(std::ostream& out, const Error& error) {
  return out << ErrorToString(error);
}

}  // namespace core::mvcc
