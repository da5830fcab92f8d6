#include "sim/register/raft_log_store.h"

#include <algorithm>
#include <limits>

#include "core/base/bytes.h"
#include "core/base/check.h"

namespace sim::register_kv {
namespace {

using core::env::Cf;

constexpr char kEntryPrefix = 'e';
// The exclusive upper bound of every entry key.
constexpr char kEntryEnd[] = "f";

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

bool DecodeEntryKey(std::string_view key, Index* index) {
  if (key.size() != 9 || key[0] != kEntryPrefix) return false;
  key.remove_prefix(1);
  return core::base::GetFixed64BigEndian(&key, index);
}

// Reads entries from index 1 while they form a consistent log; returns the
// index of the first discarded entry (0 if none).
absl::StatusOr<Index> ReadLog(const core::env::Snapshot& snapshot,
                              std::vector<Entry>* entries) {
  core::env::IteratorOptions options;
  options.lower_bound = std::string(1, kEntryPrefix);
  options.upper_bound = kEntryEnd;
  auto it = snapshot.NewIterator(Cf::kRaft, options);
  Index discarded_from = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    Index index = 0;
    Entry entry;
    Term prev_term = 0;
    if (!DecodeEntryKey(it->key(), &index) ||
        !DecodeEntry(it->value(), index, &entry, &prev_term)) {
      return absl::DataLossError("undecodable raft log record at key " +
                                 core::base::EscapeBytes(it->key()));
    }
    const Index expected = entries->size() + 1;
    const Term last_term = entries->empty() ? 0 : entries->back().term;
    if (index != expected || prev_term != last_term || entry.term < last_term) {
      discarded_from = std::min(index, expected);
      break;
    }
    entries->push_back(std::move(entry));
  }
  if (!it->status().ok()) return it->status();
  return discarded_from;
}

}  // namespace

std::string HardStateKey() { return "hs"; }

std::string EntryKey(Index index) {
  std::string key(1, kEntryPrefix);
  core::base::PutFixed64BigEndian(&key, index);
  return key;
}

absl::StatusOr<RecoveredRaftState> RecoverRaftState(core::env::Engine& engine) {
  RecoveredRaftState state;
  const auto snapshot = engine.NewSnapshot();
  auto hs = snapshot->Get(Cf::kRaft, HardStateKey());
  if (!hs.ok()) return hs.status();
  if (hs->has_value() && !DecodeHardState(**hs, &state.hard_state)) {
    return absl::DataLossError("undecodable hard state");
  }
  auto discarded_from = ReadLog(*snapshot, &state.entries);
  if (!discarded_from.ok()) return discarded_from.status();
  if (*discarded_from != 0) {
    state.repair.DeleteRange(Cf::kRaft, EntryKey(*discarded_from), kEntryEnd);
    state.repairs.push_back("discarded the log from index " +
                            std::to_string(*discarded_from));
  }
  HardState& fixed = state.hard_state;
  const Index last = state.entries.size();
  const Term last_term = state.entries.empty() ? 0 : state.entries.back().term;
  bool rewrite = false;
  if (fixed.term < last_term) {
    state.repairs.push_back("raised the term from " +
                            std::to_string(fixed.term) + " to " +
                            std::to_string(last_term));
    fixed.term = last_term;
    fixed.vote = core::raft::kNone;
    rewrite = true;
  }
  if (fixed.commit > last) {
    state.repairs.push_back("clamped the commit index from " +
                            std::to_string(fixed.commit) + " to " +
                            std::to_string(last));
    fixed.commit = last;
    rewrite = true;
  }
  if (rewrite)
    state.repair.Put(Cf::kRaft, HardStateKey(), EncodeHardState(fixed));
  return state;
}

RaftLogStore::RaftLogStore(const core::raft::ConfState& conf_state,
                           const RecoveredRaftState& recovered)
    : mirror_(core::raft::MemoryStorage::WithConfState(conf_state)),
      durable_hs_(recovered.hard_state) {
  mirror_.Append(recovered.entries);
  mirror_.SetHardState(recovered.hard_state);
}

Term RaftLogStore::TermAt(Index index) const {
  if (index == 0) return 0;
  auto term = mirror_.TermAt(index);
  CHECK(term.ok()) << "no term for index " << index;
  return *term;
}

absl::Status WriteStaged(core::env::Engine& engine, const StagedWrite& staged,
                         bool sync) {
  if (!staged.entries.empty()) {
    const bool last = staged.hard_state.empty();
    absl::Status s = engine.Write(
        staged.entries, core::env::WriteOptions{.sync = sync && last});
    if (!s.ok() || last) return s;
  }
  if (staged.hard_state.empty()) return absl::OkStatus();
  return engine.Write(staged.hard_state, core::env::WriteOptions{.sync = sync});
}

void RaftLogStore::Stage(const core::raft::Ready& ready, StagedWrite* staged) {
  core::env::WriteBatch* batch = &staged->entries;
  if (!ready.entries.empty()) {
    const Index first = ready.entries.front().index;
    const Index old_last = mirror_.LastIndex();
    CHECK_GE(first, Index{1});
    CHECK_LE(first, old_last + 1) << "a gap in the staged entries";
    if (!diverged_ || first < divergence_) {
      // Entries [first, divergence_) are durable and about to be replaced:
      // remember them (the tail after divergence_ is already remembered).
      const Index upto = diverged_ ? divergence_ : old_last + 1;
      std::vector<Entry> head;
      for (Index i = first; i < upto; ++i) {
        std::vector<Entry> one;
        CHECK(mirror_.Entries(i, i + 1, UINT64_MAX, &one).ok());
        head.push_back(std::move(one[0]));
      }
      durable_tail_.insert(durable_tail_.begin(), head.begin(), head.end());
      divergence_ = first;
      diverged_ = true;
    }
    Term prev_term = TermAt(first - 1);
    for (const Entry& entry : ready.entries) {
      batch->Put(Cf::kRaft, EntryKey(entry.index),
                 EncodeEntry(entry, prev_term));
      prev_term = entry.term;
    }
    const Index new_last = ready.entries.back().index;
    if (old_last > new_last) {
      batch->DeleteRange(Cf::kRaft, EntryKey(new_last + 1), kEntryEnd);
    }
    mirror_.Append(ready.entries);
    undurable_ = true;
  }
  if (ready.hard_state.has_value()) {
    staged->hard_state.Put(Cf::kRaft, HardStateKey(),
                           EncodeHardState(*ready.hard_state));
    mirror_.SetHardState(*ready.hard_state);
    undurable_ = true;
  }
}

void RaftLogStore::MarkDurable() {
  durable_hs_ = mirror_.hard_state();
  undurable_ = false;
  diverged_ = false;
  divergence_ = 0;
  durable_tail_.clear();
}

core::raft::invariants::LogView RaftLogStore::DurableView(Index lo) const {
  core::raft::invariants::LogView view;
  lo = std::max<Index>(lo, 1);
  const Index mirror_upto = diverged_ ? divergence_ - 1 : mirror_.LastIndex();
  const Index last =
      diverged_ ? divergence_ - 1 + durable_tail_.size() : mirror_upto;
  lo = std::min(lo, last + 1);
  view.first_index = lo;
  if (lo <= mirror_upto) {
    CHECK(mirror_.Entries(lo, mirror_upto + 1, UINT64_MAX, &view.entries).ok());
  }
  if (diverged_) {
    for (const Entry& entry : durable_tail_) {
      if (entry.index >= lo) view.entries.push_back(entry);
    }
  }
  return view;
}

}  // namespace sim::register_kv
