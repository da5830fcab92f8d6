// Elle-style isolation checking of transactional histories.
//
// Ref: Kingsbury & Alvaro, "Elle: Inferring Isolation Anomalies from
// Experimental Observations", VLDB 2020 (§3 dependency inference for
// list-append and registers, §4 cycle search and anomaly classes); Adya,
// "Weak Consistency", MIT PhD thesis 1999, §3-4 (G0, G1a-c, G-single, G2).
//
// Transactions are ops with :f :txn whose value is a list of micro-ops:
//   list-append:  [:append k v] and [:r k nil] (completion: [:r k [v1 v2 ..]])
//   rw-register:  [:w k v]      and [:r k nil] (completion: [:r k v])
// Values must be integers, and each value is appended/written at most once
// per key (Elle's uniqueness assumption, which lets a read name its writer).
//
// The checker infers a dependency graph over committed (:ok) and possibly
// committed (:info) transactions: ww, wr and rw edges from the data, plus
// process and real-time order edges for strict serializability. It finds
// cycles (Tarjan SCCs, then breadth-first search for the shortest cycle of
// each class inside a component) and non-cycle anomalies:
//   G0 (write cycle), G1a (aborted read), G1b (intermediate read), G1c
//   (cyclic information flow), G-single (read skew: exactly one rw edge),
//   G2-item (two or more rw edges), lost-update, internal (a transaction
//   disagrees with itself), duplicate-elements, incompatible-order (two
//   reads of a key that are not prefixes of one another), garbage-read (a
//   value nobody wrote). Cycles through process / real-time edges get a
//   "-process" / "-realtime" suffix (G-single-realtime, ...).
//
// Consistency models:
//   snapshot-isolation   proscribes all of the above except G2-item (write
//                        skew is allowed) and the -process/-realtime variants
//   serializable         also proscribes G2-item
//   strict-serializable  also proscribes every -process/-realtime cycle
#ifndef JEPSEN_ELLE_ELLE_H_
#define JEPSEN_ELLE_ELLE_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "jepsen/history/history.h"

namespace jepsen::elle {

enum class Workload { kListAppend, kRwRegister };
enum class ConsistencyModel {
  kSnapshotIsolation,
  kSerializable,
  kStrictSerializable
};

std::optional<Workload> ParseWorkload(
    std::string_view name);  // "list-append", "rw-register"
std::optional<ConsistencyModel> ParseConsistencyModel(std::string_view name);
std::string_view ConsistencyModelName(ConsistencyModel model);

struct Options {
  Workload workload = Workload::kListAppend;
  ConsistencyModel model = ConsistencyModel::kStrictSerializable;
  // Cycles reported per anomaly type (all types are always searched).
  size_t max_cycles_per_type = 3;
  // Breadth-first searches allowed per component and search; bounds the
  // work on huge strongly connected components.
  size_t max_searches_per_component = 256;
};

// One step of a cycle: txn `from` must precede txn `to` because of `edge`.
struct CycleStep {
  size_t from = 0;   // history position of the transaction's completion (or
  size_t to = 0;     // invocation when it never completed)
  std::string edge;  // "ww", "wr", "rw", "process", "realtime"
  std::string why;   // e.g. "T3 appended 4 after T1's 3 to key 7"
};

struct Anomaly {
  std::string type;  // "G0", "G1a", "G-single-realtime", "lost-update", ...
  std::vector<size_t> ops;  // history positions of the transactions involved
  std::vector<CycleStep> cycle;  // empty for non-cycle anomalies
  std::string explanation;
};

struct Result {
  bool valid = true;
  size_t transactions = 0;
  std::vector<std::string>
      anomaly_types;  // sorted, unique; includes allowed ones
  std::vector<Anomaly> anomalies;
  // Models (of snapshot-isolation, serializable, strict-serializable) that
  // the anomalies found rule out.
  std::vector<std::string> not_models;
  std::string explanation;
};

// Errors (InvalidArgument naming the line) for malformed transactions,
// non-integer values, or a value appended/written twice to one key.
absl::StatusOr<Result> Check(const history::History& history,
                             const Options& options);

// Whether `model` proscribes anomaly `type` (e.g. "G2-item" under SI: false).
bool Proscribes(ConsistencyModel model, std::string_view type);

}  // namespace jepsen::elle

#endif  // JEPSEN_ELLE_ELLE_H_
