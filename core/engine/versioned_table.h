// VersionedTable: the multi-version memtable behind one MemEngine column
// family. Every write gets a fresh sequence number; a reader at sequence `seq`
// sees, for each key, the newest version whose sequence is <= seq (a tombstone
// means "absent"). A snapshot is therefore just a pinned sequence number and
// costs nothing to take.
//
// Versions no pinned reader can see are dropped: after each write to a key,
// and by a rolling cursor that revisits a few keys per write (CollectStep),
// which reclaims versions a released snapshot no longer needs. A version is
// kept iff it is the newest version of its key, or some pinned sequence p
// falls in [its seq, seq of the next newer version); a tombstone with nothing
// older under it is dropped too, since "absent" needs no marker.
//
// Precondition: a sequence is only ever pinned when it is the latest one (a
// new snapshot, a new synced point). Hence a version dropped once is never
// needed again, and an older version's visibility interval can be judged
// against the original next newer version.
//
// Invariant (VisibleViewsPreserved): collection never changes what a reader
// at the latest sequence or at any pinned sequence sees.
//
// Not thread-safe; pure (no I/O, clock or globals).
#ifndef CORE_ENGINE_VERSIONED_TABLE_H_
#define CORE_ENGINE_VERSIONED_TABLE_H_

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>

namespace core::engine {

using SequenceNumber = uint64_t;
// Reads "the latest state": newer than every sequence ever assigned.
inline constexpr SequenceNumber kMaxSequenceNumber =
    std::numeric_limits<SequenceNumber>::max();

// A multiset of pinned sequence numbers (snapshots, the synced point).
class PinSet {
 public:
  void Pin(SequenceNumber seq) { ++counts_[seq]; }
  void Unpin(SequenceNumber seq);
  // True when some pinned p satisfies low <= p < high.
  bool AnyIn(SequenceNumber low, SequenceNumber high) const;
  size_t distinct() const { return counts_.size(); }

 private:
  std::map<SequenceNumber, int> counts_;
};

struct Version {
  bool tombstone = false;
  std::string value;
  // EntryChecksum(value) at write time; a mismatch on read is corruption.
  uint64_t checksum = 0;
};

// Entries sort by user key ascending, then by sequence descending, so the
// first entry of a key at or below a sequence is the one visible there.
struct InternalKey {
  std::string user_key;
  SequenceNumber seq;
};
struct LookupKey {
  std::string_view user_key;
  SequenceNumber seq;
};

struct InternalKeyLess {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    const int order = std::string_view(a.user_key).compare(b.user_key);
    if (order != 0) return order < 0;
    return a.seq > b.seq;
  }
};

class VersionedTable {
 public:
  using Map = std::map<InternalKey, Version, InternalKeyLess>;

  // The checksum stored with, and verified against, a value.
  static uint64_t ValueChecksum(std::string_view value);

  // Adds a version at `seq`, which must exceed every sequence already stored
  // for the key, then collects the key's unneeded versions.
  void Put(std::string_view key, std::string_view value, SequenceNumber seq,
           const PinSet& pins);
  void Delete(std::string_view key, SequenceNumber seq, const PinSet& pins);
  // Tombstones, at `seq`, every key in [begin_key, end_key) that is present
  // in the latest state.
  void DeleteRange(std::string_view begin_key, std::string_view end_key,
                   SequenceNumber seq, const PinSet& pins);
  // Inserts an already checksummed version without collecting (used when
  // rebuilding after a crash, so corrupted bytes stay corrupted).
  void Insert(std::string_view key, const Version& version, SequenceNumber seq);

  // The version of `key` visible at `seq`, or nullptr when the key is absent
  // there (never written, or deleted).
  const Version* Get(std::string_view key, SequenceNumber seq) const;

  // Drops versions of `key` that neither the latest reader nor any pinned
  // sequence can see. Returns how many versions of the key remain.
  size_t CollectKey(std::string_view key, const PinSet& pins);
  // CollectKey for every key.
  void CollectAll(const PinSet& pins);
  // CollectKey for the next `keys` keys after a rolling cursor, wrapping
  // around at the end of the table.
  void CollectStep(const PinSet& pins, int keys);

  // Visibility helpers for iterators. Each returns the visible (newest at or
  // below `seq`), non-tombstone version of the chosen key, or map().end().
  //
  // The first key visible at `seq` at or after map position `from`, which
  // must be the first entry of a key (or end()).
  Map::const_iterator FirstVisibleFrom(Map::const_iterator from,
                                       SequenceNumber seq) const;
  // The last key visible at `seq` strictly before map position `end`, which
  // must be the first entry of a key (or end()).
  Map::const_iterator LastVisibleBefore(Map::const_iterator end,
                                        SequenceNumber seq) const;
  // The first entry of the key after the one at `it` (which must not be
  // end()).
  Map::const_iterator SkipKey(Map::const_iterator it) const;
  // Map positions: the first entry of the first key >= `key`, and of the
  // first key > `key`.
  Map::const_iterator KeyLowerBound(std::string_view key) const {
    return map_.lower_bound(LookupKey{key, kMaxSequenceNumber});
  }
  Map::const_iterator KeyUpperBound(std::string_view key) const {
    return map_.upper_bound(LookupKey{key, 0});
  }

  const Map& map() const { return map_; }
  size_t version_count() const { return map_.size(); }
  // Mutable access for fault injection (corrupting a stored value).
  Map& mutable_map() { return map_; }

 private:
  // Collects the versions of one key, starting at its first (newest) entry.
  size_t CollectFrom(Map::iterator first, const PinSet& pins);
  Map::iterator InsertNewest(std::string_view key, Version version,
                             SequenceNumber seq);

  Map map_;
  // Where CollectStep resumes: the first key >= cursor_.
  std::string cursor_;
};

}  // namespace core::engine

#endif  // CORE_ENGINE_VERSIONED_TABLE_H_
