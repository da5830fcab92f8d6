// KvService: tikvpb.Tikv on the rpc/ server (TiKV's
// src/server/service/kv.rs): every transactional and raw KV command as a
// unary RPC and as an arm of the BatchCommands bidi stream, SplitRegion,
// GetStoreSafeTS, RawChecksum, RawGetKeyTTL. Requests map onto
// store/storage commands (kv_convert.h) and run on the Storage over
// RaftKv.
//
// Errors are answered in the response, never as a gRPC status: a region
// error as `region_error` (errorpb, with its data: NotLeader's leader,
// EpochNotMatch's current regions, StoreNotMatch for a wrong store id), a
// transactional error as a KeyError, a raw error as the `error` string. Bad
// input (keys over 8 KiB, values over the entry limit, an unknown column
// family, an API version other than V1) is such a typed error; the node
// keeps serving. Responses without an error field (RawBatchGet, RawScan,
// RawBatchScan) carry a non-region error as one KvPair whose KeyError is
// `abort`. Unknown fields are skipped by the protobuf parser.
//
// BatchCommands: each sub-request runs on a fibre of its own as soon as it
// arrives; answers are written as they finish, grouped by whatever is ready
// (matched to requests by request_ids), until the client ends the stream
// and every answer is written.
//
// SplitRegion: split keys are raw keys for raw KV (is_raw_kv) and user keys
// the store encodes for transactional KV (API V1, as TiKV); the region
// splits by one BatchSplit whose new ids come from the node's IdAllocator.
//
// Thread-affinity: the store's executor; handlers park their fibres.
#ifndef STORE_SERVER_KV_SERVICE_H_
#define STORE_SERVER_KV_SERVICE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "core/env/executor.h"
#include "proto/kvrpcpb.pb.h"
#include "proto/tikvpb.pb.h"
#include "rpc/service.h"
#include "store/raftstore/id_source.h"
#include "store/raftstore/store.h"
#include "store/storage/storage.h"

namespace store::server {

// Hands out ids for new regions and peers (PD's AllocID and AskBatchSplit,
// store/pd_worker's PdIdSource; a counter in tests): the raftstore's
// IdSource, one interface for the split checker and SplitRegion.
using IdAllocator = raftstore::IdSource;

class KvService {
 public:
  // Every reference must outlive the service's fibres.
  KvService(core::env::Executor& executor, storage::Storage& storage,
            raftstore::Store& store, IdAllocator& ids);
  KvService(const KvService&) = delete;
  KvService& operator=(const KvService&) = delete;

  // Registers every method of tikvpb.Tikv this store serves.
  void Register(rpc::ServiceRegistry& registry);

  // One handler per command (also the BatchCommands arms).
  kvrpcpb::GetResponse Handle(const kvrpcpb::GetRequest& request);
  kvrpcpb::ScanResponse Handle(const kvrpcpb::ScanRequest& request);
  kvrpcpb::BatchGetResponse Handle(const kvrpcpb::BatchGetRequest& request);
  kvrpcpb::PrewriteResponse Handle(const kvrpcpb::PrewriteRequest& request);
  kvrpcpb::CommitResponse Handle(const kvrpcpb::CommitRequest& request);
  kvrpcpb::CleanupResponse Handle(const kvrpcpb::CleanupRequest& request);
  kvrpcpb::BatchRollbackResponse Handle(
      const kvrpcpb::BatchRollbackRequest& request);
  kvrpcpb::ScanLockResponse Handle(const kvrpcpb::ScanLockRequest& request);
  kvrpcpb::ResolveLockResponse Handle(
      const kvrpcpb::ResolveLockRequest& request);
  kvrpcpb::GCResponse Handle(const kvrpcpb::GCRequest& request);
  kvrpcpb::DeleteRangeResponse Handle(
      const kvrpcpb::DeleteRangeRequest& request);
  kvrpcpb::PessimisticLockResponse Handle(
      const kvrpcpb::PessimisticLockRequest& request);
  kvrpcpb::PessimisticRollbackResponse Handle(
      const kvrpcpb::PessimisticRollbackRequest& request);
  kvrpcpb::CheckTxnStatusResponse Handle(
      const kvrpcpb::CheckTxnStatusRequest& request);
  kvrpcpb::TxnHeartBeatResponse Handle(
      const kvrpcpb::TxnHeartBeatRequest& request);
  kvrpcpb::CheckSecondaryLocksResponse Handle(
      const kvrpcpb::CheckSecondaryLocksRequest& request);
  kvrpcpb::RawGetResponse Handle(const kvrpcpb::RawGetRequest& request);
  kvrpcpb::RawBatchGetResponse Handle(
      const kvrpcpb::RawBatchGetRequest& request);
  kvrpcpb::RawPutResponse Handle(const kvrpcpb::RawPutRequest& request);
  kvrpcpb::RawBatchPutResponse Handle(
      const kvrpcpb::RawBatchPutRequest& request);
  kvrpcpb::RawDeleteResponse Handle(const kvrpcpb::RawDeleteRequest& request);
  kvrpcpb::RawBatchDeleteResponse Handle(
      const kvrpcpb::RawBatchDeleteRequest& request);
  kvrpcpb::RawScanResponse Handle(const kvrpcpb::RawScanRequest& request);
  kvrpcpb::RawDeleteRangeResponse Handle(
      const kvrpcpb::RawDeleteRangeRequest& request);
  kvrpcpb::RawBatchScanResponse Handle(
      const kvrpcpb::RawBatchScanRequest& request);
  kvrpcpb::RawGetKeyTTLResponse Handle(
      const kvrpcpb::RawGetKeyTTLRequest& request);
  kvrpcpb::RawCASResponse Handle(const kvrpcpb::RawCASRequest& request);
  kvrpcpb::RawChecksumResponse Handle(
      const kvrpcpb::RawChecksumRequest& request);
  kvrpcpb::SplitRegionResponse Handle(
      const kvrpcpb::SplitRegionRequest& request);
  kvrpcpb::StoreSafeTSResponse Handle(
      const kvrpcpb::StoreSafeTSRequest& request);

  // One BatchCommands sub-request's answer (the arm matching the request's).
  tikvpb::BatchCommandsResponse::Response Dispatch(
      const tikvpb::BatchCommandsRequest::Request& request);

 private:
  absl::Status ServeBatchCommands(
      rpc::ServerReaderWriter<tikvpb::BatchCommandsRequest,
                              tikvpb::BatchCommandsResponse>
          stream);

  core::env::Executor& executor_;
  storage::Storage& storage_;
  raftstore::Store& store_;
  IdAllocator& ids_;
};

}  // namespace store::server

#endif  // STORE_SERVER_KV_SERVICE_H_
