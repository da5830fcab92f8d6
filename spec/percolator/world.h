// World: a whole Percolator deployment in one value — one store (MapStore +
// the concurrency manager's max_ts), a TSO, scripted clients and lock
// resolvers — plus ghost state the invariants need. Every step runs the real
// actions from core/txn/actions and the real read path from core/txn.
//
// Used twice: the explorer enumerates every enabled step of every state
// (bounded by the TSO), and the RapidCheck model test picks steps at random.
//
// Clients (one per TxnSpec) follow Percolator (Percolator §2.2; tikv.md
// §2.2–2.5):
//   begin (start_ts from TSO) -> read keys at start_ts -> [pessimistic: lock
//   each write key at for_update_ts, retrying with a new for_update_ts on
//   WriteConflict] -> prewrite each key, primary first -> [2PC: take
//   commit_ts from TSO, commit the primary (the commit point), commit the
//   secondaries] [async commit: committed once every prewrite succeeded, at
//   max(min_commit_ts); then commit every key] [1PC: one prewrite request
//   commits everything].
// A client may stop at any point (a crash): exploring every interleaving
// includes every prefix. A prewrite error other than KeyIsLocked makes the
// client roll back its keys.
//
// Resolvers (any other client that met a lock; tikv.md §2.5): for a
// transaction with a lock somewhere, CheckTxnStatus on its primary (with a
// fresh current_ts; the lock TTL is WorldConfig::lock_ttl_ms), and for an
// async-commit primary CheckSecondaryLocks on its secondaries, decide its
// fate once (ghost `decisions`); then ResolveLock each remaining lock of a
// decided transaction. Modelling simplification: the decision (CheckTxnStatus
// plus CheckSecondaryLocks) is one atomic step.
//
// Timestamps: the TSO hands out TimeStamp::Compose(n, 0) for n = 1, 2, ...
// so one TSO tick is one physical millisecond.
#ifndef SPEC_PERCOLATOR_WORLD_H_
#define SPEC_PERCOLATOR_WORLD_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "spec/percolator/map_store.h"

namespace spec::percolator {

enum class TxnKind : uint8_t {
  kOptimistic,
  kPessimistic,
  kAsyncCommit,
  kOnePc,
  kReadOnly,
};
const char* TxnKindName(TxnKind kind);

struct TxnSpec {
  TxnKind kind = TxnKind::kOptimistic;
  // The first key is the primary.
  std::vector<std::string> write_keys;
  // Read at start_ts before writing.
  std::vector<std::string> read_keys;
  // Write values longer than the short-value limit (CF_DEFAULT path).
  bool long_values = false;
};

struct WorldConfig {
  std::vector<TxnSpec> txns;
  // No step may take a TSO timestamp above this counter (bounds the space).
  uint64_t max_tso = 12;
  // Lock TTL in TSO ticks. 0: every lock is expired for any later resolver,
  // which models clients that may be arbitrarily slow.
  uint64_t lock_ttl_ms = 0;
  bool enable_resolvers = true;
};

enum class Phase : uint8_t {
  kNotStarted,
  kReading,
  kLocking,
  kPrewriting,
  kGetCommitTs,
  kCommittingPrimary,
  kCommittingSecondaries,
  kRollingBack,
  kDone,
  kAborted,
};
const char* PhaseName(Phase phase);

struct TxnState {
  Phase phase = Phase::kNotStarted;
  uint64_t start_ts = 0;
  uint64_t for_update_ts = 0;
  uint64_t commit_ts = 0;
  // Index into the keys of the current phase.
  uint32_t next = 0;
  // Async commit: max min_commit_ts over the prewrites so far.
  uint64_t max_min_commit_ts = 0;
  bool operator==(const TxnState&) const = default;
};

// A read a client was served: the writer (1-based txn index) of the value it
// saw, 0 for "no value", World::kForeignWriter for a value no txn wrote.
struct ReadRecord {
  uint32_t txn = 0;
  std::string key;
  uint64_t ts = 0;
  uint32_t writer = 0;
  bool operator==(const ReadRecord&) const = default;
};

struct Ghost {
  std::vector<ReadRecord> reads;
  // txn index -> commit_ts decided by a resolver (0: rolled back).
  std::map<uint32_t, uint64_t> decisions;
  // txn index -> commit_ts the client was told (its commit point passed).
  std::map<uint32_t, uint64_t> acknowledged;
  // (txn, key) -> the largest ts of a read of key served before the txn's
  // prewrite of key (AsyncCommitTsAboveReads).
  std::map<std::pair<uint32_t, std::string>, uint64_t> reads_before_prewrite;
  // txn index -> the ts its write conflicts were checked from (start_ts, or
  // for_update_ts for a pessimistic txn) (NoConflictingCommits).
  std::map<uint32_t, uint64_t> conflict_check_ts;
  // Outcomes the protocol says cannot happen (action, error).
  std::vector<std::string> unexpected;
  bool operator==(const Ghost&) const = default;
};

struct World {
  std::shared_ptr<const WorldConfig> config;
  MapStore store;
  // The concurrency manager's max_ts (its memory lock table is empty between
  // steps: every step is one atomic command).
  uint64_t max_ts = 0;
  // Last TSO counter handed out.
  uint64_t tso = 0;
  std::vector<TxnState> txns;
  Ghost ghost;

  static World Initial(std::shared_ptr<const WorldConfig> config);
  std::string Fingerprint() const;
  // The value txn `index` (0-based) writes to `key`.
  std::string ValueOf(uint32_t index) const;
  // 1-based writer index encoded in a value; kForeignWriter when the value
  // is not one ValueOf() makes (e.g. a bug wrote an empty value).
  static constexpr uint32_t kForeignWriter = UINT32_MAX;
  static uint32_t WriterOf(const std::string& value);
  const TxnSpec& spec(uint32_t index) const { return config->txns[index]; }
};

using EmitStep = std::function<void(std::string label, World next)>;

// Calls `emit` once per enabled step, in a deterministic order.
void Successors(const World& world, const EmitStep& emit);

// Human-readable dump for failure reports.
std::string Describe(const World& world);

}  // namespace spec::percolator

#endif  // SPEC_PERCOLATOR_WORLD_H_
