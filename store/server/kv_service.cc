// KvService's transactional commands. Ref: tikv src/server/service/kv.rs
// (kv_get, kv_scan, kv_prewrite, ... handle_request! arms).
#include "store/server/kv_service.h"

#include <utility>

#include "store/server/kv_service_internal.h"

namespace store::server {

using core::base::TimeStamp;
using internal::kKeyErrorInto;
using internal::kNoFill;
using internal::Run;

namespace {

std::vector<core::base::Bytes> KeysOf(
    const google::protobuf::RepeatedPtrField<std::string>& keys) {
  return {keys.begin(), keys.end()};
}

}  // namespace

KvService::KvService(core::env::Executor& executor, storage::Storage& storage,
                     raftstore::Store& store, IdAllocator& ids)
    : executor_(executor), storage_(storage), store_(store), ids_(ids) {}

kvrpcpb::GetResponse KvService::Handle(const kvrpcpb::GetRequest& request) {
  return Run<kvrpcpb::GetResponse>(
      storage_, request.context(),
      storage::Get{request.key(), TimeStamp(request.version())},
      [](const storage::GetResult& got, kvrpcpb::GetResponse* response) {
        if (got.value.has_value()) {
          response->set_value(*got.value);
        } else {
          response->set_not_found(true);
        }
      },
      kKeyErrorInto);
}

kvrpcpb::ScanResponse KvService::Handle(const kvrpcpb::ScanRequest& request) {
  storage::Scan cmd{.start_key = request.start_key(),
                    .end_key = request.end_key(),
                    .start_ts = TimeStamp(request.version()),
                    .limit = request.limit(),
                    .key_only = request.key_only(),
                    .reverse = request.reverse()};
  return Run<kvrpcpb::ScanResponse>(
      storage_, request.context(), cmd,
      [](const storage::ScanResult& scanned, kvrpcpb::ScanResponse* response) {
        for (const auto& pair : scanned.pairs) {
          *response->add_pairs() = KvPairOf(pair);
        }
      },
      kKeyErrorInto);
}

kvrpcpb::BatchGetResponse KvService::Handle(
    const kvrpcpb::BatchGetRequest& request) {
  return Run<kvrpcpb::BatchGetResponse>(
      storage_, request.context(),
      storage::BatchGet{KeysOf(request.keys()), TimeStamp(request.version())},
      [](const storage::BatchGetResult& got,
         kvrpcpb::BatchGetResponse* response) {
        for (const auto& pair : got.pairs) {
          *response->add_pairs() = KvPairOf(pair);
        }
      },
      kKeyErrorInto);
}

kvrpcpb::PrewriteResponse KvService::Handle(
    const kvrpcpb::PrewriteRequest& request) {
  auto into = [](const storage::Error& error,
                 kvrpcpb::PrewriteResponse* response) {
    if (internal::RegionErrorInto(error, response)) return;
    *response->add_errors() = KeyErrorOf(std::get<core::mvcc::Error>(error));
  };
  auto cmd = PrewriteOf(request);
  if (!cmd.ok()) {
    kvrpcpb::PrewriteResponse response;
    into(storage::Error(core::mvcc::Error(cmd.error())), &response);
    return response;
  }
  return Run<kvrpcpb::PrewriteResponse>(
      storage_, request.context(), *cmd,
      [](const storage::PrewriteResult& result,
         kvrpcpb::PrewriteResponse* response) {
        for (const auto& locked : result.locks) {
          *response->add_errors() = KeyErrorOf(core::mvcc::Error(locked));
        }
        response->set_min_commit_ts(result.min_commit_ts.value());
        response->set_one_pc_commit_ts(result.one_pc_commit_ts.value());
      },
      into);
}

kvrpcpb::CommitResponse KvService::Handle(
    const kvrpcpb::CommitRequest& request) {
  return Run<kvrpcpb::CommitResponse>(
      storage_, request.context(),
      storage::Commit{KeysOf(request.keys()),
                      TimeStamp(request.start_version()),
                      TimeStamp(request.commit_version())},
      [](const storage::CommitResult& result,
         kvrpcpb::CommitResponse* response) {
        response->set_commit_version(result.commit_ts.value());
      },
      kKeyErrorInto);
}

kvrpcpb::CleanupResponse KvService::Handle(
    const kvrpcpb::CleanupRequest& request) {
  return Run<kvrpcpb::CleanupResponse>(
      storage_, request.context(),
      storage::Cleanup{request.key(), TimeStamp(request.start_version()),
                       TimeStamp(request.current_ts())},
      kNoFill, [](const storage::Error& error, kvrpcpb::CleanupResponse* r) {
        // A committed key answers with its commit_version (TiKV kv.rs).
        const auto* key_error = std::get_if<core::mvcc::Error>(&error);
        const auto* committed =
            key_error == nullptr
                ? nullptr
                : std::get_if<core::mvcc::Committed>(key_error);
        if (committed != nullptr) {
          r->set_commit_version(committed->commit_ts.value());
          return;
        }
        internal::KeyErrorInto(error, r);
      });
}

kvrpcpb::BatchRollbackResponse KvService::Handle(
    const kvrpcpb::BatchRollbackRequest& request) {
  return Run<kvrpcpb::BatchRollbackResponse>(
      storage_, request.context(),
      storage::BatchRollback{KeysOf(request.keys()),
                             TimeStamp(request.start_version())},
      kNoFill, kKeyErrorInto);
}

kvrpcpb::ScanLockResponse KvService::Handle(
    const kvrpcpb::ScanLockRequest& request) {
  return Run<kvrpcpb::ScanLockResponse>(
      storage_, request.context(),
      storage::ScanLock{TimeStamp(request.max_version()), request.start_key(),
                        request.end_key(), request.limit()},
      [](const storage::ScanLockResult& result,
         kvrpcpb::ScanLockResponse* response) {
        for (const auto& lock : result.locks) {
          *response->add_locks() = LockInfoOf(lock);
        }
      },
      kKeyErrorInto);
}

kvrpcpb::ResolveLockResponse KvService::Handle(
    const kvrpcpb::ResolveLockRequest& request) {
  return Run<kvrpcpb::ResolveLockResponse>(storage_, request.context(),
                                           ResolveLockOf(request), kNoFill,
                                           kKeyErrorInto);
}

kvrpcpb::GCResponse KvService::Handle(const kvrpcpb::GCRequest& request) {
  // The region's range: GCRequest names only the safe point.
  return Run<kvrpcpb::GCResponse>(
      storage_, request.context(),
      storage::Gc{TimeStamp(request.safe_point()), "", ""}, kNoFill,
      kKeyErrorInto);
}

kvrpcpb::DeleteRangeResponse KvService::Handle(
    const kvrpcpb::DeleteRangeRequest& request) {
  if (request.notify_only()) return {};
  return Run<kvrpcpb::DeleteRangeResponse>(
      storage_, request.context(),
      storage::DeleteRange{request.start_key(), request.end_key()}, kNoFill,
      internal::kRawErrorInto);
}

kvrpcpb::PessimisticLockResponse KvService::Handle(
    const kvrpcpb::PessimisticLockRequest& request) {
  return Run<kvrpcpb::PessimisticLockResponse>(
      storage_, request.context(), PessimisticLockOf(request),
      [](const storage::AcquirePessimisticLockResult& result,
         kvrpcpb::PessimisticLockResponse* response) {
        for (const auto& value : result.values) {
          response->add_values(value.value_or(""));
          response->add_not_founds(!value.has_value());
        }
      },
      [](const storage::Error& error,
         kvrpcpb::PessimisticLockResponse* response) {
        if (internal::RegionErrorInto(error, response)) return;
        *response->add_errors() =
            KeyErrorOf(std::get<core::mvcc::Error>(error));
      });
}

kvrpcpb::PessimisticRollbackResponse KvService::Handle(
    const kvrpcpb::PessimisticRollbackRequest& request) {
  return Run<kvrpcpb::PessimisticRollbackResponse>(
      storage_, request.context(),
      storage::PessimisticRollback{KeysOf(request.keys()),
                                   TimeStamp(request.start_version()),
                                   TimeStamp(request.for_update_ts())},
      kNoFill,
      [](const storage::Error& error,
         kvrpcpb::PessimisticRollbackResponse* response) {
        if (internal::RegionErrorInto(error, response)) return;
        *response->add_errors() =
            KeyErrorOf(std::get<core::mvcc::Error>(error));
      });
}

kvrpcpb::CheckTxnStatusResponse KvService::Handle(
    const kvrpcpb::CheckTxnStatusRequest& request) {
  return Run<kvrpcpb::CheckTxnStatusResponse>(
      storage_, request.context(), CheckTxnStatusOf(request),
      [&](const storage::CheckTxnStatusResult& status,
          kvrpcpb::CheckTxnStatusResponse* response) {
        FillCheckTxnStatus(status, request.primary_key(), response);
      },
      kKeyErrorInto);
}

kvrpcpb::TxnHeartBeatResponse KvService::Handle(
    const kvrpcpb::TxnHeartBeatRequest& request) {
  return Run<kvrpcpb::TxnHeartBeatResponse>(
      storage_, request.context(),
      storage::TxnHeartBeat{.primary_key = request.primary_lock(),
                            .start_ts = TimeStamp(request.start_version()),
                            .advise_ttl = request.advise_lock_ttl()},
      [](const storage::TxnHeartBeatResult& result,
         kvrpcpb::TxnHeartBeatResponse* response) {
        response->set_lock_ttl(result.lock_ttl);
      },
      kKeyErrorInto);
}

kvrpcpb::CheckSecondaryLocksResponse KvService::Handle(
    const kvrpcpb::CheckSecondaryLocksRequest& request) {
  return Run<kvrpcpb::CheckSecondaryLocksResponse>(
      storage_, request.context(),
      storage::CheckSecondaryLocks{KeysOf(request.keys()),
                                   TimeStamp(request.start_version())},
      [](const storage::CheckSecondaryLocksResult& status,
         kvrpcpb::CheckSecondaryLocksResponse* response) {
        FillCheckSecondaryLocks(status, response);
      },
      kKeyErrorInto);
}

}  // namespace store::server
