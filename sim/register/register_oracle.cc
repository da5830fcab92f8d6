#include "sim/register/register_oracle.h"

#include <algorithm>
#include <utility>

#include "core/base/bytes.h"
#include "sim/checkers/votes_are_durable.h"

namespace sim::register_kv {

using core::raft::Index;
using core::raft::invariants::ClusterObservation;
using core::raft::invariants::LogView;
using core::raft::invariants::NodeObservation;

namespace {

// A window of `full` (a log starting at index 1) from `lo` on.
LogView Window(const std::vector<core::raft::Entry>& full, Index lo) {
  LogView view;
  lo = std::clamp<Index>(lo, 1, full.size() + 1);
  view.first_index = lo;
  view.entries.assign(full.begin() + static_cast<ptrdiff_t>(lo - 1),
                      full.end());
  return view;
}

void AppendDigest(std::string* out, std::initializer_list<uint64_t> values) {
  for (uint64_t v : values) core::base::PutVarint64(out, v);
}

}  // namespace

RegisterOracle::RegisterOracle(host::Hosts& hosts, int nodes,
                               int observe_window)
    : hosts_(hosts),
      nodes_(nodes),
      observe_window_(observe_window),
      commit_seen_(nodes + 1, 0) {}

RegisterHost* RegisterOracle::Live(int node) {
  return static_cast<RegisterHost*>(hosts_.state(node));
}

void RegisterOracle::SetDown(int node, DurableRaftState state) {
  down_[node] = std::move(state);
}

Index RegisterOracle::WindowStart(int node, Index last) const {
  const Index window = static_cast<Index>(observe_window_);
  const Index tail = last + 1 > window ? last + 1 - window : 1;
  return std::max<Index>(1, std::min(tail, commit_seen_[node] + 1));
}

NodeObservation RegisterOracle::ObserveDown(
    int node, const DurableRaftState& down) const {
  NodeObservation o;
  o.term = down.hard_state.term;
  o.vote = down.hard_state.vote;
  o.commit = down.hard_state.commit;
  o.log = Window(down.log, WindowStart(node, down.log.size()));
  o.durable_hard_state = down.hard_state;
  o.durable_log = o.log;
  for (int i = 1; i <= nodes_; ++i) {
    o.conf_state.voters.push_back(static_cast<core::raft::NodeId>(i));
  }
  return o;
}

ClusterObservation RegisterOracle::Observe() {
  ClusterObservation c;
  for (int node = 1; node <= nodes_; ++node) {
    if (const RegisterHost* n = Live(node); n != nullptr) {
      const Index last = n->raft().raft_log().LastIndex();
      c.nodes.push_back(n->Observe(WindowStart(node, last)));
    } else if (auto it = down_.find(node); it != down_.end()) {
      c.nodes.push_back(ObserveDown(node, it->second));
    } else {
      continue;
    }
    c.nodes.back().id = static_cast<core::raft::NodeId>(node);
    c.nodes.back().incarnation =
        hosts_.loop().incarnation(hosts_.process(node));
  }
  return c;
}

// What an observation would show, in a few numbers: equal digests mean
// equal observations (the logs can only differ if their last index or
// term, or the commit index that bounds the window, differ), so the
// checks would find what they found before.
std::string RegisterOracle::Digest() {
  std::string digest;
  for (int node = 1; node <= nodes_; ++node) {
    const uint64_t incarnation =
        hosts_.loop().incarnation(hosts_.process(node));
    if (const RegisterHost* n = Live(node); n != nullptr) {
      AppendDigest(&digest, {1, incarnation});
      for (uint64_t v : n->DigestValues()) core::base::PutVarint64(&digest, v);
      AppendDigest(&digest, {commit_seen_[node]});
    } else if (auto it = down_.find(node); it != down_.end()) {
      const DurableRaftState& d = it->second;
      AppendDigest(&digest,
                   {2, incarnation, d.hard_state.term, d.hard_state.vote,
                    d.hard_state.commit, d.log.size(),
                    d.log.empty() ? 0 : d.log.back().term, commit_seen_[node]});
    } else {
      AppendDigest(&digest, {3, incarnation});
    }
  }
  return digest;
}

std::optional<RegisterOracle::Violation> RegisterOracle::Check() {
  std::string digest = Digest();
  if (digest == last_digest_) return std::nullopt;
  last_digest_ = std::move(digest);
  const ClusterObservation c = Observe();
  ++observations_;
  if (auto violation = checker_.Observe(c)) return violation;
  if (auto violation = checkers::CheckVotesAreDurable(c)) return violation;
  for (const NodeObservation& o : c.nodes) {
    commit_seen_[o.id] = std::max(commit_seen_[o.id], o.commit);
  }
  return std::nullopt;
}

void RegisterOracle::OnReadRequested(const std::string& ctx) {
  checker_.OnReadRequested(ctx, Observe());
}

std::optional<RegisterOracle::Violation> RegisterOracle::OnReadServed(
    const std::string& ctx, Index index) {
  return checker_.OnReadServed(ctx, index);
}

}  // namespace sim::register_kv
