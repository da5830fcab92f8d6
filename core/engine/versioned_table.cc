#include "core/engine/versioned_table.h"

#include <iterator>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "core/base/check.h"
#include "core/base/mutant.h"
#include "core/engine/checksum.h"

namespace core::engine {
namespace {

// Seeds value checksums so that they differ from checksums of other data.
constexpr uint64_t kValueChecksumSeed = 0x6d656d2d76616c75ULL;  // "mem-valu"

}  // namespace

void PinSet::Unpin(SequenceNumber seq) {
  auto it = counts_.find(seq);
  CHECK(it != counts_.end())
      << "unpinning a sequence that is not pinned: " << seq;
  if (--it->second == 0) counts_.erase(it);
}

bool PinSet::AnyIn(SequenceNumber low, SequenceNumber high) const {
  auto it = counts_.lower_bound(low);
  return it != counts_.end() && it->first < high;
}

uint64_t VersionedTable::ValueChecksum(std::string_view value) {
  return EntryChecksum(value, kValueChecksumSeed);
}

VersionedTable::Map::iterator VersionedTable::InsertNewest(std::string_view key,
                                                           Version version,
                                                           SequenceNumber seq) {
  auto hint = map_.lower_bound(LookupKey{key, kMaxSequenceNumber});
  if (hint != map_.end() && hint->first.user_key == key) {
    CHECK_LT(hint->first.seq, seq) << "sequence numbers must grow per key";
  }
  return map_.emplace_hint(hint, InternalKey{std::string(key), seq},
                           std::move(version));
}

void VersionedTable::Put(std::string_view key, std::string_view value,
                         SequenceNumber seq, const PinSet& pins) {
  Version version{.tombstone = false,
                  .value = std::string(value),
                  .checksum = ValueChecksum(value)};
  CollectFrom(InsertNewest(key, std::move(version), seq), pins);
}

void VersionedTable::Delete(std::string_view key, SequenceNumber seq,
                            const PinSet& pins) {
  // A tombstone over nothing is dropped at once by CollectFrom; it is needed
  // only when an older version exists that some reader may still see.
  Version version{.tombstone = true, .value = {}, .checksum = 0};
  CollectFrom(InsertNewest(key, std::move(version), seq), pins);
}

void VersionedTable::DeleteRange(std::string_view begin_key,
                                 std::string_view end_key, SequenceNumber seq,
                                 const PinSet& pins) {
  CHECK_LE(begin_key, end_key);
  // Gather first: tombstoning collects versions and may erase map nodes the
  // scan would otherwise still be standing on.
  std::vector<std::string> keys;
  for (auto it = FirstVisibleFrom(KeyLowerBound(begin_key), kMaxSequenceNumber);
       it != map_.end() && std::string_view(it->first.user_key) < end_key;
       it = FirstVisibleFrom(KeyUpperBound(it->first.user_key),
                             kMaxSequenceNumber)) {
    keys.push_back(it->first.user_key);
  }
  for (const std::string& key : keys) Delete(key, seq, pins);
}

void VersionedTable::Insert(std::string_view key, const Version& version,
                            SequenceNumber seq) {
  InsertNewest(key, version, seq);
}

const Version* VersionedTable::Get(std::string_view key,
                                   SequenceNumber seq) const {
  auto it = map_.lower_bound(LookupKey{key, seq});
  if (it == map_.end() || it->first.user_key != key) return nullptr;
  if (it->second.tombstone) return nullptr;
  return &it->second;
}

size_t VersionedTable::CollectFrom(Map::iterator first, const PinSet& pins) {
  const std::string_view key = first->first.user_key;
  // The newest version serves the latest reader; an older one is kept only
  // while some pinned sequence falls in its visibility interval
  // [its seq, the next newer version's seq).
  absl::InlinedVector<Map::iterator, 4> kept;
  kept.push_back(first);
  SequenceNumber newer = first->first.seq;
  auto it = std::next(first);
  while (it != map_.end() && it->first.user_key == key) {
    const SequenceNumber seq = it->first.seq;
    // Known bug (MUTANT): drops every older version, even one a snapshot
    // (or the synced point) still reads; newer < seq is never true.
    const bool needed = MUTANT(ENGINE_GC_IGNORES_SNAPSHOTS)
                            ? newer < seq
                            : pins.AnyIn(seq, newer);
    if (needed) {
      kept.push_back(it);
      ++it;
    } else {
      it = map_.erase(it);
    }
    newer = seq;
  }
  // A tombstone with no older version under it hides nothing: every reader
  // sees "absent" with or without it. `first` may be erased here, so `key`
  // (a view into it) is not used after this loop.
  while (!kept.empty() && kept.back()->second.tombstone) {
    map_.erase(kept.back());
    kept.pop_back();
  }
  return kept.size();
}

size_t VersionedTable::CollectKey(std::string_view key, const PinSet& pins) {
  auto first = map_.lower_bound(LookupKey{key, kMaxSequenceNumber});
  if (first == map_.end() || first->first.user_key != key) return 0;
  return CollectFrom(first, pins);
}

void VersionedTable::CollectAll(const PinSet& pins) {
  auto it = map_.begin();
  while (it != map_.end()) {
    std::string key = it->first.user_key;
    CollectFrom(it, pins);
    it = map_.upper_bound(LookupKey{key, 0});
  }
}

void VersionedTable::CollectStep(const PinSet& pins, int keys) {
  auto it = map_.lower_bound(LookupKey{cursor_, kMaxSequenceNumber});
  for (int i = 0; i < keys; ++i) {
    if (it == map_.end()) it = map_.begin();
    if (it == map_.end()) break;
    std::string key = it->first.user_key;
    CollectFrom(it, pins);
    it = map_.upper_bound(LookupKey{key, 0});
  }
  cursor_ = it == map_.end() ? std::string() : it->first.user_key;
}

VersionedTable::Map::const_iterator VersionedTable::SkipKey(
    Map::const_iterator it) const {
  // Linear, not a fresh lookup: a key rarely has more than a few versions.
  CHECK(it != map_.end());
  const std::string_view key = it->first.user_key;
  do {
    ++it;
  } while (it != map_.end() && it->first.user_key == key);
  return it;
}

VersionedTable::Map::const_iterator VersionedTable::FirstVisibleFrom(
    Map::const_iterator from, SequenceNumber seq) const {
  auto it = from;
  while (it != map_.end()) {
    if (it->first.seq > seq) {
      ++it;  // Too new for this reader; an older version of it may follow.
      continue;
    }
    // The first entry at or below `seq` is the visible version of its key.
    if (!it->second.tombstone) return it;
    it = SkipKey(it);
  }
  return it;
}

VersionedTable::Map::const_iterator VersionedTable::LastVisibleBefore(
    Map::const_iterator end, SequenceNumber seq) const {
  auto it = end;
  while (it != map_.begin()) {
    // The versions of the previous key are contiguous, newest first: walk
    // back to its first entry, then forward to the one visible at `seq`.
    const auto last = std::prev(it);
    const std::string_view key = last->first.user_key;
    auto first = last;
    while (first != map_.begin() && std::prev(first)->first.user_key == key) {
      --first;
    }
    for (auto v = first;; ++v) {
      if (v->first.seq <= seq) {
        if (!v->second.tombstone) return v;
        break;
      }
      if (v == last) break;
    }
    it = first;
  }
  return map_.end();
}

}  // namespace core::engine
