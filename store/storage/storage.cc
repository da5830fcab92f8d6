#include "store/storage/storage.h"

#include <sstream>
#include <utility>

#include "core/base/check.h"
#include "core/txn/validate.h"
#include "store/storage/storage_internal.h"

namespace store::storage {

const char* CommandKindName(CommandKind kind) {
  switch (kind) {
    case CommandKind::kPrewrite:
      return "prewrite";
    case CommandKind::kCommit:
      return "commit";
    case CommandKind::kCleanup:
      return "cleanup";
    case CommandKind::kBatchRollback:
      return "rollback";
    case CommandKind::kCheckTxnStatus:
      return "check_txn_status";
    case CommandKind::kCheckSecondaryLocks:
      return "check_secondary_locks";
    case CommandKind::kResolveLock:
      return "resolve_lock";
    case CommandKind::kTxnHeartBeat:
      return "txn_heart_beat";
    case CommandKind::kAcquirePessimisticLock:
      return "acquire_pessimistic_lock";
    case CommandKind::kPessimisticRollback:
      return "pessimistic_rollback";
    case CommandKind::kGc:
      return "gc";
    case CommandKind::kDeleteRange:
      return "delete_range";
    case CommandKind::kScanLock:
      return "scan_lock";
    case CommandKind::kGet:
      return "get";
    case CommandKind::kBatchGet:
      return "batch_get";
    case CommandKind::kScan:
      return "scan";
    case CommandKind::kRawGet:
      return "raw_get";
    case CommandKind::kRawBatchGet:
      return "raw_batch_get";
    case CommandKind::kRawPut:
      return "raw_put";
    case CommandKind::kRawBatchPut:
      return "raw_batch_put";
    case CommandKind::kRawDelete:
      return "raw_delete";
    case CommandKind::kRawBatchDelete:
      return "raw_batch_delete";
    case CommandKind::kRawDeleteRange:
      return "raw_delete_range";
    case CommandKind::kRawScan:
      return "raw_scan";
    case CommandKind::kRawCompareAndSwap:
      return "raw_compare_and_swap";
    case CommandKind::kRawGetKeyTtl:
      return "raw_get_key_ttl";
    case CommandKind::kRawChecksum:
      return "raw_checksum";
  }
  UNREACHABLE() << "unknown command kind";
  return "";
}

std::string ErrorToString(const Error& error) {
  if (const auto* region_error = std::get_if<RegionError>(&error)) {
    return RegionErrorToString(*region_error);
  }
  return core::mvcc::ErrorToString(std::get<core::mvcc::Error>(error));
}

Storage::Storage(core::env::Executor& executor, core::env::Clock& clock,
                 Engine& engine, core::txn::ConcurrencyManager& cm,
                 metrics::Metrics& metrics, StorageOptions options)
    : clock_(clock),
      cm_(cm),
      options_(std::move(options)),
      raw_(options_.raw),
      scheduler_(executor, clock, engine, cm, metrics, options_.scheduler) {
  CHECK_GT(options_.resolve_lock_batch_keys, 0u);
  CHECK_GT(options_.gc_batch_keys, 0u);
  for (size_t i = 0; i < kCommandKindCount; ++i) {
    command_counters_[i] = &metrics.GetCounter(
        "tikv_storage_command_total",
        {{"type", CommandKindName(static_cast<CommandKind>(i))}});
  }
}

void Storage::Count(CommandKind kind) {
  command_counters_[static_cast<size_t>(kind)]->Increment();
}

uint64_t Storage::NowUnixSeconds() {
  const int64_t now_ns = clock_.NowRealtimeNs();
  return now_ns <= 0 ? 0 : static_cast<uint64_t>(now_ns / 1'000'000'000);
}

namespace internal {

core::base::Err<Error> RawErr(absl::Status status) {
  if (status.code() == absl::StatusCode::kInvalidArgument) {
    return Invalid(std::string(status.message()));
  }
  return KeyErr(core::mvcc::StorageError{std::move(status)});
}

std::optional<core::mvcc::InvalidRequest> ValidateKeys(
    const std::vector<Bytes>& keys) {
  for (const Bytes& key : keys) {
    if (auto bad = core::txn::ValidateKey(key)) return bad;
  }
  return std::nullopt;
}

uint64_t KeyBytes(const std::vector<Bytes>& keys) {
  uint64_t bytes = 0;
  for (const Bytes& key : keys) bytes += key.size();
  return bytes;
}

core::mvcc::MvccReader TxnReader(const RegionSnapshot& snapshot) {
  return core::mvcc::MvccReader(snapshot.snapshot);
}

}  // namespace internal
}  // namespace store::storage
