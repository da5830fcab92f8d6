#include "client/txnkv/snapshot.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/txnkv/batches.h"
#include "client/txnkv/txn_error.h"
#include "client/txnkv/txn_rpc.h"
#include "core/base/status_macros.h"

namespace client::txnkv {

void Snapshot::FillContext(kvrpcpb::Context* context) const {
  for (uint64_t txn : resolved_locks_) context->add_resolved_locks(txn);
}

absl::Status Snapshot::OnLocks(retry::Backoffer& bo,
                               const std::vector<Lock>& locks) {
  ASSIGN_OR_RETURN(ResolveResult result,
                   resolver_.ResolveLocks(bo, start_ts_, locks));
  for (uint64_t txn : result.pushed) resolved_locks_.insert(txn);
  if (result.ms_before_txn_expired > 0 && result.pushed.empty()) {
    return bo.Backoff(
        retry::kBoTxnLockFast,
        absl::UnavailableError(absl::StrCat(
            "key ", locks.front().key, " locked by txn ", locks.front().txn_id,
            " for ", result.ms_before_txn_expired, " ms more")));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> Snapshot::Get(
    retry::Backoffer& bo, const std::string& key) {
  for (;;) {
    kvrpcpb::GetRequest request;
    request.set_key(key);
    request.set_version(start_ts_);
    FillContext(request.mutable_context());
    ASSIGN_OR_RETURN(auto response, SendToKey<kvrpcpb::GetResponse>(
                                        sender_, bo, kKvGet, key, request));
    if (response.has_error()) {
      if (!response.error().has_locked()) {
        return KeyErrorStatus(response.error());
      }
      RETURN_IF_ERROR(OnLocks(bo, {Lock::FromInfo(response.error().locked())}));
      continue;
    }
    if (response.not_found()) return std::optional<std::string>();
    return std::optional<std::string>(response.value());
  }
}

absl::StatusOr<std::map<std::string, std::string>> Snapshot::BatchGet(
    retry::Backoffer& bo, const std::vector<std::string>& keys) {
  std::map<std::string, std::string> found;
  std::vector<std::string> pending = keys;
  while (!pending.empty()) {
    std::vector<Lock> locks;
    std::vector<std::string> locked_keys;
    // One request per region, all at once (client-go batchGetKeysByRegions).
    const BatchPlan plan{&pending, nullptr, 0, ""};
    RETURN_IF_ERROR(DoBatches(
        executor_, bo, sender_.cache(), plan, AllIndexes(pending.size()),
        [&](retry::Backoffer& child, const Batch& batch)
            -> absl::StatusOr<std::optional<errorpb::Error>> {
          kvrpcpb::BatchGetRequest request;
          for (size_t i : batch.indexes) request.add_keys(pending[i]);
          request.set_version(start_ts_);
          FillContext(request.mutable_context());
          ASSIGN_OR_RETURN(
              auto response,
              sender_.SendReq<kvrpcpb::BatchGetResponse>(
                  child, kKvBatchGet, request, batch.location.region));
          if (response.has_region_error()) return response.region_error();
          if (response.has_error()) return KeyErrorStatus(response.error());
          for (const kvrpcpb::KvPair& pair : response.pairs()) {
            if (!pair.has_error()) {
              found[pair.key()] = pair.value();
            } else if (pair.error().has_locked()) {
              locks.push_back(Lock::FromInfo(pair.error().locked()));
              locked_keys.push_back(pair.key());
            } else {
              return KeyErrorStatus(pair.error());
            }
          }
          return std::nullopt;
        }));
    if (!locks.empty()) RETURN_IF_ERROR(OnLocks(bo, locks));
    pending = std::move(locked_keys);
  }
  return found;
}

absl::StatusOr<std::optional<std::string>> Snapshot::ScanRegion(
    retry::Backoffer& bo, const std::string& key, const std::string& end_key,
    uint32_t limit, std::vector<KvPair>& out) {
  ASSIGN_OR_RETURN(locate::KeyLocation location,
                   sender_.cache().LocateKey(bo, key));
  kvrpcpb::ScanRequest request;
  request.set_start_key(key);
  std::string end = location.end_key;
  if (!end_key.empty() && (end.empty() || end_key < end)) end = end_key;
  request.set_end_key(end);
  request.set_limit(limit);
  request.set_version(start_ts_);
  FillContext(request.mutable_context());
  ASSIGN_OR_RETURN(auto response, sender_.SendReq<kvrpcpb::ScanResponse>(
                                      bo, kKvScan, request, location.region));
  if (response.has_region_error()) {
    RETURN_IF_ERROR(BackoffRegionError(bo, response.region_error()));
    return key;
  }
  std::vector<Lock> locks;
  std::string first_locked;
  for (const kvrpcpb::KvPair& pair : response.pairs()) {
    if (!pair.has_error()) {
      if (locks.empty()) out.push_back({pair.key(), pair.value()});
      continue;
    }
    if (!pair.error().has_locked()) return KeyErrorStatus(pair.error());
    // Pairs after the first lock are read again once it is resolved.
    if (locks.empty()) first_locked = pair.key();
    locks.push_back(Lock::FromInfo(pair.error().locked()));
  }
  if (!locks.empty()) {
    RETURN_IF_ERROR(OnLocks(bo, locks));
    return first_locked;
  }
  if (static_cast<uint32_t>(response.pairs_size()) >= limit ||
      location.end_key.empty()) {
    return std::optional<std::string>();
  }
  return location.end_key;
}

absl::StatusOr<std::vector<KvPair>> Snapshot::Scan(retry::Backoffer& bo,
                                                   const std::string& start_key,
                                                   const std::string& end_key,
                                                   uint32_t limit) {
  std::vector<KvPair> out;
  std::optional<std::string> key = start_key;
  while (key.has_value() && out.size() < limit &&
         (end_key.empty() || *key < end_key)) {
    const uint32_t want = limit - static_cast<uint32_t>(out.size());
    ASSIGN_OR_RETURN(key, ScanRegion(bo, *key, end_key, want, out));
  }
  return out;
}

}  // namespace client::txnkv
