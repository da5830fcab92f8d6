#include "core/txn/actions/txn_types.h"

namespace core::txn::actions {

const char* TxnStatusKindName(TxnStatus::Kind kind) {
  switch (kind) {
    case TxnStatus::Kind::kRolledBack:
      return "RolledBack";
    case TxnStatus::Kind::kTtlExpire:
      return "TtlExpire";
    case TxnStatus::Kind::kLockNotExist:
      return "LockNotExist";
    case TxnStatus::Kind::kLockNotExistDoNothing:
      return "LockNotExistDoNothing";
    case TxnStatus::Kind::kCommitted:
      return "Committed";
    case TxnStatus::Kind::kPessimisticRollBack:
      return "PessimisticRollBack";
    case TxnStatus::Kind::kUncommitted:
      return "Uncommitted";
  }
  return "Unknown";
}

}  // namespace core::txn::actions
