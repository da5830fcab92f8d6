// The stored form of a raw value. DO NOT CHANGE: persisted.
//
//   user_value | expire_ts (8 bytes, big-endian; only when has-TTL) | flags
//
// `flags` is one byte: 0x01 = has TTL; every other bit must be zero. The
// trailing flags byte is always present, so a stored raw value is never
// empty. `expire_ts` is in Unix seconds; the value is visible while
// now < expire_ts. Layout after TiKV API V2 raw values (Ref: tikv
// components/api_version/src/api_v2.rs, ValueMeta::EXPIRE_TS).
#ifndef CORE_RAWKV_RAW_VALUE_H_
#define CORE_RAWKV_RAW_VALUE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace core::rawkv {

inline constexpr uint8_t kRawValueHasTtl = 0x01;

struct RawValue {
  std::string user_value;
  // Unix seconds; nullopt when the value never expires.
  std::optional<uint64_t> expire_ts;

  bool IsExpired(uint64_t now_unix_seconds) const {
    return expire_ts.has_value() && *expire_ts <= now_unix_seconds;
  }
  bool operator==(const RawValue&) const = default;
};

std::string EncodeRawValue(std::string_view user_value,
                           std::optional<uint64_t> expire_ts);

// kDataLoss when `stored` is not a valid encoding (empty, unknown flag bits,
// or too short for its expire_ts): such bytes can only come from corruption
// or from a key written by someone other than raw KV.
absl::StatusOr<RawValue> DecodeRawValue(std::string_view stored);

}  // namespace core::rawkv

#endif  // CORE_RAWKV_RAW_VALUE_H_
