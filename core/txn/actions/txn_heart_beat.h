// TxnHeartBeat: keep a long transaction alive by growing its primary lock's
// TTL (never shrinking it).
// Ref: tikv src/storage/txn/commands/txn_heart_beat.rs.
//   lock of start_ts on the primary: ttl := max(ttl, advise_lock_ttl), and
//     min_commit_ts := max(min_commit_ts, min_commit_ts_hint) when a hint is
//     given; returns the lock.
//   otherwise: TxnNotFound.
#ifndef CORE_TXN_ACTIONS_TXN_HEART_BEAT_H_
#define CORE_TXN_ACTIONS_TXN_HEART_BEAT_H_

#include "core/mvcc/errors.h"
#include "core/mvcc/mvcc_txn.h"
#include "core/mvcc/reader.h"
#include "core/txn/actions/txn_types.h"

namespace core::txn::actions {

struct TxnHeartBeatArgs {
  base::TimeStamp start_ts;
  uint64_t advise_lock_ttl = 0;
  // Zero: leave min_commit_ts alone.
  base::TimeStamp min_commit_ts;
};

// Returns the primary lock as it is after the heartbeat.
mvcc::Result<Lock> TxnHeartBeat(mvcc::MvccTxn& txn, mvcc::MvccReader& reader,
                                const Key& primary_key,
                                const TxnHeartBeatArgs& args);

}  // namespace core::txn::actions

#endif  // CORE_TXN_ACTIONS_TXN_HEART_BEAT_H_
