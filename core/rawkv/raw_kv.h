// Raw key-value operations (TiKV's RawKV API: RawGet, RawBatchGet, RawPut,
// RawBatchPut, RawDelete, RawBatchDelete, RawDeleteRange, RawScan,
// RawCompareAndSwap, RawGetKeyTTL; Ref: reference tikv.md §1.1) over an
// env::Engine. No MVCC: a raw key has one current value.
//
// Keeping raw data apart from transactional data. Raw keys are stored as
// `key_prefix + user_key` in the requested column family, with the default
// prefix "r" as in TiKV API V2 (raw keys under 'r', transactional keys under
// 'x'). Every raw read is bounded to that prefix, and every raw write adds
// it, so raw operations can neither see nor touch a key outside the raw key
// space, and scans never wander into transactional keys. The separation is
// complete as long as the transactional layer stores its keys under another
// first byte (TiKV's 'x'; any memcomparable encoding that starts with a byte
// other than 'r' would do). Prefixing is invisible to clients: keys are
// returned without it. An empty prefix gives TiKV API V1 behaviour (keys
// stored as-is); as in TiKV, mixing raw and transactional writes in one key
// range is then unsafe. The raft column family is refused: it holds Raft
// metadata, not user data.
//
// Values carry an optional expire time (raw_value.h); expired keys are
// invisible to every read, including compare-and-swap, and GetKeyTtl. Time is
// an explicit `now_unix_seconds` argument (wall-clock seconds, since the
// expire time is persisted); this code reads no clock.
//
// Shape. Reads take a consistent env::Snapshot. Writes append to an
// env::WriteBatch the caller applies atomically (later: proposes through
// Raft). CompareAndSwap reads and appends its write; the caller must keep
// other writers of the key out between the snapshot and the write (TiKV uses
// latches). RawKvStore below wires both to an Engine for single-node use and
// for tests.
//
// Limits (bad input is an error, never a crash; all kInvalidArgument):
//  * keys: non-empty, at most max_key_bytes (TiKV storage.max-key-size,
//    8 KiB);
//  * values: at most max_value_bytes, chosen so that one maximal key and
//    value with their encoding overhead fit one Raft entry of
//    max_entry_bytes (TiKV raft-entry-max-size, 8 MiB);
//  * one write request (all keys and values of a batch put/delete): at most
//    max_entry_bytes;
//  * ranges: start <= end (forward) or end <= start (reverse); an empty end
//    means "to the end of the raw key space" in scans; delete-range needs a
//    non-empty end, as in TiKV;
//  * TTL: now + ttl must not overflow.
#ifndef CORE_RAWKV_RAW_KV_H_
#define CORE_RAWKV_RAW_KV_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/env/engine.h"
#include "core/rawkv/raw_value.h"

namespace core::rawkv {

inline constexpr size_t kMaxKeyBytes = 8 << 10;
inline constexpr size_t kMaxEntryBytes = 8 << 20;
// Room for the key prefix, the value's expire_ts and flags, and Raft/batch
// framing around one put.
inline constexpr size_t kEntryOverheadBytes = 1 << 10;
inline constexpr size_t kMaxValueBytes =
    kMaxEntryBytes - kMaxKeyBytes - kEntryOverheadBytes;

struct RawKvOptions {
  // Prepended to every raw key in storage; see the header comment.
  std::string key_prefix = "r";
  size_t max_key_bytes = kMaxKeyBytes;
  size_t max_value_bytes = kMaxValueBytes;
  size_t max_entry_bytes = kMaxEntryBytes;
};

struct KvPair {
  std::string key;
  std::string value;
  bool operator==(const KvPair&) const = default;
};

struct ScanRequest {
  env::Cf cf = env::Cf::kDefault;
  // Forward: [start_key, end_key). Reverse (as in TiKV RawScan): from
  // start_key (exclusive) down to end_key (inclusive), newest-key-first.
  // An empty end_key is unbounded; in a reverse scan an empty start_key is
  // unbounded too.
  std::string start_key = {};
  std::string end_key = {};
  // At most this many pairs; 0 returns nothing.
  size_t limit = 0;
  // Return keys with empty values.
  bool key_only = false;
  bool reverse = false;
};

struct PutRequest {
  env::Cf cf = env::Cf::kDefault;
  std::string key = {};
  std::string value = {};
  // 0: never expires.
  uint64_t ttl_seconds = 0;
};

struct CasRequest {
  env::Cf cf = env::Cf::kDefault;
  std::string key = {};
  // The value the key must currently have; nullopt: the key must not exist
  // (TiKV previous_not_exist).
  std::optional<std::string> expected = {};
  // The value to store on success; nullopt deletes the key (TiKV delete).
  std::optional<std::string> new_value = {};
  uint64_t ttl_seconds = 0;
};

// [start_key, end_key); an empty end_key is unbounded.
struct KeyRange {
  std::string start_key = {};
  std::string end_key = {};
};

// RawChecksum with TiKV's Crc64_Xor algorithm.
struct ChecksumResult {
  uint64_t checksum = 0;
  uint64_t total_kvs = 0;
  // Key plus value bytes.
  uint64_t total_bytes = 0;
  bool operator==(const ChecksumResult&) const = default;
};

struct CasResult {
  bool succeeded = false;
  // The value before the operation (nullopt: absent or expired).
  std::optional<std::string> previous_value = {};
};

// "" and "default" -> kDefault, "lock", "write"; anything else (including
// "raft") is kInvalidArgument.
absl::StatusOr<env::Cf> ParseRawCf(std::string_view name);

class RawKv {
 public:
  explicit RawKv(RawKvOptions options = {});

  // Reads.
  absl::StatusOr<std::optional<std::string>> Get(
      const env::Snapshot& snapshot, env::Cf cf, std::string_view key,
      uint64_t now_unix_seconds) const;
  // The pairs found, in the order of `keys` (absent keys are skipped).
  absl::StatusOr<std::vector<KvPair>> BatchGet(
      const env::Snapshot& snapshot, env::Cf cf,
      const std::vector<std::string>& keys, uint64_t now_unix_seconds) const;
  absl::StatusOr<std::vector<KvPair>> Scan(const env::Snapshot& snapshot,
                                           const ScanRequest& request,
                                           uint64_t now_unix_seconds) const;
  // Remaining TTL in seconds; 0 when the key never expires; nullopt when the
  // key is absent or expired (TiKV RawGetKeyTTL not_found).
  absl::StatusOr<std::optional<uint64_t>> GetKeyTtl(
      const env::Snapshot& snapshot, env::Cf cf, std::string_view key,
      uint64_t now_unix_seconds) const;

  // RawChecksum: over every live pair of `cf` in each range (a pair in two
  // ranges counts twice, as in TiKV), the xor of CRC-64/XZ(key + value) with
  // a fresh digest per pair, the pair count and their key plus value bytes.
  // Keys and values as a client sees them: no prefix, no expire time.
  // Ref: tikv src/storage/mod.rs raw_checksum_ranges,
  // components/tikv_util/src/checksum.rs checksum_crc64_xor.
  absl::StatusOr<ChecksumResult> Checksum(const env::Snapshot& snapshot,
                                          env::Cf cf,
                                          const std::vector<KeyRange>& ranges,
                                          uint64_t now_unix_seconds) const;

  // Writes, appended to `batch` only when the whole request is valid.
  absl::Status Put(const PutRequest& request, uint64_t now_unix_seconds,
                   env::WriteBatch* batch) const;
  // `ttls_seconds` as in TiKV RawBatchPut: empty (no TTL), one value for all
  // pairs, or one per pair.
  absl::Status BatchPut(env::Cf cf, const std::vector<KvPair>& pairs,
                        const std::vector<uint64_t>& ttls_seconds,
                        uint64_t now_unix_seconds,
                        env::WriteBatch* batch) const;
  absl::Status Delete(env::Cf cf, std::string_view key,
                      env::WriteBatch* batch) const;
  absl::Status BatchDelete(env::Cf cf, const std::vector<std::string>& keys,
                           env::WriteBatch* batch) const;
  // Deletes [start_key, end_key); end_key must be non-empty.
  absl::Status DeleteRange(env::Cf cf, std::string_view start_key,
                           std::string_view end_key,
                           env::WriteBatch* batch) const;
  // Reads the key from `snapshot`; when it matches request.expected, appends
  // the new value (or the delete) to `batch`.
  absl::StatusOr<CasResult> CompareAndSwap(const env::Snapshot& snapshot,
                                           const CasRequest& request,
                                           uint64_t now_unix_seconds,
                                           env::WriteBatch* batch) const;

  const RawKvOptions& options() const { return options_; }

 private:
  absl::Status CheckCf(env::Cf cf) const;
  absl::Status CheckKey(std::string_view key) const;
  absl::Status CheckValue(std::string_view value) const;
  absl::StatusOr<std::optional<uint64_t>> ExpireTs(
      uint64_t ttl_seconds, uint64_t now_unix_seconds) const;
  std::string StorageKey(std::string_view key) const;
  // The live value of `key`, decoded; nullopt when absent or expired.
  absl::StatusOr<std::optional<std::string>> ReadLive(
      const env::Snapshot& snapshot, env::Cf cf, std::string_view key,
      uint64_t now_unix_seconds) const;
  env::IteratorOptions ScanBounds(const ScanRequest& request) const;
  absl::Status CheckScan(const ScanRequest& request) const;
  // Calls `visit(user_key, value)` for each live pair the scan covers, in
  // scan order, until it returns false (request.limit is not applied).
  absl::Status ForEachLive(
      const env::Snapshot& snapshot, const ScanRequest& request,
      uint64_t now_unix_seconds,
      const std::function<bool(std::string_view, RawValue&)>& visit) const;

  RawKvOptions options_;
};

// RawKv applied directly to an Engine: reads from a fresh snapshot, each
// write request as one atomic batch. Not safe against concurrent writers for
// CompareAndSwap (single fibre, or an external latch).
class RawKvStore {
 public:
  // `engine` must outlive the store.
  RawKvStore(env::Engine& engine, RawKvOptions options = {},
             env::WriteOptions write_options = {})
      : engine_(engine),
        raw_(std::move(options)),
        write_options_(write_options) {}

  absl::StatusOr<std::optional<std::string>> Get(env::Cf cf,
                                                 std::string_view key,
                                                 uint64_t now_unix_seconds);
  absl::StatusOr<std::vector<KvPair>> BatchGet(
      env::Cf cf, const std::vector<std::string>& keys,
      uint64_t now_unix_seconds);
  absl::StatusOr<std::vector<KvPair>> Scan(const ScanRequest& request,
                                           uint64_t now_unix_seconds);
  absl::StatusOr<std::optional<uint64_t>> GetKeyTtl(env::Cf cf,
                                                    std::string_view key,
                                                    uint64_t now_unix_seconds);
  absl::Status Put(const PutRequest& request, uint64_t now_unix_seconds);
  absl::Status BatchPut(env::Cf cf, const std::vector<KvPair>& pairs,
                        const std::vector<uint64_t>& ttls_seconds,
                        uint64_t now_unix_seconds);
  absl::Status Delete(env::Cf cf, std::string_view key);
  absl::Status BatchDelete(env::Cf cf, const std::vector<std::string>& keys);
  absl::Status DeleteRange(env::Cf cf, std::string_view start_key,
                           std::string_view end_key);
  absl::StatusOr<CasResult> CompareAndSwap(const CasRequest& request,
                                           uint64_t now_unix_seconds);

 private:
  absl::Status Apply(const env::WriteBatch& batch);

  env::Engine& engine_;
  RawKv raw_;
  env::WriteOptions write_options_;
};

}  // namespace core::rawkv

#endif  // CORE_RAWKV_RAW_KV_H_
