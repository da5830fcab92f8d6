// gRPC's encodings on top of HTTP/2 (gRPC's PROTOCOL-HTTP2.md), pure: no
// nghttp2, no env. Everything here accepts arbitrary bytes from the network
// and answers with a value or an error, never a crash.
//
//  * Length-prefixed messages: u8 compressed flag | u32 big-endian length |
//    payload. MessageDecoder reassembles them from DATA chunks cut at any
//    point and refuses a length above its maximum before buffering it.
//  * grpc-timeout: 1 to 8 ASCII digits and a unit (H M S m u n).
//  * grpc-message: percent-encoded UTF-8 (bytes outside 0x20..0x7E and '%'
//    become %XX); a decoder keeps malformed escapes as they are.
//  * Status codes: gRPC's codes are absl::StatusCode's numbers (0..16);
//    HTTP/2 RST_STREAM codes and HTTP statuses map onto them as grpc-go
//    maps them.
#ifndef RPC_WIRE_H_
#define RPC_WIRE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "core/base/result.h"
#include "core/base/time.h"

namespace rpc {

// Header fields in arrival order (names lower-case, as HTTP/2 requires).
// Calls see only custom metadata; pseudo-headers and gRPC's reserved
// headers are the transport's.
using Metadata = std::vector<std::pair<std::string, std::string>>;

inline constexpr size_t kMessagePrefixBytes = 5;
// grpc-go's default for both directions of a server and for a client's
// receive side.
inline constexpr size_t kDefaultMaxMessageBytes = 4 << 20;

// Appends `message` with an uncompressed prefix. CHECKs it fits in u32.
void AppendMessage(std::string* out, std::string_view message);

// Why a stream of messages cannot be decoded; `code` is the status the call
// ends with (RESOURCE_EXHAUSTED for size, INTERNAL for a compressed flag
// without an encoding, or a truncated message).
struct MessageError {
  absl::StatusCode code;
  std::string message;
};

// Reassembles length-prefixed messages. A decoder that returned an error
// stays failed (the stream is out of sync).
class MessageDecoder {
 public:
  explicit MessageDecoder(size_t max_message_bytes);

  void Append(std::string_view bytes);
  // The next whole message; nullopt when more bytes are needed.
  core::base::Result<std::optional<std::string>, MessageError> Next();
  // At the end of the stream: an error if a message is cut short.
  std::optional<MessageError> Finish() const;

  size_t buffered_bytes() const { return buffer_.size() - offset_; }
  bool failed() const { return failed_.has_value(); }

 private:
  const size_t max_message_bytes_;
  std::string buffer_;
  // Invariant: offset_ <= buffer_.size(); bytes before it are consumed.
  size_t offset_ = 0;
  std::optional<MessageError> failed_;
};

// grpc-timeout. ParseTimeout returns nullopt for anything malformed.
std::optional<core::base::Duration> ParseTimeout(std::string_view value);
// The finest unit whose value fits in 8 digits, rounded up so the peer
// never sees a shorter timeout than ours. CHECKs `timeout` is positive:
// an expired deadline fails the call locally instead.
std::string FormatTimeout(core::base::Duration timeout);

std::string PercentEncode(std::string_view message);
std::string PercentDecode(std::string_view encoded);

// "application/grpc", optionally followed by "+format" or ";params".
bool IsGrpcContentType(std::string_view content_type);

// The grpc-status value: digits of a known code; anything else is UNKNOWN.
absl::StatusCode ParseStatusCode(std::string_view value);
// A received RST_STREAM (or a stream closed with this HTTP/2 error code)
// before the call's status was known, as grpc-go maps it.
absl::StatusCode StatusCodeFromHttp2Error(uint32_t error_code);
// A response whose :status is not 200 (gRPC's HTTP-to-gRPC mapping).
absl::StatusCode StatusCodeFromHttpStatus(int http_status);

}  // namespace rpc

#endif  // RPC_WIRE_H_
