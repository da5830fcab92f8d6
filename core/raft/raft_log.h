// The Raft log as one node sees it: a stable prefix read through Storage and
// an unstable suffix (entries, or a snapshot) not yet handed to the driver
// for persistence, plus the commit and apply cursors.
//
// Invariant: applied <= committed <= LastIndex().
// Invariant: unstable entries start at unstable_offset_, and
// unstable_offset_ - 1 <= storage LastIndex() unless a snapshot is unstable.
#ifndef CORE_RAFT_RAFT_LOG_H_
#define CORE_RAFT_RAFT_LOG_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/base/result.h"
#include "core/raft/storage.h"
#include "core/raft/types.h"

namespace core::raft {

class RaftLog {
 public:
  // Reads the persisted log from `storage`, which must outlive this object
  // (or be rebound with RebindStorage).
  explicit RaftLog(const Storage* storage);

  void RebindStorage(const Storage* storage) { storage_ = storage; }

  Index FirstIndex() const;
  Index LastIndex() const;
  Term LastTerm() const;
  core::base::Result<Term, StorageError> TermAt(Index i) const;
  // The term at i, or 0 if i is compacted or beyond the log.
  Term ZeroTermOnError(Index i) const;
  bool MatchTerm(Index i, Term term) const;
  // Ref: Raft paper §5.4.1 (the election restriction).
  bool IsUpToDate(Index last_index, Term term) const;

  Index committed() const { return committed_; }
  Index applied() const { return applied_; }
  // Index of the last entry durably in Storage and not being replaced.
  Index PersistedLastIndex() const;

  // Follower-side AppendEntries: if the entry at `index` has `log_term`,
  // appends `entries` (truncating the first conflict) and advances commit to
  // min(leader_commit, last new index). Returns the last new index, or
  // nullopt when the terms do not match. Ref: Raft paper Figure 2.
  std::optional<Index> MaybeAppend(Index index, Term log_term,
                                   Index leader_commit,
                                   const std::vector<Entry>& entries);
  // Appends entries after (possibly) truncating a conflicting unstable
  // suffix; returns the new last index. Entries must not overwrite committed.
  Index Append(const std::vector<Entry>& entries);
  // Index of the first entry whose term conflicts with the log; 0 if none.
  Index FindConflict(const std::vector<Entry>& entries) const;
  // The largest (index, term) at or below `index` whose term is <= `term`.
  // Used to skip a whole conflicting term on a rejected MsgApp.
  std::pair<Index, Term> FindConflictByTerm(Index index, Term term) const;

  // Commits up to `max_index` if its entry is from `term`. Only entries of
  // the leader's current term are committed by counting replicas.
  // Ref: Raft paper §5.4.2 and Figure 8.
  bool MaybeCommit(Index max_index, Term term);
  void CommitTo(Index index);
  void AppliedTo(Index index);

  const std::vector<Entry>& UnstableEntries() const {
    return unstable_entries_;
  }
  const std::optional<Snapshot>& UnstableSnapshot() const {
    return unstable_snapshot_;
  }
  // The driver persisted entries up to (index, term).
  void StableTo(Index index, Term term);
  // The driver persisted the unstable snapshot at `index`.
  void StableSnapTo(Index index);

  // Whether committed entries after index `since` remain (`since` is the
  // last index already handed out to apply, in [applied, committed]).
  // Ref: raft-rs RaftLog::next_entries_since.
  bool HasNextCommittedEntries(Index since) const;
  // Committed entries after `since`, at most `max_bytes` (at least one).
  std::vector<Entry> NextCommittedEntries(Index since,
                                          uint64_t max_bytes) const;
  // Entries [lo, hi) bounded by max_bytes (at least one entry).
  core::base::Outcome<StorageError> Slice(Index lo, Index hi,
                                          uint64_t max_bytes,
                                          std::vector<Entry>* out) const;
  // Entries from i to the end, bounded by max_bytes.
  core::base::Outcome<StorageError> EntriesFrom(Index i, uint64_t max_bytes,
                                                std::vector<Entry>* out) const;
  core::base::Result<Snapshot, StorageError> GetSnapshot() const;
  // Replaces the log with a snapshot (follower receiving MsgSnap).
  void Restore(const Snapshot& snapshot);

  // Every entry from FirstIndex() to LastIndex() (observers and tests).
  std::vector<Entry> AllEntries() const;
  // Canonical description of the whole log state (model checking).
  void AppendFingerprint(std::string* out) const;

 private:
  void TruncateAndAppend(const std::vector<Entry>& entries);

  const Storage* storage_;
  std::optional<Snapshot> unstable_snapshot_;
  std::vector<Entry> unstable_entries_;
  Index unstable_offset_ = 1;
  Index committed_ = 0;
  Index applied_ = 0;
};

}  // namespace core::raft

#endif  // CORE_RAFT_RAFT_LOG_H_
