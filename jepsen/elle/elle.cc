#include "jepsen/elle/elle.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "jepsen/elle/internal.h"
#include "jepsen/history/cat.h"

namespace jepsen::elle {
namespace {

using internal::Cycle;
using internal::Graph;
using internal::SearchSpec;
using internal::Txn;

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.substr(s.size() - suffix.size()) == suffix;
}

// The searches, most severe class first. Ref: Elle §4.2; Adya §4.
std::vector<SearchSpec> Searches(bool order_edges) {
  using namespace internal;
  std::vector<SearchSpec> specs = {
      {kWW, kWW, kWW},                // G0: ww only
      {kWW | kWR, kWR, kWW | kWR},    // G1c: ww/wr with a wr
      {kDataEdges, kRW, kWW | kWR},   // G-single: exactly one rw
      {kDataEdges, kRW, kDataEdges},  // G2-item: rw edges
  };
  if (order_edges) {
    const uint8_t o = kOrderEdges;
    specs.push_back({uint8_t(kWW | o), o, uint8_t(kWW | o)});
    specs.push_back({uint8_t(kWW | kWR | o), o, uint8_t(kWW | kWR | o)});
    specs.push_back({uint8_t(kDataEdges | o), kRW, uint8_t(kWW | kWR | o)});
    specs.push_back({uint8_t(kDataEdges | o), o, uint8_t(kDataEdges | o)});
  }
  return specs;
}

std::string ExplainStep(const history::History& history,
                        const internal::TxnHistory& txns,
                        const internal::Analysis& analysis, int32_t from,
                        int32_t to, uint8_t kind) {
  const Txn& a = txns.txns[static_cast<size_t>(from)];
  const Txn& b = txns.txns[static_cast<size_t>(to)];
  if (kind == internal::kProcess) {
    return Cat("process ", a.process, " ran ", internal::TxnName(a), " before ",
               internal::TxnName(b));
  }
  if (kind == internal::kRealtime) {
    return Cat(internal::TxnName(a), " completed (",
               history::DescribeOpPosition(history, a.complete), ") before ",
               internal::TxnName(b), " was invoked (",
               history::DescribeOpPosition(history, b.invoke), ")");
  }
  return analysis.ExplainEdge(from, to, kind);
}

Anomaly CycleAnomaly(const history::History& history,
                     const internal::TxnHistory& txns,
                     const internal::Analysis& analysis, const Cycle& cycle) {
  Anomaly a;
  a.type = internal::ClassifyCycle(cycle);
  std::string path;
  for (size_t i = 0; i < cycle.nodes.size(); ++i) {
    const int32_t from = cycle.nodes[i];
    const int32_t to = cycle.nodes[(i + 1) % cycle.nodes.size()];
    const Txn& t = txns.txns[static_cast<size_t>(from)];
    CycleStep step;
    step.from = t.position();
    step.to = txns.txns[static_cast<size_t>(to)].position();
    step.edge = internal::EdgeName(cycle.kinds[i]);
    step.why = ExplainStep(history, txns, analysis, from, to, cycle.kinds[i]);
    a.ops.push_back(step.from);
    path += Cat(internal::TxnName(t), " -", step.edge, "-> ");
    a.cycle.push_back(std::move(step));
  }
  path += internal::TxnName(txns.txns[static_cast<size_t>(cycle.nodes[0])]);
  a.explanation = Cat(a.type, " cycle: ", path);
  for (const CycleStep& step : a.cycle)
    a.explanation += Cat("\n    ", step.why);
  a.explanation += "\n  where";
  for (int32_t node : cycle.nodes) {
    a.explanation += Cat(
        "\n    ",
        internal::DescribeTxn(history, txns.txns[static_cast<size_t>(node)]));
  }
  return a;
}

void FindCycles(const history::History& history,
                const internal::TxnHistory& txns,
                const internal::Analysis& analysis, const Graph& graph,
                const Options& options, std::vector<Anomaly>* anomalies) {
  // Every cycle any search could find lies in a nontrivial component of
  // the widest graph; an acyclic graph (the common, valid case) needs no
  // further search.
  const bool strict = options.model == ConsistencyModel::kStrictSerializable;
  int32_t components = 0;
  internal::StronglyConnectedComponents(
      graph, internal::kDataEdges | (strict ? internal::kOrderEdges : 0),
      &components);
  if (static_cast<size_t>(components) == graph.nodes()) return;
  std::map<std::string, size_t> per_type;
  std::set<std::vector<int32_t>> seen;
  for (const SearchSpec& spec :
       Searches(options.model == ConsistencyModel::kStrictSerializable)) {
    std::vector<Cycle> cycles =
        internal::SearchCycles(graph, spec, options.max_cycles_per_type,
                               options.max_searches_per_component);
    for (const Cycle& cycle : cycles) {
      std::vector<int32_t> nodes = cycle.nodes;
      std::rotate(nodes.begin(), std::min_element(nodes.begin(), nodes.end()),
                  nodes.end());
      if (!seen.insert(nodes).second) continue;
      std::string type = internal::ClassifyCycle(cycle);
      if (per_type[type]++ >= options.max_cycles_per_type) continue;
      anomalies->push_back(CycleAnomaly(history, txns, analysis, cycle));
    }
  }
}

void Summarize(const Options& options, Result* result) {
  std::set<std::string> types;
  for (const Anomaly& a : result->anomalies) types.insert(a.type);
  result->anomaly_types.assign(types.begin(), types.end());
  result->valid = true;
  for (const std::string& type : types) {
    if (Proscribes(options.model, type)) result->valid = false;
  }
  for (ConsistencyModel model :
       {ConsistencyModel::kSnapshotIsolation, ConsistencyModel::kSerializable,
        ConsistencyModel::kStrictSerializable}) {
    for (const std::string& type : types) {
      if (Proscribes(model, type)) {
        result->not_models.emplace_back(ConsistencyModelName(model));
        break;
      }
    }
  }
  std::string text = Cat(result->valid ? "valid" : "invalid", " under ",
                         ConsistencyModelName(options.model), ": ",
                         result->transactions, " transactions");
  if (types.empty()) {
    result->explanation = text + ", no anomalies";
    return;
  }
  text += ", anomalies:";
  for (const std::string& type : types) {
    text += Cat(" ", type, Proscribes(options.model, type) ? "" : " (allowed)");
  }
  std::set<std::string> explained;
  for (const Anomaly& a : result->anomalies) {
    if (explained.insert(a.type).second) text += Cat("\n  ", a.explanation);
  }
  result->explanation = text;
}

}  // namespace

std::optional<Workload> ParseWorkload(std::string_view name) {
  if (name == "list-append") return Workload::kListAppend;
  if (name == "rw-register") return Workload::kRwRegister;
  return std::nullopt;
}

std::optional<ConsistencyModel> ParseConsistencyModel(std::string_view name) {
  if (name == "snapshot-isolation" || name == "si")
    return ConsistencyModel::kSnapshotIsolation;
  if (name == "serializable") return ConsistencyModel::kSerializable;
  if (name == "strict-serializable")
    return ConsistencyModel::kStrictSerializable;
  return std::nullopt;
}

std::string_view ConsistencyModelName(ConsistencyModel model) {
  switch (model) {
    case ConsistencyModel::kSnapshotIsolation:
      return "snapshot-isolation";
    case ConsistencyModel::kSerializable:
      return "serializable";
    case ConsistencyModel::kStrictSerializable:
      return "strict-serializable";
  }
  return "?";
}

bool Proscribes(ConsistencyModel model, std::string_view type) {
  if (model == ConsistencyModel::kStrictSerializable) return true;
  if (EndsWith(type, "-realtime") || EndsWith(type, "-process")) return false;
  if (model == ConsistencyModel::kSerializable) return true;
  return type != "G2-item";  // Ref: Adya §4.3: SI (PL-SI) allows write skew
}

absl::StatusOr<Result> Check(const history::History& history,
                             const Options& options) {
  absl::StatusOr<internal::TxnHistory> txns =
      internal::ExtractTxns(history, options.workload);
  if (!txns.ok()) return txns.status();
  Graph graph(txns->txns.size());
  Result result;
  result.transactions = txns->txns.size();
  absl::StatusOr<std::unique_ptr<internal::Analysis>> analysis =
      options.workload == Workload::kListAppend
          ? internal::AnalyzeListAppend(history, *txns, &graph,
                                        &result.anomalies)
          : internal::AnalyzeRwRegister(history, *txns, &graph,
                                        &result.anomalies);
  if (!analysis.ok()) return analysis.status();
  if (options.model == ConsistencyModel::kStrictSerializable) {
    internal::AddOrderEdges(*txns, &graph);
  }
  graph.Finish();
  FindCycles(history, *txns, **analysis, graph, options, &result.anomalies);
  Summarize(options, &result);
  return result;
}

}  // namespace jepsen::elle
