#include "sim/register/raft_oracle.h"

#include <algorithm>
#include <string>

namespace sim::register_kv {
namespace {

namespace inv = core::raft::invariants;
using core::raft::Entry;
using core::raft::Index;

std::string Id(core::raft::NodeId id) { return "node " + std::to_string(id); }

std::string Describe(const Entry& e) {
  return "(term " + std::to_string(e.term) + ", " +
         std::to_string(e.data.size()) + " bytes)";
}

bool SameEntry(const Entry& a, const Entry& b) {
  return a.term == b.term && a.type == b.type && a.data == b.data;
}

}  // namespace

std::optional<RaftOracle::Violation> RaftOracle::Observe(
    const ClusterObservation& c) {
  std::optional<Violation> violation = inv::CheckState(c);
  if (!violation && previous_.has_value()) {
    for (auto check : {inv::CheckLeaderAppendOnly, inv::CheckMonotonicTerm,
                       inv::CheckMonotonicCommit}) {
      violation = check(*previous_, c);
      if (violation) break;
    }
  }
  if (!violation) violation = CheckHistory(c);
  if (!violation) Record(c);
  previous_ = c;
  return violation;
}

std::optional<RaftOracle::Violation> RaftOracle::CheckHistory(
    const ClusterObservation& c) const {
  for (const inv::NodeObservation& n : c.nodes) {
    if (n.role == core::raft::StateRole::kLeader) {
      auto it = leaders_.find(n.term);
      if (it != leaders_.end() && it->second != n.id) {
        return Violation{inv::kElectionSafety, Id(it->second) + " led term " +
                                                   std::to_string(n.term) +
                                                   " before " + Id(n.id)};
      }
      // Ref: Raft paper §5.4 (Leader Completeness). Entries before the
      // leader's observed window are not compared (as in InvariantChecker).
      for (auto rec = committed_.lower_bound(n.log.first_index);
           rec != committed_.end(); ++rec) {
        if (rec->second.max_term_when_committed >= n.term) continue;
        const Entry* held = n.log.At(rec->first);
        if (held == nullptr || !SameEntry(*held, rec->second.entry)) {
          return Violation{
              inv::kLeaderCompleteness,
              "leader " + Id(n.id) + " of term " + std::to_string(n.term) +
                  " lacks entry " + std::to_string(rec->first) +
                  " committed by term " +
                  std::to_string(rec->second.max_term_when_committed)};
        }
      }
    }
    for (auto rec = committed_.lower_bound(n.log.first_index);
         rec != committed_.end() && rec->first <= n.commit; ++rec) {
      const Entry* held = n.log.At(rec->first);
      if (held == nullptr) continue;
      if (!SameEntry(*held, rec->second.entry)) {
        return Violation{inv::kStateMachineSafety,
                         Id(n.id) + " committed " + Describe(*held) +
                             " at index " + std::to_string(rec->first) +
                             " where " + Describe(rec->second.entry) +
                             " was committed before"};
      }
    }
  }
  return std::nullopt;
}

void RaftOracle::Record(const ClusterObservation& c) {
  core::raft::Term max_term = 0;
  for (const inv::NodeObservation& n : c.nodes) {
    max_term = std::max(max_term, n.term);
  }
  for (const inv::NodeObservation& n : c.nodes) {
    if (n.role == core::raft::StateRole::kLeader) {
      leaders_.emplace(n.term, n.id);
    }
    // Entries up to recorded_through_ are all recorded already (emplace
    // would keep the first record anyway).
    for (Index i = std::max(n.log.first_index, recorded_through_ + 1);
         i <= n.commit; ++i) {
      const Entry* held = n.log.At(i);
      if (held == nullptr) break;
      committed_.emplace(i, Committed{*held, max_term});
    }
  }
  while (committed_.count(recorded_through_ + 1) != 0) ++recorded_through_;
}

}  // namespace sim::register_kv
