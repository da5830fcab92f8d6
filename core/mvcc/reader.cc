#include "core/mvcc/reader.h"

#include <string>

#include "absl/status/status.h"
#include "core/base/check.h"

namespace core::mvcc {

base::Err<Error> CorruptionErr(const char* what, BytesView key,
                               const absl::Status& status) {
  return StorageErr(absl::DataLossError(std::string(what) + " at " +
                                        base::EscapeBytes(key) + ": " +
                                        std::string(status.message())));
}

MvccReader::MvccReader(std::shared_ptr<const env::Snapshot> snapshot)
    : snapshot_(std::move(snapshot)) {
  CHECK(snapshot_ != nullptr);
}

env::Iterator& MvccReader::WriteIterator() {
  if (write_iterator_ == nullptr) {
    write_iterator_ = snapshot_->NewIterator(env::Cf::kWrite, {});
  }
  return *write_iterator_;
}

Result<std::optional<Lock>> MvccReader::LoadLock(const Key& key) {
  auto bytes = snapshot_->Get(env::Cf::kLock, key.encoded());
  if (!bytes.ok()) return StorageErr(bytes.status());
  if (!bytes->has_value()) return std::optional<Lock>();
  absl::StatusOr<Lock> lock = Lock::Parse(**bytes);
  if (!lock.ok()) return CorruptionErr("lock", key.encoded(), lock.status());
  return std::optional<Lock>(*std::move(lock));
}

Result<std::optional<VersionedWrite>> MvccReader::SeekWrite(
    const Key& key, base::TimeStamp ts) {
  env::Iterator& it = WriteIterator();
  it.Seek(key.AppendTs(ts));
  if (!it.Valid()) {
    if (!it.status().ok()) return StorageErr(it.status());
    return std::optional<VersionedWrite>();
  }
  if (!key.IsVersionOf(it.key())) return std::optional<VersionedWrite>();
  auto split = Key::SplitVersionKey(it.key());
  if (!split.ok()) return CorruptionErr("write key", it.key(), split.status());
  absl::StatusOr<Write> write = Write::Parse(it.value());
  if (!write.ok()) return CorruptionErr("write", it.key(), write.status());
  return std::optional<VersionedWrite>(
      VersionedWrite{split->second, *std::move(write)});
}

Result<std::optional<VersionedWrite>> MvccReader::GetWrite(const Key& key,
                                                           base::TimeStamp ts) {
  base::TimeStamp seek_ts = ts;
  while (true) {
    auto found = SeekWrite(key, seek_ts);
    if (!found.ok() || !found->has_value()) return found;
    VersionedWrite& version = *found.value();
    switch (version.write.write_type) {
      case WriteType::kPut:
        if (!version.write.CheckGcFenceAsLatestVersion(ts)) {
          return std::optional<VersionedWrite>();
        }
        return found;
      case WriteType::kDelete:
        return std::optional<VersionedWrite>();
      case WriteType::kLock:
      case WriteType::kRollback:
        break;
    }
    if (version.commit_ts.IsZero()) return std::optional<VersionedWrite>();
    seek_ts = version.commit_ts.Prev();
  }
}

Result<Bytes> MvccReader::LoadData(const Key& key, const Write& write) {
  CHECK(write.write_type == WriteType::kPut) << "LoadData on " << write;
  if (write.short_value.has_value()) return *write.short_value;
  const Bytes data_key = key.AppendTs(write.start_ts);
  auto value = snapshot_->Get(env::Cf::kDefault, data_key);
  if (!value.ok()) return StorageErr(value.status());
  if (!value->has_value()) {
    return CorruptionErr("default value", data_key,
                         absl::NotFoundError("missing for a Put record"));
  }
  return **std::move(value);
}

Result<TxnCommitRecord> MvccReader::GetTxnCommitRecord(
    const Key& key, base::TimeStamp start_ts) {
  TxnCommitRecord record;
  base::TimeStamp seek_ts = base::TimeStamp::Max();
  base::TimeStamp gc_fence = base::TimeStamp::Zero();
  while (true) {
    auto found = SeekWrite(key, seek_ts);
    if (!found.ok()) return base::MakeErr(std::move(found).error());
    if (!found->has_value()) break;
    VersionedWrite& version = *found.value();
    if (version.write.start_ts == start_ts) {
      record.kind = TxnCommitRecord::Kind::kSingleRecord;
      record.commit_ts = version.commit_ts;
      record.write = std::move(version.write);
      return record;
    }
    if (version.commit_ts == start_ts) {
      if (version.write.has_overlapped_rollback) {
        record.kind = TxnCommitRecord::Kind::kOverlappedRollback;
        record.commit_ts = version.commit_ts;
        return record;
      }
      record.overlapped_write = OverlappedWrite{
          version.commit_ts, std::move(version.write), gc_fence};
      return record;
    }
    if (version.commit_ts < start_ts) break;
    if (version.write.IsDataChange()) gc_fence = version.commit_ts;
    seek_ts = version.commit_ts.Prev();
  }
  return record;
}

Result<std::vector<LockEntry>> MvccReader::ScanLocks(
    const Key& lower, const std::optional<Key>& upper,
    const std::function<bool(const Lock&)>& filter, size_t limit) {
  env::IteratorOptions options;
  options.lower_bound = lower.encoded();
  if (upper.has_value()) options.upper_bound = upper->encoded();
  std::unique_ptr<env::Iterator> it =
      snapshot_->NewIterator(env::Cf::kLock, options);
  std::vector<LockEntry> locks;
  for (it->Seek(lower.encoded()); it->Valid(); it->Next()) {
    absl::StatusOr<Lock> lock = Lock::Parse(it->value());
    if (!lock.ok()) return CorruptionErr("lock", it->key(), lock.status());
    if (!filter(*lock)) continue;
    locks.push_back(LockEntry{Key::FromEncoded(Bytes(it->key())), *lock});
    if (limit != 0 && locks.size() >= limit) break;
  }
  if (!it->status().ok()) return StorageErr(it->status());
  return locks;
}

Result<std::vector<VersionedWrite>> MvccReader::ScanWrites(const Key& key) {
  std::vector<VersionedWrite> writes;
  base::TimeStamp seek_ts = base::TimeStamp::Max();
  while (true) {
    auto found = SeekWrite(key, seek_ts);
    if (!found.ok()) return base::MakeErr(std::move(found).error());
    if (!found->has_value()) return writes;
    writes.push_back(**found);
    if (writes.back().commit_ts.IsZero()) return writes;
    seek_ts = writes.back().commit_ts.Prev();
  }
}

}  // namespace core::mvcc
