// RocksEngine: env::Engine over RocksDB with TiKV's column families
// ("default", "lock", "write", "raft"; Ref: tikv components/engine_traits
// cf_defs.rs). Behaviour matches MemEngine (tests/engine differential test).
//
//  * Write applies a rocksdb::WriteBatch atomically; WriteOptions.sync maps
//    to rocksdb::WriteOptions::sync (the WAL is fsynced before returning).
//  * Sync() is FlushWAL(/*sync=*/true): every earlier write becomes durable.
//  * A snapshot is a rocksdb::Snapshot read through ReadOptions; iterators
//    use iterate_lower_bound / iterate_upper_bound. Checksums are verified on
//    every read, so corruption surfaces as kDataLoss.
//  * ApproximateSize is an estimate for SST files (see the method).
//  * RocksDB errors map to absl codes (FromRocksStatus): Corruption ->
//    kDataLoss, IOError(NoSpace) -> kResourceExhausted, other IOError ->
//    kInternal, InvalidArgument -> kInvalidArgument, and so on.
//
// Lifetime: snapshots and iterators share ownership of the open database, so
// they stay readable after the RocksEngine is destroyed; the database closes
// when the engine and every snapshot and iterator are gone. Reopening the
// same path before that fails (RocksDB's LOCK file).
// A clean close loses nothing, synced or not: each Write has reached the WAL
// file (the OS page cache) before it returns, so only a machine crash can
// drop unsynced batches, and then as the contract says.
//
// Thread-safety: like every Engine, one RocksEngine is used from one
// executor; RocksDB itself is thread-safe.
#ifndef RUNTIME_STORAGE_ROCKS_ENGINE_H_
#define RUNTIME_STORAGE_ROCKS_ENGINE_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/env/engine.h"

namespace rocksdb {
class Env;
class Status;
struct Options;
}  // namespace rocksdb

namespace runtime::storage {

struct RocksEngineOptions {
  // Create the database (and any missing column family) when absent.
  bool create_if_missing = true;
  // Memtable size per column family before a flush to an SST file.
  size_t write_buffer_size_bytes = 64 << 20;
  // Shared block cache for all column families.
  size_t block_cache_size_bytes = 128 << 20;
  // The RocksDB environment (file system, threads); null means the real
  // one. Not owned; must outlive the database. Tests pass an in-memory Env
  // (rocksdb::NewMemEnv) to run many open/close cycles without fsync cost.
  rocksdb::Env* env = nullptr;
};

// The absl status for a RocksDB status (see the mapping above).
absl::Status FromRocksStatus(const rocksdb::Status& status);

// The RocksDB options RocksEngine::Open uses for `options` (include
// "rocksdb/options.h" to call it). The engine benchmark opens a plain RocksDB
// with exactly these, to measure what the wrapper costs.
rocksdb::Options ToRocksOptions(const RocksEngineOptions& options);

namespace internal {
struct RocksDatabase;
}  // namespace internal

class RocksEngine final : public core::env::Engine {
 public:
  // Opens (or creates) the database at `path` with all four column families;
  // column families already present but unknown to us are opened and kept.
  static absl::StatusOr<std::unique_ptr<RocksEngine>> Open(
      const std::string& path, const RocksEngineOptions& options);
  ~RocksEngine() override;
  RocksEngine(const RocksEngine&) = delete;
  RocksEngine& operator=(const RocksEngine&) = delete;

  absl::Status Write(const core::env::WriteBatch& batch,
                     const core::env::WriteOptions& options) override;
  absl::Status Sync() override;
  absl::StatusOr<std::optional<std::string>> Get(core::env::Cf cf,
                                                 std::string_view key) override;
  std::shared_ptr<const core::env::Snapshot> NewSnapshot() override;
  // An estimate for SST files, a count for memtables. The SST share is
  // GetApproximateSizes (files only) over the overlapping tables' file
  // sizes, times their user key + value bytes and entries from table
  // properties (so compression and metadata do not skew it); the memtable
  // share is counted by a memtable-only iterator over the range (O(memtable
  // entries in the range)). Overwritten and deleted entries in SST files
  // count until compaction drops them, and a key in both counts twice.
  absl::StatusOr<core::env::RangeSize> ApproximateSize(
      core::env::Cf cf, std::string_view begin_key,
      std::string_view end_key) override;

  // Flushes every memtable to SST files (tests and benchmarks use it to read
  // from disk rather than from memory).
  absl::Status Flush();

 private:
  explicit RocksEngine(std::shared_ptr<internal::RocksDatabase> db)
      : db_(std::move(db)) {}

  std::shared_ptr<internal::RocksDatabase> db_;
};

}  // namespace runtime::storage

#endif  // RUNTIME_STORAGE_ROCKS_ENGINE_H_
