// Internal: the Wing-Gong-Lowe search over one partition.
//
// Ref: Lowe, "Testing for linearizability", CCPE 2017, §3 (the WGL algorithm
// with a doubly linked list of call/return entries, "lift"/"unlift") and §4
// (caching (linearized set, state) configurations, which makes the search
// memoised instead of exponential in many cases). Porcupine's checkSingle
// is the same algorithm.
//
// Model concept (all methods may mutate internal memo tables):
//   using State = ...;                          // copyable, ==-comparable
//   State Init();
//   bool Step(const State& s, size_t call, State* next);  // false: illegal
//   uint64_t Hash(const State& s);
#ifndef JEPSEN_LINEAR_WGL_H_
#define JEPSEN_LINEAR_WGL_H_

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <utility>
#include <vector>

#include "core/base/check.h"

namespace jepsen::linear::internal {

inline constexpr size_t kOpenReturn = static_cast<size_t>(-1);

struct CallSpan {
  size_t call_pos = 0;              // event position of the invocation
  size_t return_pos = kOpenReturn;  // event position of the completion
  bool required = true;             // must be linearized (completed ops)
  // For an :info call: the latest earlier :info call that does exactly the
  // same (same micro-ops), else -1. Both are available from the later one's
  // invocation on and never return, so any linearization using the later
  // one alone can use the earlier one instead: the search tries the later
  // one only once the earlier one is linearized (symmetry reduction; k
  // identical pending :info writes then cost k + 1 configurations, not 2^k).
  int64_t earlier_twin = -1;
};

enum class SearchStatus {
  kLinearizable,
  kNotLinearizable,
  kTimedOut,
  kStopped,
  kCacheFull
};

template <typename State>
struct SearchOutcome {
  SearchStatus status = SearchStatus::kLinearizable;
  // kNotLinearizable: the call whose return was reached in the deepest
  // configuration, the calls linearized there (in order) and the state.
  size_t failed_call = 0;
  std::vector<size_t> prefix;
  State state_after_prefix{};
  size_t cache_entries = 0;
};

struct SearchLimits {
  std::chrono::steady_clock::time_point deadline =
      std::chrono::steady_clock::time_point::max();
  std::function<bool()> should_stop;  // polled now and then; may be empty
  size_t max_cache_entries = 0;       // 0: unbounded
  // Candidate order: list order (invocation order, the usual WGL order) or
  // optional calls last (see SeekCandidate).
  bool optional_last = false;
};

inline uint64_t MixBits(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The set of linearized calls: a bitset with an incrementally maintained
// Zobrist hash and window [lo, hi): words before lo are all ones, words from
// hi on are zero. Set/Clear are amortized O(1).
class LinearizedSet {
 public:
  explicit LinearizedSet(size_t n) : words_((n + 63) / 64, 0), zobrist_(n) {
    for (size_t i = 0; i < n; ++i)
      zobrist_[i] = MixBits(i * 0x2545f4914f6cdd1dULL + 1);
  }

  void Set(size_t i) {
    const size_t w = i / 64;
    words_[w] |= uint64_t{1} << (i % 64);
    hash_ ^= zobrist_[i];
    hi_ = std::max(hi_, w + 1);
    while (lo_ < words_.size() && words_[lo_] == ~uint64_t{0}) ++lo_;
  }

  void Clear(size_t i) {
    const size_t w = i / 64;
    words_[w] &= ~(uint64_t{1} << (i % 64));
    hash_ ^= zobrist_[i];
    lo_ = std::min(lo_, w);
    while (hi_ > lo_ && words_[hi_ - 1] == 0) --hi_;
  }

  bool Test(size_t i) const {
    return (words_[i / 64] >> (i % 64)) & uint64_t{1};
  }
  uint64_t hash() const { return hash_; }
  size_t lo() const { return lo_; }
  size_t hi() const { return std::max(hi_, lo_); }
  const uint64_t* data() const { return words_.data(); }

 private:
  std::vector<uint64_t> words_;
  std::vector<uint64_t> zobrist_;
  uint64_t hash_ = 0;
  size_t lo_ = 0;
  size_t hi_ = 0;
};

// Set of (linearized-set bitset, model state) configurations, open
// addressing. A linearized set is stored as its window: the words before it
// are all ones (everything that far is linearized) and the words after it
// are zero, so an entry costs O(concurrency) words rather than O(n) and long
// sequential histories stay within memory.
template <typename State>
class ConfigCache {
 public:
  ConfigCache() : slots_(1024, 0) {}

  // Inserts the configuration; false if it was already present.
  bool Insert(uint64_t hash, const LinearizedSet& set, const State& state) {
    const size_t lo = set.lo();
    const size_t hi = set.hi();
    const uint64_t* bits = set.data();
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      const uint32_t slot = slots_[i];
      if (slot == 0) {
        entries_.push_back(Entry{hash, arena_.size(), static_cast<uint32_t>(lo),
                                 static_cast<uint32_t>(hi - lo)});
        arena_.insert(arena_.end(), bits + lo, bits + hi);
        states_.push_back(state);
        slots_[i] = static_cast<uint32_t>(entries_.size());
        if (entries_.size() * 2 > slots_.size()) Grow();
        return true;
      }
      const Entry& e = entries_[slot - 1];
      if (e.hash == hash && e.lo == lo && e.length == hi - lo &&
          states_[slot - 1] == state &&
          std::equal(bits + lo, bits + hi,
                     arena_.begin() + static_cast<ptrdiff_t>(e.offset))) {
        return false;
      }
    }
  }

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    uint64_t hash;
    size_t offset;  // window words in arena_
    uint32_t lo;    // index of the window's first word
    uint32_t length;
  };

  void Grow() {
    std::vector<uint32_t> slots(slots_.size() * 2, 0);
    const size_t mask = slots.size() - 1;
    for (size_t e = 0; e < entries_.size(); ++e) {
      size_t i = entries_[e].hash & mask;
      while (slots[i] != 0) i = (i + 1) & mask;
      slots[i] = static_cast<uint32_t>(e + 1);
    }
    slots_ = std::move(slots);
  }

  std::vector<uint32_t> slots_;  // 0: empty; else entry index + 1
  std::vector<Entry> entries_;
  std::vector<uint64_t> arena_;
  std::vector<State> states_;
};

// The doubly linked list of entries: entry 2i is the call of call i, 2i+1
// its return; `head` is a sentinel. Removal keeps an entry's own links so
// that reinsertion in reverse order restores the list (dancing links).
class EntryList {
 public:
  explicit EntryList(const std::vector<CallSpan>& calls) {
    const size_t n = calls.size();
    head_ = static_cast<int32_t>(2 * n);
    next_.assign(2 * n + 1, -1);
    prev_.assign(2 * n + 1, -1);
    std::vector<std::pair<size_t, int32_t>> order;
    order.reserve(2 * n);
    for (size_t i = 0; i < n; ++i) {
      CHECK(calls[i].return_pos == kOpenReturn ||
            calls[i].call_pos < calls[i].return_pos);
      order.emplace_back(calls[i].call_pos, static_cast<int32_t>(2 * i));
      order.emplace_back(calls[i].return_pos, static_cast<int32_t>(2 * i + 1));
    }
    std::sort(order.begin(), order.end());
    int32_t last = head_;
    for (const auto& [pos, entry] : order) {
      next_[last] = entry;
      prev_[entry] = last;
      last = entry;
    }
  }

  int32_t first() const { return next_[head_]; }
  int32_t next(int32_t entry) const { return next_[entry]; }

  // Removes a call entry and its return entry.
  void Lift(int32_t call) {
    Unlink(call);
    Unlink(call + 1);
  }
  void Unlift(int32_t call) {
    Relink(call + 1);
    Relink(call);
  }

 private:
  void Unlink(int32_t e) {
    next_[prev_[e]] = next_[e];
    if (next_[e] != -1) prev_[next_[e]] = prev_[e];
  }
  void Relink(int32_t e) {
    next_[prev_[e]] = e;
    if (next_[e] != -1) prev_[next_[e]] = e;
  }

  int32_t head_;
  std::vector<int32_t> next_;
  std::vector<int32_t> prev_;
};

// Candidate order within a configuration. The calls that may be linearized
// next are the call entries before the first return entry. WGL tries them
// in list order, which follows invocation order and suits real histories,
// where an op usually takes effect near its invocation. With
// `optional_last` it tries the required ones first, then the optional ones
// (:info calls, which may or may not have taken effect). Either way the set
// tried is the same, so both searches are complete; but when most :info
// calls never took effect (a cluster that kept failing), list order tries
// every subset of the early ones first (2^k configurations for k pending
// :info writes on one register), while optional-last explains the history
// without them.
struct Cursor {
  int32_t entry;
  bool optional_pass;
};

// The candidate to try at or after `c`: in list order `c` itself (a return
// entry means the configuration is exhausted). With optional_last, the
// first candidate at or after `c.entry` in its pass, else the next pass's
// first; once both passes are done, the first return entry or -1.
inline Cursor SeekCandidate(const EntryList& list,
                            const std::vector<CallSpan>& calls, Cursor c,
                            bool optional_last) {
  if (!optional_last) return c;
  while (true) {
    if (c.entry != -1 && (c.entry & 1) == 0) {
      const bool optional = !calls[static_cast<size_t>(c.entry / 2)].required;
      if (optional == c.optional_pass) return c;
      c.entry = list.next(c.entry);
      continue;
    }
    if (c.optional_pass) return c;
    c = Cursor{list.first(), true};
  }
}

template <typename Model>
SearchOutcome<typename Model::State> SearchWgl(
    Model& model, const std::vector<CallSpan>& calls,
    const SearchLimits& limits) {
  using State = typename Model::State;
  SearchOutcome<State> out;
  const size_t n = calls.size();
  size_t required_total = 0;
  for (const CallSpan& call : calls) required_total += call.required ? 1 : 0;
  if (required_total == 0) return out;

  EntryList list(calls);
  LinearizedSet linearized(n);
  ConfigCache<State> cache;

  struct Frame {
    Cursor cursor;
    State state;
  };
  std::vector<Frame> stack;
  State state = model.Init();
  size_t linearized_required = 0;
  int64_t best_depth = -1;
  size_t synced = 0;  // out.prefix[0, synced) equals the stack's calls
  Cursor cursor = SeekCandidate(list, calls, Cursor{list.first(), false},
                                limits.optional_last);
  for (uint64_t iterations = 1;; ++iterations) {
    if ((iterations & 1023) == 0) {
      if (std::chrono::steady_clock::now() > limits.deadline)
        out.status = SearchStatus::kTimedOut;
      if (limits.should_stop && limits.should_stop())
        out.status = SearchStatus::kStopped;
      if (out.status != SearchStatus::kLinearizable) break;
    }
    const int32_t entry = cursor.entry;
    CHECK_NE(entry, -1)
        << "the entry list ended with required calls unlinearized";
    const size_t call = static_cast<size_t>(entry / 2);
    if ((entry & 1) == 0) {
      State next_state;
      const int64_t twin = calls[call].earlier_twin;
      const bool twin_pending =
          twin >= 0 && !linearized.Test(static_cast<size_t>(twin));
      if (!twin_pending && model.Step(state, call, &next_state)) {
        linearized.Set(call);
        if (cache.Insert(linearized.hash() ^ MixBits(model.Hash(next_state)),
                         linearized, next_state)) {
          stack.push_back(Frame{cursor, std::move(state)});
          state = std::move(next_state);
          list.Lift(entry);
          if (calls[call].required && ++linearized_required == required_total)
            break;
          if (limits.max_cache_entries != 0 &&
              cache.size() >= limits.max_cache_entries) {
            out.status = SearchStatus::kCacheFull;
            break;
          }
          cursor = SeekCandidate(list, calls, Cursor{list.first(), false},
                                 limits.optional_last);
          continue;
        }
        linearized.Clear(call);
      }
      cursor = SeekCandidate(list, calls,
                             Cursor{list.next(entry), cursor.optional_pass},
                             limits.optional_last);
      continue;
    }
    // A return entry: the call cannot be linearized in this configuration.
    // Record the deepest such point; out.prefix already mirrors the stack up
    // to `synced`, so only the frames pushed since need copying (amortized
    // linear, where copying the whole stack each time would be quadratic).
    if (static_cast<int64_t>(stack.size()) > best_depth) {
      best_depth = static_cast<int64_t>(stack.size());
      out.failed_call = call;
      out.prefix.resize(synced);
      for (size_t k = synced; k < stack.size(); ++k) {
        out.prefix.push_back(static_cast<size_t>(stack[k].cursor.entry / 2));
      }
      synced = stack.size();
      out.state_after_prefix = state;
    }
    if (stack.empty()) {
      out.status = SearchStatus::kNotLinearizable;
      break;
    }
    Frame frame = std::move(stack.back());
    stack.pop_back();
    synced = std::min(synced, stack.size());
    const size_t undone = static_cast<size_t>(frame.cursor.entry / 2);
    state = std::move(frame.state);
    linearized.Clear(undone);
    if (calls[undone].required) --linearized_required;
    list.Unlift(frame.cursor.entry);
    cursor = SeekCandidate(
        list, calls,
        Cursor{list.next(frame.cursor.entry), frame.cursor.optional_pass},
        limits.optional_last);
  }
  out.cache_entries = cache.size();
  return out;
}

}  // namespace jepsen::linear::internal

#endif  // JEPSEN_LINEAR_WGL_H_
