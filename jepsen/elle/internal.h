// Internal pieces of the Elle checker: transactions extracted from a
// history, the dependency graph, cycle search, and the per-workload
// inference (list-append, rw-register).
#ifndef JEPSEN_ELLE_INTERNAL_H_
#define JEPSEN_ELLE_INTERNAL_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "jepsen/elle/elle.h"
#include "jepsen/history/history.h"

namespace jepsen::elle::internal {

// ---- Transactions ----

inline constexpr int64_t kNilValue =
    INT64_MIN;  // rw-register read of the initial state

struct Mop {
  enum class Kind : uint8_t { kAppend, kRead, kWrite };
  Kind kind = Kind::kRead;
  bool known = false;       // a read whose result was observed (ok txns)
  int32_t key = 0;          // index into TxnHistory::keys
  int64_t value = 0;        // append/write value; rw-register read value
  uint32_t list_begin = 0;  // list-append read: elements in TxnHistory::pool
  uint32_t list_size = 0;
};

struct Txn {
  history::Outcome outcome = history::Outcome::kInfo;
  int64_t process = 0;
  size_t invoke = 0;                            // history position
  size_t complete = history::Operation::kOpen;  // history position
  std::vector<Mop> mops;
  size_t position() const {
    return complete == history::Operation::kOpen ? invoke : complete;
  }
  bool in_graph() const { return outcome != history::Outcome::kFail; }
};

struct TxnHistory {
  std::vector<Txn> txns;
  std::vector<int64_t> pool;
  std::vector<history::Value> keys;
  const int64_t* list(const Mop& m) const { return pool.data() + m.list_begin; }
};

absl::StatusOr<TxnHistory> ExtractTxns(const history::History& history,
                                       Workload workload);

// ---- Dependency graph ----

enum EdgeKind : uint8_t {
  kWW = 1,
  kWR = 2,
  kRW = 4,
  kProcess = 8,
  kRealtime = 16,
};
inline constexpr uint8_t kDataEdges = kWW | kWR | kRW;
inline constexpr uint8_t kOrderEdges = kProcess | kRealtime;

const char* EdgeName(uint8_t kind);

class Graph {
 public:
  struct Out {
    int32_t to;
    uint8_t mask;
  };

  explicit Graph(size_t nodes) : nodes_(nodes) {}
  void Add(int32_t from, int32_t to, uint8_t kind) {
    if (from != to) pending_.push_back({from, to, kind});
  }
  // Sorts and merges pending edges into adjacency arrays. Call once.
  void Finish();

  size_t nodes() const { return nodes_; }
  size_t edges() const { return outs_.size(); }
  const Out* begin(int32_t node) const { return outs_.data() + offsets_[node]; }
  const Out* end(int32_t node) const {
    return outs_.data() + offsets_[node + 1];
  }
  uint8_t Mask(int32_t from, int32_t to) const;

 private:
  struct Pending {
    int32_t from;
    int32_t to;
    uint8_t kind;
  };
  size_t nodes_;
  std::vector<Pending> pending_;
  std::vector<uint32_t> offsets_;
  std::vector<Out> outs_;
};

// Component id per node over edges whose mask intersects `mask` (Tarjan,
// iterative). *count receives the number of components.
std::vector<int32_t> StronglyConnectedComponents(const Graph& g, uint8_t mask,
                                                 int32_t* count);

struct Cycle {
  std::vector<int32_t> nodes;  // nodes[i] -> nodes[(i+1) % n]
  std::vector<uint8_t> kinds;  // the edge kind chosen for each step
};

struct SearchSpec {
  uint8_t scc_mask;    // edges that define the components searched
  uint8_t start_mask;  // a cycle starts with one of these edges ...
  uint8_t path_mask;   // ... and returns over these
};

// Shortest cycles per component: for start edges u->v inside a nontrivial
// component, the shortest path v ~> u. At most `per_component` cycles and
// `max_searches` searches per component.
std::vector<Cycle> SearchCycles(const Graph& g, const SearchSpec& spec,
                                size_t per_component, size_t max_searches);

// "G0", "G1c", "G-single", "G2-item", with "-process"/"-realtime" suffixes.
std::string ClassifyCycle(const Cycle& cycle);

// ---- Inference ----

// What a workload's inference produces: anomalies that are not cycles, and
// the data edges; it can also explain any edge it added.
class Analysis {
 public:
  virtual ~Analysis() = default;
  virtual std::string ExplainEdge(int32_t from, int32_t to,
                                  uint8_t kind) const = 0;
};

// Both add data edges to `graph` (not yet finished) and non-cycle anomalies
// to `anomalies`. Error: a value appended/written twice to one key.
absl::StatusOr<std::unique_ptr<Analysis>> AnalyzeListAppend(
    const history::History& history, const TxnHistory& txns, Graph* graph,
    std::vector<Anomaly>* anomalies);
absl::StatusOr<std::unique_ptr<Analysis>> AnalyzeRwRegister(
    const history::History& history, const TxnHistory& txns, Graph* graph,
    std::vector<Anomaly>* anomalies);

// Adds process-order and real-time edges between graph transactions.
void AddOrderEdges(const TxnHistory& txns, Graph* graph);

// "T<pos> (process p, line n) <value>" for explanations.
std::string DescribeTxn(const history::History& history, const Txn& txn);
std::string TxnName(const Txn& txn);

}  // namespace jepsen::elle::internal

#endif  // JEPSEN_ELLE_INTERNAL_H_
