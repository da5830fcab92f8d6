#include "core/raft/invariants/invariants.h"

#include <algorithm>
#include <set>

#include "core/base/bytes.h"

namespace core::raft::invariants {
namespace {

std::string Id(NodeId id) { return "node " + std::to_string(id); }

std::string Describe(const Entry& e) {
  return "(term " + std::to_string(e.term) + ", " +
         std::to_string(e.data.size()) + " bytes)";
}

bool SameEntry(const Entry& a, const Entry& b) {
  return a.term == b.term && a.type == b.type && a.data == b.data;
}

Violation Make(const char* name, std::string detail) {
  return Violation{name, std::move(detail)};
}

const NodeObservation* FindNode(const ClusterObservation& c, NodeId id) {
  for (const NodeObservation& n : c.nodes) {
    if (n.id == id) return &n;
  }
  return nullptr;
}

// Whether `log` holds `source`'s prefix [.., upto]: every entry of it that
// both still hold matches, and the log reaches `upto` (a snapshot beyond it
// covers it).
bool HoldsPrefix(const LogView& log, const LogView& source, Index upto) {
  if (log.first_index > upto) return true;
  if (log.LastIndex() < upto) return false;
  for (Index i = std::max(log.first_index, source.first_index); i <= upto;
       ++i) {
    const Entry* mine = log.At(i);
    const Entry* theirs = source.At(i);
    if (theirs == nullptr) continue;
    if (mine == nullptr || !SameEntry(*mine, *theirs)) return false;
  }
  return true;
}

bool IsQuorum(const std::set<NodeId>& members,
              const std::vector<NodeId>& config) {
  if (config.empty()) return true;
  size_t count = 0;
  for (NodeId id : config) count += members.count(id);
  return count >= config.size() / 2 + 1;
}

// The committed prefix of `source` must be held (in memory or durably) by
// enough voters of its config that the nodes lacking it form no quorum.
std::optional<Violation> CheckCommittedOnQuorum(const ClusterObservation& c,
                                                const char* name,
                                                bool durable) {
  for (const NodeObservation& source : c.nodes) {
    const ConfState& cs = source.conf_state;
    if (source.commit == 0 || cs.voters.empty()) continue;
    std::set<NodeId> lacking;
    std::vector<NodeId> all = cs.voters;
    all.insert(all.end(), cs.voters_outgoing.begin(), cs.voters_outgoing.end());
    for (NodeId id : all) {
      const NodeObservation* n = FindNode(c, id);
      const bool holds =
          n != nullptr && HoldsPrefix(durable ? n->durable_log : n->log,
                                      source.log, source.commit);
      if (!holds) lacking.insert(id);
    }
    if (IsQuorum(lacking, cs.voters) &&
        (cs.voters_outgoing.empty() || IsQuorum(lacking, cs.voters_outgoing))) {
      return Make(name, Id(source.id) + " committed up to " +
                            std::to_string(source.commit) +
                            " but a quorum of " +
                            std::to_string(lacking.size()) +
                            " voters lacks it" + (durable ? " durably" : ""));
    }
  }
  return std::nullopt;
}

}  // namespace

const Entry* LogView::At(Index i) const {
  if (i < first_index || i - first_index >= entries.size()) return nullptr;
  return &entries[i - first_index];
}

std::optional<Violation> CheckElectionSafety(const ClusterObservation& c) {
  std::map<Term, NodeId> leaders;
  for (const NodeObservation& n : c.nodes) {
    if (n.role != StateRole::kLeader) continue;
    auto [it, fresh] = leaders.emplace(n.term, n.id);
    if (!fresh) {
      return Make(kElectionSafety, Id(it->second) + " and " + Id(n.id) +
                                       " both lead term " +
                                       std::to_string(n.term));
    }
  }
  return std::nullopt;
}

// Ref: Raft paper §5.3 (Log Matching Property).
std::optional<Violation> CheckLogMatching(const ClusterObservation& c) {
  for (size_t x = 0; x < c.nodes.size(); ++x) {
    for (size_t y = x + 1; y < c.nodes.size(); ++y) {
      const LogView& a = c.nodes[x].log;
      const LogView& b = c.nodes[y].log;
      const Index lo = std::max(a.first_index, b.first_index);
      const Index hi = std::min(a.LastIndex(), b.LastIndex());
      bool diverged = false;
      for (Index i = lo; i <= hi && hi != 0; ++i) {
        const Entry& ea = *a.At(i);
        const Entry& eb = *b.At(i);
        if (ea.term != eb.term) {
          diverged = true;
        } else if (diverged || !SameEntry(ea, eb)) {
          return Make(kLogMatching,
                      Id(c.nodes[x].id) + " and " + Id(c.nodes[y].id) +
                          " agree on (index " + std::to_string(i) + ", term " +
                          std::to_string(ea.term) + ") but not on the prefix");
        }
      }
    }
  }
  return std::nullopt;
}

// Ref: Raft paper §5.4.3 (State Machine Safety).
std::optional<Violation> CheckStateMachineSafety(const ClusterObservation& c) {
  for (const NodeObservation& n : c.nodes) {
    if (n.applied > n.commit) {
      return Make(kStateMachineSafety, Id(n.id) + " applied beyond commit");
    }
  }
  for (size_t x = 0; x < c.nodes.size(); ++x) {
    for (size_t y = x + 1; y < c.nodes.size(); ++y) {
      const NodeObservation& a = c.nodes[x];
      const NodeObservation& b = c.nodes[y];
      const Index lo = std::max(a.log.first_index, b.log.first_index);
      const Index hi = std::min(a.commit, b.commit);
      for (Index i = lo; i <= hi; ++i) {
        const Entry* ea = a.log.At(i);
        const Entry* eb = b.log.At(i);
        if (ea == nullptr || eb == nullptr) continue;
        if (!SameEntry(*ea, *eb)) {
          return Make(kStateMachineSafety,
                      Id(a.id) + " committed " + Describe(*ea) + " but " +
                          Id(b.id) + " committed " + Describe(*eb) +
                          " at index " + std::to_string(i));
        }
      }
    }
  }
  return std::nullopt;
}

std::optional<Violation> CheckQuorumLogInv(const ClusterObservation& c) {
  return CheckCommittedOnQuorum(c, kQuorumLogInv, /*durable=*/false);
}

std::optional<Violation> CheckCommittedIsDurable(const ClusterObservation& c) {
  return CheckCommittedOnQuorum(c, kCommittedIsDurable, /*durable=*/true);
}

std::optional<Violation> CheckState(const ClusterObservation& c) {
  for (auto check :
       {CheckElectionSafety, CheckLogMatching, CheckStateMachineSafety,
        CheckQuorumLogInv, CheckCommittedIsDurable}) {
    if (auto violation = check(c)) return violation;
  }
  return std::nullopt;
}

// Ref: Raft paper §5.3 (Leader Append-Only).
std::optional<Violation> CheckLeaderAppendOnly(
    const ClusterObservation& before, const ClusterObservation& after) {
  for (const NodeObservation& was : before.nodes) {
    const NodeObservation* now = FindNode(after, was.id);
    if (now == nullptr || now->incarnation != was.incarnation) continue;
    if (was.role != StateRole::kLeader || now->role != StateRole::kLeader ||
        was.term != now->term) {
      continue;
    }
    for (Index i = std::max(was.log.first_index, now->log.first_index);
         i <= was.log.LastIndex(); ++i) {
      const Entry* old_entry = was.log.At(i);
      const Entry* new_entry = now->log.At(i);
      if (new_entry == nullptr || !SameEntry(*old_entry, *new_entry)) {
        return Make(kLeaderAppendOnly, "leader " + Id(was.id) +
                                           " changed its entry at index " +
                                           std::to_string(i));
      }
    }
  }
  return std::nullopt;
}

std::optional<Violation> CheckMonotonicTerm(const ClusterObservation& before,
                                            const ClusterObservation& after) {
  for (const NodeObservation& was : before.nodes) {
    const NodeObservation* now = FindNode(after, was.id);
    if (now == nullptr) continue;
    if (now->durable_hard_state.term < was.durable_hard_state.term) {
      return Make(kMonotonicTerm, Id(was.id) + " durable term went back");
    }
    if (now->term < now->durable_hard_state.term) {
      return Make(kMonotonicTerm, Id(was.id) + " term below its durable term");
    }
    if (now->incarnation == was.incarnation && now->term < was.term) {
      return Make(kMonotonicTerm, Id(was.id) + " term went from " +
                                      std::to_string(was.term) + " to " +
                                      std::to_string(now->term));
    }
  }
  return std::nullopt;
}

std::optional<Violation> CheckMonotonicCommit(const ClusterObservation& before,
                                              const ClusterObservation& after) {
  for (const NodeObservation& was : before.nodes) {
    const NodeObservation* now = FindNode(after, was.id);
    if (now == nullptr) continue;
    if (now->durable_hard_state.commit < was.durable_hard_state.commit) {
      return Make(kMonotonicCommit, Id(was.id) + " durable commit went back");
    }
    if (now->incarnation == was.incarnation && now->commit < was.commit) {
      return Make(kMonotonicCommit, Id(was.id) + " commit went from " +
                                        std::to_string(was.commit) + " to " +
                                        std::to_string(now->commit));
    }
  }
  return std::nullopt;
}

std::optional<Violation> InvariantChecker::Observe(
    const ClusterObservation& c) {
  auto violation = ObserveAfter(previous_ ? &*previous_ : nullptr, c);
  previous_ = c;
  return violation;
}

std::optional<Violation> InvariantChecker::ObserveAfter(
    const ClusterObservation* before, const ClusterObservation& c) {
  if (auto violation = CheckState(c)) return violation;
  if (before != nullptr) {
    for (auto check :
         {CheckLeaderAppendOnly, CheckMonotonicTerm, CheckMonotonicCommit}) {
      if (auto violation = check(*before, c)) return violation;
    }
  }
  if (auto violation = CheckHistory(c)) return violation;
  Record(c);
  return std::nullopt;
}

// Only the part of the history an observation can match is walked: the
// recorded entries from the first index of the node's log (earlier ones are
// covered by its snapshot or window and not compared), so a long run costs
// per observation what its logs hold, not everything ever committed.
std::optional<Violation> InvariantChecker::CheckHistory(
    const ClusterObservation& c) const {
  for (const NodeObservation& n : c.nodes) {
    if (n.role == StateRole::kLeader) {
      auto it = leaders_.find(n.term);
      if (it != leaders_.end() && it->second != n.id) {
        return Make(kElectionSafety, Id(it->second) + " led term " +
                                         std::to_string(n.term) + " before " +
                                         Id(n.id));
      }
      if (auto violation = CheckLeaderCompleteness(n)) return violation;
    }
    for (auto rec = committed_.lower_bound(n.log.first_index);
         rec != committed_.end() && rec->first <= n.commit; ++rec) {
      const Entry* held = n.log.At(rec->first);
      if (held == nullptr) continue;
      if (!SameEntry(*held, rec->second.entry)) {
        return Make(kStateMachineSafety,
                    Id(n.id) + " committed " + Describe(*held) + " at index " +
                        std::to_string(rec->first) + " where " +
                        Describe(rec->second.entry) + " was committed before");
      }
    }
  }
  return std::nullopt;
}

// Ref: Raft paper §5.4 (Leader Completeness).
std::optional<Violation> InvariantChecker::CheckLeaderCompleteness(
    const NodeObservation& leader) const {
  for (auto rec = committed_.lower_bound(leader.log.first_index);
       rec != committed_.end(); ++rec) {
    if (rec->second.max_term_when_committed >= leader.term) continue;
    const Entry* held = leader.log.At(rec->first);
    if (held == nullptr || !SameEntry(*held, rec->second.entry)) {
      return Make(kLeaderCompleteness,
                  "leader " + Id(leader.id) + " of term " +
                      std::to_string(leader.term) + " lacks entry " +
                      std::to_string(rec->first) + " committed by term " +
                      std::to_string(rec->second.max_term_when_committed));
    }
  }
  return std::nullopt;
}

void InvariantChecker::Record(const ClusterObservation& c) {
  Term max_term = 0;
  for (const NodeObservation& n : c.nodes) {
    max_term = std::max(max_term, n.term);
  }
  for (const NodeObservation& n : c.nodes) {
    if (n.role == StateRole::kLeader) leaders_.emplace(n.term, n.id);
    // Entries up to recorded_through_ are recorded already, and a record
    // is never replaced: start after them.
    for (Index i = std::max(n.log.first_index, recorded_through_ + 1);
         i <= n.commit; ++i) {
      const Entry* held = n.log.At(i);
      if (held == nullptr) break;  // beyond the log's last index
      committed_.emplace(i, Committed{*held, max_term});
    }
  }
  while (committed_.count(recorded_through_ + 1) != 0) ++recorded_through_;
}

void InvariantChecker::OnReadRequested(const std::string& request_ctx,
                                       const ClusterObservation& c) {
  Index max_commit = 0;
  for (const NodeObservation& n : c.nodes) {
    max_commit = std::max(max_commit, n.commit);
  }
  pending_reads_[request_ctx] = max_commit;
}

std::optional<Violation> InvariantChecker::OnReadServed(
    const std::string& request_ctx, Index read_index) {
  auto it = pending_reads_.find(request_ctx);
  if (it == pending_reads_.end()) return std::nullopt;
  const Index required = it->second;
  pending_reads_.erase(it);
  if (read_index < required) {
    return Make(kLinearizableRead,
                "read " + request_ctx + " served at index " +
                    std::to_string(read_index) + " but index " +
                    std::to_string(required) +
                    " was committed before it was requested");
  }
  return std::nullopt;
}

std::string InvariantChecker::Fingerprint() const {
  using core::base::PutLengthPrefixed;
  using core::base::PutVarint64;
  std::string out;
  for (const auto& [term, id] : leaders_) {
    PutVarint64(&out, term);
    PutVarint64(&out, id);
  }
  out.push_back('|');
  for (const auto& [index, rec] : committed_) {
    PutVarint64(&out, index);
    PutVarint64(&out, rec.entry.term);
    PutLengthPrefixed(&out, rec.entry.data);
    PutVarint64(&out, rec.max_term_when_committed);
  }
  out.push_back('|');
  for (const auto& [ctx, index] : pending_reads_) {
    PutLengthPrefixed(&out, ctx);
    PutVarint64(&out, index);
  }
  return out;
}

}  // namespace core::raft::invariants
