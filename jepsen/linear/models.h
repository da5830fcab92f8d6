// Internal: the sequential specifications, compiled to micro-ops over
// integer cells so that the search copies, hashes and compares small states.
//
// Every distinct value is interned to a dense id; a cell holds a value id
// (registers, key-value strings) or 0/1 (mutex). `append` interns the
// concatenation on demand and memoises it, so the key-value model stays
// exact while its states remain integers.
#ifndef JEPSEN_LINEAR_MODELS_H_
#define JEPSEN_LINEAR_MODELS_H_

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "jepsen/history/history.h"
#include "jepsen/linear/linear.h"
#include "jepsen/linear/wgl.h"

namespace jepsen::linear::internal {

inline constexpr int32_t kUnknownValue = -1;
inline constexpr int32_t kMutexFree = 0;
inline constexpr int32_t kMutexHeld = 1;

struct MicroOp {
  enum class Kind : uint8_t {
    kRead,        // a: expected value id, or kUnknownValue
    kWrite,       // a: new value
    kCasOk,       // requires cell == a; sets b
    kCasFailed,   // requires cell != a (an observed failed compare)
    kCasUnknown,  // cell == a ? b : unchanged
    kAppend,      // cell = cell ++ a (strings)
    kAcquire,     // requires free; sets held
    kRelease,     // requires held; sets free
  };
  Kind kind = Kind::kRead;
  int32_t key = 0;  // cell index in a multi-key state
  int32_t a = 0;
  int32_t b = 0;
};

// Dense ids for distinct values: an open-addressing table of ids with their
// hashes (values are compared only on a hash match, and copied only once).
class ValueTable {
 public:
  int32_t Intern(const history::Value& value);
  const history::Value& value(int32_t id) const {
    return values_[static_cast<size_t>(id)];
  }
  size_t size() const { return values_.size(); }

 private:
  void Grow();

  std::vector<history::Value> values_;
  std::vector<uint64_t> hashes_;
  std::vector<int32_t> slots_;  // -1: empty
};

// Interned values and the append memo of one partition. Ids [0, n) are the
// values interned from the history (all before the search); an append's
// result is a derived id made of (left id, right id) with the polynomial
// hash and length of its text, so appending costs O(1) rather than a copy
// of an ever longer string. Ids stay canonical: a derived text equal to an
// existing one (same hash and length, then compared character by
// character) gets that one's id, so states compare by id exactly.
class Cells {
 public:
  // Only before the first Apply of an append (CHECKed).
  int32_t Intern(const history::Value& value);
  // The value of an id (a derived text is built).
  history::Value ValueOf(int32_t id) const;

  // Applies `op` to a cell holding `current`; false if the op is illegal.
  bool Apply(int32_t current, const MicroOp& op, int32_t* next);

  // Whether text `prefix` may begin text `text` (for values that are not
  // strings: whether they are equal). By hashes: never false when it does,
  // true when it does not only on a hash collision (about 2^-61), so it
  // suits a pruning that must stay complete (the observer lookahead).
  bool MayBePrefix(int32_t prefix, int32_t text);
  // Whether text `text` may be `prefix` followed by some of `pieces` (each
  // any number of times, in any order): the same guarantee, by hashes.
  bool MayBeExtension(int32_t prefix, int32_t text,
                      const std::vector<int32_t>& pieces);

 private:
  struct Text {
    bool is_string = false;
    uint32_t length = 0;
    uint64_t hash = 0;   // sum of byte * kBase^(length - 1 - i) mod 2^61-1
    uint64_t power = 1;  // kBase^length mod 2^61-1
    int32_t left = -1;   // derived ids: the two parts
    int32_t right = -1;
  };

  int32_t Concat(int32_t left, int32_t right);
  void AppendText(int32_t id, std::string* out) const;
  const std::vector<uint64_t>& PrefixHashes(int32_t id);

  ValueTable table_;
  std::vector<Text> texts_;  // by id: interned, then derived
  std::unordered_map<uint64_t, int32_t> concat_;        // (left, right) -> id
  std::unordered_multimap<uint64_t, int32_t> by_hash_;  // (hash, length)
  // By id, built on first use (empty: not yet): a hash table lookup here
  // cost a tenth of a few-client search.
  std::vector<std::vector<uint64_t>> prefix_hashes_;
  std::vector<uint32_t> positions_;  // MayBeExtension's scratch
  std::vector<uint32_t> substring_lengths_;
  std::vector<uint64_t> substring_hashes_;
};

// What a compiled call may do (wgl.h: CallRole), from its micro-ops.
CallRole RoleOf(const MicroOp* begin, const MicroOp* end);
// Where legal, leaves every cell as it was.
bool IsReadOnly(const MicroOp* begin, const MicroOp* end);

// One partition's calls compiled for the search.
struct Partition {
  std::optional<history::Value> key;  // nullopt: the unpartitioned history
  std::vector<size_t> operations;     // index into the paired operations
  std::vector<CallSpan> spans;
  std::vector<uint32_t>
      micro_begin;  // micro-ops of call i: [begin[i], begin[i+1])
  std::vector<MicroOp> micro;
  std::vector<history::Value> cell_keys;  // cell index -> key (multi-key state)
  std::vector<int32_t> initial;           // one id per cell
  bool multi_key = false;
  Cells cells;
};

// Splits the operations (already paired) into per-key partitions (one when
// unpartitioned), in key order, and compiles each. Operations the model
// drops (:fail ones) are left out. Errors name the first offending op.
absl::StatusOr<std::vector<Partition>> CompilePartitions(
    const history::History& history,
    const std::vector<history::Operation>& operations,
    const ModelOptions& options);

// Search adapters: one cell (per-key partitions) or many (multi-key).
// Only the single-cell one has the observer lookahead (wgl.h).
class SingleCellModel {
 public:
  using State = int32_t;
  static constexpr bool kLookahead = true;
  explicit SingleCellModel(Partition& p);
  State Init() { return p_.initial.empty() ? 0 : p_.initial[0]; }
  bool Step(const State& s, size_t call, State* next) {
    int32_t cell = s;
    for (uint32_t m = p_.micro_begin[call]; m < p_.micro_begin[call + 1]; ++m) {
      if (!p_.cells.Apply(cell, p_.micro[m], &cell)) return false;
    }
    *next = cell;
    return true;
  }
  uint64_t Hash(const State& s) {
    return static_cast<uint64_t>(static_cast<uint32_t>(s));
  }
  CallRole Role(size_t call) const { return roles_[call]; }
  bool ReadOnly(size_t call) const { return read_only_[call] != 0; }
  void BeginLookahead() { pieces_.clear(); }
  void AddExtender(size_t call);
  bool MayObserve(const State& s, size_t call, bool thorough);
  State SetTo(size_t setter) const { return set_to_[setter]; }

 private:
  Partition& p_;
  std::vector<CallRole> roles_;
  std::vector<uint8_t> read_only_;
  std::vector<int32_t> set_to_;  // for setters: the cell they leave
  std::vector<int32_t> pieces_;  // the lookahead's extenders' appended texts
};

class MultiCellModel {
 public:
  using State = std::vector<int32_t>;
  static constexpr bool kLookahead = false;
  explicit MultiCellModel(Partition& p);
  State Init() { return p_.initial; }
  bool Step(const State& s, size_t call, State* next) {
    *next = s;
    for (uint32_t m = p_.micro_begin[call]; m < p_.micro_begin[call + 1]; ++m) {
      const MicroOp& op = p_.micro[m];
      int32_t& cell = (*next)[static_cast<size_t>(op.key)];
      if (!p_.cells.Apply(cell, op, &cell)) return false;
    }
    return true;
  }
  uint64_t Hash(const State& s) {
    uint64_t h = s.size();
    for (int32_t v : s) h = MixBits(h ^ static_cast<uint32_t>(v));
    return h;
  }
  CallRole Role(size_t) const { return CallRole::kSetter; }
  bool ReadOnly(size_t call) const { return read_only_[call] != 0; }
  void BeginLookahead() {}  // unused: no lookahead
  void AddExtender(size_t) {}
  bool MayObserve(const State&, size_t, bool) const { return true; }
  State SetTo(size_t) const { return p_.initial; }  // unused: no lookahead

 private:
  Partition& p_;
  std::vector<uint8_t> read_only_;
};

// EDN-ish description of a state for explanations.
std::string DescribeCell(const Partition& p, ModelKind kind, int32_t cell);
std::string DescribeCells(const Partition& p, ModelKind kind,
                          const std::vector<int32_t>& cells);

}  // namespace jepsen::linear::internal

#endif  // JEPSEN_LINEAR_MODELS_H_
