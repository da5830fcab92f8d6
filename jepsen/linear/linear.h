// Linearizability checking of Jepsen-style histories.
//
// Algorithm: Wing & Gong's search with Lowe's improvements (Ref: Lowe,
// "Testing for linearizability", CCPE 2017, §3-4): the history is a doubly
// linked list of call/return entries; the search linearizes a minimal call,
// lifts it from the list, and backtracks at the first pending return. A cache
// of (linearized-set bitset, model state) pairs prunes configurations seen
// before. Histories are split per key first when the model allows it
// (P-compositionality; Ref: Horn & Kroening, "Faster linearizability checking
// via P-compositionality", FORTE 2015), and partitions run on a small thread
// pool in rounds of doubling iteration budgets, so that one partition that is
// cheap to refute decides an invalid verdict however slow the others are.
// Two reductions cut the configurations searched (wgl.h): legal read-only
// calls are linearized without branching, and a configuration in which a
// pending read can no longer see its value is dropped at once. The search
// stays complete: no bound changes a verdict. Verdicts do not depend on the
// thread count: when several partitions are invalid, the one refuted in the
// fewest search iterations (then the smallest key) is reported.
//
// Semantics (Ref: Knossos README): an :ok op must take effect between its
// invocation and completion; a :fail op did not happen (dropped), except that
// a failed CAS can be read as "observed the compare fail" (see FailedCas); an
// :info or never-completed op may take effect at any point after its
// invocation, or never.
//
// Thread-safety: Check() is reentrant; it starts and joins its own threads.
#ifndef JEPSEN_LINEAR_LINEAR_H_
#define JEPSEN_LINEAR_LINEAR_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "jepsen/history/history.h"

namespace jepsen::linear {

// The sequential specifications, with the :f names each accepts.
enum class ModelKind {
  kRegister,       // read, write
  kCasRegister,    // read, write, cas [expected new]
  kMultiRegister,  // txn [[:read k v] [:write k v] ...] (also :r / :w);
                   // read/write with :key
  kKeyValue,       // get/read, put/write, append, each with :key; string values
  kMutex,          // acquire, release
};

// What a CAS that completed with :fail means.
enum class FailedCas {
  kDidNotHappen,         // Jepsen/Knossos: the op is dropped
  kObservedCompareFail,  // etcd/Porcupine: the value differed from `expected`
};

// What an :ok read with a nil value means.
enum class NilRead {
  kAbsent,   // the register held nil (etcd logs: the key did not exist)
  kUnknown,  // the value was not observed (Knossos cas-register accepts it)
};

struct ModelOptions {
  ModelKind kind = ModelKind::kCasRegister;
  // Initial value of every register (kRegister, kCasRegister, and each key
  // of kMultiRegister when `initial` is not a map). For kMultiRegister a map
  // gives per-key initial values ({:x 0 :y 0}). Ignored by kKeyValue (keys
  // start as "") and kMutex (starts free).
  history::Value initial;
  FailedCas failed_cas = FailedCas::kDidNotHappen;
  NilRead nil_read = NilRead::kAbsent;
  // Check each key on its own (P-compositionality). Ignored by
  // kMultiRegister, whose transactions span keys.
  bool partition_by_key = true;
};

std::optional<ModelKind> ParseModelKind(std::string_view name);
std::string_view ModelKindName(ModelKind kind);

struct CheckOptions {
  // Give up with kUnknown when the search runs longer than this.
  absl::Duration time_limit = absl::InfiniteDuration();
  // Worker threads for partitions; 0 means one per core.
  int threads = 0;
  // Cap on cached configurations per partition (memory bound); reaching it
  // gives kUnknown. 0 means no cap.
  size_t max_cache_entries = 0;
};

enum class Validity { kValid, kInvalid, kUnknown };
std::string_view ValidityName(Validity validity);

struct Result {
  Validity validity = Validity::kValid;
  size_t operations = 0;  // operations checked (after dropping :fail)
  size_t partitions = 0;
  size_t cache_entries = 0;  // configurations explored, summed over partitions

  // When kInvalid: the partition's key (nullopt when unpartitioned or for
  // ops without a key), the op that cannot be linearized (positions of its
  // invocation and completion in History::ops), the longest linearizable
  // prefix found (invocation positions in linearization order) and the
  // model state after it.
  std::optional<history::Value> key;
  size_t failed_invoke = 0;
  size_t failed_complete = 0;
  std::vector<size_t> linearized_prefix;
  std::string state_after_prefix;

  // When kUnknown: the keys (or "all") whose search hit the limit.
  std::vector<std::string> unknown_partitions;

  // A human-readable account of the verdict.
  std::string explanation;
};

// Checks `history` against the model. Errors (InvalidArgument, naming the
// line) for histories that cannot be paired or ops the model cannot read,
// such as a :cas whose value is not [expected new].
absl::StatusOr<Result> Check(const history::History& history,
                             const ModelOptions& model,
                             const CheckOptions& options = {});

}  // namespace jepsen::linear

#endif  // JEPSEN_LINEAR_LINEAR_H_
