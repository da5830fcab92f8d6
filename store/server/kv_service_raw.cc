// KvService's raw commands and store-level RPCs. Ref: tikv
// src/server/service/kv.rs raw_* handlers, split_region,
// get_store_safe_ts; src/storage/mod.rs raw_batch_scan.
#include <algorithm>
#include <utility>

#include "core/mvcc/key.h"
#include "store/raftstore/region_error.h"
#include "store/server/kv_service.h"
#include "store/server/kv_service_internal.h"
#include "store/server/raft_kv.h"

namespace store::server {

using internal::kNoFill;
using internal::kRawErrorInto;
using internal::Run;

namespace {

// An error for a response with no error field: one pair whose KeyError is
// `abort` (after any region error).
template <typename Response, typename AddPair>
void PairErrorInto(const storage::Error& error, Response* response,
                   AddPair&& add_pair) {
  if (internal::RegionErrorInto(error, response)) return;
  kvrpcpb::KvPair* pair = add_pair(response);
  pair->mutable_error()->set_abort(
      RawErrorOf(std::get<core::mvcc::Error>(error)));
}

template <typename Response>
std::optional<Response> BadCf(const std::string& cf) {
  if (RawCfOf(cf).has_value()) return std::nullopt;
  Response response;
  internal::RawErrorInto(internal::Invalid("unknown column family " + cf),
                         &response);
  return response;
}

std::vector<core::base::Bytes> KeysOf(
    const google::protobuf::RepeatedPtrField<std::string>& keys) {
  return {keys.begin(), keys.end()};
}

void FillPairs(const std::vector<core::rawkv::KvPair>& pairs,
               google::protobuf::RepeatedPtrField<kvrpcpb::KvPair>* out) {
  for (const auto& pair : pairs) {
    kvrpcpb::KvPair* added = out->Add();
    added->set_key(pair.key);
    added->set_value(pair.value);
  }
}

}  // namespace

kvrpcpb::RawGetResponse KvService::Handle(
    const kvrpcpb::RawGetRequest& request) {
  if (auto bad = BadCf<kvrpcpb::RawGetResponse>(request.cf())) return *bad;
  return Run<kvrpcpb::RawGetResponse>(
      storage_, request.context(),
      storage::RawGet{*RawCfOf(request.cf()), request.key()},
      [](const storage::RawGetResult& got, kvrpcpb::RawGetResponse* response) {
        if (got.value.has_value()) {
          response->set_value(*got.value);
        } else {
          response->set_not_found(true);
        }
      },
      kRawErrorInto);
}

kvrpcpb::RawBatchGetResponse KvService::Handle(
    const kvrpcpb::RawBatchGetRequest& request) {
  auto into = [](const storage::Error& error,
                 kvrpcpb::RawBatchGetResponse* response) {
    PairErrorInto(error, response, [](auto* r) { return r->add_pairs(); });
  };
  if (!RawCfOf(request.cf()).has_value()) {
    kvrpcpb::RawBatchGetResponse response;
    into(internal::Invalid("unknown column family " + request.cf()), &response);
    return response;
  }
  return Run<kvrpcpb::RawBatchGetResponse>(
      storage_, request.context(),
      storage::RawBatchGet{*RawCfOf(request.cf()), KeysOf(request.keys())},
      [](const storage::RawBatchGetResult& got,
         kvrpcpb::RawBatchGetResponse* response) {
        FillPairs(got.pairs, response->mutable_pairs());
      },
      into);
}

kvrpcpb::RawPutResponse KvService::Handle(
    const kvrpcpb::RawPutRequest& request) {
  if (auto bad = BadCf<kvrpcpb::RawPutResponse>(request.cf())) return *bad;
  return Run<kvrpcpb::RawPutResponse>(
      storage_, request.context(),
      storage::RawPut{*RawCfOf(request.cf()), request.key(), request.value(),
                      request.ttl()},
      kNoFill, kRawErrorInto);
}

kvrpcpb::RawBatchPutResponse KvService::Handle(
    const kvrpcpb::RawBatchPutRequest& request) {
  if (auto bad = BadCf<kvrpcpb::RawBatchPutResponse>(request.cf())) {
    return *bad;
  }
  storage::RawBatchPut cmd{.cf = *RawCfOf(request.cf())};
  for (const kvrpcpb::KvPair& pair : request.pairs()) {
    cmd.pairs.push_back({pair.key(), pair.value()});
  }
  cmd.ttls_seconds.assign(request.ttls().begin(), request.ttls().end());
  // client-go sends a zero per pair when it means none.
  if (std::all_of(cmd.ttls_seconds.begin(), cmd.ttls_seconds.end(),
                  [](uint64_t ttl) { return ttl == 0; })) {
    cmd.ttls_seconds.clear();
  }
  if (cmd.ttls_seconds.empty() && request.ttl() != 0) {
    cmd.ttls_seconds.push_back(request.ttl());
  }
  return Run<kvrpcpb::RawBatchPutResponse>(storage_, request.context(), cmd,
                                           kNoFill, kRawErrorInto);
}

kvrpcpb::RawDeleteResponse KvService::Handle(
    const kvrpcpb::RawDeleteRequest& request) {
  if (auto bad = BadCf<kvrpcpb::RawDeleteResponse>(request.cf())) return *bad;
  return Run<kvrpcpb::RawDeleteResponse>(
      storage_, request.context(),
      storage::RawDelete{*RawCfOf(request.cf()), request.key()}, kNoFill,
      kRawErrorInto);
}

kvrpcpb::RawBatchDeleteResponse KvService::Handle(
    const kvrpcpb::RawBatchDeleteRequest& request) {
  if (auto bad = BadCf<kvrpcpb::RawBatchDeleteResponse>(request.cf())) {
    return *bad;
  }
  return Run<kvrpcpb::RawBatchDeleteResponse>(
      storage_, request.context(),
      storage::RawBatchDelete{*RawCfOf(request.cf()), KeysOf(request.keys())},
      kNoFill, kRawErrorInto);
}

kvrpcpb::RawScanResponse KvService::Handle(
    const kvrpcpb::RawScanRequest& request) {
  auto into = [](const storage::Error& error,
                 kvrpcpb::RawScanResponse* response) {
    PairErrorInto(error, response, [](auto* r) { return r->add_kvs(); });
  };
  if (!RawCfOf(request.cf()).has_value()) {
    kvrpcpb::RawScanResponse response;
    into(internal::Invalid("unknown column family " + request.cf()), &response);
    return response;
  }
  storage::RawScan cmd{.cf = *RawCfOf(request.cf()),
                       .start_key = request.start_key(),
                       .end_key = request.end_key(),
                       .limit = request.limit(),
                       .key_only = request.key_only(),
                       .reverse = request.reverse()};
  return Run<kvrpcpb::RawScanResponse>(
      storage_, request.context(), cmd,
      [](const storage::RawScanResult& scanned,
         kvrpcpb::RawScanResponse* response) {
        FillPairs(scanned.pairs, response->mutable_kvs());
      },
      into);
}

kvrpcpb::RawDeleteRangeResponse KvService::Handle(
    const kvrpcpb::RawDeleteRangeRequest& request) {
  if (auto bad = BadCf<kvrpcpb::RawDeleteRangeResponse>(request.cf())) {
    return *bad;
  }
  return Run<kvrpcpb::RawDeleteRangeResponse>(
      storage_, request.context(),
      storage::RawDeleteRange{*RawCfOf(request.cf()), request.start_key(),
                              request.end_key()},
      kNoFill, kRawErrorInto);
}

// One RawScan per range, each_limit pairs each (TiKV raw_batch_scan).
kvrpcpb::RawBatchScanResponse KvService::Handle(
    const kvrpcpb::RawBatchScanRequest& request) {
  kvrpcpb::RawBatchScanResponse response;
  for (const kvrpcpb::KeyRange& range : request.ranges()) {
    kvrpcpb::RawScanRequest scan;
    *scan.mutable_context() = request.context();
    scan.set_start_key(range.start_key());
    scan.set_end_key(range.end_key());
    scan.set_limit(request.each_limit());
    scan.set_key_only(request.key_only());
    scan.set_cf(request.cf());
    scan.set_reverse(request.reverse());
    kvrpcpb::RawScanResponse scanned = Handle(scan);
    if (scanned.has_region_error()) {
      kvrpcpb::RawBatchScanResponse failed;
      *failed.mutable_region_error() = scanned.region_error();
      return failed;
    }
    for (auto& pair : *scanned.mutable_kvs()) {
      *response.add_kvs() = std::move(pair);
    }
  }
  return response;
}

kvrpcpb::RawGetKeyTTLResponse KvService::Handle(
    const kvrpcpb::RawGetKeyTTLRequest& request) {
  if (auto bad = BadCf<kvrpcpb::RawGetKeyTTLResponse>(request.cf())) {
    return *bad;
  }
  return Run<kvrpcpb::RawGetKeyTTLResponse>(
      storage_, request.context(),
      storage::RawGetKeyTtl{*RawCfOf(request.cf()), request.key()},
      [](const storage::RawGetKeyTtlResult& got,
         kvrpcpb::RawGetKeyTTLResponse* response) {
        if (got.ttl_seconds.has_value()) {
          response->set_ttl(*got.ttl_seconds);
        } else {
          response->set_not_found(true);
        }
      },
      kRawErrorInto);
}

kvrpcpb::RawCASResponse KvService::Handle(
    const kvrpcpb::RawCASRequest& request) {
  if (auto bad = BadCf<kvrpcpb::RawCASResponse>(request.cf())) return *bad;
  storage::RawCompareAndSwap cmd{.cf = *RawCfOf(request.cf()),
                                 .key = request.key(),
                                 .value = request.value(),
                                 .ttl_seconds = request.ttl()};
  if (!request.previous_not_exist()) {
    cmd.previous_value = request.previous_value();
  }
  return Run<kvrpcpb::RawCASResponse>(
      storage_, request.context(), cmd,
      [](const storage::RawCompareAndSwapResult& result,
         kvrpcpb::RawCASResponse* response) {
        response->set_succeed(result.succeed);
        response->set_previous_not_exist(!result.previous_value.has_value());
        response->set_previous_value(result.previous_value.value_or(""));
      },
      kRawErrorInto);
}

kvrpcpb::RawChecksumResponse KvService::Handle(
    const kvrpcpb::RawChecksumRequest& request) {
  if (request.algorithm() != kvrpcpb::Crc64_Xor) {
    kvrpcpb::RawChecksumResponse response;
    response.set_error("unknown checksum algorithm");
    return response;
  }
  storage::RawChecksum cmd;
  for (const kvrpcpb::KeyRange& range : request.ranges()) {
    cmd.ranges.push_back({range.start_key(), range.end_key()});
  }
  return Run<kvrpcpb::RawChecksumResponse>(
      storage_, request.context(), cmd,
      [](const storage::RawChecksumResult& sum,
         kvrpcpb::RawChecksumResponse* response) {
        response->set_checksum(sum.checksum);
        response->set_total_kvs(sum.total_kvs);
        response->set_total_bytes(sum.total_bytes);
      },
      kRawErrorInto);
}

kvrpcpb::StoreSafeTSResponse KvService::Handle(
    const kvrpcpb::StoreSafeTSRequest&) {
  // No resolved-ts yet: 0 (client-go only logs it; stale reads are served
  // as replica reads).
  return {};
}

}  // namespace store::server
