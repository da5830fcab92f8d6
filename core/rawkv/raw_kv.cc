#include "core/rawkv/raw_kv.h"

#include <limits>
#include <utility>

#include "core/base/bytes.h"
#include "core/base/check.h"
#include "core/base/status_macros.h"
#include "core/engine/checksum.h"

namespace core::rawkv {
namespace {

absl::Status Invalid(std::string message) {
  return absl::InvalidArgumentError("raw kv: " + message);
}

std::string Size(size_t bytes) { return std::to_string(bytes) + " bytes"; }

}  // namespace

absl::StatusOr<env::Cf> ParseRawCf(std::string_view name) {
  if (name.empty() || name == "default") return env::Cf::kDefault;
  if (name == "lock") return env::Cf::kLock;
  if (name == "write") return env::Cf::kWrite;
  return Invalid("unknown or forbidden column family \"" +
                 base::EscapeBytes(name) + "\"");
}

RawKv::RawKv(RawKvOptions options) : options_(std::move(options)) {
  CHECK_LE(options_.max_key_bytes + options_.max_value_bytes,
           options_.max_entry_bytes)
      << "one maximal put must fit one entry";
}

absl::Status RawKv::CheckCf(env::Cf cf) const {
  if (cf == env::Cf::kRaft) {
    return Invalid("the raft column family is not available to raw kv");
  }
  return absl::OkStatus();
}

absl::Status RawKv::CheckKey(std::string_view key) const {
  if (key.empty()) return Invalid("key is empty");
  if (key.size() > options_.max_key_bytes) {
    return Invalid("key of " + Size(key.size()) + " exceeds the limit of " +
                   Size(options_.max_key_bytes));
  }
  return absl::OkStatus();
}

absl::Status RawKv::CheckValue(std::string_view value) const {
  if (value.size() > options_.max_value_bytes) {
    return Invalid("value of " + Size(value.size()) + " exceeds the limit of " +
                   Size(options_.max_value_bytes));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<uint64_t>> RawKv::ExpireTs(
    uint64_t ttl_seconds, uint64_t now_unix_seconds) const {
  if (ttl_seconds == 0) return std::nullopt;
  if (now_unix_seconds > std::numeric_limits<uint64_t>::max() - ttl_seconds) {
    return Invalid("ttl of " + std::to_string(ttl_seconds) +
                   " seconds overflows the expire time");
  }
  return now_unix_seconds + ttl_seconds;
}

std::string RawKv::StorageKey(std::string_view key) const {
  std::string out = options_.key_prefix;
  out.append(key);
  return out;
}

absl::StatusOr<std::optional<std::string>> RawKv::ReadLive(
    const env::Snapshot& snapshot, env::Cf cf, std::string_view key,
    uint64_t now_unix_seconds) const {
  ASSIGN_OR_RETURN(std::optional<std::string> stored,
                   snapshot.Get(cf, StorageKey(key)));
  if (!stored.has_value()) return std::nullopt;
  ASSIGN_OR_RETURN(RawValue value, DecodeRawValue(*stored));
  if (value.IsExpired(now_unix_seconds)) return std::nullopt;
  return std::move(value.user_value);
}

absl::StatusOr<std::optional<std::string>> RawKv::Get(
    const env::Snapshot& snapshot, env::Cf cf, std::string_view key,
    uint64_t now_unix_seconds) const {
  RETURN_IF_ERROR(CheckCf(cf));
  RETURN_IF_ERROR(CheckKey(key));
  return ReadLive(snapshot, cf, key, now_unix_seconds);
}

absl::StatusOr<std::vector<KvPair>> RawKv::BatchGet(
    const env::Snapshot& snapshot, env::Cf cf,
    const std::vector<std::string>& keys, uint64_t now_unix_seconds) const {
  RETURN_IF_ERROR(CheckCf(cf));
  for (const std::string& key : keys) RETURN_IF_ERROR(CheckKey(key));
  std::vector<KvPair> found;
  for (const std::string& key : keys) {
    ASSIGN_OR_RETURN(std::optional<std::string> value,
                     ReadLive(snapshot, cf, key, now_unix_seconds));
    if (value.has_value()) found.push_back({key, std::move(*value)});
  }
  return found;
}

env::IteratorOptions RawKv::ScanBounds(const ScanRequest& request) const {
  const std::string& prefix = options_.key_prefix;
  // The raw key space is [prefix, PrefixSuccessor(prefix)); an empty
  // successor means it is unbounded above.
  std::optional<std::string> space_end;
  if (std::string successor = base::PrefixSuccessor(prefix);
      !successor.empty()) {
    space_end = std::move(successor);
  }
  const std::string& low =
      request.reverse ? request.end_key : request.start_key;
  const std::string& high =
      request.reverse ? request.start_key : request.end_key;
  env::IteratorOptions bounds;
  bounds.lower_bound = StorageKey(low);
  bounds.upper_bound = high.empty() ? space_end : StorageKey(high);
  return bounds;
}

absl::Status RawKv::CheckScan(const ScanRequest& request) const {
  RETURN_IF_ERROR(CheckCf(request.cf));
  for (const std::string* key : {&request.start_key, &request.end_key}) {
    if (key->size() > options_.max_key_bytes) {
      return Invalid("scan bound of " + Size(key->size()) +
                     " exceeds the key limit");
    }
  }
  const std::string& low =
      request.reverse ? request.end_key : request.start_key;
  const std::string& high =
      request.reverse ? request.start_key : request.end_key;
  if (!low.empty() && !high.empty() && low > high) {
    return Invalid(request.reverse ? "reverse scan needs end_key <= start_key"
                                   : "scan needs start_key <= end_key");
  }
  return absl::OkStatus();
}

absl::Status RawKv::ForEachLive(
    const env::Snapshot& snapshot, const ScanRequest& request,
    uint64_t now_unix_seconds,
    const std::function<bool(std::string_view, RawValue&)>& visit) const {
  auto it = snapshot.NewIterator(request.cf, ScanBounds(request));
  if (request.reverse) {
    it->SeekToLast();
  } else {
    it->SeekToFirst();
  }
  for (; it->Valid(); request.reverse ? it->Prev() : it->Next()) {
    ASSIGN_OR_RETURN(RawValue value, DecodeRawValue(it->value()));
    if (value.IsExpired(now_unix_seconds)) continue;
    std::string_view key = it->key();
    CHECK(key.starts_with(options_.key_prefix)) << "scan left the raw space";
    key.remove_prefix(options_.key_prefix.size());
    if (!visit(key, value)) break;
  }
  return it->status();
}

absl::StatusOr<std::vector<KvPair>> RawKv::Scan(
    const env::Snapshot& snapshot, const ScanRequest& request,
    uint64_t now_unix_seconds) const {
  RETURN_IF_ERROR(CheckScan(request));
  std::vector<KvPair> out;
  if (request.limit == 0) return out;
  RETURN_IF_ERROR(ForEachLive(
      snapshot, request, now_unix_seconds,
      [&](std::string_view key, RawValue& value) {
        out.push_back({std::string(key), request.key_only
                                             ? std::string()
                                             : std::move(value.user_value)});
        return out.size() < request.limit;
      }));
  return out;
}

absl::StatusOr<ChecksumResult> RawKv::Checksum(
    const env::Snapshot& snapshot, env::Cf cf,
    const std::vector<KeyRange>& ranges, uint64_t now_unix_seconds) const {
  ChecksumResult result;
  for (const KeyRange& range : ranges) {
    ScanRequest request;
    request.cf = cf;
    request.start_key = range.start_key;
    request.end_key = range.end_key;
    RETURN_IF_ERROR(CheckScan(request));
    RETURN_IF_ERROR(ForEachLive(snapshot, request, now_unix_seconds,
                                [&](std::string_view key, RawValue& value) {
                                  result.checksum ^= engine::Crc64Ecma(
                                      value.user_value, engine::Crc64Ecma(key));
                                  ++result.total_kvs;
                                  result.total_bytes +=
                                      key.size() + value.user_value.size();
                                  return true;
                                }));
  }
  return result;
}

absl::StatusOr<std::optional<uint64_t>> RawKv::GetKeyTtl(
    const env::Snapshot& snapshot, env::Cf cf, std::string_view key,
    uint64_t now_unix_seconds) const {
  RETURN_IF_ERROR(CheckCf(cf));
  RETURN_IF_ERROR(CheckKey(key));
  ASSIGN_OR_RETURN(std::optional<std::string> stored,
                   snapshot.Get(cf, StorageKey(key)));
  if (!stored.has_value()) return std::nullopt;
  ASSIGN_OR_RETURN(RawValue value, DecodeRawValue(*stored));
  if (value.IsExpired(now_unix_seconds)) return std::nullopt;
  if (!value.expire_ts.has_value()) return uint64_t{0};
  return *value.expire_ts - now_unix_seconds;
}

absl::Status RawKv::Put(const PutRequest& request, uint64_t now_unix_seconds,
                        env::WriteBatch* batch) const {
  return BatchPut(request.cf, {{request.key, request.value}},
                  {request.ttl_seconds}, now_unix_seconds, batch);
}

absl::Status RawKv::BatchPut(env::Cf cf, const std::vector<KvPair>& pairs,
                             const std::vector<uint64_t>& ttls_seconds,
                             uint64_t now_unix_seconds,
                             env::WriteBatch* batch) const {
  RETURN_IF_ERROR(CheckCf(cf));
  if (ttls_seconds.size() > 1 && ttls_seconds.size() != pairs.size()) {
    return Invalid("got " + std::to_string(ttls_seconds.size()) + " ttls for " +
                   std::to_string(pairs.size()) + " pairs");
  }
  size_t total_bytes = 0;
  std::vector<std::optional<uint64_t>> expire(pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    RETURN_IF_ERROR(CheckKey(pairs[i].key));
    RETURN_IF_ERROR(CheckValue(pairs[i].value));
    total_bytes += pairs[i].key.size() + pairs[i].value.size();
    const uint64_t ttl = ttls_seconds.empty()       ? 0
                         : ttls_seconds.size() == 1 ? ttls_seconds[0]
                                                    : ttls_seconds[i];
    ASSIGN_OR_RETURN(expire[i], ExpireTs(ttl, now_unix_seconds));
  }
  if (total_bytes > options_.max_entry_bytes) {
    return Invalid("batch of " + Size(total_bytes) +
                   " exceeds the entry limit of " +
                   Size(options_.max_entry_bytes));
  }
  for (size_t i = 0; i < pairs.size(); ++i) {
    batch->Put(cf, StorageKey(pairs[i].key),
               EncodeRawValue(pairs[i].value, expire[i]));
  }
  return absl::OkStatus();
}

absl::Status RawKv::Delete(env::Cf cf, std::string_view key,
                           env::WriteBatch* batch) const {
  return BatchDelete(cf, {std::string(key)}, batch);
}

absl::Status RawKv::BatchDelete(env::Cf cf,
                                const std::vector<std::string>& keys,
                                env::WriteBatch* batch) const {
  RETURN_IF_ERROR(CheckCf(cf));
  size_t total_bytes = 0;
  for (const std::string& key : keys) {
    RETURN_IF_ERROR(CheckKey(key));
    total_bytes += key.size();
  }
  if (total_bytes > options_.max_entry_bytes) {
    return Invalid("batch of " + Size(total_bytes) +
                   " exceeds the entry limit of " +
                   Size(options_.max_entry_bytes));
  }
  for (const std::string& key : keys) batch->Delete(cf, StorageKey(key));
  return absl::OkStatus();
}

absl::Status RawKv::DeleteRange(env::Cf cf, std::string_view start_key,
                                std::string_view end_key,
                                env::WriteBatch* batch) const {
  RETURN_IF_ERROR(CheckCf(cf));
  RETURN_IF_ERROR(CheckKey(end_key));
  if (start_key.size() > options_.max_key_bytes) {
    return Invalid("start key of " + Size(start_key.size()) +
                   " exceeds the limit");
  }
  if (start_key > end_key) return Invalid("delete range needs start <= end");
  batch->DeleteRange(cf, StorageKey(start_key), StorageKey(end_key));
  return absl::OkStatus();
}

absl::StatusOr<CasResult> RawKv::CompareAndSwap(const env::Snapshot& snapshot,
                                                const CasRequest& request,
                                                uint64_t now_unix_seconds,
                                                env::WriteBatch* batch) const {
  RETURN_IF_ERROR(CheckCf(request.cf));
  RETURN_IF_ERROR(CheckKey(request.key));
  if (request.new_value.has_value()) {
    RETURN_IF_ERROR(CheckValue(*request.new_value));
  }
  ASSIGN_OR_RETURN(std::optional<uint64_t> expire,
                   ExpireTs(request.ttl_seconds, now_unix_seconds));
  CasResult result;
  ASSIGN_OR_RETURN(
      result.previous_value,
      ReadLive(snapshot, request.cf, request.key, now_unix_seconds));
  // Ref: tikv src/storage/txn/commands/compare_and_swap.rs: succeed iff the
  // previous value equals the expected one (or both are absent).
  result.succeeded = result.previous_value == request.expected;
  if (!result.succeeded) return result;
  if (request.new_value.has_value()) {
    batch->Put(request.cf, StorageKey(request.key),
               EncodeRawValue(*request.new_value, expire));
  } else {
    batch->Delete(request.cf, StorageKey(request.key));
  }
  return result;
}

absl::Status RawKvStore::Apply(const env::WriteBatch& batch) {
  if (batch.empty()) return absl::OkStatus();
  return engine_.Write(batch, write_options_);
}

absl::StatusOr<std::optional<std::string>> RawKvStore::Get(
    env::Cf cf, std::string_view key, uint64_t now_unix_seconds) {
  return raw_.Get(*engine_.NewSnapshot(), cf, key, now_unix_seconds);
}

absl::StatusOr<std::vector<KvPair>> RawKvStore::BatchGet(
    env::Cf cf, const std::vector<std::string>& keys,
    uint64_t now_unix_seconds) {
  return raw_.BatchGet(*engine_.NewSnapshot(), cf, keys, now_unix_seconds);
}

absl::StatusOr<std::vector<KvPair>> RawKvStore::Scan(
    const ScanRequest& request, uint64_t now_unix_seconds) {
  return raw_.Scan(*engine_.NewSnapshot(), request, now_unix_seconds);
}

absl::StatusOr<std::optional<uint64_t>> RawKvStore::GetKeyTtl(
    env::Cf cf, std::string_view key, uint64_t now_unix_seconds) {
  return raw_.GetKeyTtl(*engine_.NewSnapshot(), cf, key, now_unix_seconds);
}

absl::Status RawKvStore::Put(const PutRequest& request,
                             uint64_t now_unix_seconds) {
  env::WriteBatch batch;
  RETURN_IF_ERROR(raw_.Put(request, now_unix_seconds, &batch));
  return Apply(batch);
}

absl::Status RawKvStore::BatchPut(env::Cf cf, const std::vector<KvPair>& pairs,
                                  const std::vector<uint64_t>& ttls_seconds,
                                  uint64_t now_unix_seconds) {
  env::WriteBatch batch;
  RETURN_IF_ERROR(
      raw_.BatchPut(cf, pairs, ttls_seconds, now_unix_seconds, &batch));
  return Apply(batch);
}

absl::Status RawKvStore::Delete(env::Cf cf, std::string_view key) {
  env::WriteBatch batch;
  RETURN_IF_ERROR(raw_.Delete(cf, key, &batch));
  return Apply(batch);
}

absl::Status RawKvStore::BatchDelete(env::Cf cf,
                                     const std::vector<std::string>& keys) {
  env::WriteBatch batch;
  RETURN_IF_ERROR(raw_.BatchDelete(cf, keys, &batch));
  return Apply(batch);
}

absl::Status RawKvStore::DeleteRange(env::Cf cf, std::string_view start_key,
                                     std::string_view end_key) {
  env::WriteBatch batch;
  RETURN_IF_ERROR(raw_.DeleteRange(cf, start_key, end_key, &batch));
  return Apply(batch);
}

absl::StatusOr<CasResult> RawKvStore::CompareAndSwap(
    const CasRequest& request, uint64_t now_unix_seconds) {
  env::WriteBatch batch;
  ASSIGN_OR_RETURN(CasResult result,
                   raw_.CompareAndSwap(*engine_.NewSnapshot(), request,
                                       now_unix_seconds, &batch));
  RETURN_IF_ERROR(Apply(batch));
  return result;
}

}  // namespace core::rawkv
