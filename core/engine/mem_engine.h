// MemEngine: the in-memory env::Engine the simulator runs on. Pure and
// deterministic: no I/O, clock, threads or globals; all randomness (crash
// outcomes, random corruption) comes from a base::Prng the caller passes in.
//
// Storage model. Each column family is a VersionedTable, a multi-version
// memtable keyed by (user key, sequence number). Every op of a batch gets the
// next sequence number; a snapshot pins the last one, so taking a snapshot is
// O(log #snapshots) and later writes are invisible to it. Versions that no
// snapshot (and not the synced point, see below) can see are dropped as keys
// are rewritten, and over the whole table, amortised, when pins are released.
// DeleteRange writes a tombstone for each key present in the range.
//
// Durability model (the page cache). A batch written without sync is applied
// (visible to reads) but not durable. The engine pins the sequence at the last
// successful sync (the "synced point") and keeps the unsynced batches in
// order. SimulateCrash rebuilds the state at the synced point and then
// re-applies a random prefix of the unsynced batches, each one whole: a batch
// is atomic across a crash, as RocksDB's WAL makes it (a torn WAL record fails
// its checksum and recovery stops before it). Invariants, checked by
// mem_engine_crash_test:
//   SyncedBatchesSurviveCrash: every batch acknowledged as synced survives.
//   CrashKeepsBatchPrefix: the state after a crash equals the state after some
//     prefix of whole batches; batches are never reordered nor torn.
//
// Faults. A FaultInjector can fail writes and syncs (kInternal for EIO,
// kResourceExhausted for ENOSPC). CorruptValue/CorruptRandomValue damage a
// stored value without updating its checksum; reads of it then return
// kDataLoss (Get) or stop with a kDataLoss status (iterators), never the
// damaged bytes.
//
// Snapshots and iterators stay readable after the engine is destroyed or
// crashed: they keep the state they read alive. One MemEngine is used from
// one thread (or one simulator loop).
#ifndef CORE_ENGINE_MEM_ENGINE_H_
#define CORE_ENGINE_MEM_ENGINE_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/base/prng.h"
#include "core/engine/fault_injector.h"
#include "core/engine/versioned_table.h"
#include "core/env/engine.h"

namespace core::engine {

struct MemEngineOptions {
  // Consulted before every write and sync. Not owned; null means no faults.
  FaultInjector* fault_injector = nullptr;
};

struct CrashReport {
  // Batches written but not synced when the crash hit.
  size_t unsynced_batches = 0;
  // How many of them survived, each whole (always a prefix).
  size_t surviving_batches = 0;
};

namespace internal {
struct MemEngineState;
}  // namespace internal

class MemEngine final : public env::Engine {
 public:
  explicit MemEngine(const MemEngineOptions& options = {});
  ~MemEngine() override;
  MemEngine(const MemEngine&) = delete;
  MemEngine& operator=(const MemEngine&) = delete;

  // env::Engine. A Write whose sync fails stays applied but unsynced (see
  // FaultInjector::BeforeSync).
  absl::Status Write(const env::WriteBatch& batch,
                     const env::WriteOptions& options) override;
  absl::Status Sync() override;
  absl::StatusOr<std::optional<std::string>> Get(env::Cf cf,
                                                 std::string_view key) override;
  std::shared_ptr<const env::Snapshot> NewSnapshot() override;
  // Exact (the latest state's live keys), O(keys in the range); damaged
  // values count with their stored length, not as an error.
  absl::StatusOr<env::RangeSize> ApproximateSize(
      env::Cf cf, std::string_view begin_key,
      std::string_view end_key) override;

  // Simulator hooks.
  //
  // Crashes and restarts the engine: the state becomes the synced state plus
  // a random prefix of the unsynced batches, each applied whole. Everything
  // that survived counts as synced afterwards. Existing snapshots keep
  // showing the pre-crash state.
  CrashReport SimulateCrash(base::Prng& prng);
  // Damages the value of `key` visible in the latest state (its checksum is
  // left unchanged). Returns false when the key is absent.
  bool CorruptValue(env::Cf cf, std::string_view key);
  // Damages one stored value (any version, any column family) chosen
  // uniformly. Returns false when nothing is stored.
  bool CorruptRandomValue(base::Prng& prng);

  void set_fault_injector(FaultInjector* fault_injector) {
    fault_injector_ = fault_injector;
  }
  size_t unsynced_batch_count() const { return unsynced_.size(); }
  // Versions retained across all column families (tombstones included).
  size_t VersionCountForTest() const;

 private:
  void Apply(const env::WriteBatch& batch);
  void MarkSynced();
  absl::Status SyncInternal();

  FaultInjector* fault_injector_;
  std::shared_ptr<internal::MemEngineState> state_;
  // The pinned sequence of the last successful sync.
  SequenceNumber synced_seq_ = 0;
  // Batches applied after the synced point, oldest first.
  std::vector<env::WriteBatch> unsynced_;
};

}  // namespace core::engine

#endif  // CORE_ENGINE_MEM_ENGINE_H_
