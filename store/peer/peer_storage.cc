#include "store/peer/peer_storage.h"

#include <algorithm>
#include <utility>

#include "core/base/bytes.h"
#include "core/base/check.h"

namespace store {
namespace {

using core::env::Cf;

constexpr char kLocalPrefix = 0x01;
constexpr char kRegionRaftPrefix = 0x02;
constexpr char kRaftLogSuffix = 0x01;
constexpr char kRaftStateSuffix = 0x02;
constexpr char kApplyStateSuffix = 0x03;

std::string RegionRaftPrefix(RegionId region_id) {
  std::string key = {kLocalPrefix, kRegionRaftPrefix};
  core::base::PutFixed64BigEndian(&key, region_id);
  return key;
}

// The exclusive upper bound of region `region_id`'s log keys.
std::string RaftLogEnd(RegionId region_id) {
  std::string key = RegionRaftPrefix(region_id);
  key.push_back(kRaftLogSuffix + 1);
  return key;
}

std::string EncodeHardState(const HardState& hs) {
  std::string out;
  core::base::PutVarint64(&out, hs.term);
  core::base::PutVarint64(&out, hs.vote);
  core::base::PutVarint64(&out, hs.commit);
  return out;
}

bool DecodeHardState(std::string_view in, HardState* hs) {
  return core::base::GetVarint64(&in, &hs->term) &&
         core::base::GetVarint64(&in, &hs->vote) &&
         core::base::GetVarint64(&in, &hs->commit) && in.empty();
}

std::string EncodeEntry(const Entry& entry, Term prev_term) {
  std::string out;
  core::base::PutVarint64(&out, entry.term);
  out.push_back(static_cast<char>(entry.type));
  core::base::PutVarint64(&out, prev_term);
  out.append(entry.data);
  return out;
}

bool DecodeEntry(std::string_view in, Index index, Entry* entry,
                 Term* prev_term) {
  if (!core::base::GetVarint64(&in, &entry->term) || in.empty()) return false;
  const uint8_t type = static_cast<uint8_t>(in[0]);
  if (type > static_cast<uint8_t>(core::raft::EntryType::kConfChange)) {
    return false;
  }
  in.remove_prefix(1);
  if (!core::base::GetVarint64(&in, prev_term)) return false;
  entry->type = static_cast<core::raft::EntryType>(type);
  entry->index = index;
  entry->data.assign(in);
  return true;
}

bool DecodeRaftLogKey(std::string_view key, RegionId region_id, Index* index) {
  const std::string prefix = RegionRaftPrefix(region_id) + kRaftLogSuffix;
  if (key.size() != prefix.size() + 8 || key.substr(0, prefix.size()) != prefix)
    return false;
  key.remove_prefix(prefix.size());
  return core::base::GetFixed64BigEndian(&key, index);
}

void PutIds(std::string* out, const std::vector<core::raft::NodeId>& ids) {
  core::base::PutVarint64(out, ids.size());
  for (core::raft::NodeId id : ids) core::base::PutVarint64(out, id);
}

bool GetIds(std::string_view* in, std::vector<core::raft::NodeId>* ids) {
  uint64_t count = 0;
  if (!core::base::GetVarint64(in, &count) || count > in->size()) return false;
  ids->resize(count);
  for (auto& id : *ids) {
    if (!core::base::GetVarint64(in, &id)) return false;
  }
  return true;
}

// Reads the region's entries after `truncated` while they form a consistent
// log; returns the index of the first discarded record (0 if none).
absl::StatusOr<Index> ReadLog(const core::env::Snapshot& snapshot,
                              RegionId region_id, const ApplyState& applied,
                              std::vector<Entry>* entries) {
  core::env::IteratorOptions options;
  options.lower_bound = RaftLogKey(region_id, 0);
  options.upper_bound = RaftLogEnd(region_id);
  auto it = snapshot.NewIterator(Cf::kRaft, options);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    Index index = 0;
    Entry entry;
    Term prev_term = 0;
    if (!DecodeRaftLogKey(it->key(), region_id, &index) ||
        !DecodeEntry(it->value(), index, &entry, &prev_term)) {
      return absl::DataLossError("undecodable raft log record at key " +
                                 core::base::EscapeBytes(it->key()));
    }
    if (index <= applied.truncated_index) continue;  // left by a compaction
    const Index expected = applied.truncated_index + entries->size() + 1;
    const Term last_term =
        entries->empty() ? applied.truncated_term : entries->back().term;
    if (index != expected || prev_term != last_term || entry.term < last_term) {
      return std::min(index, expected);
    }
    entries->push_back(std::move(entry));
  }
  if (!it->status().ok()) return it->status();
  return Index{0};
}

absl::Status ReadStates(const core::env::Snapshot& snapshot, RegionId region_id,
                        RecoveredPeerState* state) {
  auto hs = snapshot.Get(Cf::kRaft, RaftStateKey(region_id));
  if (!hs.ok()) return hs.status();
  if (hs->has_value() && !DecodeHardState(**hs, &state->hard_state)) {
    return absl::DataLossError("undecodable raft state of region " +
                               std::to_string(region_id));
  }
  auto apply = snapshot.Get(Cf::kRaft, ApplyStateKey(region_id));
  if (!apply.ok()) return apply.status();
  if (apply->has_value() && !DecodeApplyState(**apply, &state->apply_state)) {
    return absl::DataLossError("undecodable apply state of region " +
                               std::to_string(region_id));
  }
  return absl::OkStatus();
}

void RepairHardState(RegionId region_id, RecoveredPeerState* state) {
  HardState& fixed = state->hard_state;
  const ApplyState& applied = state->apply_state;
  const Index last = applied.truncated_index + state->entries.size();
  const Term last_term = state->entries.empty() ? applied.truncated_term
                                                : state->entries.back().term;
  bool rewrite = false;
  if (fixed.term < last_term) {
    state->repairs.push_back("raised the term from " +
                             std::to_string(fixed.term) + " to " +
                             std::to_string(last_term));
    fixed.term = last_term;
    fixed.vote = core::raft::kNone;
    rewrite = true;
  }
  const Index clamped = std::clamp(fixed.commit, applied.applied_index, last);
  if (clamped != fixed.commit) {
    state->repairs.push_back("clamped the commit index from " +
                             std::to_string(fixed.commit) + " to " +
                             std::to_string(clamped));
    fixed.commit = clamped;
    rewrite = true;
  }
  if (rewrite) {
    state->repair.Put(Cf::kRaft, RaftStateKey(region_id),
                      EncodeHardState(fixed));
  }
}

}  // namespace

std::string RaftStateKey(RegionId region_id) {
  return RegionRaftPrefix(region_id) + kRaftStateSuffix;
}

std::string ApplyStateKey(RegionId region_id) {
  return RegionRaftPrefix(region_id) + kApplyStateSuffix;
}

std::string RaftLogKey(RegionId region_id, Index index) {
  std::string key = RegionRaftPrefix(region_id) + kRaftLogSuffix;
  core::base::PutFixed64BigEndian(&key, index);
  return key;
}

std::string EncodeApplyState(const ApplyState& state) {
  std::string out;
  core::base::PutVarint64(&out, state.applied_index);
  core::base::PutVarint64(&out, state.truncated_index);
  core::base::PutVarint64(&out, state.truncated_term);
  PutIds(&out, state.conf_state.voters);
  PutIds(&out, state.conf_state.voters_outgoing);
  PutIds(&out, state.conf_state.learners);
  PutIds(&out, state.conf_state.learners_next);
  out.push_back(state.conf_state.auto_leave ? 1 : 0);
  return out;
}

bool DecodeApplyState(std::string_view in, ApplyState* state) {
  ConfState& cs = state->conf_state;
  if (!core::base::GetVarint64(&in, &state->applied_index) ||
      !core::base::GetVarint64(&in, &state->truncated_index) ||
      !core::base::GetVarint64(&in, &state->truncated_term) ||
      !GetIds(&in, &cs.voters) || !GetIds(&in, &cs.voters_outgoing) ||
      !GetIds(&in, &cs.learners) || !GetIds(&in, &cs.learners_next) ||
      in.size() != 1 || static_cast<uint8_t>(in[0]) > 1) {
    return false;
  }
  cs.auto_leave = in[0] == 1;
  return state->truncated_index <= state->applied_index;
}

absl::StatusOr<RecoveredPeerState> RecoverPeerState(
    core::env::Engine& engine, RegionId region_id,
    const ConfState& initial_conf_state) {
  RecoveredPeerState state;
  state.apply_state.conf_state = initial_conf_state;
  const auto snapshot = engine.NewSnapshot();
  absl::Status read = ReadStates(*snapshot, region_id, &state);
  if (!read.ok()) return read;
  auto discarded_from =
      ReadLog(*snapshot, region_id, state.apply_state, &state.entries);
  if (!discarded_from.ok()) return discarded_from.status();
  if (*discarded_from != 0) {
    state.repair.DeleteRange(Cf::kRaft, RaftLogKey(region_id, *discarded_from),
                             RaftLogEnd(region_id));
    state.repairs.push_back("discarded the log from index " +
                            std::to_string(*discarded_from));
  }
  const Index last = state.apply_state.truncated_index + state.entries.size();
  if (state.apply_state.applied_index > last) {
    return absl::DataLossError(
        "region " + std::to_string(region_id) + " applied index " +
        std::to_string(state.apply_state.applied_index) +
        " is past its log's last index " + std::to_string(last));
  }
  RepairHardState(region_id, &state);
  return state;
}

void InitialStateWrite(RegionId region_id, Index index, Term term,
                       const ConfState& conf_state, HardState hard_state,
                       core::env::WriteBatch* batch) {
  CHECK_GE(hard_state.term, term) << "region " << region_id;
  hard_state.commit = std::max(hard_state.commit, index);
  const ApplyState apply{.applied_index = index,
                         .truncated_index = index,
                         .truncated_term = term,
                         .conf_state = conf_state};
  batch->DeleteRange(Cf::kRaft, RaftLogKey(region_id, 0),
                     RaftLogEnd(region_id));
  batch->Put(Cf::kRaft, RaftStateKey(region_id), EncodeHardState(hard_state));
  batch->Put(Cf::kRaft, ApplyStateKey(region_id), EncodeApplyState(apply));
}

void ClearPeerStateWrite(RegionId region_id, core::env::WriteBatch* batch) {
  const std::string prefix = RegionRaftPrefix(region_id);
  batch->DeleteRange(Cf::kRaft, prefix, core::base::PrefixSuccessor(prefix));
}

PeerStorage::PeerStorage(RegionId region_id,
                         const RecoveredPeerState& recovered)
    : region_id_(region_id),
      mirror_(core::raft::MemoryStorage::WithConfState(
          recovered.apply_state.conf_state)),
      apply_state_(recovered.apply_state),
      durable_hs_(recovered.hard_state) {
  const ApplyState& applied = recovered.apply_state;
  if (applied.truncated_index > 0) {
    core::raft::Snapshot base;
    base.metadata = {.index = applied.truncated_index,
                     .term = applied.truncated_term,
                     .conf_state = applied.conf_state};
    CHECK(mirror_.ApplySnapshot(base).ok());
  }
  mirror_.Append(recovered.entries);
  mirror_.SetHardState(recovered.hard_state);
  mirror_.SetConfState(applied.conf_state);
}

Term PeerStorage::TermAt(Index index) const {
  if (index == 0) return 0;
  auto term = mirror_.TermAt(index);
  CHECK(term.ok()) << "region " << region_id_ << ": no term for index " << index
                   << " (log " << mirror_.FirstIndex() << ".."
                   << mirror_.LastIndex() << ", snapshot at "
                   << mirror_.snapshot().metadata.index << ", applied "
                   << apply_state_.applied_index << ", truncated "
                   << apply_state_.truncated_index << ")";
  return *term;
}

// Entries [first, old last] are durable and about to be replaced: remember
// them (the tail after divergence_ is already remembered).
void PeerStorage::RememberReplaced(Index first) {
  if (diverged_ && first >= divergence_) return;
  const Index upto = diverged_ ? divergence_ : mirror_.LastIndex() + 1;
  std::vector<Entry> head;
  if (first < upto) {
    CHECK(mirror_.Entries(first, upto, UINT64_MAX, &head).ok());
  }
  durable_tail_.insert(durable_tail_.begin(), head.begin(), head.end());
  divergence_ = first;
  diverged_ = true;
}

void PeerStorage::Stage(const core::raft::Ready& ready,
                        core::env::WriteBatch* batch) {
  if (!ready.entries.empty()) {
    const Index first = ready.entries.front().index;
    const Index old_last = mirror_.LastIndex();
    CHECK_GT(first, mirror_.FirstIndex() - 1) << "entries below the snapshot";
    CHECK_LE(first, old_last + 1) << "a gap in the staged entries";
    RememberReplaced(first);
    Term prev_term = TermAt(first - 1);
    for (const Entry& entry : ready.entries) {
      batch->Put(Cf::kRaft, RaftLogKey(region_id_, entry.index),
                 EncodeEntry(entry, prev_term));
      prev_term = entry.term;
    }
    const Index new_last = ready.entries.back().index;
    if (old_last > new_last) {
      batch->DeleteRange(Cf::kRaft, RaftLogKey(region_id_, new_last + 1),
                         RaftLogEnd(region_id_));
    }
    mirror_.Append(ready.entries);
    undurable_ = true;
  }
  if (ready.hard_state.has_value()) {
    batch->Put(Cf::kRaft, RaftStateKey(region_id_),
               EncodeHardState(*ready.hard_state));
    mirror_.SetHardState(*ready.hard_state);
    undurable_ = true;
  }
}

void PeerStorage::StageSnapshot(const core::raft::Snapshot& snapshot,
                                core::env::WriteBatch* batch) {
  const core::raft::SnapshotMetadata& meta = snapshot.metadata;
  // The whole durable log is replaced: it stays "durable but not current"
  // until the sync.
  RememberReplaced(std::min(mirror_.FirstIndex(), mirror_.LastIndex() + 1));
  CHECK(mirror_.ApplySnapshot(snapshot).ok())
      << "region " << region_id_ << ": a snapshot older than the log";
  mirror_.SetConfState(meta.conf_state);
  batch->DeleteRange(Cf::kRaft, RaftLogKey(region_id_, 0),
                     RaftLogEnd(region_id_));
  apply_state_ = ApplyState{.applied_index = meta.index,
                            .truncated_index = meta.index,
                            .truncated_term = meta.term,
                            .conf_state = meta.conf_state};
  batch->Put(Cf::kRaft, ApplyStateKey(region_id_),
             EncodeApplyState(apply_state_));
  undurable_ = true;
}

void PeerStorage::MarkDurable() {
  durable_hs_ = mirror_.hard_state();
  undurable_ = false;
  diverged_ = false;
  divergence_ = 0;
  durable_tail_.clear();
}

void PeerStorage::ApplyStateWrite(Index applied_index,
                                  const ConfState& conf_state,
                                  core::env::WriteBatch* batch) {
  CHECK_GE(applied_index, apply_state_.applied_index);
  apply_state_.applied_index = applied_index;
  apply_state_.conf_state = conf_state;
  mirror_.SetConfState(conf_state);
  batch->Put(Cf::kRaft, ApplyStateKey(region_id_),
             EncodeApplyState(apply_state_));
}

void PeerStorage::CompactToApplied(std::string snapshot_data,
                                   core::env::WriteBatch* batch) {
  CompactTo(apply_state_.applied_index, std::move(snapshot_data), batch);
}

void PeerStorage::CompactTo(Index compact_index, std::string snapshot_data,
                            core::env::WriteBatch* batch) {
  const Index applied = apply_state_.applied_index;
  const Index compact = std::min(compact_index, applied);
  if (compact <= apply_state_.truncated_index) return;
  // A snapshot at `applied` exists already when RefreshSnapshot made it at
  // boot and nothing was applied since: the same state.
  if (applied > mirror_.snapshot().metadata.index) {
    CHECK(mirror_
              .CreateSnapshot(applied, apply_state_.conf_state,
                              std::move(snapshot_data))
              .ok());
  }
  apply_state_.truncated_index = compact;
  apply_state_.truncated_term = TermAt(compact);
  CHECK(mirror_.Compact(compact).ok());
  batch->DeleteRange(Cf::kRaft, RaftLogKey(region_id_, 0),
                     RaftLogKey(region_id_, compact + 1));
  batch->Put(Cf::kRaft, ApplyStateKey(region_id_),
             EncodeApplyState(apply_state_));
}

void PeerStorage::RefreshSnapshot(std::string snapshot_data) {
  const Index applied = apply_state_.applied_index;
  if (apply_state_.truncated_index == 0 || applied == 0) return;
  if (applied > mirror_.snapshot().metadata.index) {
    CHECK(mirror_
              .CreateSnapshot(applied, apply_state_.conf_state,
                              std::move(snapshot_data))
              .ok());
    return;
  }
  // Nothing was applied since the last snapshot was made (at boot, at a
  // compaction or a snapshot install): it is at the applied index but its
  // data is stale or missing. Rebuild the mirror around the truncation
  // point, keeping the log after it (a CompactLog may truncate below the
  // applied index, so the log can start before the snapshot), and make the
  // snapshot again with the data.
  CHECK_EQ(applied, mirror_.snapshot().metadata.index);
  const Index truncated = apply_state_.truncated_index;
  CHECK_EQ(mirror_.FirstIndex(), truncated + 1) << "region " << region_id_;
  std::vector<Entry> entries;
  if (mirror_.LastIndex() > truncated) {
    CHECK(mirror_
              .Entries(truncated + 1, mirror_.LastIndex() + 1, UINT64_MAX,
                       &entries)
              .ok());
  }
  core::raft::Snapshot base;
  base.metadata = {.index = truncated,
                   .term = apply_state_.truncated_term,
                   .conf_state = apply_state_.conf_state};
  if (truncated == applied) base.data = std::move(snapshot_data);
  core::raft::MemoryStorage rebuilt =
      core::raft::MemoryStorage::WithConfState(mirror_.conf_state());
  CHECK(rebuilt.ApplySnapshot(base).ok());
  rebuilt.Append(entries);
  if (truncated < applied) {
    CHECK(rebuilt
              .CreateSnapshot(applied, apply_state_.conf_state,
                              std::move(snapshot_data))
              .ok());
  }
  rebuilt.SetHardState(mirror_.hard_state());
  rebuilt.SetConfState(mirror_.conf_state());
  mirror_ = std::move(rebuilt);
}

core::raft::invariants::LogView PeerStorage::DurableView(Index lo) const {
  core::raft::invariants::LogView view;
  const Index first = mirror_.FirstIndex();
  lo = std::max<Index>(lo, 1);
  const Index mirror_upto = diverged_ ? divergence_ - 1 : mirror_.LastIndex();
  const Index last = DurableLastIndex();
  lo = std::min(std::max(lo, diverged_ ? std::min(first, divergence_) : first),
                last + 1);
  view.first_index = lo;
  if (lo <= mirror_upto && lo >= first) {
    CHECK(mirror_.Entries(lo, mirror_upto + 1, UINT64_MAX, &view.entries).ok());
  }
  if (diverged_) {
    for (const Entry& entry : durable_tail_) {
      if (entry.index >= lo) view.entries.push_back(entry);
    }
  }
  return view;
}

}  // namespace store
