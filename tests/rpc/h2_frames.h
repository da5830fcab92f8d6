// Raw HTTP/2 for tests that speak to our server frame by frame, as a
// misbehaving or unusual client would: frame encoding and parsing (RFC 7540
// §4), HPACK through nghttp2's standalone codec, and RawH2Client, a
// connection on the simulator whose reader fibre collects every frame the
// server sends.
#ifndef TESTS_RPC_H2_FRAMES_H_
#define TESTS_RPC_H2_FRAMES_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/env/executor.h"
#include "core/env/network.h"
#include "rpc/wire.h"

struct nghttp2_hd_deflater;
struct nghttp2_hd_inflater;

namespace rpc::testing {

inline constexpr char kClientPreface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

enum FrameType : uint8_t {
  kData = 0x0,
  kHeaders = 0x1,
  kRstStream = 0x3,
  kSettings = 0x4,
  kPing = 0x6,
  kGoaway = 0x7,
  kWindowUpdate = 0x8,
};
enum FrameFlag : uint8_t {
  kEndStream = 0x1,
  kAck = 0x1,
  kEndHeaders = 0x4,
};

struct Frame {
  uint8_t type = 0;
  uint8_t flags = 0;
  int32_t stream_id = 0;
  std::string payload;
};

std::string EncodeFrame(uint8_t type, uint8_t flags, int32_t stream_id,
                        const std::string& payload);
std::string Settings(const std::vector<std::pair<uint16_t, uint32_t>>& entries);
std::string Ping(const std::string& opaque8, bool ack = false);
std::string RstStream(int32_t stream_id, uint32_t error_code);
std::string WindowUpdate(int32_t stream_id, uint32_t increment);
// A DATA frame carrying `messages` with gRPC's prefix.
std::string GrpcData(int32_t stream_id,
                     const std::vector<std::string>& messages, bool end_stream);
// The request headers grpc-go sends for `path`, plus `extra`.
Metadata GrpcRequestHeaders(const std::string& path,
                            const Metadata& extra = {});

uint32_t ReadU32(const std::string& bytes, size_t at);
// GOAWAY's fields.
int32_t GoawayLastStreamId(const Frame& frame);
uint32_t GoawayErrorCode(const Frame& frame);
uint32_t RstErrorCode(const Frame& frame);

// HPACK state for one connection direction each way.
class HeaderCodec {
 public:
  HeaderCodec();
  ~HeaderCodec();
  HeaderCodec(const HeaderCodec&) = delete;
  HeaderCodec& operator=(const HeaderCodec&) = delete;

  std::string Encode(const Metadata& fields);
  // A whole header block (no padding or priority in the frame).
  Metadata Decode(const std::string& block);

 private:
  nghttp2_hd_deflater* deflater_ = nullptr;
  nghttp2_hd_inflater* inflater_ = nullptr;
};

// The first value of `name`, or "" when absent.
std::string Value(const Metadata& fields, const std::string& name);

// A client connection that writes raw bytes; its reader fibre parses what
// the server sends into `frames` until the connection ends (`ended`).
class RawH2Client {
 public:
  // Call from a fibre of the client node: connects and spawns the reader.
  static std::shared_ptr<RawH2Client> Connect(core::env::Executor& executor,
                                              core::env::Network& network,
                                              const core::env::Address& to);
  bool Send(const std::string& bytes);
  // Preface and an empty SETTINGS, then the ACK of the server's SETTINGS.
  bool Handshake();
  // HEADERS for a gRPC request on `stream_id`.
  bool SendRequest(int32_t stream_id, const std::string& path,
                   const Metadata& extra = {}, bool end_stream = false);
  void Close();

  // Frames received, in order; header blocks decoded into `headers[i]` for
  // HEADERS frames (empty for the rest).
  std::vector<Frame> frames;
  std::vector<Metadata> headers;
  bool ended = false;

  // The frames of one stream (or of the connection, 0), of one type.
  std::vector<size_t> Find(
      uint8_t type, std::optional<int32_t> stream_id = std::nullopt) const;

 private:
  RawH2Client(core::env::Executor& executor,
              std::unique_ptr<core::env::Connection> connection);
  void ReadLoop();

  core::env::Executor& executor_;
  std::unique_ptr<core::env::Connection> connection_;
  HeaderCodec codec_;
  std::string buffer_;
};

}  // namespace rpc::testing

#endif  // TESTS_RPC_H2_FRAMES_H_
