#include "core/mvcc/record_codec.h"

#include <string>

#include "absl/status/status.h"
#include "core/base/check.h"

namespace core::mvcc::internal {
namespace {

absl::Status Truncated(const char* what) {
  return absl::InvalidArgumentError(std::string("record truncated in ") + what);
}

}  // namespace

void PutCompactBytes(Bytes* out, BytesView bytes) {
  // encode_var_i64(len): zigzag, so a length n becomes the varint 2n.
  base::PutVarint64(out, static_cast<uint64_t>(bytes.size()) << 1);
  out->append(bytes);
}

absl::Status GetCompactBytes(BytesView* in, Bytes* bytes, const char* what) {
  uint64_t zigzag = 0;
  BytesView rest = *in;
  if (!base::GetVarint64(&rest, &zigzag)) return Truncated(what);
  if ((zigzag & 1) != 0) {
    return absl::InvalidArgumentError(std::string("negative length in ") +
                                      what);
  }
  const uint64_t length = zigzag >> 1;
  if (length > rest.size()) return Truncated(what);
  bytes->assign(rest.substr(0, length));
  rest.remove_prefix(length);
  *in = rest;
  return absl::OkStatus();
}

absl::Status GetVarU64(BytesView* in, uint64_t* value, const char* what) {
  if (!base::GetVarint64(in, value)) return Truncated(what);
  return absl::OkStatus();
}

absl::Status GetU64(BytesView* in, uint64_t* value, const char* what) {
  if (!base::GetFixed64BigEndian(in, value)) return Truncated(what);
  return absl::OkStatus();
}

absl::Status GetTs(BytesView* in, base::TimeStamp* ts, const char* what) {
  uint64_t value = 0;
  if (!base::GetFixed64BigEndian(in, &value)) return Truncated(what);
  *ts = base::TimeStamp(value);
  return absl::OkStatus();
}

void PutShortValue(Bytes* out, BytesView value) {
  CHECK_LE(value.size(), kShortValueMaxLen) << "short value too long";
  out->push_back(static_cast<char>(value.size()));
  out->append(value);
}

absl::Status GetShortValue(BytesView* in, std::optional<Bytes>* value) {
  if (in->empty()) return Truncated("short value length");
  const size_t length = static_cast<uint8_t>((*in)[0]);
  if (in->size() < 1 + length) return Truncated("short value");
  *value = Bytes(in->substr(1, length));
  in->remove_prefix(1 + length);
  return absl::OkStatus();
}

}  // namespace core::mvcc::internal
