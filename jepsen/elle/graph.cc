// Dependency graph, strongly connected components and cycle search.
// Ref: Elle (VLDB 2020) §4.2: find SCCs with Tarjan's algorithm, then look
// for short cycles of each anomaly class inside each component.
#include <algorithm>
#include <utility>

#include "core/base/check.h"
#include "jepsen/elle/internal.h"

namespace jepsen::elle::internal {
namespace {

// The edge kind used to explain a step, most benign first, so that a cycle
// is classified as the weakest anomaly its edges allow.
uint8_t PickKind(uint8_t mask) {
  for (uint8_t kind : {kWW, kWR, kProcess, kRealtime, kRW}) {
    if (mask & kind) return kind;
  }
  return 0;
}

// Rotates a cycle so that its smallest node comes first (for dedup).
std::vector<int32_t> Canonical(const std::vector<int32_t>& nodes) {
  auto min = std::min_element(nodes.begin(), nodes.end());
  std::vector<int32_t> out(min, nodes.end());
  out.insert(out.end(), nodes.begin(), min);
  return out;
}

// Breadth-first search for the shortest path from `source` to `target`
// inside one component; reused across searches via a generation stamp.
class PathFinder {
 public:
  explicit PathFinder(const Graph& g)
      : g_(g),
        stamp_(g.nodes(), 0),
        parent_(g.nodes(), -1),
        via_(g.nodes(), 0) {}

  // Appends the path's nodes after `source` (ending with `target`) and the
  // kinds of its edges. False if there is no path.
  bool Find(int32_t source, int32_t target, uint8_t mask,
            const std::vector<int32_t>& comp, std::vector<int32_t>* nodes,
            std::vector<uint8_t>* kinds) {
    ++generation_;
    queue_.clear();
    queue_.push_back(source);
    stamp_[source] = generation_;
    for (size_t head = 0; head < queue_.size(); ++head) {
      int32_t u = queue_[head];
      for (const Graph::Out* e = g_.begin(u); e != g_.end(u); ++e) {
        if (!(e->mask & mask) || comp[e->to] != comp[source] ||
            stamp_[e->to] == generation_) {
          continue;
        }
        stamp_[e->to] = generation_;
        parent_[e->to] = u;
        via_[e->to] = PickKind(e->mask & mask);
        if (e->to == target) {
          Unwind(source, target, nodes, kinds);
          return true;
        }
        queue_.push_back(e->to);
      }
    }
    return false;
  }

 private:
  void Unwind(int32_t source, int32_t target, std::vector<int32_t>* nodes,
              std::vector<uint8_t>* kinds) {
    std::vector<int32_t> path;
    std::vector<uint8_t> path_kinds;
    for (int32_t n = target; n != source; n = parent_[n]) {
      path.push_back(n);
      path_kinds.push_back(via_[n]);
    }
    nodes->insert(nodes->end(), path.rbegin(), path.rend());
    kinds->insert(kinds->end(), path_kinds.rbegin(), path_kinds.rend());
  }

  const Graph& g_;
  uint32_t generation_ = 0;
  std::vector<uint32_t> stamp_;
  std::vector<int32_t> parent_;
  std::vector<uint8_t> via_;
  std::vector<int32_t> queue_;
};

}  // namespace

const char* EdgeName(uint8_t kind) {
  switch (kind) {
    case kWW:
      return "ww";
    case kWR:
      return "wr";
    case kRW:
      return "rw";
    case kProcess:
      return "process";
    case kRealtime:
      return "realtime";
  }
  return "?";
}

void Graph::Finish() {
  // Counting sort by source, then a small sort of each node's targets;
  // parallel edges merge into one entry with the union of their kinds.
  offsets_.assign(nodes_ + 1, 0);
  for (const Pending& p : pending_) ++offsets_[static_cast<size_t>(p.from) + 1];
  for (size_t n = 0; n < nodes_; ++n) offsets_[n + 1] += offsets_[n];
  std::vector<Out> scattered(pending_.size());
  std::vector<uint32_t> fill(offsets_.begin(), offsets_.end() - 1);
  for (const Pending& p : pending_)
    scattered[fill[p.from]++] = Out{p.to, p.kind};
  pending_.clear();
  pending_.shrink_to_fit();
  outs_.clear();
  outs_.reserve(scattered.size());
  uint32_t begin = 0;
  for (size_t n = 0; n < nodes_; ++n) {
    const uint32_t end = offsets_[n + 1];
    std::sort(scattered.begin() + begin, scattered.begin() + end,
              [](const Out& a, const Out& b) { return a.to < b.to; });
    offsets_[n] = static_cast<uint32_t>(outs_.size());
    for (uint32_t e = begin; e < end; ++e) {
      if (e > begin && outs_.back().to == scattered[e].to) {
        outs_.back().mask |= scattered[e].mask;
      } else {
        outs_.push_back(scattered[e]);
      }
    }
    begin = end;
  }
  offsets_[nodes_] = static_cast<uint32_t>(outs_.size());
}

uint8_t Graph::Mask(int32_t from, int32_t to) const {
  const Out* lo = begin(from);
  const Out* hi = end(from);
  const Out* it = std::lower_bound(
      lo, hi, to, [](const Out& o, int32_t t) { return o.to < t; });
  return it != hi && it->to == to ? it->mask : 0;
}

std::vector<int32_t> StronglyConnectedComponents(const Graph& g, uint8_t mask,
                                                 int32_t* count) {
  const int32_t n = static_cast<int32_t>(g.nodes());
  std::vector<int32_t> index(n, -1), low(n, 0), comp(n, -1), stack;
  std::vector<bool> on_stack(n, false);
  struct Frame {
    int32_t node;
    const Graph::Out* next;
  };
  std::vector<Frame> calls;
  int32_t next_index = 0;
  *count = 0;
  for (int32_t root = 0; root < n; ++root) {
    if (index[root] != -1) continue;
    calls.push_back(Frame{root, g.begin(root)});
    index[root] = low[root] = next_index++;
    stack.push_back(root);
    on_stack[root] = true;
    while (!calls.empty()) {
      Frame& f = calls.back();
      const int32_t u = f.node;
      if (f.next != g.end(u)) {
        const Graph::Out& e = *f.next++;
        if (!(e.mask & mask)) continue;
        if (index[e.to] == -1) {
          index[e.to] = low[e.to] = next_index++;
          stack.push_back(e.to);
          on_stack[e.to] = true;
          calls.push_back(Frame{e.to, g.begin(e.to)});
        } else if (on_stack[e.to]) {
          low[u] = std::min(low[u], index[e.to]);
        }
        continue;
      }
      if (low[u] == index[u]) {
        int32_t w;
        do {
          w = stack.back();
          stack.pop_back();
          on_stack[w] = false;
          comp[w] = *count;
        } while (w != u);
        ++*count;
      }
      calls.pop_back();
      if (!calls.empty())
        low[calls.back().node] = std::min(low[calls.back().node], low[u]);
    }
  }
  return comp;
}

std::vector<Cycle> SearchCycles(const Graph& g, const SearchSpec& spec,
                                size_t per_component, size_t max_searches) {
  int32_t count = 0;
  std::vector<int32_t> comp =
      StronglyConnectedComponents(g, spec.scc_mask, &count);
  std::vector<size_t> size(count, 0), found(count, 0), searches(count, 0);
  for (int32_t c : comp) ++size[c];
  std::vector<Cycle> cycles;
  std::vector<std::vector<int32_t>> seen;  // canonical node lists found so far
  PathFinder finder(g);
  for (int32_t u = 0; u < static_cast<int32_t>(g.nodes()); ++u) {
    const int32_t c = comp[u];
    if (size[c] < 2) continue;
    for (const Graph::Out* e = g.begin(u); e != g.end(u); ++e) {
      if (found[c] >= per_component || searches[c] >= max_searches) break;
      if (!(e->mask & spec.start_mask) || comp[e->to] != c) continue;
      ++searches[c];
      Cycle cycle;
      cycle.nodes = {u, e->to};
      cycle.kinds = {PickKind(e->mask & spec.start_mask)};
      if (!finder.Find(e->to, u, spec.path_mask, comp, &cycle.nodes,
                       &cycle.kinds))
        continue;
      cycle.nodes.pop_back();  // the path ends back at u
      CHECK_EQ(cycle.nodes.size(), cycle.kinds.size());
      std::vector<int32_t> canonical = Canonical(cycle.nodes);
      if (std::find(seen.begin(), seen.end(), canonical) != seen.end())
        continue;
      seen.push_back(std::move(canonical));
      ++found[c];
      cycles.push_back(std::move(cycle));
    }
  }
  return cycles;
}

std::string ClassifyCycle(const Cycle& cycle) {
  int rw = 0;
  bool wr = false, process = false, realtime = false;
  for (uint8_t kind : cycle.kinds) {
    rw += kind == kRW ? 1 : 0;
    wr = wr || kind == kWR;
    process = process || kind == kProcess;
    realtime = realtime || kind == kRealtime;
  }
  std::string type =
      rw == 0 ? (wr ? "G1c" : "G0") : (rw == 1 ? "G-single" : "G2-item");
  if (realtime) return type + "-realtime";
  if (process) return type + "-process";
  return type;
}

void AddOrderEdges(const TxnHistory& txns, Graph* graph) {
  // Process order: each process's transactions, in invocation order.
  std::vector<std::pair<int64_t, int32_t>> by_process;
  for (size_t i = 0; i < txns.txns.size(); ++i) {
    if (txns.txns[i].in_graph())
      by_process.emplace_back(txns.txns[i].process, i);
  }
  std::stable_sort(
      by_process.begin(), by_process.end(),
      [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 1; i < by_process.size(); ++i) {
    if (by_process[i].first == by_process[i - 1].first) {
      graph->Add(by_process[i - 1].second, by_process[i].second, kProcess);
    }
  }
  // Real-time order (Ref: Elle §3.5): keep the frontier of completed
  // transactions not yet known to precede a later completion; each
  // invocation gets an edge from every frontier member. This yields a
  // transitive reduction-sized subset of the real-time order.
  struct Event {
    size_t position;
    int32_t txn;
    bool invoke;
  };
  std::vector<Event> events;
  for (size_t i = 0; i < txns.txns.size(); ++i) {
    const Txn& t = txns.txns[i];
    if (!t.in_graph()) continue;
    events.push_back(Event{t.invoke, static_cast<int32_t>(i), true});
    if (t.complete != history::Operation::kOpen) {
      events.push_back(Event{t.complete, static_cast<int32_t>(i), false});
    }
  }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return a.position < b.position;
  });
  std::vector<int32_t> frontier;
  std::vector<uint32_t> preds_begin(txns.txns.size(), 0),
      preds_end(txns.txns.size(), 0);
  std::vector<int32_t> preds;
  std::vector<uint8_t> drop(txns.txns.size(), 0);
  for (const Event& ev : events) {
    if (ev.invoke) {
      preds_begin[ev.txn] = static_cast<uint32_t>(preds.size());
      for (int32_t f : frontier) {
        graph->Add(f, ev.txn, kRealtime);
        preds.push_back(f);
      }
      preds_end[ev.txn] = static_cast<uint32_t>(preds.size());
      continue;
    }
    for (uint32_t i = preds_begin[ev.txn]; i < preds_end[ev.txn]; ++i)
      drop[preds[i]] = 1;
    std::erase_if(frontier, [&](int32_t f) { return drop[f] != 0; });
    for (uint32_t i = preds_begin[ev.txn]; i < preds_end[ev.txn]; ++i)
      drop[preds[i]] = 0;
    frontier.push_back(ev.txn);
  }
}

}  // namespace jepsen::elle::internal
