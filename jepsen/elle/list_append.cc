// List-append inference. Ref: Elle (VLDB 2020) §3.3: every read of a list
// reveals a prefix of the key's version order, so the longest read gives the
// order (all reads must be prefixes of it: "incompatible order" otherwise);
// the writer of each element is known because appended values are unique.
// From the order: ww edges between writers of adjacent elements, wr edges
// from the writer of a read's last element to the reader, rw edges from a
// reader to the writer of the element after its read.
#include <algorithm>
#include <map>
#include <tuple>
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
  int32_t position = -1;      // index in the key's version order; -1 if unread
  bool final_append = false;  // the txn's last append to this key
};

std::string FormatList(const int64_t* list, size_t n) {
  std::string out = "[";
  for (size_t i = 0; i < n; ++i) {
    if (n > 10 && i == 4) {
      out += Cat("... (", n - 8, " more) ");
      i = n - 4;
    }
    out += Cat(list[i], i + 1 < n ? " " : "");
  }
  return out + "]";
}

class ListAppendAnalysis : public Analysis {
 public:
  ListAppendAnalysis(const history::History& history, const TxnHistory& t,
                     std::vector<Anomaly>* anomalies)
      : history_(history),
        t_(t),
        anomalies_(anomalies),
        orders_(t.keys.size()),
        order_reader_(t.keys.size(), -1),
        min_aborted_(t.keys.size(), INT32_MAX) {}

  absl::Status Run(Graph* graph) {
    absl::Status status = IndexWriters();
    if (!status.ok()) return status;
    CheckInternal();
    BuildOrders();
    CheckReads();
    AddEdges(graph);
    CheckLostUpdates();
    return absl::OkStatus();
  }

  std::string ExplainEdge(int32_t from, int32_t to,
                          uint8_t kind) const override;

 private:
  int32_t size() const { return static_cast<int32_t>(t_.txns.size()); }
  const Txn& txn(int32_t i) const { return t_.txns[static_cast<size_t>(i)]; }
  std::string Key(int32_t k) const {
    return t_.keys[static_cast<size_t>(k)].ToEdn();
  }
  const std::vector<int64_t>& order(int32_t k) const {
    return orders_[static_cast<size_t>(k)];
  }
  const Writer* FindWriter(int32_t key, int64_t element) const {
    auto it = writers_.find({key, element});
    return it == writers_.end() ? nullptr : &it->second;
  }
  bool InGraph(const Writer* w) const {
    return w != nullptr && txn(w->txn).in_graph();
  }
  bool IsPrefix(const Mop& m) const {
    const std::vector<int64_t>& o = order(m.key);
    return m.list_size <= o.size() &&
           std::equal(t_.list(m), t_.list(m) + m.list_size, o.begin());
  }

  void Report(std::string type, std::vector<int32_t> txns,
              std::string explanation) {
    Anomaly a;
    a.type = std::move(type);
    for (int32_t i : txns) a.ops.push_back(txn(i).position());
    a.explanation = std::move(explanation);
    anomalies_->push_back(std::move(a));
  }

  // Calls fn(mop) for the first read of each key that precedes the txn's own
  // appends to it (Elle's "external" reads).
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

  // Version a read observed: its length when it is a prefix of the order,
  // else one past its last element's position; -1 when unknown.
  int64_t ReadVersion(const Mop& m) const {
    if (m.list_size == 0) return 0;
    if (IsPrefix(m)) return m.list_size;
    const Writer* last = FindWriter(m.key, t_.list(m)[m.list_size - 1]);
    return last != nullptr && last->position >= 0 ? last->position + 1 : -1;
  }

  absl::Status IndexWriters();
  void CheckInternal();
  void BuildOrders();
  void CheckReads();
  void ScanElements(int32_t i, const Mop& m, uint32_t from);
  void CheckLastElement(int32_t i, const Mop& m);
  void AddEdges(Graph* graph);
  void CheckLostUpdates();

  const history::History& history_;
  const TxnHistory& t_;
  std::vector<Anomaly>* anomalies_;
  absl::flat_hash_map<std::pair<int32_t, int64_t>, Writer> writers_;
  std::vector<std::vector<int64_t>> orders_;  // per key: the longest read
  std::vector<int32_t> order_reader_;         // per key: txn whose read gave it
  std::vector<int32_t> min_aborted_;          // per key: first aborted position
  absl::flat_hash_map<std::pair<int32_t, int32_t>, bool> g1a_reported_;
};

absl::Status ListAppendAnalysis::IndexWriters() {
  for (int32_t i = 0; i < size(); ++i) {
    const std::vector<Mop>& mops = txn(i).mops;
    for (size_t j = 0; j < mops.size(); ++j) {
      if (mops[j].kind != Mop::Kind::kAppend) continue;
      bool final_append = true;
      for (size_t k = j + 1; k < mops.size(); ++k) {
        if (mops[k].kind == Mop::Kind::kAppend && mops[k].key == mops[j].key) {
          final_append = false;
        }
      }
      auto [it, inserted] = writers_.try_emplace({mops[j].key, mops[j].value});
      if (!inserted) {
        return absl::InvalidArgumentError(
            Cat(history::DescribeOpPosition(history_, txn(i).position()),
                ": value ", mops[j].value, " is appended to key ",
                core::base::QuoteExcerpt(Key(mops[j].key)), " twice (also by ",
                history::DescribeOpPosition(history_,
                                            txn(it->second.txn).position()),
                "); list-append needs unique values per key"));
      }
      it->second = Writer{i, -1, final_append};
    }
  }
  return absl::OkStatus();
}

// Ref: Elle §5.1 "internal consistency": within a transaction, a read must
// reflect the transaction's own earlier reads and appends.
void ListAppendAnalysis::CheckInternal() {
  for (int32_t i = 0; i < size(); ++i) {
    if (txn(i).outcome != Outcome::kOk) continue;
    const std::vector<Mop>& mops = txn(i).mops;
    for (size_t j = 0; j < mops.size(); ++j) {
      const Mop& m = mops[j];
      if (m.kind != Mop::Kind::kRead) continue;
      // The txn's own appends to the key since its last read of it (if any).
      absl::InlinedVector<int64_t, 8> appended;
      const Mop* prior = nullptr;
      for (size_t k = j; k-- > 0;) {
        if (mops[k].key != m.key) continue;
        if (mops[k].kind == Mop::Kind::kRead) {
          prior = &mops[k];
          break;
        }
        appended.push_back(mops[k].value);
      }
      std::reverse(appended.begin(), appended.end());
      const int64_t* read = t_.list(m);
      const size_t n = m.list_size;
      const size_t a = appended.size();
      const size_t base = prior != nullptr ? prior->list_size : 0;
      bool consistent =
          prior != nullptr
              ? n == base + a &&
                    std::equal(read, read + base, t_.list(*prior)) &&
                    std::equal(appended.begin(), appended.end(), read + base)
              : n >= a && std::equal(appended.begin(), appended.end(),
                                     read + (n - a));
      if (consistent) continue;
      std::vector<int64_t> expected;
      if (prior != nullptr)
        expected.assign(t_.list(*prior), t_.list(*prior) + base);
      expected.insert(expected.end(), appended.begin(), appended.end());
      Report("internal", {i},
             Cat(TxnName(txn(i)), " read key ", Key(m.key), " = ",
                 FormatList(read, n), " but its own earlier operations imply ",
                 prior != nullptr ? "" : "a list ending in ",
                 FormatList(expected.data(), expected.size())));
    }
  }
}

void ListAppendAnalysis::BuildOrders() {
  for (int32_t i = 0; i < size(); ++i) {
    if (txn(i).outcome != Outcome::kOk) continue;
    for (const Mop& m : txn(i).mops) {
      if (m.kind != Mop::Kind::kRead) continue;
      std::vector<int64_t>& o = orders_[static_cast<size_t>(m.key)];
      if (m.list_size > o.size()) {
        o.assign(t_.list(m), t_.list(m) + m.list_size);
        order_reader_[static_cast<size_t>(m.key)] = i;
      }
    }
  }
  for (int32_t k = 0; k < static_cast<int32_t>(orders_.size()); ++k) {
    for (size_t p = 0; p < order(k).size(); ++p) {
      auto it = writers_.find({k, order(k)[p]});
      if (it == writers_.end() || it->second.position != -1) continue;
      it->second.position = static_cast<int32_t>(p);
      if (txn(it->second.txn).outcome == Outcome::kFail) {
        min_aborted_[static_cast<size_t>(k)] = std::min(
            min_aborted_[static_cast<size_t>(k)], static_cast<int32_t>(p));
      }
    }
  }
}

// Duplicates, garbage and aborted reads among elements [from, size).
void ListAppendAnalysis::ScanElements(int32_t i, const Mop& m, uint32_t from) {
  const int64_t* read = t_.list(m);
  for (uint32_t p = from; p < m.list_size; ++p) {
    const Writer* w = FindWriter(m.key, read[p]);
    if (w == nullptr) {
      Report("garbage-read", {i},
             Cat(TxnName(txn(i)), " read ", read[p], " in key ", Key(m.key),
                 ", which no transaction appended"));
    } else if (txn(w->txn).outcome == Outcome::kFail &&
               g1a_reported_.try_emplace({i, w->txn}, true).second) {
      // Ref: Adya §4.1.2 G1a (aborted reads).
      Report("G1a", {w->txn, i},
             Cat(TxnName(txn(i)), " read ", read[p], " in key ", Key(m.key),
                 ", appended by ", TxnName(txn(w->txn)),
                 " which failed (aborted read)"));
    }
  }
}

// Ref: Adya §4.1.2 G1b (intermediate reads): the read ends in an element
// that another transaction later followed with another append to the key.
void ListAppendAnalysis::CheckLastElement(int32_t i, const Mop& m) {
  const int64_t last = t_.list(m)[m.list_size - 1];
  const Writer* w = FindWriter(m.key, last);
  if (w == nullptr || w->txn == i || w->final_append || !txn(w->txn).in_graph())
    return;
  Report(
      "G1b", {w->txn, i},
      Cat(TxnName(txn(i)), " read key ", Key(m.key), " ending in ", last,
          ", an intermediate "
          "append of ",
          TxnName(txn(w->txn)), " which appended to the key again afterwards"));
}

void ListAppendAnalysis::CheckReads() {
  std::vector<bool> incompatible_reported(orders_.size(), false);
  for (int32_t i = 0; i < size(); ++i) {
    if (txn(i).outcome != Outcome::kOk) continue;
    for (const Mop& m : txn(i).mops) {
      if (m.kind != Mop::Kind::kRead || m.list_size == 0) continue;
      const size_t k = static_cast<size_t>(m.key);
      const bool prefix = IsPrefix(m);
      const bool is_order =
          order_reader_[k] == i && m.list_size == orders_[k].size();
      if (!prefix || is_order) {
        std::vector<int64_t> sorted(t_.list(m), t_.list(m) + m.list_size);
        std::sort(sorted.begin(), sorted.end());
        auto dup = std::adjacent_find(sorted.begin(), sorted.end());
        if (dup != sorted.end()) {
          Report("duplicate-elements", {i},
                 Cat(TxnName(txn(i)), " read key ", Key(m.key), " = ",
                     FormatList(t_.list(m), m.list_size), ", which contains ",
                     *dup, " more than once"));
        }
        ScanElements(i, m, 0);
      } else if (static_cast<int64_t>(m.list_size) > min_aborted_[k]) {
        ScanElements(i, m, static_cast<uint32_t>(min_aborted_[k]));
      }
      if (!prefix && !incompatible_reported[k]) {
        incompatible_reported[k] = true;
        Report("incompatible-order", {order_reader_[k], i},
               Cat("key ", Key(m.key), ": ", TxnName(txn(i)), " read ",
                   FormatList(t_.list(m), m.list_size), " and ",
                   TxnName(txn(order_reader_[k])), " read ",
                   FormatList(orders_[k].data(), orders_[k].size()),
                   "; neither is a prefix of the other"));
      }
      CheckLastElement(i, m);
    }
  }
}

void ListAppendAnalysis::AddEdges(Graph* graph) {
  for (int32_t k = 0; k < static_cast<int32_t>(orders_.size()); ++k) {
    const std::vector<int64_t>& o = order(k);
    for (size_t p = 1; p < o.size(); ++p) {
      const Writer* a = FindWriter(k, o[p - 1]);
      const Writer* b = FindWriter(k, o[p]);
      if (InGraph(a) && InGraph(b)) graph->Add(a->txn, b->txn, kWW);
    }
  }
  for (int32_t i = 0; i < size(); ++i) {
    if (txn(i).outcome != Outcome::kOk) continue;
    ForEachExternalRead(i, [&](const Mop& m) {
      const int64_t version = ReadVersion(m);
      if (version < 0) return;
      const std::vector<int64_t>& o = order(m.key);
      if (version > 0) {
        const Writer* w =
            FindWriter(m.key, o[static_cast<size_t>(version - 1)]);
        if (InGraph(w)) graph->Add(w->txn, i, kWR);
      }
      if (static_cast<size_t>(version) < o.size()) {
        const Writer* w = FindWriter(m.key, o[static_cast<size_t>(version)]);
        if (InGraph(w)) graph->Add(i, w->txn, kRW);
      }
    });
  }
}

// Ref: Elle §5.1 / Adya P4 (lost update): two committed transactions read
// the same version of a key and both append to it.
void ListAppendAnalysis::CheckLostUpdates() {
  struct Entry {
    int32_t key;
    int64_t version;
    int32_t txn;
    bool operator<(const Entry& o) const {
      return std::tie(key, version, txn) < std::tie(o.key, o.version, o.txn);
    }
  };
  std::vector<Entry> entries;
  for (int32_t i = 0; i < size(); ++i) {
    if (txn(i).outcome != Outcome::kOk) continue;
    ForEachExternalRead(i, [&](const Mop& m) {
      bool appends = false;
      for (const Mop& other : txn(i).mops) {
        appends =
            appends || (other.kind == Mop::Kind::kAppend && other.key == m.key);
      }
      int64_t version = ReadVersion(m);
      if (appends && version >= 0) entries.push_back(Entry{m.key, version, i});
    });
  }
  std::sort(entries.begin(), entries.end());
  for (size_t b = 0, e = 0; b < entries.size(); b = e) {
    for (e = b + 1; e < entries.size() && entries[e].key == entries[b].key &&
                    entries[e].version == entries[b].version;
         ++e) {
    }
    if (e - b < 2) continue;
    std::vector<int32_t> txns;
    std::string names;
    for (size_t k = b; k < e; ++k) {
      txns.push_back(entries[k].txn);
      names += Cat(names.empty() ? "" : ", ", TxnName(txn(entries[k].txn)));
    }
    const int32_t key = entries[b].key;
    Report("lost-update", txns,
           Cat(names, " all read key ", Key(key), " at version ",
               FormatList(order(key).data(),
                          static_cast<size_t>(entries[b].version)),
               " and all appended to it"));
  }
}

std::string ListAppendAnalysis::ExplainEdge(int32_t from, int32_t to,
                                            uint8_t kind) const {
  const std::string a = TxnName(txn(from));
  const std::string b = TxnName(txn(to));
  if (kind == kWW) {
    for (const Mop& m : txn(from).mops) {
      const Writer* w =
          m.kind == Mop::Kind::kAppend ? FindWriter(m.key, m.value) : nullptr;
      if (w == nullptr || w->position < 0) continue;
      const std::vector<int64_t>& o = order(m.key);
      size_t next = static_cast<size_t>(w->position) + 1;
      if (next < o.size() && FindWriter(m.key, o[next]) &&
          FindWriter(m.key, o[next])->txn == to) {
        return Cat(a, " appended ", m.value, " to key ", Key(m.key), ", then ",
                   b, " appended ", o[next], " right after it");
      }
    }
  }
  std::string found;
  if (kind == kWR || kind == kRW) {
    const int32_t reader = kind == kWR ? to : from;
    const int32_t writer = kind == kWR ? from : to;
    ForEachExternalRead(reader, [&](const Mop& m) {
      int64_t version = ReadVersion(m);
      const std::vector<int64_t>& o = order(m.key);
      size_t p = static_cast<size_t>(kind == kWR ? version - 1 : version);
      if (!found.empty() || version < 0 || (kind == kWR && version == 0) ||
          p >= o.size())
        return;
      const Writer* w = FindWriter(m.key, o[p]);
      if (w == nullptr || w->txn != writer) return;
      found = kind == kWR
                  ? Cat(b, " read key ", Key(m.key), " = ",
                        FormatList(t_.list(m), m.list_size),
                        ", whose last element ", o[p], " was appended by ", a)
                  : Cat(a, " read key ", Key(m.key), " = ",
                        FormatList(t_.list(m), m.list_size), ", which misses ",
                        o[p], " appended next by ", b);
    });
  }
  return found.empty() ? Cat(a, " ", EdgeName(kind), " ", b) : found;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Analysis>> AnalyzeListAppend(
    const history::History& history, const TxnHistory& txns, Graph* graph,
    std::vector<Anomaly>* anomalies) {
  auto analysis =
      std::make_unique<ListAppendAnalysis>(history, txns, anomalies);
  absl::Status status = analysis->Run(graph);
  if (!status.ok()) return status;
  return std::unique_ptr<Analysis>(std::move(analysis));
}

}  // namespace jepsen::elle::internal
