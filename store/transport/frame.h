// The transport's wire framing: length-prefixed frames on a byte stream, and
// the hello that opens every connection. Pure (no env): bytes in, frames out.
//
// Layout (DO NOT CHANGE without a version bump: both ends must agree):
//   frame:  u32 big-endian payload length | payload
//   hello:  the first frame of a connection, payload
//           "tkvh" | u8 version(=1) | varint length | sender listen address
//
// The length prefix is gRPC's (a length-prefixed message without the
// compressed flag), so the later gRPC layer keeps the same shape. A length
// above the decoder's maximum is refused before any payload is buffered: a
// peer can make the receiver hold at most `max_frame_bytes` plus one read.
//
// Every decoder accepts arbitrary bytes: malformed input yields a FrameError
// naming the problem, never a crash, and a FrameDecoder that saw one stays
// failed (the stream is out of sync: the connection must be closed).
#ifndef STORE_TRANSPORT_FRAME_H_
#define STORE_TRANSPORT_FRAME_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"

namespace store::transport {

inline constexpr size_t kFrameHeaderBytes = 4;
// Fits a Raft MsgApp of max_size_per_msg_bytes (1 MiB) and small snapshots;
// large snapshots will travel in chunks of their own.
inline constexpr size_t kDefaultMaxFrameBytes = 16 << 20;
// Listen addresses are "host:port"; anything longer is garbage.
inline constexpr size_t kMaxHelloAddressBytes = 255;

struct FrameError {
  std::string reason;
};

// Appends `payload` as one frame. CHECKs it fits the 32-bit length.
void AppendFrame(std::string* out, std::string_view payload);

// The hello payload announcing `address` (non-empty, at most
// kMaxHelloAddressBytes), and its decoder.
std::string EncodeHello(std::string_view address);
core::base::Result<std::string, FrameError> DecodeHello(
    std::string_view payload);

// Reassembles frames from a byte stream cut at arbitrary points.
//
//   FrameDecoder decoder(max_frame_bytes);
//   decoder.Append(bytes_read);
//   while (true) {
//     auto frame = decoder.Next();
//     if (!frame.ok()) ...close the connection...;
//     if (!frame->has_value()) break;  // needs more bytes
//     ...use **frame...
//   }
class FrameDecoder {
 public:
  explicit FrameDecoder(size_t max_frame_bytes);

  void Append(std::string_view bytes);
  // The next whole frame's payload; nullopt when more bytes are needed; an
  // error (sticky) when the next length exceeds the maximum.
  core::base::Result<std::optional<std::string>, FrameError> Next();

  // Bytes appended but not yet returned as frames.
  size_t buffered_bytes() const { return buffer_.size() - offset_; }
  bool failed() const { return failed_; }

 private:
  const size_t max_frame_bytes_;
  std::string buffer_;
  // Invariant: offset_ <= buffer_.size(); bytes before it are consumed.
  size_t offset_ = 0;
  bool failed_ = false;
  std::string error_;
};

}  // namespace store::transport

#endif  // STORE_TRANSPORT_FRAME_H_
