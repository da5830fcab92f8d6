// GC of one key below a safe point.
// Ref: tikv src/storage/txn/actions/gc.rs; tikv.md §2.7.
//
// Walk the write records newest to oldest, keeping every record with
// commit_ts > safe_point. At or below the safe point, Lock and Rollback
// records are deleted until the first Put or Delete; a Put is kept (it is
// the value a read at the safe point sees) and everything older is deleted;
// a Delete is deleted together with everything older. Deleting a Put also
// deletes its CF_DEFAULT value. Reads at ts >= safe_point are unchanged.
//
// The caller guarantees that no lock with start_ts <= safe_point remains
// (the GC driver resolves them first) and that no read below the safe point
// will be served.
#ifndef CORE_TXN_ACTIONS_GC_H_
#define CORE_TXN_ACTIONS_GC_H_

#include <cstddef>

#include "core/mvcc/errors.h"
#include "core/mvcc/mvcc_txn.h"
#include "core/mvcc/reader.h"
#include "core/txn/actions/txn_types.h"

namespace core::txn::actions {

struct GcOutcome {
  size_t deleted_versions = 0;
};

mvcc::Result<GcOutcome> Gc(mvcc::MvccTxn& txn, mvcc::MvccReader& reader,
                           const Key& key, base::TimeStamp safe_point);

}  // namespace core::txn::actions

#endif  // CORE_TXN_ACTIONS_GC_H_
