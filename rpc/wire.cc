#include "rpc/wire.h"

#include <array>
#include <limits>

#include "core/base/check.h"
#include "core/base/numbers.h"

namespace rpc {

using core::base::Duration;
using core::base::Err;

void AppendMessage(std::string* out, std::string_view message) {
  CHECK(message.size() <= std::numeric_limits<uint32_t>::max())
      << "a gRPC message is at most 4 GiB";
  const auto size = static_cast<uint32_t>(message.size());
  out->push_back('\0');
  for (int shift = 24; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((size >> shift) & 0xff));
  }
  out->append(message);
}

MessageDecoder::MessageDecoder(size_t max_message_bytes)
    : max_message_bytes_(max_message_bytes) {}

void MessageDecoder::Append(std::string_view bytes) {
  if (failed_.has_value()) return;
  // Compact before growing, so a long stream of small messages stays small.
  if (offset_ > 0 && offset_ == buffer_.size()) {
    buffer_.clear();
    offset_ = 0;
  } else if (offset_ > (64 << 10) && offset_ * 2 > buffer_.size()) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  buffer_.append(bytes);
}

core::base::Result<std::optional<std::string>, MessageError>
MessageDecoder::Next() {
  if (failed_.has_value()) return Err<MessageError>{*failed_};
  if (buffered_bytes() < kMessagePrefixBytes) {
    return std::optional<std::string>();
  }
  const auto* prefix =
      reinterpret_cast<const unsigned char*>(buffer_.data() + offset_);
  const uint8_t flag = prefix[0];
  const uint64_t length = (uint64_t{prefix[1]} << 24) |
                          (uint64_t{prefix[2]} << 16) |
                          (uint64_t{prefix[3]} << 8) | uint64_t{prefix[4]};
  if (flag != 0) {
    // grpc-go's words: without a grpc-encoding nothing may be compressed,
    // and flags other than 0 and 1 are malformed.
    failed_ = MessageError{
        absl::StatusCode::kInternal,
        flag == 1
            ? "grpc: compressed flag set with identity or empty encoding"
            : "grpc: invalid message prefix flag " + std::to_string(flag)};
    return Err<MessageError>{*failed_};
  }
  if (length > max_message_bytes_) {
    failed_ = MessageError{absl::StatusCode::kResourceExhausted,
                           "grpc: received message larger than max (" +
                               std::to_string(length) + " vs. " +
                               std::to_string(max_message_bytes_) + ")"};
    return Err<MessageError>{*failed_};
  }
  if (buffered_bytes() < kMessagePrefixBytes + length) {
    return std::optional<std::string>();
  }
  std::string message = buffer_.substr(offset_ + kMessagePrefixBytes, length);
  offset_ += kMessagePrefixBytes + length;
  CHECK_LE(offset_, buffer_.size());
  return std::optional<std::string>(std::move(message));
}

std::optional<MessageError> MessageDecoder::Finish() const {
  if (failed_.has_value()) return failed_;
  if (buffered_bytes() == 0) return std::nullopt;
  return MessageError{absl::StatusCode::kInternal,
                      "grpc: stream ended inside a message (" +
                          std::to_string(buffered_bytes()) + " bytes left)"};
}

namespace {

struct TimeoutUnit {
  char symbol;
  int64_t nanoseconds;
};
// Coarsest first.
constexpr std::array<TimeoutUnit, 6> kTimeoutUnits = {{
    {'H', int64_t{3600} * 1000 * 1000 * 1000},
    {'M', int64_t{60} * 1000 * 1000 * 1000},
    {'S', 1000 * 1000 * 1000},
    {'m', 1000 * 1000},
    {'u', 1000},
    {'n', 1},
}};
constexpr int64_t kMaxTimeoutValue = 99999999;  // 8 digits

}  // namespace

std::optional<Duration> ParseTimeout(std::string_view value) {
  if (value.size() < 2 || value.size() > 9) return std::nullopt;
  const std::optional<int64_t> parsed = core::base::ParseInteger<int64_t>(
      value.substr(0, value.size() - 1), 0, kMaxTimeoutValue);
  if (!parsed.has_value()) return std::nullopt;
  const int64_t amount = *parsed;
  for (const TimeoutUnit& unit : kTimeoutUnits) {
    if (unit.symbol != value.back()) continue;
    // 99999999 hours overflows int64 nanoseconds: saturate (a deadline
    // eleven thousand years away is no deadline).
    if (amount > std::numeric_limits<int64_t>::max() / unit.nanoseconds) {
      return Duration::Nanoseconds(std::numeric_limits<int64_t>::max());
    }
    return Duration::Nanoseconds(amount * unit.nanoseconds);
  }
  return std::nullopt;
}

std::string FormatTimeout(Duration timeout) {
  CHECK(timeout > Duration::Zero()) << "an expired deadline is not sent";
  const int64_t ns = timeout.nanoseconds();
  // Finest unit first: the most precise value that fits in 8 digits.
  for (auto unit = kTimeoutUnits.rbegin(); unit != kTimeoutUnits.rend();
       ++unit) {
    const int64_t amount = (ns + unit->nanoseconds - 1) / unit->nanoseconds;
    if (amount <= kMaxTimeoutValue) {
      return std::to_string(amount) + unit->symbol;
    }
  }
  return std::to_string(kMaxTimeoutValue) + "H";
}

std::string PercentEncode(std::string_view message) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(message.size());
  for (char c : message) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte <= 0x7e && byte != '%') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xf]);
    }
  }
  return out;
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string PercentDecode(std::string_view encoded) {
  std::string out;
  out.reserve(encoded.size());
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '%' && i + 2 < encoded.size() &&
        HexValue(encoded[i + 1]) >= 0 && HexValue(encoded[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(encoded[i + 1]) * 16 +
                                      HexValue(encoded[i + 2])));
      i += 2;
    } else {
      // gRPC: a malformed escape is kept as is, never an error.
      out.push_back(encoded[i]);
    }
  }
  return out;
}

bool IsGrpcContentType(std::string_view content_type) {
  constexpr std::string_view kGrpc = "application/grpc";
  if (content_type.substr(0, kGrpc.size()) != kGrpc) return false;
  return content_type.size() == kGrpc.size() ||
         content_type[kGrpc.size()] == '+' || content_type[kGrpc.size()] == ';';
}

absl::StatusCode ParseStatusCode(std::string_view value) {
  const std::optional<int> code = core::base::ParseInteger<int>(
      value, 0, static_cast<int>(absl::StatusCode::kUnauthenticated));
  if (!code.has_value()) return absl::StatusCode::kUnknown;
  return static_cast<absl::StatusCode>(*code);
}

absl::StatusCode StatusCodeFromHttp2Error(uint32_t error_code) {
  // RFC 7540 §7 codes; grpc-go's http2ErrConvTab.
  switch (error_code) {
    case 0x7:  // REFUSED_STREAM: not processed, safe to retry
      return absl::StatusCode::kUnavailable;
    case 0x8:  // CANCEL
      return absl::StatusCode::kCancelled;
    case 0xb:  // ENHANCE_YOUR_CALM
      return absl::StatusCode::kResourceExhausted;
    case 0xc:  // INADEQUATE_SECURITY
      return absl::StatusCode::kPermissionDenied;
    default:  // NO_ERROR without a status, PROTOCOL_ERROR, INTERNAL_ERROR...
      return absl::StatusCode::kInternal;
  }
}

absl::StatusCode StatusCodeFromHttpStatus(int http_status) {
  switch (http_status) {
    case 400:
      return absl::StatusCode::kInternal;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kUnimplemented;
    case 429:
    case 502:
    case 503:
    case 504:
      return absl::StatusCode::kUnavailable;
    default:
      return absl::StatusCode::kUnknown;
  }
}

}  // namespace rpc
