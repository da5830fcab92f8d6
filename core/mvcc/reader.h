// MvccReader: typed reads of the three MVCC column families through one
// env::Snapshot. Every action and every read path goes through it.
//
// Ref: tikv src/storage/mvcc/reader/reader.rs (MvccReader, SnapshotReader).
//
// Errors: engine failures become StorageError with the engine's status;
// records that do not parse become StorageError(kDataLoss). A reader never
// returns a wrong answer for damaged bytes.
//
// Not thread-safe. The snapshot must outlive the reader (the reader keeps a
// shared_ptr to it).
#ifndef CORE_MVCC_READER_H_
#define CORE_MVCC_READER_H_

#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "core/env/engine.h"
#include "core/mvcc/errors.h"
#include "core/mvcc/key.h"
#include "core/mvcc/lock.h"
#include "core/mvcc/write.h"

namespace core::mvcc {

struct VersionedWrite {
  base::TimeStamp commit_ts;
  Write write;
};

// A write of another transaction whose commit_ts equals a start_ts being
// rolled back (possible only with async commit / 1PC commit timestamps).
struct OverlappedWrite {
  base::TimeStamp commit_ts;
  Write write;
  // commit_ts of the next newer Put/Delete of the key (0 when none).
  base::TimeStamp gc_fence;
};

// What CF_WRITE says about the transaction that started at start_ts on a key.
// Ref: tikv reader.rs get_txn_commit_record, TxnCommitRecord.
struct TxnCommitRecord {
  enum class Kind {
    // No record of this transaction.
    kNone,
    // A record with write.start_ts == start_ts (a commit or a Rollback).
    kSingleRecord,
    // Another transaction's commit at commit_ts == start_ts carries the
    // overlapped-rollback flag: this transaction was rolled back.
    kOverlappedRollback,
  };
  Kind kind = Kind::kNone;
  base::TimeStamp commit_ts;
  Write write;
  // Only for kNone: set when another commit record sits at start_ts.
  std::optional<OverlappedWrite> overlapped_write;

  // A committed Put/Delete/Lock record of this transaction.
  bool IsCommitted() const {
    return kind == Kind::kSingleRecord &&
           write.write_type != WriteType::kRollback;
  }
  bool IsRolledBack() const {
    return kind == Kind::kOverlappedRollback ||
           (kind == Kind::kSingleRecord &&
            write.write_type == WriteType::kRollback);
  }
};

struct LockEntry {
  Key key;
  Lock lock;
};

class MvccReader {
 public:
  explicit MvccReader(std::shared_ptr<const env::Snapshot> snapshot);

  // The lock on `key`, if any.
  Result<std::optional<Lock>> LoadLock(const Key& key);

  // The newest write record (of any type) with commit_ts <= ts.
  Result<std::optional<VersionedWrite>> SeekWrite(const Key& key,
                                                  base::TimeStamp ts);

  // The newest Put/Delete with commit_ts <= ts, skipping Lock and Rollback
  // records. nullopt when there is none, when it is a Delete, or when its
  // gc_fence says a newer version was collected; i.e. nullopt means "no value
  // at ts".
  Result<std::optional<VersionedWrite>> GetWrite(const Key& key,
                                                 base::TimeStamp ts);

  // The value a Put record refers to: its short value, or CF_DEFAULT at
  // key+start_ts (missing means corruption).
  Result<Bytes> LoadData(const Key& key, const Write& write);

  // Ref: tikv reader.rs get_txn_commit_record. Scans every version newer
  // than start_ts because a pessimistic transaction may commit after a
  // transaction with a larger start_ts.
  Result<TxnCommitRecord> GetTxnCommitRecord(const Key& key,
                                             base::TimeStamp start_ts);

  // Locks in [lower, upper) of encoded keys (empty upper: unbounded) that
  // satisfy `filter`, at most `limit` of them (0: unlimited), in key order.
  Result<std::vector<LockEntry>> ScanLocks(
      const Key& lower, const std::optional<Key>& upper,
      const std::function<bool(const Lock&)>& filter, size_t limit);

  // All write records of `key`, newest first (GC, debugging).
  Result<std::vector<VersionedWrite>> ScanWrites(const Key& key);

  const std::shared_ptr<const env::Snapshot>& snapshot() const {
    return snapshot_;
  }

 private:
  env::Iterator& WriteIterator();

  std::shared_ptr<const env::Snapshot> snapshot_;
  std::unique_ptr<env::Iterator> write_iterator_;
};

// Engine/parse failures as an Error.
base::Err<Error> CorruptionErr(const char* what, BytesView key,
                               const absl::Status& status);

}  // namespace core::mvcc

#endif  // CORE_MVCC_READER_H_
