#include "core/raft/raft_log.h"

#include <algorithm>
#include <limits>

#include "core/base/bytes.h"
#include "core/base/check.h"
#include "core/base/mutant.h"

namespace core::raft {

using core::base::MakeErr;
using core::base::Unit;

RaftLog::RaftLog(const Storage* storage) : storage_(storage) {
  CHECK(storage != nullptr);
  const Index first = storage->FirstIndex();
  const Index last = storage->LastIndex();
  unstable_offset_ = last + 1;
  // Everything up to the snapshot is committed and applied by definition.
  committed_ = first - 1;
  applied_ = first - 1;
}

Index RaftLog::FirstIndex() const {
  if (unstable_snapshot_) return unstable_snapshot_->metadata.index + 1;
  return storage_->FirstIndex();
}

Index RaftLog::LastIndex() const {
  if (!unstable_entries_.empty()) {
    return unstable_offset_ + unstable_entries_.size() - 1;
  }
  if (unstable_snapshot_) return unstable_snapshot_->metadata.index;
  return storage_->LastIndex();
}

Term RaftLog::LastTerm() const {
  auto term = TermAt(LastIndex());
  CHECK(term.ok()) << "term of last index unavailable";
  return *term;
}

core::base::Result<Term, StorageError> RaftLog::TermAt(Index i) const {
  const Index dummy = FirstIndex() - 1;
  if (i < dummy) return MakeErr(StorageError::kCompacted);
  if (i > LastIndex()) return MakeErr(StorageError::kUnavailable);
  if (!unstable_entries_.empty() && i >= unstable_offset_) {
    return unstable_entries_[i - unstable_offset_].term;
  }
  if (unstable_snapshot_ && i == unstable_snapshot_->metadata.index) {
    return unstable_snapshot_->metadata.term;
  }
  auto term = storage_->TermAt(i);
  if (!term.ok()) {
    const StorageError error = term.error();
    CHECK(error == StorageError::kCompacted ||
          error == StorageError::kUnavailable)
        << "unexpected storage error " << StorageErrorName(error);
  }
  return term;
}

Term RaftLog::ZeroTermOnError(Index i) const {
  auto term = TermAt(i);
  return term.ok() ? *term : 0;
}

bool RaftLog::MatchTerm(Index i, Term term) const {
  auto actual = TermAt(i);
  return actual.ok() && *actual == term;
}

bool RaftLog::IsUpToDate(Index last_index, Term term) const {
  const Term last_term = LastTerm();
  return term > last_term || (term == last_term && last_index >= LastIndex());
}

Index RaftLog::PersistedLastIndex() const {
  if (unstable_snapshot_) return unstable_snapshot_->metadata.index - 1;
  return std::min(unstable_offset_ - 1, storage_->LastIndex());
}

std::optional<Index> RaftLog::MaybeAppend(Index index, Term log_term,
                                          Index leader_commit,
                                          const std::vector<Entry>& entries) {
  if (!MatchTerm(index, log_term)) return std::nullopt;
  const Index last_new = index + entries.size();
  const Index conflict = FindConflict(entries);
  if (conflict != 0) {
    CHECK_GT(conflict, committed_) << "conflict with a committed entry";
    const size_t skip = conflict - (index + 1);
    std::vector<Entry> suffix(entries.begin() + skip, entries.end());
    Append(suffix);
  }
  CommitTo(std::min(leader_commit, last_new));
  return last_new;
}

Index RaftLog::Append(const std::vector<Entry>& entries) {
  if (entries.empty()) return LastIndex();
  CHECK_GE(entries.front().index - 1, committed_)
      << "appending over committed entries";
  TruncateAndAppend(entries);
  return LastIndex();
}

void RaftLog::TruncateAndAppend(const std::vector<Entry>& entries) {
  const Index after = entries.front().index;
  const Index unstable_end = unstable_offset_ + unstable_entries_.size();
  if (after == unstable_end) {
    unstable_entries_.insert(unstable_entries_.end(), entries.begin(),
                             entries.end());
  } else if (after <= unstable_offset_) {
    // Replaces part of the stable log; the driver's Append truncates it.
    unstable_offset_ = after;
    unstable_entries_ = entries;
  } else {
    unstable_entries_.resize(after - unstable_offset_);
    unstable_entries_.insert(unstable_entries_.end(), entries.begin(),
                             entries.end());
  }
}

Index RaftLog::FindConflict(const std::vector<Entry>& entries) const {
  for (const Entry& entry : entries) {
    if (!MatchTerm(entry.index, entry.term)) return entry.index;
  }
  return 0;
}

std::pair<Index, Term> RaftLog::FindConflictByTerm(Index index,
                                                   Term term) const {
  for (;;) {
    auto actual = TermAt(index);
    if (!actual.ok()) return {index, 0};
    if (*actual <= term) return {index, *actual};
    if (index == 0) return {0, 0};
    --index;
  }
}

bool RaftLog::MaybeCommit(Index max_index, Term term) {
  if (MUTANT(RAFT_FIGURE8)) {
    // MUTANT: commits by counting replicas of entries from older terms, which
    // Figure 8 of the Raft paper shows can lose a committed entry.
    (void)term;
    if (max_index > committed_ && max_index <= LastIndex()) {
      CommitTo(max_index);
      return true;
    }
    return false;
  } else {
    if (max_index > committed_ && ZeroTermOnError(max_index) == term) {
      CommitTo(max_index);
      return true;
    }
    return false;
  }
}

void RaftLog::CommitTo(Index index) {
  if (index <= committed_) return;
  CHECK_LE(index, LastIndex()) << "commit beyond the last index";
  committed_ = index;
}

void RaftLog::AppliedTo(Index index) {
  if (index == 0) return;
  CHECK(index <= committed_ && index >= applied_)
      << "applied " << index << " outside [" << applied_ << ", " << committed_
      << "]";
  applied_ = index;
}

void RaftLog::StableTo(Index index, Term term) {
  if (unstable_entries_.empty() || index < unstable_offset_) return;
  const Index last = unstable_offset_ + unstable_entries_.size() - 1;
  if (index > last) return;
  // Only if the entry was not replaced since the Ready was taken.
  if (unstable_entries_[index - unstable_offset_].term != term) return;
  const size_t drop = index + 1 - unstable_offset_;
  unstable_entries_.erase(unstable_entries_.begin(),
                          unstable_entries_.begin() + drop);
  unstable_offset_ = index + 1;
}

void RaftLog::StableSnapTo(Index index) {
  if (unstable_snapshot_ && unstable_snapshot_->metadata.index == index) {
    unstable_snapshot_.reset();
  }
}

bool RaftLog::HasNextCommittedEntries(Index since) const {
  CHECK(since >= applied_ && since <= committed_)
      << "entries handed out to apply up to " << since << ", outside ["
      << applied_ << ", " << committed_ << "]";
  return committed_ > std::max(since, FirstIndex() - 1);
}

std::vector<Entry> RaftLog::NextCommittedEntries(Index since,
                                                 uint64_t max_bytes) const {
  std::vector<Entry> out;
  if (!HasNextCommittedEntries(since)) return out;
  const Index lo = std::max(since + 1, FirstIndex());
  auto status = Slice(lo, committed_ + 1, max_bytes, &out);
  CHECK(status.ok()) << "committed entries unavailable: "
                     << StorageErrorName(status.error());
  return out;
}

core::base::Outcome<StorageError> RaftLog::Slice(
    Index lo, Index hi, uint64_t max_bytes, std::vector<Entry>* out) const {
  CHECK_LE(lo, hi);
  if (lo < FirstIndex()) return MakeErr(StorageError::kCompacted);
  if (hi > LastIndex() + 1) return MakeErr(StorageError::kUnavailable);
  if (lo == hi) return Unit{};
  const size_t start_size = out->size();
  if (lo < unstable_offset_) {
    const Index stable_hi = std::min(hi, unstable_offset_);
    auto status = storage_->Entries(lo, stable_hi, max_bytes, out);
    if (!status.ok()) {
      CHECK(status.error() == StorageError::kCompacted)
          << "storage entries " << StorageErrorName(status.error());
      return status;
    }
    // Stop if the byte limit cut the stable part short.
    if (out->size() - start_size < stable_hi - lo) return Unit{};
  }
  uint64_t bytes = 0;
  for (size_t i = start_size; i < out->size(); ++i) {
    bytes += (*out)[i].PayloadSize();
  }
  for (Index i = std::max(lo, unstable_offset_); i < hi; ++i) {
    const Entry& entry = unstable_entries_[i - unstable_offset_];
    bytes += entry.PayloadSize();
    if (out->size() != start_size && bytes > max_bytes) break;
    out->push_back(entry);
  }
  return Unit{};
}

core::base::Outcome<StorageError> RaftLog::EntriesFrom(
    Index i, uint64_t max_bytes, std::vector<Entry>* out) const {
  if (i > LastIndex()) return Unit{};
  return Slice(i, LastIndex() + 1, max_bytes, out);
}

core::base::Result<Snapshot, StorageError> RaftLog::GetSnapshot() const {
  if (unstable_snapshot_) return *unstable_snapshot_;
  return storage_->GetSnapshot();
}

void RaftLog::Restore(const Snapshot& snapshot) {
  committed_ = snapshot.metadata.index;
  unstable_offset_ = snapshot.metadata.index + 1;
  unstable_entries_.clear();
  unstable_snapshot_ = snapshot;
}

std::vector<Entry> RaftLog::AllEntries() const {
  std::vector<Entry> out;
  auto status =
      EntriesFrom(FirstIndex(), std::numeric_limits<uint64_t>::max(), &out);
  CHECK(status.ok());
  return out;
}

void RaftLog::AppendFingerprint(std::string* out) const {
  using core::base::PutVarint64;
  PutVarint64(out, committed_);
  PutVarint64(out, applied_);
  PutVarint64(out, unstable_offset_);
  PutVarint64(out, unstable_snapshot_ ? unstable_snapshot_->metadata.index : 0);
  PutVarint64(out, FirstIndex());
  for (const Entry& entry : AllEntries()) {
    PutVarint64(out, entry.term);
    out->push_back(static_cast<char>(entry.type));
    core::base::PutLengthPrefixed(out, entry.data);
  }
}

}  // namespace core::raft
