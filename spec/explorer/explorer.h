// A bounded, exhaustive, explicit-state explorer over real cores.
//
// A model names an initial state, a successor function (each successor is
// labelled with the action that produced it, e.g. "deliver MsgApp 1->2"), a
// canonical fingerprint for deduplication, and named invariants. The explorer
// runs a breadth-first search, checks every invariant in every reachable
// state, and on a violation returns the shortest action trace from the
// initial state. Bounds (depth, states) live in the model's successor
// function (e.g. "terms <= 3") and in Options.
//
// Invariant names are shared with the TLA+ specs (spec/*/README.md).
//
// This is a tool, not a core: it reads a clock to report states per second.
#ifndef SPEC_EXPLORER_EXPLORER_H_
#define SPEC_EXPLORER_EXPLORER_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace spec::explorer {

// Returns true when the invariant holds; otherwise fills `detail`.
template <typename State>
using InvariantFn = std::function<bool(const State&, std::string* detail)>;

template <typename State>
struct NamedInvariant {
  std::string name;
  InvariantFn<State> holds;
};

template <typename State>
using EmitFn = std::function<void(std::string action, State next)>;

template <typename State>
struct Model {
  State initial;
  // Calls `emit` once per enabled action. Must be deterministic.
  std::function<void(const State&, const EmitFn<State>& emit)> successors;
  // Equal fingerprints mean equal states for every invariant and successor.
  std::function<std::string(const State&)> fingerprint;
  std::vector<NamedInvariant<State>> invariants;
};

struct Options {
  // Stop (not exhausted) after this many distinct states.
  uint64_t max_states = 10'000'000;
  // Do not expand states deeper than this many actions.
  uint64_t max_depth = UINT64_MAX;
  // Print a progress line to stderr every this many states (0: never).
  uint64_t progress_every_states = 0;
};

struct Violation {
  std::string invariant;
  std::string detail;
  // Actions from the initial state to the violating state.
  std::vector<std::string> trace;
};

struct Report {
  uint64_t states_explored = 0;
  uint64_t transitions = 0;
  uint64_t max_depth_reached = 0;
  // True when every reachable state within the bounds was visited.
  bool exhausted = false;
  double seconds = 0;
  std::optional<Violation> violation;

  double states_per_second() const {
    return seconds > 0 ? static_cast<double>(states_explored) / seconds : 0;
  }
  // "explored N states (M transitions, depth D) in S s: R states/s, exhausted"
  std::string Summary() const;
};

namespace internal {

struct Visit {
  int64_t parent;  // index into the visit table, -1 for the initial state
  std::string action;
  uint64_t depth;
};

std::vector<std::string> TraceTo(const std::vector<Visit>& visits,
                                 int64_t index);
void PrintProgress(const Report& report, uint64_t frontier_size);

}  // namespace internal

template <typename State>
std::optional<Violation> CheckInvariants(const Model<State>& model,
                                         const State& state) {
  for (const NamedInvariant<State>& invariant : model.invariants) {
    std::string detail;
    if (!invariant.holds(state, &detail)) {
      return Violation{invariant.name, detail, {}};
    }
  }
  return std::nullopt;
}

template <typename State>
Report Explore(const Model<State>& model, const Options& options = {}) {
  const auto start = std::chrono::steady_clock::now();
  Report report;
  std::vector<internal::Visit> visits;
  std::unordered_map<std::string, int64_t> seen;  // membership only
  std::deque<std::pair<State, int64_t>> frontier;

  auto admit = [&](State state, int64_t parent, std::string action,
                   uint64_t depth) -> bool {
    auto [it, fresh] = seen.emplace(model.fingerprint(state), visits.size());
    if (!fresh) return true;
    visits.push_back({parent, std::move(action), depth});
    ++report.states_explored;
    if (depth > report.max_depth_reached) report.max_depth_reached = depth;
    if (auto violation = CheckInvariants(model, state)) {
      violation->trace = internal::TraceTo(visits, it->second);
      report.violation = std::move(violation);
      return false;
    }
    frontier.emplace_back(std::move(state), it->second);
    return true;
  };

  bool ok = admit(model.initial, -1, "init", 0);
  bool truncated = false;
  uint64_t next_progress = options.progress_every_states;
  while (ok && !frontier.empty()) {
    if (report.states_explored >= options.max_states) {
      truncated = true;
      break;
    }
    auto [state, index] = std::move(frontier.front());
    frontier.pop_front();
    const uint64_t depth = visits[index].depth;
    if (depth >= options.max_depth) {
      truncated = true;
      continue;
    }
    model.successors(state, [&](std::string action, State next) {
      ++report.transitions;
      if (ok) ok = admit(std::move(next), index, std::move(action), depth + 1);
    });
    if (options.progress_every_states != 0 &&
        report.states_explored >= next_progress) {
      internal::PrintProgress(report, frontier.size());
      next_progress = report.states_explored + options.progress_every_states;
    }
  }
  report.exhausted = ok && !truncated && frontier.empty();
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return report;
}

}  // namespace spec::explorer

#endif  // SPEC_EXPLORER_EXPLORER_H_
