// RawClient: TiKV's raw key-value API over the region cache (tikv/client-go
// rawkv/rawkv.go), API V1 (keys as they are, no MVCC).
//
// Behaviour (client-go's):
//   * Every operation has its own Backoffer (options.max_backoff, 20 s),
//     jitter seeded from the core::env::Random given; it fails with the
//     backoffer's error (naming the last error) once that is spent.
//   * A region error sends the keys back through the region cache after a
//     BoRegionMiss backoff (they may now lie in several regions); the
//     sender has already handled NotLeader, ServerIsBusy, StaleCommand and
//     send failures (client/locate/region_request.h).
//   * Batches (BatchGet, BatchPut, BatchDelete) are split by region, then
//     into chunks of at most max_batch_keys keys (and, for BatchPut,
//     max_batch_put_bytes of keys and values); chunks are sent at once,
//     one fibre each, and results reassembled in the caller's key order.
//     A batch write is atomic only within one chunk.
//   * Scan walks regions from start_key to end_key (empty: the end) until
//     `limit` pairs (at most max_scan_limit, 10240); ReverseScan walks
//     down from start_key (exclusive; empty: the end) to end_key
//     (inclusive), pairs in descending key order. DeleteRange and
//     Checksum walk the regions of [start_key, end_key) one at a time.
//   * Put, Delete and CompareAndSwap are never sent again once an attempt
//     may have been proposed (a failed send, StaleCommand, ...: see
//     locate::MayHaveBeenProposed): they fail UNKNOWN, the outcome unknown,
//     where client-go retries and may apply a write twice (the cluster
//     sweep: a Put applied, overwritten, then applied again by its retry).
//     Batch writes still retry.
//   * Missing is nullopt; an empty value is an empty string (client-go
//     refuses empty values on Put; this client stores them).
//   * A store's non-region error (the raw `error` string, a KvPair's
//     KeyError) fails the operation with UNKNOWN and that message.
//
// Thread-affinity: fibres of `executor`; any number of fibres may call at
// once. The cache, transport, executor and random must outlive the client.
#ifndef CLIENT_RAWKV_RAW_CLIENT_H_
#define CLIENT_RAWKV_RAW_CLIENT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/locate/region_cache.h"
#include "client/locate/region_request.h"
#include "client/retry/backoff.h"
#include "core/base/time.h"
#include "core/env/executor.h"
#include "core/env/random.h"

namespace client::rawkv {

struct RawClientOptions {
  // The column family ("default", "lock", "write"); empty is "default".
  std::string cf;
  core::base::Duration max_backoff = retry::kRawkvMaxBackoff;
  // One request's gRPC deadline.
  core::base::Duration timeout = core::base::Duration::Seconds(20);
  size_t max_batch_keys = 256;
  // client-go's rawBatchPutSize.
  size_t max_batch_put_bytes = 16 * 1024;
  // client-go's MaxRawKVScanLimit.
  uint32_t max_scan_limit = 10240;
  // Writes go through the store's latches (RawPut/RawDelete `for_cas`),
  // as client-go's SetAtomicForCAS(true); needed when CAS is mixed with
  // plain writes.
  bool atomic_for_cas = false;
};

struct KvPair {
  std::string key;
  std::string value;  // empty when key_only
  friend bool operator==(const KvPair&, const KvPair&) = default;
};

struct CasResult {
  bool succeeded = false;
  // The value before (nullopt: there was none).
  std::optional<std::string> previous;
};

struct RawChecksum {
  uint64_t crc64_xor = 0;
  uint64_t total_kvs = 0;
  uint64_t total_bytes = 0;
};

struct RawClientStats {
  uint64_t requests = 0;        // region requests (one per chunk)
  uint64_t region_retries = 0;  // requests sent again after a region error
};

class RawClient {
 public:
  RawClient(core::env::Executor& executor, core::env::Random& random,
            locate::RegionCache& cache, locate::StoreTransport& transport,
            RawClientOptions options = {});

  absl::StatusOr<std::optional<std::string>> Get(const std::string& key);
  // One answer per key, in `keys`' order (duplicates answered each).
  absl::StatusOr<std::vector<std::optional<std::string>>> BatchGet(
      const std::vector<std::string>& keys);
  // `ttl_seconds` 0: no expiry.
  absl::Status Put(const std::string& key, const std::string& value,
                   uint64_t ttl_seconds = 0);
  absl::Status BatchPut(const std::vector<KvPair>& pairs,
                        uint64_t ttl_seconds = 0);
  absl::Status Delete(const std::string& key);
  absl::Status BatchDelete(const std::vector<std::string>& keys);
  absl::Status DeleteRange(const std::string& start_key,
                           const std::string& end_key);
  absl::StatusOr<std::vector<KvPair>> Scan(const std::string& start_key,
                                           const std::string& end_key,
                                           uint32_t limit,
                                           bool key_only = false);
  absl::StatusOr<std::vector<KvPair>> ReverseScan(const std::string& start_key,
                                                  const std::string& end_key,
                                                  uint32_t limit,
                                                  bool key_only = false);
  // Puts `value` when the key's value is `previous` (nullopt: absent).
  absl::StatusOr<CasResult> CompareAndSwap(
      const std::string& key, const std::optional<std::string>& previous,
      const std::string& value, uint64_t ttl_seconds = 0);
  // Seconds left; 0 for a key without TTL; nullopt when missing/expired.
  absl::StatusOr<std::optional<uint64_t>> GetKeyTTL(const std::string& key);
  absl::StatusOr<RawChecksum> Checksum(const std::string& start_key,
                                       const std::string& end_key);

  const RawClientStats& stats() const { return stats_; }
  const locate::RegionRequestSender& sender() const { return sender_; }

 private:
  // A chunk of a batch: indexes into the caller's keys, all in `location`.
  struct Chunk {
    locate::KeyLocation location;
    std::vector<size_t> indexes;
  };
  using ChunkFn = std::function<absl::Status(retry::Backoffer&, const Chunk&,
                                             std::optional<errorpb::Error>*)>;

  retry::Backoffer NewBackoffer();
  // Sends `request` to the region holding `key`, again after region errors.
  template <typename Response, typename Request>
  // `write`: for a single-key write (no second attempt once one may have
  // been proposed; RegionRequestSender::SendReq).
  absl::StatusOr<Response> SendToKey(retry::Backoffer& bo, const char* method,
                                     const std::string& key, Request request,
                                     locate::WriteGuard* write = nullptr);
  // Groups `indexes` of `keys` by region, chunks them (`bytes_of`: a key's
  // share of max_batch_put_bytes, or null), runs `send` on each chunk at
  // once; a chunk whose region failed (`send` sets its bool) is backed off
  // and done again from the grouping.
  absl::Status DoBatch(retry::Backoffer& bo,
                       const std::vector<std::string>& keys,
                       const std::vector<size_t>& indexes,
                       const std::function<size_t(size_t)>& bytes_of,
                       const ChunkFn& send);
  std::vector<Chunk> Split(const locate::RegionCache::KeyGroup& group,
                           const std::vector<size_t>& indexes,
                           const std::function<size_t(size_t)>& bytes_of) const;
  absl::Status BackoffRegion(retry::Backoffer& bo, const errorpb::Error& error);
  // One scan request to `region`, its pairs appended to `out`; false when it
  // met a region error (backed off: the caller locates the key again).
  absl::StatusOr<bool> ScanRegion(retry::Backoffer& bo,
                                  const kvrpcpb::RawScanRequest& request,
                                  const locate::RegionVerId& region,
                                  std::vector<KvPair>& out);

  core::env::Executor& executor_;
  core::env::Random& random_;
  locate::RegionCache& cache_;
  locate::RegionRequestSender sender_;
  RawClientOptions options_;
  RawClientStats stats_;
};

}  // namespace client::rawkv

#endif  // CLIENT_RAWKV_RAW_CLIENT_H_
