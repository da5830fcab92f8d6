// Read-write register inference. Ref: Elle (VLDB 2020) §3.4: unique writes
// name each read's writer (wr edges). The version order is only partly
// known; we infer it from (a) the initial state: nil precedes every written
// value, and (b) writes-follow-reads within a committed transaction: if it
// read v1 and then wrote v2 to the key, v1 precedes v2. From that order come
// ww edges (writer of v1 -> writer of v2) and rw edges (reader of v1 ->
// writer of v2).
#include <algorithm>
#include <map>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "core/base/bytes.h"
#include "jepsen/elle/internal.h"
#include "jepsen/history/cat.h"

namespace jepsen::elle::internal {
namespace {

using history::Outcome;

struct Writer {
  int32_t txn = -1;
  bool final_write = false;
};

std::string Show(int64_t v) { return v == kNilValue ? "nil" : Cat(v); }

class RwRegisterAnalysis : public Analysis {
 public:
  RwRegisterAnalysis(const history::History& history, const TxnHistory& t,
                     std::vector<Anomaly>* anomalies)
      : history_(history), t_(t), anomalies_(anomalies) {}

  absl::Status Run(Graph* graph) {
    absl::Status status = IndexWriters();
    if (!status.ok()) return status;
    CheckInternal();
    CheckReadsAndInferOrder();
    AddEdges(graph);
    CheckLostUpdates();
    return absl::OkStatus();
  }

  std::string ExplainEdge(int32_t from, int32_t to,
                          uint8_t kind) const override;

 private:
  using KeyValue = std::pair<int32_t, int64_t>;
  int32_t size() const { return static_cast<int32_t>(t_.txns.size()); }
  const Txn& txn(int32_t i) const { return t_.txns[static_cast<size_t>(i)]; }
  std::string Key(int32_t k) const {
    return t_.keys[static_cast<size_t>(k)].ToEdn();
  }
  const Writer* FindWriter(int32_t key, int64_t value) const {
    auto it = writers_.find({key, value});
    return it == writers_.end() ? nullptr : &it->second;
  }
  bool InGraph(const Writer* w) const {
    return w != nullptr && txn(w->txn).in_graph();
  }

  void Report(std::string type, std::vector<int32_t> txns,
              std::string explanation) {
    Anomaly a;
    a.type = std::move(type);
    for (int32_t i : txns) a.ops.push_back(txn(i).position());
    a.explanation = std::move(explanation);
    anomalies_->push_back(std::move(a));
  }

  // External reads: the first op on a key in the txn, when it is a read.
  template <typename Fn>
  void ForEachExternalRead(int32_t i, Fn fn) const {
    absl::InlinedVector<int32_t, 8> touched;
    for (const Mop& m : txn(i).mops) {
      if (std::find(touched.begin(), touched.end(), m.key) != touched.end())
        continue;
      touched.push_back(m.key);
      if (m.kind == Mop::Kind::kRead && m.known) fn(m);
    }
  }
  // The txn's final write to `key`, if any.
  const Mop* FinalWrite(int32_t i, int32_t key) const {
    const Mop* last = nullptr;
    for (const Mop& m : txn(i).mops) {
      if (m.kind == Mop::Kind::kWrite && m.key == key) last = &m;
    }
    return last;
  }
  // Versions that directly follow `value` of `key` (nil: the roots).
  const std::vector<int64_t>& Successors(int32_t key, int64_t value) const {
    static const std::vector<int64_t> kNone;
    auto it = successors_.find({key, value});
    return it == successors_.end() ? kNone : it->second;
  }

  absl::Status IndexWriters();
  void CheckInternal();
  void CheckReadsAndInferOrder();
  void AddEdges(Graph* graph);
  void CheckLostUpdates();

  const history::History& history_;
  const TxnHistory& t_;
  std::vector<Anomaly>* anomalies_;
  absl::flat_hash_map<KeyValue, Writer> writers_;
  std::map<KeyValue, std::vector<int64_t>> successors_;
};

absl::Status RwRegisterAnalysis::IndexWriters() {
  for (int32_t i = 0; i < size(); ++i) {
    for (const Mop& m : txn(i).mops) {
      if (m.kind != Mop::Kind::kWrite) continue;
      auto [it, inserted] = writers_.try_emplace({m.key, m.value});
      if (!inserted && it->second.txn != i) {
        return absl::InvalidArgumentError(
            Cat(history::DescribeOpPosition(history_, txn(i).position()),
                ": value ", m.value, " is written to key ",
                core::base::QuoteExcerpt(Key(m.key)), " twice (also by ",
                history::DescribeOpPosition(history_,
                                            txn(it->second.txn).position()),
                "); rw-register needs unique values per key"));
      }
      it->second = Writer{i, FinalWrite(i, m.key) == &m};
    }
  }
  return absl::OkStatus();
}

// Ref: Elle §5.1: a read after the transaction's own write (or read) of the
// key must return that value.
void RwRegisterAnalysis::CheckInternal() {
  for (int32_t i = 0; i < size(); ++i) {
    if (txn(i).outcome != Outcome::kOk) continue;
    std::map<int32_t, int64_t> known;
    for (const Mop& m : txn(i).mops) {
      auto it = known.find(m.key);
      if (m.kind == Mop::Kind::kRead && it != known.end() &&
          it->second != m.value) {
        Report(
            "internal", {i},
            Cat(TxnName(txn(i)), " read key ", Key(m.key), " = ", Show(m.value),
                " but its own earlier operations imply ", Show(it->second)));
      }
      known[m.key] = m.value;
    }
  }
}

void RwRegisterAnalysis::CheckReadsAndInferOrder() {
  std::map<int32_t, std::vector<int64_t>> has_predecessor;  // key -> values
  for (int32_t i = 0; i < size(); ++i) {
    if (txn(i).outcome != Outcome::kOk) continue;
    ForEachExternalRead(i, [&](const Mop& m) {
      if (const Mop* w = FinalWrite(i, m.key); w != nullptr) {
        successors_[{m.key, m.value}].push_back(w->value);
        if (m.value != kNilValue) has_predecessor[m.key].push_back(w->value);
      }
      if (m.value == kNilValue) return;
      const Writer* w = FindWriter(m.key, m.value);
      if (w == nullptr) {
        Report("garbage-read", {i},
               Cat(TxnName(txn(i)), " read ", m.value, " from key ", Key(m.key),
                   ", which no transaction wrote"));
      } else if (txn(w->txn).outcome == Outcome::kFail) {
        Report("G1a", {w->txn, i},
               Cat(TxnName(txn(i)), " read ", m.value, " from key ", Key(m.key),
                   ", written by ", TxnName(txn(w->txn)), " which failed"));
      } else if (!w->final_write && w->txn != i) {
        Report("G1b", {w->txn, i},
               Cat(TxnName(txn(i)), " read ", m.value, " from key ", Key(m.key),
                   ", an intermediate write of ", TxnName(txn(w->txn))));
      }
    });
  }
  // Initial state: nil precedes every version with no other known predecessor.
  for (auto& [kv, writer] : writers_) {
    if (!txn(writer.txn).in_graph() || !writer.final_write) continue;
    const std::vector<int64_t>& preds = has_predecessor[kv.first];
    if (std::find(preds.begin(), preds.end(), kv.second) == preds.end()) {
      successors_[{kv.first, kNilValue}].push_back(kv.second);
    }
  }
  for (auto& [kv, next] : successors_) {
    std::sort(next.begin(), next.end());  // hash order must not reach outputs
    next.erase(std::unique(next.begin(), next.end()), next.end());
  }
}

void RwRegisterAnalysis::AddEdges(Graph* graph) {
  for (const auto& [kv, next] : successors_) {
    const Writer* a =
        kv.second == kNilValue ? nullptr : FindWriter(kv.first, kv.second);
    for (int64_t v : next) {
      const Writer* b = FindWriter(kv.first, v);
      if (InGraph(a) && InGraph(b)) graph->Add(a->txn, b->txn, kWW);
    }
  }
  for (int32_t i = 0; i < size(); ++i) {
    if (txn(i).outcome != Outcome::kOk) continue;
    ForEachExternalRead(i, [&](const Mop& m) {
      const Writer* w =
          m.value == kNilValue ? nullptr : FindWriter(m.key, m.value);
      if (InGraph(w)) graph->Add(w->txn, i, kWR);
      for (int64_t v : Successors(m.key, m.value)) {
        const Writer* next = FindWriter(m.key, v);
        if (InGraph(next)) graph->Add(i, next->txn, kRW);
      }
    });
  }
}

void RwRegisterAnalysis::CheckLostUpdates() {
  std::map<KeyValue, std::vector<int32_t>> groups;
  for (int32_t i = 0; i < size(); ++i) {
    if (txn(i).outcome != Outcome::kOk) continue;
    ForEachExternalRead(i, [&](const Mop& m) {
      if (FinalWrite(i, m.key) != nullptr)
        groups[{m.key, m.value}].push_back(i);
    });
  }
  for (const auto& [kv, txns] : groups) {
    if (txns.size() < 2) continue;
    std::string names;
    for (int32_t i : txns)
      names += Cat(names.empty() ? "" : ", ", TxnName(txn(i)));
    Report("lost-update", txns,
           Cat(names, " all read key ", Key(kv.first), " = ", Show(kv.second),
               " and all wrote it"));
  }
}

std::string RwRegisterAnalysis::ExplainEdge(int32_t from, int32_t to,
                                            uint8_t kind) const {
  const std::string a = TxnName(txn(from));
  const std::string b = TxnName(txn(to));
  for (const auto& [kv, next] : successors_) {
    for (int64_t v : next) {
      const Writer* later = FindWriter(kv.first, v);
      if (later == nullptr) continue;
      if (kind == kWW && later->txn == to && kv.second != kNilValue) {
        const Writer* earlier = FindWriter(kv.first, kv.second);
        if (earlier != nullptr && earlier->txn == from) {
          return Cat(a, " wrote key ", Key(kv.first), " = ", kv.second,
                     ", which precedes ", b, "'s write of ", v);
        }
      }
    }
  }
  std::string found;
  const int32_t reader = kind == kWR ? to : from;
  ForEachExternalRead(reader, [&](const Mop& m) {
    if (!found.empty()) return;
    if (kind == kWR) {
      const Writer* w =
          m.value == kNilValue ? nullptr : FindWriter(m.key, m.value);
      if (w != nullptr && w->txn == from) {
        found = Cat(b, " read key ", Key(m.key), " = ", m.value,
                    ", written by ", a);
      }
    } else if (kind == kRW) {
      for (int64_t v : Successors(m.key, m.value)) {
        const Writer* w = FindWriter(m.key, v);
        if (w != nullptr && w->txn == to) {
          found = Cat(a, " read key ", Key(m.key), " = ", Show(m.value),
                      ", and ", b, " wrote the next version ", v);
          return;
        }
      }
    }
  });
  return found.empty() ? Cat(a, " ", EdgeName(kind), " ", b) : found;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Analysis>> AnalyzeRwRegister(
    const history::History& history, const TxnHistory& txns, Graph* graph,
    std::vector<Anomaly>* anomalies) {
  auto analysis =
      std::make_unique<RwRegisterAnalysis>(history, txns, anomalies);
  absl::Status status = analysis->Run(graph);
  if (!status.ok()) return status;
  return std::unique_ptr<Analysis>(std::move(analysis));
}

}  // namespace jepsen::elle::internal
