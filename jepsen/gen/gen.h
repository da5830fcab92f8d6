// History generators: in-memory reference implementations driven by random
// concurrent clients, plus injectors that add a violation a checker must
// find. Used by property tests and benchmarks.
//
// Each client is a Jepsen process: invoke, then (in a later step chosen at
// random) apply the operation atomically to the reference store, then (later
// still) complete it. Because every operation takes effect at one instant
// between its invocation and completion, generated histories are
// linearizable (and strict-serializable for transactions) by construction.
// Some operations crash (:info, applied or not; the client then gets a fresh
// process id, as in Jepsen) and some fail (:fail, never applied).
//
// All randomness comes from the Prng passed in, so a seed reproduces a
// history exactly.
#ifndef JEPSEN_GEN_GEN_H_
#define JEPSEN_GEN_GEN_H_

#include <cstdint>
#include <optional>

#include "core/base/prng.h"
#include "jepsen/history/history.h"

namespace jepsen::gen {

struct ClientOptions {
  int processes = 5;     // concurrent clients
  int operations = 100;  // operations to invoke in total
  double info_probability = 0.02;
  double fail_probability = 0.02;  // only for ops that may fail (see below)
  int64_t step_time_ns = 1000;     // virtual time between events
};

struct RegisterOptions {
  ClientOptions clients;
  int keys = 1;     // > 1 adds :key to every op (multi-key register)
  int values = 5;   // writes and CAS draw values from [0, values)
  bool cas = true;  // include :cas ops (cas-register model)
};

// read / write / cas on registers that start nil. A CAS whose compare fails
// completes :fail (true under both FailedCas meanings: it changed nothing).
history::History GenerateRegisterHistory(const RegisterOptions& options,
                                         core::base::Prng& prng);

// A bug to plant in a key-value store (each makes the history invalid).
enum class KvViolation {
  kNone,
  // A get returns the key's value from before a modification that completed
  // before the get began (and whose key's last put completed before it
  // began, so no linearization can reorder them).
  kStaleRead,
  // An append is acknowledged but never applied, and a later get (begun
  // after the append completed, with no put on the key in between) sees
  // the key without it.
  kLostAppend,
};

struct KeyValueOptions {
  ClientOptions clients;
  int keys = 10;
  double put_fraction = 0.1;  // the rest split between get and append
  KvViolation violation = KvViolation::kNone;
  // The violation is planted at the first chance after this fraction of
  // the operations has been invoked.
  double violation_after = 0.5;
};

// get / put / append of strings like "x 3 17 y" (Porcupine's kv shape).
// CHECK-fails if options.violation could not be planted (see
// PlantKeyValueViolation).
history::History GenerateKeyValueHistory(const KeyValueOptions& options,
                                         core::base::Prng& prng);

// The same with options.violation (not kNone) planted once; nullopt if the
// run gave it no chance (a short history, or no later get of the key).
std::optional<history::History> PlantKeyValueViolation(
    const KeyValueOptions& options, core::base::Prng& prng);

// acquire / release of one lock; an acquire of a held lock and a release by a
// non-holder complete :fail.
history::History GenerateMutexHistory(const ClientOptions& options,
                                      core::base::Prng& prng);

struct ListAppendOptions {
  ClientOptions clients;
  int keys = 5;  // keys in use at any time
  int max_txn_length = 4;
  // When > 0, a key that has received this many writes is retired and a
  // fresh key takes its place (as Jepsen's append workload does), which
  // keeps lists short in long histories.
  int max_writes_per_key = 0;
  // Snapshot isolation instead of strict serializability: a transaction
  // reads a snapshot taken at its start and commits at its end with
  // first-committer-wins (conflicting commits complete :fail). Histories may
  // then contain write skew (G2-item) but no SI anomaly.
  bool snapshot_isolation = false;
  // Only with snapshot_isolation: skip the first-committer-wins check, so
  // concurrent appends to one key are lost (a known-buggy store).
  bool lose_updates = false;
};

// Transactions of [:append k v] and [:r k nil] micro-ops (Elle list-append),
// each appended value unique per key.
history::History GenerateListAppendHistory(const ListAppendOptions& options,
                                           core::base::Prng& prng);

// rw-register transactions of [:w k v] / [:r k nil], values unique per key.
history::History GenerateRwRegisterHistory(const ListAppendOptions& options,
                                           core::base::Prng& prng);

// ---- Injected violations (each guaranteed to make the history invalid). ----

// Changes one :ok read (register read, kv get) to a value no op ever
// produces. Returns false if the history has no :ok read.
bool CorruptRandomRead(history::History* history, core::base::Prng& prng);

// Appends, on a fresh process after everything else, write(a) then write(b)
// then a read returning a: a stale read (single key, `key` if given).
void AppendStaleRead(history::History* history,
                     std::optional<history::Value> key = {});

// list-append: appends a transaction that reads a key and sees an element
// appended by a :fail transaction (G1a). Returns false if there is no failed
// append to use.
bool InjectAbortedRead(history::History* history);

// list-append: appends two overlapping transactions that read the same
// version of a key and both append to it (lost update).
void InjectLostUpdate(history::History* history);

}  // namespace jepsen::gen

#endif  // JEPSEN_GEN_GEN_H_
