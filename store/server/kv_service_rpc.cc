// KvService's registration on the rpc/ server, the BatchCommands stream
// and SplitRegion. Ref: tikv src/server/service/kv.rs batch_commands,
// handle_batch_commands_request, split_region.
#include <algorithm>
#include <deque>
#include <memory>
#include <utility>

#include "core/mvcc/key.h"
#include "store/raftstore/region_error.h"
#include "store/raftstore/split_check.h"
#include "store/server/kv_service.h"
#include "store/server/kv_service_internal.h"
#include "store/server/raft_kv.h"

namespace store::server {
namespace {

template <typename Request>
void AddUnary(rpc::ServiceRegistry& registry, KvService* service,
              const char* method) {
  using Response = decltype(service->Handle(std::declval<const Request&>()));
  registry.AddUnary<Request, Response>(
      std::string("/tikvpb.Tikv/") + method,
      [service](rpc::ServerCall&, const Request& request)
          -> absl::StatusOr<Response> { return service->Handle(request); });
}

using BatchStream = rpc::ServerReaderWriter<tikvpb::BatchCommandsRequest,
                                            tikvpb::BatchCommandsResponse>;

// One BatchCommands stream's answers waiting to be written.
struct BatchOutbox {
  std::deque<std::pair<uint64_t, tikvpb::BatchCommandsResponse::Response>>
      ready;
  std::unique_ptr<core::env::Event> wake;
  int in_flight = 0;
  bool reading_done = false;
};

}  // namespace

void KvService::Register(rpc::ServiceRegistry& registry) {
  AddUnary<kvrpcpb::GetRequest>(registry, this, "KvGet");
  AddUnary<kvrpcpb::ScanRequest>(registry, this, "KvScan");
  AddUnary<kvrpcpb::PrewriteRequest>(registry, this, "KvPrewrite");
  AddUnary<kvrpcpb::PessimisticLockRequest>(registry, this,
                                            "KvPessimisticLock");
  AddUnary<kvrpcpb::PessimisticRollbackRequest>(registry, this,
                                                "KVPessimisticRollback");
  AddUnary<kvrpcpb::TxnHeartBeatRequest>(registry, this, "KvTxnHeartBeat");
  AddUnary<kvrpcpb::CheckTxnStatusRequest>(registry, this, "KvCheckTxnStatus");
  AddUnary<kvrpcpb::CheckSecondaryLocksRequest>(registry, this,
                                                "KvCheckSecondaryLocks");
  AddUnary<kvrpcpb::CommitRequest>(registry, this, "KvCommit");
  AddUnary<kvrpcpb::CleanupRequest>(registry, this, "KvCleanup");
  AddUnary<kvrpcpb::BatchGetRequest>(registry, this, "KvBatchGet");
  AddUnary<kvrpcpb::BatchRollbackRequest>(registry, this, "KvBatchRollback");
  AddUnary<kvrpcpb::ScanLockRequest>(registry, this, "KvScanLock");
  AddUnary<kvrpcpb::ResolveLockRequest>(registry, this, "KvResolveLock");
  AddUnary<kvrpcpb::GCRequest>(registry, this, "KvGC");
  AddUnary<kvrpcpb::DeleteRangeRequest>(registry, this, "KvDeleteRange");
  AddUnary<kvrpcpb::RawGetRequest>(registry, this, "RawGet");
  AddUnary<kvrpcpb::RawBatchGetRequest>(registry, this, "RawBatchGet");
  AddUnary<kvrpcpb::RawPutRequest>(registry, this, "RawPut");
  AddUnary<kvrpcpb::RawBatchPutRequest>(registry, this, "RawBatchPut");
  AddUnary<kvrpcpb::RawDeleteRequest>(registry, this, "RawDelete");
  AddUnary<kvrpcpb::RawBatchDeleteRequest>(registry, this, "RawBatchDelete");
  AddUnary<kvrpcpb::RawScanRequest>(registry, this, "RawScan");
  AddUnary<kvrpcpb::RawDeleteRangeRequest>(registry, this, "RawDeleteRange");
  AddUnary<kvrpcpb::RawBatchScanRequest>(registry, this, "RawBatchScan");
  AddUnary<kvrpcpb::RawGetKeyTTLRequest>(registry, this, "RawGetKeyTTL");
  AddUnary<kvrpcpb::RawCASRequest>(registry, this, "RawCompareAndSwap");
  AddUnary<kvrpcpb::RawChecksumRequest>(registry, this, "RawChecksum");
  AddUnary<kvrpcpb::SplitRegionRequest>(registry, this, "SplitRegion");
  AddUnary<kvrpcpb::StoreSafeTSRequest>(registry, this, "GetStoreSafeTS");
  registry.AddBidiStreaming<tikvpb::BatchCommandsRequest,
                            tikvpb::BatchCommandsResponse>(
      "/tikvpb.Tikv/BatchCommands",
      [this](rpc::ServerCall&, BatchStream stream) {
        return ServeBatchCommands(std::move(stream));
      });
}

tikvpb::BatchCommandsResponse::Response KvService::Dispatch(
    const tikvpb::BatchCommandsRequest::Request& request) {
  using Req = tikvpb::BatchCommandsRequest::Request;
  tikvpb::BatchCommandsResponse::Response out;
#define STORE_SERVER_ARM(Case, field)                 \
  case Req::Case:                                     \
    *out.mutable_##field() = Handle(request.field()); \
    break;
  switch (request.cmd_case()) {
    STORE_SERVER_ARM(kGet, get)
    STORE_SERVER_ARM(kScan, scan)
    STORE_SERVER_ARM(kPrewrite, prewrite)
    STORE_SERVER_ARM(kCommit, commit)
    STORE_SERVER_ARM(kCleanup, cleanup)
    STORE_SERVER_ARM(kBatchGet, batchget)
    STORE_SERVER_ARM(kBatchRollback, batchrollback)
    STORE_SERVER_ARM(kScanLock, scanlock)
    STORE_SERVER_ARM(kResolveLock, resolvelock)
    STORE_SERVER_ARM(kGC, gc)
    STORE_SERVER_ARM(kDeleteRange, deleterange)
    STORE_SERVER_ARM(kRawGet, rawget)
    STORE_SERVER_ARM(kRawBatchGet, rawbatchget)
    STORE_SERVER_ARM(kRawPut, rawput)
    STORE_SERVER_ARM(kRawBatchPut, rawbatchput)
    STORE_SERVER_ARM(kRawDelete, rawdelete)
    STORE_SERVER_ARM(kRawBatchDelete, rawbatchdelete)
    STORE_SERVER_ARM(kRawScan, rawscan)
    STORE_SERVER_ARM(kRawDeleteRange, rawdeleterange)
    STORE_SERVER_ARM(kRawBatchScan, rawbatchscan)
    STORE_SERVER_ARM(kPessimisticLock, pessimisticlock)
    STORE_SERVER_ARM(kPessimisticRollback, pessimisticrollback)
    STORE_SERVER_ARM(kCheckTxnStatus, checktxnstatus)
    STORE_SERVER_ARM(kTxnHeartBeat, txnheartbeat)
    STORE_SERVER_ARM(kCheckSecondaryLocks, checksecondarylocks)
    case Req::kEmpty:
      out.mutable_empty()->set_test_id(request.empty().test_id());
      break;
    case Req::CMD_NOT_SET:
      // An arm this server does not know (skipped as an unknown field):
      // answered with the Empty arm, so the client's id is not left
      // pending.
      out.mutable_empty();
      break;
  }
#undef STORE_SERVER_ARM
  return out;
}

// The handler's fibre writes; a reader fibre spawns one fibre per
// sub-request. The call ends once the client stopped sending and every
// answer was written (or the stream broke).
absl::Status KvService::ServeBatchCommands(BatchStream stream) {
  auto outbox = std::make_shared<BatchOutbox>();
  outbox->wake = executor_.NewEvent();
  executor_.Spawn("batch-commands-reader", [this, outbox, stream]() mutable {
    while (auto batch = stream.Read()) {
      for (int i = 0; i < batch->requests_size(); ++i) {
        const uint64_t id =
            i < batch->request_ids_size() ? batch->request_ids(i) : 0;
        ++outbox->in_flight;
        executor_.Spawn("batch-command",
                        [this, outbox, id, request = batch->requests(i)] {
                          outbox->ready.emplace_back(id, Dispatch(request));
                          --outbox->in_flight;
                          outbox->wake->Notify();
                        });
      }
    }
    outbox->reading_done = true;
    outbox->wake->Notify();
  });
  while (true) {
    while (outbox->ready.empty() &&
           !(outbox->reading_done && outbox->in_flight == 0)) {
      outbox->wake->Wait();
      outbox->wake->Reset();
    }
    if (outbox->ready.empty()) return absl::OkStatus();
    tikvpb::BatchCommandsResponse response;
    for (auto& [id, answer] : outbox->ready) {
      response.add_request_ids(id);
      *response.add_responses() = std::move(answer);
    }
    outbox->ready.clear();
    if (!stream.Write(response)) return absl::OkStatus();
  }
}

kvrpcpb::SplitRegionResponse KvService::Handle(
    const kvrpcpb::SplitRegionRequest& request) {
  kvrpcpb::SplitRegionResponse response;
  auto ctx = ContextOf(request.context());
  if (!ctx.ok()) {
    response.mutable_region_error()->set_message(ctx.error().message);
    return response;
  }
  std::vector<std::string> keys(request.split_keys().begin(),
                                request.split_keys().end());
  if (!request.split_key().empty()) keys.push_back(request.split_key());
  std::erase(keys, std::string());
  if (!request.is_raw_kv()) {
    // API V1: transactional regions split at encoded keys.
    for (std::string& key : keys) key = core::mvcc::Key::FromRaw(key).encoded();
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  const raftstore::PeerFsm* peer = store_.FindPeer(ctx->route.region_id);
  if (peer == nullptr || keys.empty()) {
    *response.mutable_region_error() =
        keys.empty() ? raftstore::OtherError("no split key")
                     : raftstore::RegionNotFoundError(ctx->route.region_id);
    return response;
  }
  // Ids from PD's AskBatchSplit (the node's IdSource); the command carries
  // the client's epoch, checked when it is proposed.
  auto ids =
      ids_.AskBatchSplit(peer->region(), static_cast<uint32_t>(keys.size()));
  if (!ids.ok()) {
    *response.mutable_region_error() = raftstore::ServerIsBusyError(
        "no ids for the split: " + ids.status().ToString());
    return response;
  }
  raft_cmdpb::RaftCmdRequest cmd =
      raftstore::BatchSplitCommand(peer->region(), peer->peer(), keys, *ids);
  *cmd.mutable_header() = HeaderOf(ctx->route);
  raft_cmdpb::RaftCmdResponse answer = store_.ProposeAndWait(std::move(cmd));
  if (answer.header().has_error()) {
    *response.mutable_region_error() = answer.header().error();
    return response;
  }
  *response.mutable_regions() = answer.admin_response().splits().regions();
  return response;
}

}  // namespace store::server
