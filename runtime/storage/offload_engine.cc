#include "runtime/storage/offload_engine.h"

#include <utility>

namespace runtime::storage {

using core::env::Cf;
using core::env::RangeSize;
using core::env::WriteBatch;
using core::env::WriteOptions;

OffloadEngine::OffloadEngine(EpollLoop& loop,
                             std::shared_ptr<core::env::Engine> engine,
                             size_t worker_threads)
    : loop_(loop), engine_(std::move(engine)), pool_(worker_threads) {}

absl::Status OffloadEngine::Write(const WriteBatch& batch,
                                  const WriteOptions& options) {
  if (!options.sync) return engine_->Write(batch, options);
  ++offloaded_calls_;
  auto copy = std::make_shared<const WriteBatch>(batch);
  return RunOnPool<absl::Status>(loop_, pool_,
                                 [engine = engine_, copy, options] {
                                   return engine->Write(*copy, options);
                                 });
}

absl::Status OffloadEngine::Sync() {
  ++offloaded_calls_;
  return RunOnPool<absl::Status>(loop_, pool_,
                                 [engine = engine_] { return engine->Sync(); });
}

absl::StatusOr<std::optional<std::string>> OffloadEngine::Get(
    Cf cf, std::string_view key) {
  return engine_->Get(cf, key);
}

std::shared_ptr<const core::env::Snapshot> OffloadEngine::NewSnapshot() {
  return engine_->NewSnapshot();
}

absl::StatusOr<RangeSize> OffloadEngine::ApproximateSize(
    Cf cf, std::string_view begin_key, std::string_view end_key) {
  ++offloaded_calls_;
  return RunOnPool<absl::StatusOr<RangeSize>>(
      loop_, pool_,
      [engine = engine_, cf, begin = std::string(begin_key),
       end = std::string(end_key)] {
        return engine->ApproximateSize(cf, begin, end);
      });
}

}  // namespace runtime::storage
