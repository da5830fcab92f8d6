#include "core/txn/actions/pessimistic_rollback.h"

#include <set>
#include <utility>

#include "core/txn/validate.h"

namespace core::txn::actions {

mvcc::Result<bool> PessimisticRollback(mvcc::MvccTxn& txn,
                                       mvcc::MvccReader& reader, const Key& key,
                                       const PessimisticRollbackArgs& args) {
  auto lock = reader.LoadLock(key);
  if (!lock.ok()) return base::MakeErr(std::move(lock).error());
  if (!lock->has_value()) return false;
  const Lock& existing = **lock;
  if (existing.IsPessimisticLock() && existing.ts == args.start_ts &&
      existing.for_update_ts <= args.for_update_ts) {
    txn.UnlockKey(key, existing.ts, /*pessimistic=*/true);
    return true;
  }
  return false;
}

mvcc::Outcome PessimisticRollbackKeys(mvcc::MvccTxn& txn,
                                      mvcc::MvccReader& reader,
                                      const std::vector<Bytes>& raw_keys,
                                      const PessimisticRollbackArgs& args) {
  if (auto bad = ValidateStartTs(args.start_ts)) {
    return base::MakeErr(mvcc::Error(*bad));
  }
  std::set<Bytes> seen;
  for (const Bytes& raw : raw_keys) {
    if (auto bad = ValidateKey(raw)) return base::MakeErr(mvcc::Error(*bad));
    if (!seen.insert(raw).second) continue;
    auto released = PessimisticRollback(txn, reader, Key::FromRaw(raw), args);
    if (!released.ok()) return base::MakeErr(std::move(released).error());
  }
  return base::Unit{};
}

}  // namespace core::txn::actions
