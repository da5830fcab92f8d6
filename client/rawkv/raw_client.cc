#include "client/rawkv/raw_client.h"

#include <map>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/locate/run_all.h"
#include "core/base/status_macros.h"
#include "proto/kvrpcpb.pb.h"

namespace client::rawkv {

namespace {

constexpr char kRawGet[] = "/tikvpb.Tikv/RawGet";
constexpr char kRawBatchGet[] = "/tikvpb.Tikv/RawBatchGet";
constexpr char kRawPut[] = "/tikvpb.Tikv/RawPut";
constexpr char kRawBatchPut[] = "/tikvpb.Tikv/RawBatchPut";
constexpr char kRawDelete[] = "/tikvpb.Tikv/RawDelete";
constexpr char kRawBatchDelete[] = "/tikvpb.Tikv/RawBatchDelete";
constexpr char kRawDeleteRange[] = "/tikvpb.Tikv/RawDeleteRange";
constexpr char kRawScan[] = "/tikvpb.Tikv/RawScan";
constexpr char kRawCas[] = "/tikvpb.Tikv/RawCompareAndSwap";
constexpr char kRawGetKeyTtl[] = "/tikvpb.Tikv/RawGetKeyTTL";
constexpr char kRawChecksum[] = "/tikvpb.Tikv/RawChecksum";

absl::Status RawError(const std::string& error) {
  return error.empty() ? absl::OkStatus() : absl::UnknownError(error);
}

absl::Status PairsError(
    const google::protobuf::RepeatedPtrField<kvrpcpb::KvPair>& pairs) {
  for (const kvrpcpb::KvPair& pair : pairs) {
    if (pair.has_error()) {
      return absl::UnknownError(pair.error().abort().empty()
                                    ? pair.error().ShortDebugString()
                                    : pair.error().abort());
    }
  }
  return absl::OkStatus();
}

// The smaller of two exclusive ends (empty: the end of the key space).
std::string MinEnd(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return std::min(a, b);
}

}  // namespace

RawClient::RawClient(core::env::Executor& executor, core::env::Random& random,
                     locate::RegionCache& cache,
                     locate::StoreTransport& transport,
                     RawClientOptions options)
    : executor_(executor),
      random_(random),
      cache_(cache),
      sender_(cache, transport, options.timeout),
      options_(std::move(options)) {}

retry::Backoffer RawClient::NewBackoffer() {
  return retry::Backoffer(executor_, options_.max_backoff, random_.NextU64());
}

absl::Status RawClient::BackoffRegion(retry::Backoffer& bo,
                                      const errorpb::Error& error) {
  ++stats_.region_retries;
  return bo.Backoff(retry::kBoRegionMiss,
                    absl::UnavailableError(absl::StrCat(
                        "region error: ", error.ShortDebugString())));
}

template <typename Response, typename Request>
absl::StatusOr<Response> RawClient::SendToKey(retry::Backoffer& bo,
                                              const char* method,
                                              const std::string& key,
                                              Request request,
                                              locate::WriteGuard* write) {
  for (;;) {
    ASSIGN_OR_RETURN(locate::KeyLocation location, cache_.LocateKey(bo, key));
    ++stats_.requests;
    ASSIGN_OR_RETURN(
        Response response,
        sender_.SendReq<Response>(bo, method, request, location.region, write));
    if (!response.has_region_error()) return response;
    RETURN_IF_ERROR(BackoffRegion(bo, response.region_error()));
  }
}

absl::StatusOr<std::optional<std::string>> RawClient::Get(
    const std::string& key) {
  retry::Backoffer bo = NewBackoffer();
  kvrpcpb::RawGetRequest request;
  request.set_key(key);
  request.set_cf(options_.cf);
  ASSIGN_OR_RETURN(auto response, SendToKey<kvrpcpb::RawGetResponse>(
                                      bo, kRawGet, key, request));
  RETURN_IF_ERROR(RawError(response.error()));
  if (response.not_found()) return std::optional<std::string>();
  return std::optional<std::string>(response.value());
}

absl::Status RawClient::Put(const std::string& key, const std::string& value,
                            uint64_t ttl_seconds) {
  retry::Backoffer bo = NewBackoffer();
  kvrpcpb::RawPutRequest request;
  request.set_key(key);
  request.set_value(value);
  request.set_cf(options_.cf);
  request.set_ttl(ttl_seconds);
  request.set_for_cas(options_.atomic_for_cas);
  locate::WriteGuard write;
  ASSIGN_OR_RETURN(auto response, SendToKey<kvrpcpb::RawPutResponse>(
                                      bo, kRawPut, key, request, &write));
  return RawError(response.error());
}

absl::Status RawClient::Delete(const std::string& key) {
  retry::Backoffer bo = NewBackoffer();
  kvrpcpb::RawDeleteRequest request;
  request.set_key(key);
  request.set_cf(options_.cf);
  request.set_for_cas(options_.atomic_for_cas);
  locate::WriteGuard write;
  ASSIGN_OR_RETURN(auto response, SendToKey<kvrpcpb::RawDeleteResponse>(
                                      bo, kRawDelete, key, request, &write));
  return RawError(response.error());
}

absl::StatusOr<CasResult> RawClient::CompareAndSwap(
    const std::string& key, const std::optional<std::string>& previous,
    const std::string& value, uint64_t ttl_seconds) {
  retry::Backoffer bo = NewBackoffer();
  kvrpcpb::RawCASRequest request;
  request.set_key(key);
  request.set_value(value);
  request.set_cf(options_.cf);
  request.set_ttl(ttl_seconds);
  request.set_previous_not_exist(!previous.has_value());
  if (previous.has_value()) request.set_previous_value(*previous);
  locate::WriteGuard write;
  ASSIGN_OR_RETURN(auto response, SendToKey<kvrpcpb::RawCASResponse>(
                                      bo, kRawCas, key, request, &write));
  RETURN_IF_ERROR(RawError(response.error()));
  CasResult result;
  result.succeeded = response.succeed();
  if (!response.previous_not_exist())
    result.previous = response.previous_value();
  return result;
}

absl::StatusOr<std::optional<uint64_t>> RawClient::GetKeyTTL(
    const std::string& key) {
  retry::Backoffer bo = NewBackoffer();
  kvrpcpb::RawGetKeyTTLRequest request;
  request.set_key(key);
  request.set_cf(options_.cf);
  ASSIGN_OR_RETURN(auto response, SendToKey<kvrpcpb::RawGetKeyTTLResponse>(
                                      bo, kRawGetKeyTtl, key, request));
  RETURN_IF_ERROR(RawError(response.error()));
  if (response.not_found()) return std::optional<uint64_t>();
  return std::optional<uint64_t>(response.ttl());
}

// ----- batches

std::vector<RawClient::Chunk> RawClient::Split(
    const locate::RegionCache::KeyGroup& group,
    const std::vector<size_t>& indexes,
    const std::function<size_t(size_t)>& bytes_of) const {
  std::vector<Chunk> chunks;
  size_t bytes = 0;
  for (size_t local : group.indexes) {
    const size_t index = indexes[local];
    const size_t size = bytes_of ? bytes_of(index) : 0;
    const bool full =
        !chunks.empty() &&
        (chunks.back().indexes.size() >= options_.max_batch_keys ||
         (bytes_of && bytes + size > options_.max_batch_put_bytes));
    if (chunks.empty() || full) {
      chunks.push_back({group.location, {}});
      bytes = 0;
    }
    chunks.back().indexes.push_back(index);
    bytes += size;
  }
  return chunks;
}

absl::Status RawClient::DoBatch(retry::Backoffer& bo,
                                const std::vector<std::string>& keys,
                                const std::vector<size_t>& indexes,
                                const std::function<size_t(size_t)>& bytes_of,
                                const ChunkFn& send) {
  std::vector<std::string> subset;
  subset.reserve(indexes.size());
  for (size_t index : indexes) subset.push_back(keys[index]);
  ASSIGN_OR_RETURN(auto groups, cache_.GroupKeysByRegion(bo, subset));
  std::vector<Chunk> chunks;
  for (const auto& group : groups) {
    for (Chunk& chunk : Split(group, indexes, bytes_of)) {
      chunks.push_back(std::move(chunk));
    }
  }
  // One Backoffer per concurrent chunk (forked in order: runs replay).
  std::vector<retry::Backoffer> forks;
  for (size_t i = 0; i < chunks.size(); ++i) {
    forks.push_back(chunks.size() == 1 ? bo : bo.Fork());
  }
  std::vector<std::function<absl::Status()>> tasks;
  for (size_t i = 0; i < chunks.size(); ++i) {
    tasks.push_back([&, i]() -> absl::Status {
      retry::Backoffer& child = forks[i];
      std::optional<errorpb::Error> region_error;
      ++stats_.requests;
      RETURN_IF_ERROR(send(child, chunks[i], &region_error));
      if (!region_error.has_value()) return absl::OkStatus();
      RETURN_IF_ERROR(BackoffRegion(child, *region_error));
      return DoBatch(child, keys, chunks[i].indexes, bytes_of, send);
    });
  }
  return locate::RunAll(executor_, "rawkv-batch", std::move(tasks));
}

absl::StatusOr<std::vector<std::optional<std::string>>> RawClient::BatchGet(
    const std::vector<std::string>& keys) {
  retry::Backoffer bo = NewBackoffer();
  std::vector<std::optional<std::string>> values(keys.size());
  std::vector<size_t> all(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) all[i] = i;
  auto send = [&](retry::Backoffer& child, const Chunk& chunk,
                  std::optional<errorpb::Error>* region_error) {
    kvrpcpb::RawBatchGetRequest request;
    request.set_cf(options_.cf);
    for (size_t i : chunk.indexes) request.add_keys(keys[i]);
    ASSIGN_OR_RETURN(auto response,
                     sender_.SendReq<kvrpcpb::RawBatchGetResponse>(
                         child, kRawBatchGet, request, chunk.location.region));
    if (response.has_region_error()) {
      *region_error = response.region_error();
      return absl::OkStatus();
    }
    RETURN_IF_ERROR(PairsError(response.pairs()));
    // Found keys come back as pairs; the others are missing.
    std::map<std::string, std::string> found;
    for (const auto& pair : response.pairs()) found[pair.key()] = pair.value();
    for (size_t i : chunk.indexes) {
      auto it = found.find(keys[i]);
      values[i] = it == found.end() ? std::nullopt
                                    : std::optional<std::string>(it->second);
    }
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(DoBatch(bo, keys, all, nullptr, send));
  return values;
}

absl::Status RawClient::BatchPut(const std::vector<KvPair>& pairs,
                                 uint64_t ttl_seconds) {
  retry::Backoffer bo = NewBackoffer();
  std::vector<std::string> keys;
  for (const KvPair& pair : pairs) keys.push_back(pair.key);
  std::vector<size_t> all(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) all[i] = i;
  auto bytes_of = [&](size_t i) {
    return pairs[i].key.size() + pairs[i].value.size();
  };
  auto send = [&](retry::Backoffer& child, const Chunk& chunk,
                  std::optional<errorpb::Error>* region_error) {
    kvrpcpb::RawBatchPutRequest request;
    request.set_cf(options_.cf);
    request.set_for_cas(options_.atomic_for_cas);
    for (size_t i : chunk.indexes) {
      kvrpcpb::KvPair* pair = request.add_pairs();
      pair->set_key(pairs[i].key);
      pair->set_value(pairs[i].value);
      request.add_ttls(ttl_seconds);
    }
    ASSIGN_OR_RETURN(auto response,
                     sender_.SendReq<kvrpcpb::RawBatchPutResponse>(
                         child, kRawBatchPut, request, chunk.location.region));
    if (response.has_region_error()) *region_error = response.region_error();
    return RawError(response.error());
  };
  return DoBatch(bo, keys, all, bytes_of, send);
}

absl::Status RawClient::BatchDelete(const std::vector<std::string>& keys) {
  retry::Backoffer bo = NewBackoffer();
  std::vector<size_t> all(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) all[i] = i;
  auto send = [&](retry::Backoffer& child, const Chunk& chunk,
                  std::optional<errorpb::Error>* region_error) {
    kvrpcpb::RawBatchDeleteRequest request;
    request.set_cf(options_.cf);
    request.set_for_cas(options_.atomic_for_cas);
    for (size_t i : chunk.indexes) request.add_keys(keys[i]);
    ASSIGN_OR_RETURN(
        auto response,
        sender_.SendReq<kvrpcpb::RawBatchDeleteResponse>(
            child, kRawBatchDelete, request, chunk.location.region));
    if (response.has_region_error()) *region_error = response.region_error();
    return RawError(response.error());
  };
  return DoBatch(bo, keys, all, nullptr, send);
}

// ----- ranges

absl::Status RawClient::DeleteRange(const std::string& start_key,
                                    const std::string& end_key) {
  retry::Backoffer bo = NewBackoffer();
  std::string key = start_key;
  while (end_key.empty() || key < end_key) {
    ASSIGN_OR_RETURN(locate::KeyLocation location, cache_.LocateKey(bo, key));
    kvrpcpb::RawDeleteRangeRequest request;
    request.set_cf(options_.cf);
    request.set_start_key(key);
    request.set_end_key(MinEnd(end_key, location.end_key));
    ++stats_.requests;
    ASSIGN_OR_RETURN(auto response,
                     sender_.SendReq<kvrpcpb::RawDeleteRangeResponse>(
                         bo, kRawDeleteRange, request, location.region));
    if (response.has_region_error()) {
      RETURN_IF_ERROR(BackoffRegion(bo, response.region_error()));
      continue;
    }
    RETURN_IF_ERROR(RawError(response.error()));
    if (location.end_key.empty()) break;
    key = location.end_key;
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> RawClient::ScanRegion(
    retry::Backoffer& bo, const kvrpcpb::RawScanRequest& request,
    const locate::RegionVerId& region, std::vector<KvPair>& out) {
  ++stats_.requests;
  ASSIGN_OR_RETURN(auto response, sender_.SendReq<kvrpcpb::RawScanResponse>(
                                      bo, kRawScan, request, region));
  if (response.has_region_error()) {
    RETURN_IF_ERROR(BackoffRegion(bo, response.region_error()));
    return false;
  }
  RETURN_IF_ERROR(PairsError(response.kvs()));
  for (const auto& kv : response.kvs()) out.push_back({kv.key(), kv.value()});
  return true;
}

absl::StatusOr<std::vector<KvPair>> RawClient::Scan(
    const std::string& start_key, const std::string& end_key, uint32_t limit,
    bool key_only) {
  if (limit > options_.max_scan_limit) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit should be less than ", options_.max_scan_limit));
  }
  retry::Backoffer bo = NewBackoffer();
  std::vector<KvPair> out;
  std::string key = start_key;
  while (out.size() < limit && (end_key.empty() || key < end_key)) {
    ASSIGN_OR_RETURN(locate::KeyLocation location, cache_.LocateKey(bo, key));
    kvrpcpb::RawScanRequest request;
    request.set_cf(options_.cf);
    request.set_start_key(key);
    request.set_end_key(MinEnd(end_key, location.end_key));
    request.set_limit(limit - static_cast<uint32_t>(out.size()));
    request.set_key_only(key_only);
    ASSIGN_OR_RETURN(const bool scanned,
                     ScanRegion(bo, request, location.region, out));
    if (!scanned) continue;  // The region changed: locate the key again.
    if (location.end_key.empty()) break;
    key = location.end_key;
  }
  return out;
}

absl::StatusOr<std::vector<KvPair>> RawClient::ReverseScan(
    const std::string& start_key, const std::string& end_key, uint32_t limit,
    bool key_only) {
  if (limit > options_.max_scan_limit) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit should be less than ", options_.max_scan_limit));
  }
  retry::Backoffer bo = NewBackoffer();
  std::vector<KvPair> out;
  std::string key = start_key;  // exclusive upper bound; empty: the end
  while (out.size() < limit && (key.empty() || end_key < key)) {
    ASSIGN_OR_RETURN(locate::KeyLocation location,
                     cache_.LocateEndKey(bo, key));
    kvrpcpb::RawScanRequest request;
    request.set_cf(options_.cf);
    request.set_reverse(true);
    request.set_start_key(key.empty() ? location.end_key : key);
    request.set_end_key(std::max(end_key, location.start_key));
    request.set_limit(limit - static_cast<uint32_t>(out.size()));
    request.set_key_only(key_only);
    ASSIGN_OR_RETURN(const bool scanned,
                     ScanRegion(bo, request, location.region, out));
    if (!scanned) continue;  // The region changed: locate the key again.
    if (location.start_key.empty()) break;
    key = location.start_key;
  }
  return out;
}

absl::StatusOr<RawChecksum> RawClient::Checksum(const std::string& start_key,
                                                const std::string& end_key) {
  retry::Backoffer bo = NewBackoffer();
  RawChecksum sum;
  std::string key = start_key;
  while (end_key.empty() || key < end_key) {
    ASSIGN_OR_RETURN(locate::KeyLocation location, cache_.LocateKey(bo, key));
    kvrpcpb::RawChecksumRequest request;
    request.set_algorithm(kvrpcpb::Crc64_Xor);
    kvrpcpb::KeyRange* range = request.add_ranges();
    range->set_start_key(key);
    range->set_end_key(MinEnd(end_key, location.end_key));
    ++stats_.requests;
    ASSIGN_OR_RETURN(auto response,
                     sender_.SendReq<kvrpcpb::RawChecksumResponse>(
                         bo, kRawChecksum, request, location.region));
    if (response.has_region_error()) {
      RETURN_IF_ERROR(BackoffRegion(bo, response.region_error()));
      continue;
    }
    RETURN_IF_ERROR(RawError(response.error()));
    sum.crc64_xor ^= response.checksum();
    sum.total_kvs += response.total_kvs();
    sum.total_bytes += response.total_bytes();
    if (location.end_key.empty()) break;
    key = location.end_key;
  }
  return sum;
}

}  // namespace client::rawkv
