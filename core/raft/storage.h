// The durable log as the Raft core reads it, and an in-memory implementation.
//
// Contract: the core only reads through Storage; the driver writes to it
// (append entries, set hard state, apply snapshot) while handling a Ready, and
// must do so before calling RawNode::Advance. Storage errors other than the
// typed ones below are fail-stop (CHECK), as in etcd/raft: restart and recover
// from disk.
#ifndef CORE_RAFT_STORAGE_H_
#define CORE_RAFT_STORAGE_H_

#include <cstdint>
#include <vector>

#include "core/base/result.h"
#include "core/raft/types.h"

namespace core::raft {

enum class StorageError {
  // The requested index is below FirstIndex(): use the snapshot instead.
  kCompacted,
  // The requested index is above LastIndex().
  kUnavailable,
  // A snapshot older than the current one was offered.
  kSnapshotOutOfDate,
  // No snapshot can be produced right now; the leader will retry.
  kSnapshotTemporarilyUnavailable,
};

const char* StorageErrorName(StorageError error);

struct InitialState {
  HardState hard_state;
  ConfState conf_state;
};

class Storage {
 public:
  virtual ~Storage() = default;

  // The persisted hard state and the membership as of the last snapshot or
  // applied ConfChange the driver recorded.
  virtual InitialState GetInitialState() const = 0;
  // Appends entries [lo, hi) to *out, stopping once their payload exceeds
  // max_bytes (but always at least one entry). Requires lo < hi.
  virtual core::base::Outcome<StorageError> Entries(
      Index lo, Index hi, uint64_t max_bytes,
      std::vector<Entry>* out) const = 0;
  // Term of entry i, for i in [FirstIndex()-1, LastIndex()].
  virtual core::base::Result<Term, StorageError> TermAt(Index i) const = 0;
  // Index of the first entry still held (snapshot index + 1).
  virtual Index FirstIndex() const = 0;
  // Index of the last entry (snapshot index if no entries).
  virtual Index LastIndex() const = 0;
  // The most recent snapshot.
  virtual core::base::Result<Snapshot, StorageError> GetSnapshot() const = 0;
};

// A Storage held in memory. Copyable, so a model checker can copy a node
// together with its "disk". Not thread-safe.
//
// Invariant: entries_[0] is a dummy holding the snapshot (index, term); the
// real entries follow contiguously.
class MemoryStorage : public Storage {
 public:
  MemoryStorage();
  // A storage whose snapshot already establishes `conf_state` (bootstrap).
  static MemoryStorage WithConfState(const ConfState& conf_state);

  InitialState GetInitialState() const override;
  core::base::Outcome<StorageError> Entries(
      Index lo, Index hi, uint64_t max_bytes,
      std::vector<Entry>* out) const override;
  core::base::Result<Term, StorageError> TermAt(Index i) const override;
  Index FirstIndex() const override;
  Index LastIndex() const override;
  core::base::Result<Snapshot, StorageError> GetSnapshot() const override;

  void SetHardState(const HardState& hard_state) { hard_state_ = hard_state; }
  // Records the membership after an applied ConfChange.
  void SetConfState(const ConfState& conf_state) { conf_state_ = conf_state; }
  // Replaces the whole log with a snapshot; rejects an older one.
  core::base::Outcome<StorageError> ApplySnapshot(const Snapshot& snapshot);
  // Creates a snapshot at applied index i (<= LastIndex) with `data`.
  core::base::Result<Snapshot, StorageError> CreateSnapshot(
      Index i, const ConfState& conf_state, std::string data);
  // Drops entries before `compact_index`. Requires compact_index <=
  // LastIndex(); an index at or below the snapshot is kCompacted.
  core::base::Outcome<StorageError> Compact(Index compact_index);
  // Appends entries, truncating any conflicting suffix. Entries must be
  // contiguous and start at or before LastIndex()+1.
  void Append(const std::vector<Entry>& entries);

  const HardState& hard_state() const { return hard_state_; }
  const ConfState& conf_state() const { return conf_state_; }
  // Every held entry after the snapshot (for observers and tests).
  std::vector<Entry> AllEntries() const;
  const Snapshot& snapshot() const { return snapshot_; }

 private:
  HardState hard_state_;
  ConfState conf_state_;
  Snapshot snapshot_;
  std::vector<Entry> entries_;
};

}  // namespace core::raft

#endif  // CORE_RAFT_STORAGE_H_
