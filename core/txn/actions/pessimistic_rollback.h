// PessimisticRollback: release this transaction's pessimistic locks taken at
// or below for_update_ts (statement rollback, or a resolver cleaning up a
// pessimistic transaction). Writes no rollback record: a pessimistic lock has
// no data, and the primary's fate is decided by CheckTxnStatus.
// Ref: tikv src/storage/txn/commands/pessimistic_rollback.rs.
#ifndef CORE_TXN_ACTIONS_PESSIMISTIC_ROLLBACK_H_
#define CORE_TXN_ACTIONS_PESSIMISTIC_ROLLBACK_H_

#include <vector>

#include "core/mvcc/errors.h"
#include "core/mvcc/mvcc_txn.h"
#include "core/mvcc/reader.h"
#include "core/txn/actions/txn_types.h"

namespace core::txn::actions {

struct PessimisticRollbackArgs {
  base::TimeStamp start_ts;
  base::TimeStamp for_update_ts;
};

// Returns whether a lock was released.
mvcc::Result<bool> PessimisticRollback(mvcc::MvccTxn& txn,
                                       mvcc::MvccReader& reader, const Key& key,
                                       const PessimisticRollbackArgs& args);

mvcc::Outcome PessimisticRollbackKeys(mvcc::MvccTxn& txn,
                                      mvcc::MvccReader& reader,
                                      const std::vector<Bytes>& raw_keys,
                                      const PessimisticRollbackArgs& args);

}  // namespace core::txn::actions

#endif  // CORE_TXN_ACTIONS_PESSIMISTIC_ROLLBACK_H_
