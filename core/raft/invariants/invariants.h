// Raft safety invariants as C++ checks over observations of a set of nodes.
//
// Each invariant has exactly one name, shared with the TLA+ spec
// (spec/raft/Raft.tla), the explorer (spec/raft) and the tests that break it
// (see spec/raft/README.md for the table):
//
//   ElectionSafety      at most one leader per term (now and in history)
//   LogMatching         same (index, term) => identical prefixes
//   LeaderCompleteness  an entry committed when the highest term was T is in
//                       the log of every leader of a term > T
//   StateMachineSafety  nodes never disagree on a committed (or applied)
//                       entry, and a committed entry never changes
//   LeaderAppendOnly    a leader never overwrites or deletes its entries
//   MonotonicTerm       terms never decrease (durable term across restarts)
//   MonotonicCommit     commit indexes never decrease (durable across
//                       restarts)
//   QuorumLogInv        every quorum of a node's config holds its committed
//                       prefix in memory
//   CommittedIsDurable  ... and in durable storage
//   LinearizableRead    a served read index covers every entry committed
//                       before the read was requested
//
// Point-in-time checks take one ClusterObservation. History invariants need
// successive observations: feed them to an InvariantChecker. Pure code: no
// clock, no I/O; suitable for the simulator's after-every-step check.
#ifndef CORE_RAFT_INVARIANTS_INVARIANTS_H_
#define CORE_RAFT_INVARIANTS_INVARIANTS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/raft/types.h"

namespace core::raft::invariants {

inline constexpr char kElectionSafety[] = "ElectionSafety";
inline constexpr char kLogMatching[] = "LogMatching";
inline constexpr char kLeaderCompleteness[] = "LeaderCompleteness";
inline constexpr char kStateMachineSafety[] = "StateMachineSafety";
inline constexpr char kLeaderAppendOnly[] = "LeaderAppendOnly";
inline constexpr char kMonotonicTerm[] = "MonotonicTerm";
inline constexpr char kMonotonicCommit[] = "MonotonicCommit";
inline constexpr char kQuorumLogInv[] = "QuorumLogInv";
inline constexpr char kCommittedIsDurable[] = "CommittedIsDurable";
inline constexpr char kLinearizableRead[] = "LinearizableRead";

// A log as a node holds it: entries [first_index, first_index + size), the
// prefix before first_index being covered by a snapshot.
struct LogView {
  Index first_index = 1;
  std::vector<Entry> entries;

  Index LastIndex() const { return first_index + entries.size() - 1; }
  // nullptr if i is outside the held range.
  const Entry* At(Index i) const;
};

struct NodeObservation {
  NodeId id = kNone;
  // Increments on every restart; volatile state is compared only within one.
  uint64_t incarnation = 0;
  StateRole role = StateRole::kFollower;
  Term term = 0;
  NodeId vote = kNone;
  Index commit = 0;
  Index applied = 0;
  LogView log;  // in memory (stable + unstable)
  HardState durable_hard_state;
  LogView durable_log;   // in storage
  ConfState conf_state;  // the config in force at this node
};

// Nodes in increasing id order.
struct ClusterObservation {
  std::vector<NodeObservation> nodes;
};

struct Violation {
  std::string invariant;
  std::string detail;
};

// Point-in-time checks; each returns the first violation found.
std::optional<Violation> CheckElectionSafety(const ClusterObservation& c);
std::optional<Violation> CheckLogMatching(const ClusterObservation& c);
std::optional<Violation> CheckStateMachineSafety(const ClusterObservation& c);
std::optional<Violation> CheckQuorumLogInv(const ClusterObservation& c);
std::optional<Violation> CheckCommittedIsDurable(const ClusterObservation& c);
// All point-in-time checks above, in that order.
std::optional<Violation> CheckState(const ClusterObservation& c);

// Transition checks between two successive observations of one cluster.
std::optional<Violation> CheckLeaderAppendOnly(const ClusterObservation& before,
                                               const ClusterObservation& after);
std::optional<Violation> CheckMonotonicTerm(const ClusterObservation& before,
                                            const ClusterObservation& after);
std::optional<Violation> CheckMonotonicCommit(const ClusterObservation& before,
                                              const ClusterObservation& after);

// Feeds successive observations and checks every invariant, including the
// history-dependent ones (ElectionSafety across time, LeaderCompleteness,
// StateMachineSafety against everything ever committed, LinearizableRead).
// Incremental: an observation costs what its logs hold, not the length of
// the history (entries before a log's first index are not compared, and
// recording starts after the contiguous prefix already recorded), so the
// simulator can run it after every step of a long run.
class InvariantChecker {
 public:
  // Checks `c` alone, against the previous observation, and against the
  // recorded history; then records it. Returns the first violation.
  std::optional<Violation> Observe(const ClusterObservation& c);
  // Same, but compares with an explicit previous observation and does not
  // keep `c` (model checkers generate the pair themselves).
  std::optional<Violation> ObserveAfter(const ClusterObservation* before,
                                        const ClusterObservation& c);

  // A read was requested now; `c` is the current observation.
  void OnReadRequested(const std::string& request_ctx,
                       const ClusterObservation& c);
  // The read `request_ctx` was answered with `read_index`.
  std::optional<Violation> OnReadServed(const std::string& request_ctx,
                                        Index read_index);

  // Canonical encoding of the recorded history (for model checkers that
  // keep the checker inside their state).
  std::string Fingerprint() const;

 private:
  struct Committed {
    Entry entry;
    // The highest term any node had when the entry was first seen committed.
    Term max_term_when_committed = 0;
  };
  std::optional<Violation> CheckHistory(const ClusterObservation& c) const;
  std::optional<Violation> CheckLeaderCompleteness(
      const NodeObservation& leader) const;
  void Record(const ClusterObservation& c);

  std::optional<ClusterObservation> previous_;
  std::map<Term, NodeId> leaders_;
  // Every entry seen committed, by index, as first seen.
  std::map<Index, Committed> committed_;
  // Every index in [1, recorded_through_] is in committed_ (so it is a
  // function of committed_ and needs no place in the Fingerprint).
  Index recorded_through_ = 0;
  std::map<std::string, Index> pending_reads_;
};

}  // namespace core::raft::invariants

#endif  // CORE_RAFT_INVARIANTS_INVARIANTS_H_
