#include "core/txn/txn_read.h"

#include <utility>

#include "core/txn/validate.h"

namespace core::txn {
namespace {

mvcc::Outcome CheckKeyRead(ConcurrencyManager& cm, mvcc::BytesView raw_key,
                           base::TimeStamp read_ts,
                           const mvcc::ReadOptions& options) {
  if (auto bad = ValidateKey(raw_key)) return base::MakeErr(mvcc::Error(*bad));
  if (options.isolation_level == mvcc::IsolationLevel::kRc) {
    return base::Unit{};
  }
  return cm.ReadKeyCheck(Key::FromRaw(raw_key), [&](const Lock& lock) {
    return mvcc::CheckLockForRead(lock, raw_key, read_ts, options);
  });
}

}  // namespace

mvcc::Outcome PrepareKeysRead(ConcurrencyManager& cm,
                              const std::vector<mvcc::Bytes>& raw_keys,
                              base::TimeStamp read_ts,
                              const mvcc::ReadOptions& options) {
  if (read_ts.IsZero()) return mvcc::InvalidRequestErr("read ts is zero");
  cm.UpdateMaxTs(read_ts);
  for (const mvcc::Bytes& raw_key : raw_keys) {
    mvcc::Outcome outcome = CheckKeyRead(cm, raw_key, read_ts, options);
    if (!outcome.ok()) return outcome;
  }
  return base::Unit{};
}

mvcc::Outcome PrepareRangeRead(ConcurrencyManager& cm,
                               const mvcc::ScanOptions& options) {
  if (options.read_ts.IsZero()) {
    return mvcc::InvalidRequestErr("read ts is zero");
  }
  cm.UpdateMaxTs(options.read_ts);
  if (options.read_options.isolation_level == mvcc::IsolationLevel::kRc) {
    return base::Unit{};
  }
  std::optional<Key> upper;
  if (options.upper_bound.has_value()) {
    upper = Key::FromRaw(*options.upper_bound);
  }
  return cm.ReadRangeCheck(
      Key::FromRaw(options.lower_bound), upper,
      [&](const Key& key, const Lock& lock) -> mvcc::Outcome {
        auto raw = key.ToRaw();
        if (!raw.ok()) return mvcc::StorageErr(raw.status());
        return mvcc::CheckLockForRead(lock, *raw, options.read_ts,
                                      options.read_options);
      });
}

mvcc::Result<std::optional<mvcc::ValueAtTs>> TxnGet(
    ConcurrencyManager& cm, mvcc::MvccReader& reader, mvcc::BytesView raw_key,
    base::TimeStamp read_ts, const mvcc::ReadOptions& options) {
  if (auto bad = ValidateKey(raw_key)) return base::MakeErr(mvcc::Error(*bad));
  if (read_ts.IsZero()) return mvcc::InvalidRequestErr("read ts is zero");
  cm.UpdateMaxTs(read_ts);
  mvcc::Outcome memory = CheckKeyRead(cm, raw_key, read_ts, options);
  if (!memory.ok()) return base::MakeErr(std::move(memory).error());
  return mvcc::PointGet(reader, raw_key, read_ts, options);
}

mvcc::Result<std::vector<mvcc::KvPair>> TxnScan(
    ConcurrencyManager& cm, mvcc::MvccReader& reader,
    const mvcc::ScanOptions& options) {
  mvcc::Outcome memory = PrepareRangeRead(cm, options);
  if (!memory.ok()) return base::MakeErr(std::move(memory).error());
  return mvcc::Scan(reader, options);
}

}  // namespace core::txn
