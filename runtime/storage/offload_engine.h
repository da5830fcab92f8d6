// OffloadEngine: an env::Engine for fibres of an EpollLoop over an engine
// whose calls may block the thread (RocksEngine): the calls that wait on a
// disk run on a WorkerPool while the calling fibre parks, so an fsync never
// stalls the loop.
//
//  * Write with sync, Sync() and ApproximateSize run on the pool (the batch
//    is copied first: the job owns what it reads).
//  * Write without sync, Get and snapshots run inline: RocksDB applies an
//    unsynced batch to the memtable and the WAL's page cache, and point
//    reads are served from memtables and the block cache. Iterator steps
//    stay inline (the Iterator interface is synchronous); a scan of cold
//    data can block the loop, which the README lists as not done.
//
// The wrapped engine must be safe to call from the loop thread and the
// workers at once (RocksDB is). Calls from one fibre keep their order; across
// fibres, write order is the order the wrapped engine applied them.
//
// Lifetime: the destructor joins the pool (queued calls finish first); the
// loop must outlive the engine.
#ifndef RUNTIME_STORAGE_OFFLOAD_ENGINE_H_
#define RUNTIME_STORAGE_OFFLOAD_ENGINE_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/env/engine.h"
#include "runtime/loop/epoll_loop.h"
#include "runtime/loop/worker_pool.h"

namespace runtime::storage {

class OffloadEngine final : public core::env::Engine {
 public:
  OffloadEngine(EpollLoop& loop, std::shared_ptr<core::env::Engine> engine,
                size_t worker_threads = 2);
  ~OffloadEngine() override = default;

  absl::Status Write(const core::env::WriteBatch& batch,
                     const core::env::WriteOptions& options) override;
  absl::Status Sync() override;
  absl::StatusOr<std::optional<std::string>> Get(core::env::Cf cf,
                                                 std::string_view key) override;
  std::shared_ptr<const core::env::Snapshot> NewSnapshot() override;
  absl::StatusOr<core::env::RangeSize> ApproximateSize(
      core::env::Cf cf, std::string_view begin_key,
      std::string_view end_key) override;

  // Calls that ran on the pool.
  uint64_t offloaded_calls() const { return offloaded_calls_; }

 private:
  EpollLoop& loop_;
  // Shared with jobs in flight; declared before the pool, which joins
  // (finishing them) first when destroyed.
  std::shared_ptr<core::env::Engine> engine_;
  WorkerPool pool_;
  uint64_t offloaded_calls_ = 0;
};

}  // namespace runtime::storage

#endif  // RUNTIME_STORAGE_OFFLOAD_ENGINE_H_
