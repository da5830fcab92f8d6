#include "core/mvcc/snapshot_read.h"

#include <memory>
#include <string>
#include <utility>

#include "core/base/check.h"
#include "core/base/mutant.h"

namespace core::mvcc {
namespace {

// The encoded user key of a CF_WRITE/CF_DEFAULT version key.
bool UserKeyOfVersion(BytesView version_key, BytesView* user_key) {
  if (version_key.size() < kTsSuffixBytes) return false;
  *user_key = version_key.substr(0, version_key.size() - kTsSuffixBytes);
  return true;
}

// Reads the value of `key` at read_ts once its lock (if any) was cleared.
Result<std::optional<ValueAtTs>> ReadVersion(MvccReader& reader, const Key& key,
                                             base::TimeStamp read_ts,
                                             bool key_only) {
  auto write = reader.GetWrite(key, read_ts);
  if (!write.ok()) return base::MakeErr(std::move(write).error());
  if (!write->has_value()) return std::optional<ValueAtTs>();
  const VersionedWrite& version = **write;
  ValueAtTs result{Bytes(), version.commit_ts};
  if (!key_only) {
    auto data = reader.LoadData(key, version.write);
    if (!data.ok()) return base::MakeErr(std::move(data).error());
    result.value = std::move(data).value();
  }
  return std::optional<ValueAtTs>(std::move(result));
}

// Walks the distinct user keys present in CF_LOCK or CF_WRITE within the
// scan range, in scan order.
class KeyCursor {
 public:
  KeyCursor(const env::Snapshot& snapshot, const env::IteratorOptions& bounds,
            bool reverse)
      : lock_it_(snapshot.NewIterator(env::Cf::kLock, bounds)),
        write_it_(snapshot.NewIterator(env::Cf::kWrite, bounds)),
        reverse_(reverse) {
    if (reverse_) {
      lock_it_->SeekToLast();
      write_it_->SeekToLast();
    } else {
      lock_it_->SeekToFirst();
      write_it_->SeekToFirst();
    }
  }

  // Positions on the next user key; false at the end (check status()).
  bool Next(Bytes* encoded_key, bool* has_lock) {
    std::optional<BytesView> lock_key, write_key;
    if (lock_it_->Valid()) lock_key = lock_it_->key();
    BytesView user;
    if (write_it_->Valid()) {
      if (!UserKeyOfVersion(write_it_->key(), &user)) {
        status_ = absl::DataLossError("write key shorter than a timestamp: " +
                                      base::EscapeBytes(write_it_->key()));
        return false;
      }
      write_key = user;
    }
    if (!lock_key && !write_key) {
      status_ =
          lock_it_->status().ok() ? write_it_->status() : lock_it_->status();
      return false;
    }
    BytesView chosen;
    if (!lock_key) {
      chosen = *write_key;
    } else if (!write_key) {
      chosen = *lock_key;
    } else {
      const bool lock_first =
          reverse_ ? *lock_key > *write_key : *lock_key < *write_key;
      chosen = lock_first ? *lock_key : *write_key;
    }
    *encoded_key = Bytes(chosen);
    *has_lock = lock_key.has_value() && *lock_key == chosen;
    const bool at_write = write_key.has_value() && *write_key == chosen;
    if (*has_lock) reverse_ ? lock_it_->Prev() : lock_it_->Next();
    if (at_write) {
      // Skip every version of this key: version keys are encoded+8 bytes and
      // the encoding is prefix-free.
      if (reverse_) {
        write_it_->SeekForPrev(*encoded_key);
      } else {
        write_it_->Seek(base::PrefixSuccessor(*encoded_key));
      }
    }
    return true;
  }

  const absl::Status& status() const { return status_; }

 private:
  std::unique_ptr<env::Iterator> lock_it_;
  std::unique_ptr<env::Iterator> write_it_;
  bool reverse_;
  absl::Status status_;
};

}  // namespace

Outcome CheckLockForRead(const Lock& lock, BytesView raw_key,
                         base::TimeStamp read_ts, const ReadOptions& options) {
  if (MUTANT(TXN_READ_IGNORES_LOCKS)) {
    // Known bug: reads never wait for pending writers.
    return base::Unit{};
  }
  if (options.isolation_level == IsolationLevel::kRc) return base::Unit{};
  if (lock.ts > read_ts) return base::Unit{};
  if (lock.lock_type == LockType::kLock ||
      lock.lock_type == LockType::kPessimistic ||
      lock.is_locked_with_conflict) {
    return base::Unit{};
  }
  if (lock.min_commit_ts > read_ts) return base::Unit{};
  if (options.bypass_locks.contains(lock.ts)) return base::Unit{};
  if (read_ts.IsMax() && raw_key == lock.primary && !lock.use_async_commit) {
    // Reading the latest committed version of a primary key: the lock's
    // transaction is not yet committed, so the old version is the latest.
    return base::Unit{};
  }
  return base::MakeErr(Error(KeyIsLocked{lock.ToLockInfo(raw_key)}));
}

Result<std::optional<ValueAtTs>> PointGet(MvccReader& reader, BytesView raw_key,
                                          base::TimeStamp read_ts,
                                          const ReadOptions& options) {
  const Key key = Key::FromRaw(raw_key);
  auto lock = reader.LoadLock(key);
  if (!lock.ok()) return base::MakeErr(std::move(lock).error());
  if (lock->has_value()) {
    Outcome check = CheckLockForRead(**lock, raw_key, read_ts, options);
    if (!check.ok()) return base::MakeErr(std::move(check).error());
  }
  return ReadVersion(reader, key, read_ts, /*key_only=*/false);
}

Result<std::vector<KvPair>> Scan(MvccReader& reader,
                                 const ScanOptions& options) {
  std::vector<KvPair> pairs;
  if (options.upper_bound.has_value() &&
      *options.upper_bound <= options.lower_bound) {
    return pairs;
  }
  env::IteratorOptions bounds;
  bounds.lower_bound = Key::FromRaw(options.lower_bound).encoded();
  if (options.upper_bound.has_value()) {
    bounds.upper_bound = Key::FromRaw(*options.upper_bound).encoded();
  }
  KeyCursor cursor(*reader.snapshot(), bounds, options.reverse);
  Bytes encoded;
  bool has_lock = false;
  while (cursor.Next(&encoded, &has_lock)) {
    const Key key = Key::FromEncoded(encoded);
    absl::StatusOr<Bytes> raw = key.ToRaw();
    if (!raw.ok()) return CorruptionErr("user key", encoded, raw.status());
    if (has_lock) {
      auto lock = reader.LoadLock(key);
      if (!lock.ok()) return base::MakeErr(std::move(lock).error());
      if (lock->has_value()) {
        Outcome check = CheckLockForRead(**lock, *raw, options.read_ts,
                                         options.read_options);
        if (!check.ok()) {
          pairs.push_back(
              KvPair{*raw, Bytes(), std::get<KeyIsLocked>(check.error())});
          if (options.limit != 0 && pairs.size() >= options.limit) break;
          continue;
        }
      }
    }
    auto value = ReadVersion(reader, key, options.read_ts, options.key_only);
    if (!value.ok()) return base::MakeErr(std::move(value).error());
    if (!value->has_value()) continue;
    pairs.push_back(
        KvPair{*raw, std::move(value.value()->value), std::nullopt});
    if (options.limit != 0 && pairs.size() >= options.limit) break;
  }
  if (!cursor.status().ok()) return StorageErr(cursor.status());
  return pairs;
}

}  // namespace core::mvcc
