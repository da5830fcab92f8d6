// Internal: the Wing-Gong-Lowe search over one partition.
//
// Ref: Lowe, "Testing for linearizability", CCPE 2017, §3 (the WGL algorithm
// with a doubly linked list of call/return entries, "lift"/"unlift") and §4
// (caching (linearized set, state) configurations, which makes the search
// memoised instead of exponential in many cases). Porcupine's checkSingle
// is the same algorithm; two reductions go beyond it (both keep the search
// complete, see WglSearch):
//   - read-only calls that are legal now are linearized at once, without
//     branching (a partial-order reduction);
//   - a configuration is dropped as soon as some pending read can no longer
//     see its value (observer lookahead), instead of when the search reaches
//     that read's return, after trying every order of the calls before it.
// The search is resumable: Run(budget) stops after `budget` iterations and
// a later Run continues, so that many partitions can share the cores fairly.
//
// Model concept (all methods may mutate internal memo tables):
//   using State = ...;                          // copyable, ==-comparable
//   State Init();
//   bool Step(const State& s, size_t call, State* next);  // false: illegal
//   uint64_t Hash(const State& s);
//   static constexpr bool kLookahead;           // observer lookahead on?
//   CallRole Role(size_t call);
//   bool ReadOnly(size_t call);  // where legal, Step leaves the state as is
//   // The lookahead's walk (WglSearch): BeginLookahead starts one with no
//   // extenders; AddExtender(call) adds an extender seen in it. Whether
//   // observer `call` may still be legal once some calls have been
//   // linearized after state `s`, none of them a setter and any extenders
//   // among them from those added. Conservative: true when unsure; with
//   // `thorough` false it may be weaker (and cheaper).
//   void BeginLookahead();
//   void AddExtender(size_t call);
//   bool MayObserve(const State& s, size_t call, bool thorough);
//   State SetTo(size_t setter);  // the state a setter leaves when it acts
#ifndef JEPSEN_LINEAR_WGL_H_
#define JEPSEN_LINEAR_WGL_H_

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
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
  kRunning,  // the iteration budget ran out first; Run again to go on
  kLinearizable,
  kNotLinearizable,
  kTimedOut,
  kStopped,  // never finished: another partition decided the verdict
  kCacheFull
};

// What a call may do to the state, for the observer lookahead.
enum class CallRole {
  kObserver,  // read-only, legal only in some states (a read, a failed CAS)
  kExtender,  // changes the state, keeping what it extends (an append)
  kSetter,    // may set any state (write, CAS, acquire, ...)
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
  size_t max_cache_entries = 0;  // 0: unbounded
  // Candidate order: list order (invocation order, the usual WGL order) or
  // optional calls last (see SeekCandidate).
  bool optional_last = false;
  // The two reductions (see WglSearch); off only to measure what they save
  // and to test that they never change a verdict.
  bool force_read_only = true;
  size_t lookahead_entries = 64;  // list entries the lookahead reads; 0: off
  // Observers within this many entries per candidate (call entries before
  // the first return) get MayObserve's thorough test, the later ones its
  // cheap one. The thorough test of an observer far past the candidates
  // (many extenders before it) seldom refutes and cost most of a search
  // with few calls in flight (10 clients, 1,000 ops: 57%), while a search
  // with many needs it over the whole walk (100 clients: 5x the
  // configurations if only the first 16 entries get it).
  size_t thorough_entries_per_candidate = 8;
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

// The search proper. A configuration is the set of linearized calls plus the
// model state; the remaining entry list holds the calls not yet linearized,
// and the candidates are the call entries before its first return entry.
//
// Read-only reduction: if a read-only call (ReadOnly) is a candidate and
// legal in state s, some completion from the configuration exists only if
// one exists that linearizes it first. (Take any completion; move the call to
// the front. It is minimal, so no remaining call must precede it; it sees s,
// where it is legal, and leaves s unchanged; every later call sees the same
// states as before, since where the call used to be it changed nothing.) So
// the search linearizes it without trying the alternatives ("forced"), and
// when that fails the configuration has failed. Ref: Godefroid, "Partial-
// Order Methods for the Verification of Concurrent Systems", LNCS 1032.
//
// Observer lookahead: after a call is linearized, walk the list from its
// head. Every call linearized before an unlinearized observer g must be
// invoked before g returns, so it is a call entry before g's return entry.
// The state g sees is then the current state or the one some setter among
// those leaves (SetTo: the last setter linearized before g decides), each
// possibly extended by the extenders among them (read-only calls change
// nothing). If MayObserve rules out every such base, the configuration has
// no completion. The walk stops after lookahead_entries entries or at the
// kMaxBases-th distinct base, so it costs O(concurrency) per configuration;
// observers far past the candidates get only MayObserve's cheap test
// (thorough_entries_per_candidate).
template <typename Model>
class WglSearch {
 public:
  using State = typename Model::State;

  WglSearch(Model& model, const std::vector<CallSpan>& calls,
            const SearchLimits& limits)
      : model_(model),
        calls_(calls),
        limits_(limits),
        list_(calls),
        linearized_(calls.size()),
        state_(model.Init()) {
    for (const CallSpan& call : calls) required_total_ += call.required;
    if (required_total_ == 0) {
      out_.status = SearchStatus::kLinearizable;
      return;
    }
    out_.status = SearchStatus::kRunning;
  }

  // Runs at most `budget` more iterations; kRunning if they ran out before a
  // verdict. The verdict and its explanation are in outcome().
  SearchStatus Run(uint64_t budget) {
    const uint64_t stop_at = iterations_ + budget;
    while (out_.status == SearchStatus::kRunning) {
      if (iterations_ >= stop_at) return SearchStatus::kRunning;
      if ((++iterations_ & 1023) == 0 &&
          std::chrono::steady_clock::now() > limits_.deadline) {
        out_.status = SearchStatus::kTimedOut;
        break;
      }
      Iterate();
    }
    out_.cache_entries = cache_.size();
    return out_.status;
  }

  uint64_t iterations() const { return iterations_; }
  const SearchOutcome<State>& outcome() const { return out_; }

 private:
  struct Frame {
    int32_t entry;  // the call entry linearized to leave this configuration
    bool optional_pass;
    bool forced;  // by the read-only reduction: no alternatives to try
    State state;  // before the call
  };

  void Iterate() {
    if (entered_) {
      entered_ = false;
      if (ForceReadOnly()) return;
      cursor_ = Seek(Cursor{list_.first(), false});
    }
    const int32_t entry = cursor_.entry;
    CHECK_NE(entry, -1)
        << "the entry list ended with required calls unlinearized";
    if ((entry & 1) == 0) {
      if (TryCandidate(entry, /*forced=*/false) != Try::kTaken)
        cursor_ = Seek(Cursor{list_.next(entry), cursor_.optional_pass});
      return;
    }
    // A return entry: the call cannot be linearized in this configuration.
    RecordDeepest(static_cast<size_t>(entry / 2), state_, -1);
    Backtrack();
  }

  Cursor Seek(Cursor c) const {
    return SeekCandidate(list_, calls_, c, limits_.optional_last);
  }

  bool TwinPending(size_t call) const {
    const int64_t twin = calls_[call].earlier_twin;
    return twin >= 0 && !linearized_.Test(static_cast<size_t>(twin));
  }

  enum class Try { kIllegal, kSeen, kPruned, kTaken };

  // Linearizes the first legal read-only candidate, if any; true then, and
  // also when its configuration was seen before (so this one has failed:
  // it backtracks).
  bool ForceReadOnly() {
    if (!limits_.force_read_only) return false;
    for (int32_t e = list_.first(); e != -1 && (e & 1) == 0;
         e = list_.next(e)) {
      const size_t call = static_cast<size_t>(e / 2);
      if (!model_.ReadOnly(call)) continue;
      const Try result = TryCandidate(e, /*forced=*/true);
      if (result == Try::kIllegal) continue;
      if (result == Try::kSeen) Backtrack();
      return true;
    }
    return false;
  }

  // Linearizes `entry`'s call if it is legal, leads to a configuration not
  // seen before and (unless forced) passes the lookahead.
  Try TryCandidate(int32_t entry, bool forced) {
    const size_t call = static_cast<size_t>(entry / 2);
    State next;
    if (TwinPending(call) || !model_.Step(state_, call, &next))
      return Try::kIllegal;
    linearized_.Set(call);
    if (!cache_.Insert(linearized_.hash() ^ MixBits(model_.Hash(next)),
                       linearized_, next)) {
      linearized_.Clear(call);
      return Try::kSeen;
    }
    list_.Lift(entry);
    if (!forced) {
      const int64_t blocked = BlockedObserver(next);
      if (blocked >= 0) {
        RecordDeepest(static_cast<size_t>(blocked), next, call);
        list_.Unlift(entry);
        linearized_.Clear(call);
        return Try::kPruned;
      }
    }
    stack_.push_back(
        Frame{entry, cursor_.optional_pass, forced, std::move(state_)});
    state_ = std::move(next);
    entered_ = true;
    if (calls_[call].required && ++linearized_required_ == required_total_) {
      out_.status = SearchStatus::kLinearizable;
    } else if (limits_.max_cache_entries != 0 &&
               cache_.size() >= limits_.max_cache_entries) {
      out_.status = SearchStatus::kCacheFull;
    }
    return Try::kTaken;
  }

  // The observer that can no longer be legal from `state` (see above), or -1.
  int64_t BlockedObserver(const State& state) {
    if constexpr (!Model::kLookahead) {
      return -1;
    } else {
      bases_.assign(1, state);
      model_.BeginLookahead();
      size_t walked = 0;
      size_t thorough_entries = 0;  // set at the first return entry
      for (int32_t e = list_.first();
           e != -1 && walked < limits_.lookahead_entries;
           e = list_.next(e), ++walked) {
        const size_t call = static_cast<size_t>(e / 2);
        const CallRole role = model_.Role(call);
        if ((e & 1) == 0) {
          if (role == CallRole::kExtender) model_.AddExtender(call);
          if (role != CallRole::kSetter) continue;
          State base = model_.SetTo(call);
          if (std::find(bases_.begin(), bases_.end(), base) != bases_.end())
            continue;
          if (bases_.size() == kMaxBases) return -1;  // too weak to go on
          bases_.push_back(std::move(base));
          continue;
        }
        if (thorough_entries == 0) {
          thorough_entries = std::max<size_t>(walked, 1) *
                             limits_.thorough_entries_per_candidate;
        }
        const bool thorough = walked < thorough_entries;
        if (role == CallRole::kObserver && calls_[call].required &&
            std::none_of(bases_.begin(), bases_.end(), [&](const State& base) {
              return model_.MayObserve(base, call, thorough);
            })) {
          return static_cast<int64_t>(call);
        }
      }
      return -1;
    }
  }

  // Undoes the last linearization and moves to the next candidate there; a
  // forced one leaves no candidate, so it undoes the one before as well.
  void Backtrack() {
    while (true) {
      if (stack_.empty()) {
        out_.status = SearchStatus::kNotLinearizable;
        return;
      }
      Frame frame = std::move(stack_.back());
      stack_.pop_back();
      synced_ = std::min(synced_, stack_.size());
      const size_t undone = static_cast<size_t>(frame.entry / 2);
      state_ = std::move(frame.state);
      linearized_.Clear(undone);
      if (calls_[undone].required) --linearized_required_;
      list_.Unlift(frame.entry);
      if (!frame.forced) {
        cursor_ = Seek(Cursor{list_.next(frame.entry), frame.optional_pass});
        return;
      }
    }
  }

  // Keeps the deepest point where `failed` could not be linearized: the calls
  // on the stack (then `extra`, if >= 0) and the state there. out_.prefix
  // mirrors the stack up to synced_, so only the frames pushed since need
  // copying (amortized linear, where copying the whole stack each time would
  // be quadratic).
  void RecordDeepest(size_t failed, const State& state, int64_t extra) {
    const int64_t depth =
        static_cast<int64_t>(stack_.size()) + (extra >= 0 ? 1 : 0);
    if (depth <= best_depth_) return;
    best_depth_ = depth;
    out_.failed_call = failed;
    out_.prefix.resize(synced_);
    for (size_t k = synced_; k < stack_.size(); ++k) {
      out_.prefix.push_back(static_cast<size_t>(stack_[k].entry / 2));
    }
    synced_ = stack_.size();
    if (extra >= 0) out_.prefix.push_back(static_cast<size_t>(extra));
    out_.state_after_prefix = state;
  }

  Model& model_;
  const std::vector<CallSpan>& calls_;
  const SearchLimits limits_;
  EntryList list_;
  LinearizedSet linearized_;
  ConfigCache<State> cache_;
  std::vector<Frame> stack_;
  State state_;
  Cursor cursor_{-1, false};
  bool entered_ = true;  // a configuration was just entered
  size_t required_total_ = 0;
  size_t linearized_required_ = 0;
  int64_t best_depth_ = -1;
  size_t synced_ = 0;  // out_.prefix[0, synced_) equals the stack's calls
  uint64_t iterations_ = 0;
  SearchOutcome<State> out_;
  static constexpr size_t kMaxBases = 8;
  std::vector<State> bases_;  // BlockedObserver's scratch
};

// Runs a whole search at once.
template <typename Model>
SearchOutcome<typename Model::State> SearchWgl(
    Model& model, const std::vector<CallSpan>& calls,
    const SearchLimits& limits) {
  WglSearch<Model> search(model, calls, limits);
  search.Run(~uint64_t{0});
  return search.outcome();
}

}  // namespace jepsen::linear::internal

#endif  // JEPSEN_LINEAR_WGL_H_
