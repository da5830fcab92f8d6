#include "core/raft/storage.h"

#include <utility>

#include "core/base/check.h"

namespace core::raft {

using core::base::MakeErr;
using core::base::Unit;

const char* StorageErrorName(StorageError error) {
  switch (error) {
    case StorageError::kCompacted:
      return "compacted";
    case StorageError::kUnavailable:
      return "unavailable";
    case StorageError::kSnapshotOutOfDate:
      return "snapshot out of date";
    case StorageError::kSnapshotTemporarilyUnavailable:
      return "snapshot temporarily unavailable";
  }
  return "unknown storage error";
}

MemoryStorage::MemoryStorage() : entries_(1) {}

MemoryStorage MemoryStorage::WithConfState(const ConfState& conf_state) {
  MemoryStorage storage;
  storage.conf_state_ = conf_state;
  storage.snapshot_.metadata.conf_state = conf_state;
  return storage;
}

InitialState MemoryStorage::GetInitialState() const {
  return InitialState{hard_state_, conf_state_};
}

Index MemoryStorage::FirstIndex() const { return entries_[0].index + 1; }

Index MemoryStorage::LastIndex() const {
  return entries_[0].index + entries_.size() - 1;
}

core::base::Outcome<StorageError> MemoryStorage::Entries(
    Index lo, Index hi, uint64_t max_bytes, std::vector<Entry>* out) const {
  CHECK_LT(lo, hi);
  const Index offset = entries_[0].index;
  if (lo <= offset) return MakeErr(StorageError::kCompacted);
  if (hi > LastIndex() + 1) return MakeErr(StorageError::kUnavailable);
  uint64_t bytes = 0;
  for (Index i = lo; i < hi; ++i) {
    const Entry& entry = entries_[i - offset];
    bytes += entry.PayloadSize();
    if (i != lo && bytes > max_bytes) break;
    out->push_back(entry);
  }
  return Unit{};
}

core::base::Result<Term, StorageError> MemoryStorage::TermAt(Index i) const {
  const Index offset = entries_[0].index;
  if (i < offset) return MakeErr(StorageError::kCompacted);
  if (i - offset >= entries_.size()) return MakeErr(StorageError::kUnavailable);
  return entries_[i - offset].term;
}

core::base::Result<Snapshot, StorageError> MemoryStorage::GetSnapshot() const {
  return snapshot_;
}

core::base::Outcome<StorageError> MemoryStorage::ApplySnapshot(
    const Snapshot& snapshot) {
  if (snapshot.metadata.index <= snapshot_.metadata.index) {
    return MakeErr(StorageError::kSnapshotOutOfDate);
  }
  snapshot_ = snapshot;
  conf_state_ = snapshot.metadata.conf_state;
  entries_.assign(1, Entry{snapshot.metadata.term, snapshot.metadata.index,
                           EntryType::kNormal, ""});
  return Unit{};
}

core::base::Result<Snapshot, StorageError> MemoryStorage::CreateSnapshot(
    Index i, const ConfState& conf_state, std::string data) {
  if (i <= snapshot_.metadata.index) {
    return MakeErr(StorageError::kSnapshotOutOfDate);
  }
  CHECK_LE(i, LastIndex()) << "snapshot beyond the last index";
  const Index offset = entries_[0].index;
  snapshot_.metadata.index = i;
  snapshot_.metadata.term = entries_[i - offset].term;
  snapshot_.metadata.conf_state = conf_state;
  snapshot_.data = std::move(data);
  return snapshot_;
}

core::base::Outcome<StorageError> MemoryStorage::Compact(Index compact_index) {
  const Index offset = entries_[0].index;
  if (compact_index <= offset) return MakeErr(StorageError::kCompacted);
  CHECK_LE(compact_index, LastIndex()) << "compacting beyond the last index";
  const size_t drop = compact_index - offset;
  Entry dummy{entries_[drop].term, entries_[drop].index, EntryType::kNormal,
              ""};
  entries_.erase(entries_.begin(), entries_.begin() + drop);
  entries_[0] = std::move(dummy);
  return Unit{};
}

void MemoryStorage::Append(const std::vector<Entry>& entries) {
  if (entries.empty()) return;
  const Index first = FirstIndex();
  const Index last_new = entries.back().index;
  if (last_new < first) return;  // everything is already compacted
  CHECK_LE(entries.front().index, LastIndex() + 1) << "gap in appended log";
  size_t skip = 0;
  if (entries.front().index < first) skip = first - entries.front().index;
  const Index offset = entries_[0].index;
  const Index start = entries[skip].index;
  // Truncate everything from `start` on, then append.
  entries_.resize(start - offset);
  entries_.insert(entries_.end(), entries.begin() + skip, entries.end());
}

std::vector<Entry> MemoryStorage::AllEntries() const {
  return std::vector<Entry>(entries_.begin() + 1, entries_.end());
}

}  // namespace core::raft
