#include "core/rawkv/raw_value.h"

#include "absl/status/status.h"
#include "core/base/bytes.h"

namespace core::rawkv {

std::string EncodeRawValue(std::string_view user_value,
                           std::optional<uint64_t> expire_ts) {
  std::string out;
  out.reserve(user_value.size() + 9);
  out.append(user_value);
  uint8_t flags = 0;
  if (expire_ts.has_value()) {
    base::PutFixed64BigEndian(&out, *expire_ts);
    flags |= kRawValueHasTtl;
  }
  out.push_back(static_cast<char>(flags));
  return out;
}

absl::StatusOr<RawValue> DecodeRawValue(std::string_view stored) {
  if (stored.empty()) {
    return absl::DataLossError("raw value: missing flags byte");
  }
  const uint8_t flags = static_cast<uint8_t>(stored.back());
  stored.remove_suffix(1);
  if ((flags & ~kRawValueHasTtl) != 0) {
    return absl::DataLossError("raw value: unknown flag bits");
  }
  RawValue value;
  if ((flags & kRawValueHasTtl) != 0) {
    if (stored.size() < 8) {
      return absl::DataLossError("raw value: truncated expire_ts");
    }
    std::string_view ts = stored.substr(stored.size() - 8);
    uint64_t expire_ts = 0;
    if (!base::GetFixed64BigEndian(&ts, &expire_ts)) {
      return absl::DataLossError("raw value: bad expire_ts");
    }
    value.expire_ts = expire_ts;
    stored.remove_suffix(8);
  }
  value.user_value = std::string(stored);
  return value;
}

}  // namespace core::rawkv
