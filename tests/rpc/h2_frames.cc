#include "tests/rpc/h2_frames.h"

#include <nghttp2/nghttp2.h>

#include "core/base/check.h"

namespace rpc::testing {

namespace {

void AppendU32(std::string* out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

}  // namespace

std::string EncodeFrame(uint8_t type, uint8_t flags, int32_t stream_id,
                        const std::string& payload) {
  CHECK_LT(payload.size(), size_t{1} << 24);
  std::string out;
  const auto length = static_cast<uint32_t>(payload.size());
  out.push_back(static_cast<char>(length >> 16));
  out.push_back(static_cast<char>(length >> 8));
  out.push_back(static_cast<char>(length));
  out.push_back(static_cast<char>(type));
  out.push_back(static_cast<char>(flags));
  AppendU32(&out, static_cast<uint32_t>(stream_id) & 0x7fffffff);
  return out + payload;
}

std::string Settings(
    const std::vector<std::pair<uint16_t, uint32_t>>& entries) {
  std::string payload;
  for (const auto& [id, value] : entries) {
    payload.push_back(static_cast<char>(id >> 8));
    payload.push_back(static_cast<char>(id));
    AppendU32(&payload, value);
  }
  return EncodeFrame(kSettings, 0, 0, payload);
}

std::string Ping(const std::string& opaque8, bool ack) {
  CHECK_EQ(opaque8.size(), 8u);
  return EncodeFrame(kPing, ack ? kAck : 0, 0, opaque8);
}

std::string RstStream(int32_t stream_id, uint32_t error_code) {
  std::string payload;
  AppendU32(&payload, error_code);
  return EncodeFrame(kRstStream, 0, stream_id, payload);
}

std::string WindowUpdate(int32_t stream_id, uint32_t increment) {
  std::string payload;
  AppendU32(&payload, increment);
  return EncodeFrame(kWindowUpdate, 0, stream_id, payload);
}

std::string GrpcData(int32_t stream_id,
                     const std::vector<std::string>& messages,
                     bool end_stream) {
  std::string payload;
  for (const std::string& message : messages) AppendMessage(&payload, message);
  return EncodeFrame(kData, end_stream ? kEndStream : 0, stream_id, payload);
}

Metadata GrpcRequestHeaders(const std::string& path, const Metadata& extra) {
  Metadata headers = {{":method", "POST"},
                      {":scheme", "http"},
                      {":path", path},
                      {":authority", "server:20160"},
                      {"content-type", "application/grpc"},
                      {"user-agent", "grpc-go/1.43.0"},
                      {"te", "trailers"}};
  headers.insert(headers.end(), extra.begin(), extra.end());
  return headers;
}

uint32_t ReadU32(const std::string& bytes, size_t at) {
  CHECK_LE(at + 4, bytes.size());
  uint32_t value = 0;
  for (size_t i = 0; i < 4; ++i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
  }
  return value;
}

int32_t GoawayLastStreamId(const Frame& frame) {
  return static_cast<int32_t>(ReadU32(frame.payload, 0) & 0x7fffffff);
}
uint32_t GoawayErrorCode(const Frame& frame) {
  return ReadU32(frame.payload, 4);
}
uint32_t RstErrorCode(const Frame& frame) { return ReadU32(frame.payload, 0); }

HeaderCodec::HeaderCodec() {
  CHECK_EQ(nghttp2_hd_deflate_new(&deflater_, 4096), 0);
  CHECK_EQ(nghttp2_hd_inflate_new(&inflater_), 0);
}

HeaderCodec::~HeaderCodec() {
  nghttp2_hd_deflate_del(deflater_);
  nghttp2_hd_inflate_del(inflater_);
}

std::string HeaderCodec::Encode(const Metadata& fields) {
  std::vector<nghttp2_nv> nv;
  for (const auto& [name, value] : fields) {
    nv.push_back(
        {const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(name.data())),
         const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(value.data())),
         name.size(), value.size(), NGHTTP2_NV_FLAG_NONE});
  }
  std::string out(nghttp2_hd_deflate_bound(deflater_, nv.data(), nv.size()),
                  '\0');
  const ssize_t length =
      nghttp2_hd_deflate_hd(deflater_, reinterpret_cast<uint8_t*>(out.data()),
                            out.size(), nv.data(), nv.size());
  CHECK_GE(length, 0);
  out.resize(static_cast<size_t>(length));
  return out;
}

Metadata HeaderCodec::Decode(const std::string& block) {
  Metadata fields;
  const auto* in = reinterpret_cast<const uint8_t*>(block.data());
  size_t left = block.size();
  while (true) {
    nghttp2_nv nv;
    int flags = 0;
    const ssize_t used =
        nghttp2_hd_inflate_hd2(inflater_, &nv, &flags, in, left, 1);
    CHECK_GE(used, 0) << "the server sent a bad header block";
    in += used;
    left -= static_cast<size_t>(used);
    if (flags & NGHTTP2_HD_INFLATE_EMIT) {
      fields.emplace_back(
          std::string(reinterpret_cast<const char*>(nv.name), nv.namelen),
          std::string(reinterpret_cast<const char*>(nv.value), nv.valuelen));
    }
    if (flags & NGHTTP2_HD_INFLATE_FINAL) break;
    if (used == 0 && left == 0) break;
  }
  nghttp2_hd_inflate_end_headers(inflater_);
  return fields;
}

std::string Value(const Metadata& fields, const std::string& name) {
  for (const auto& [key, value] : fields) {
    if (key == name) return value;
  }
  return "";
}

std::shared_ptr<RawH2Client> RawH2Client::Connect(
    core::env::Executor& executor, core::env::Network& network,
    const core::env::Address& to) {
  auto connection = network.Connect(to, core::base::Duration::Seconds(1));
  CHECK(connection.ok()) << connection.status();
  std::shared_ptr<RawH2Client> client(
      new RawH2Client(executor, *std::move(connection)));
  executor.Spawn("raw-h2-read", [client] { client->ReadLoop(); });
  return client;
}

RawH2Client::RawH2Client(core::env::Executor& executor,
                         std::unique_ptr<core::env::Connection> connection)
    : executor_(executor), connection_(std::move(connection)) {}

bool RawH2Client::Send(const std::string& bytes) {
  return connection_->Write(bytes).ok();
}

bool RawH2Client::Handshake() {
  return Send(std::string(kClientPreface) + Settings({}) +
              EncodeFrame(kSettings, kAck, 0, ""));
}

bool RawH2Client::SendRequest(int32_t stream_id, const std::string& path,
                              const Metadata& extra, bool end_stream) {
  return Send(EncodeFrame(kHeaders, kEndHeaders | (end_stream ? kEndStream : 0),
                          stream_id,
                          codec_.Encode(GrpcRequestHeaders(path, extra))));
}

void RawH2Client::Close() { connection_->Close(); }

std::vector<size_t> RawH2Client::Find(uint8_t type,
                                      std::optional<int32_t> stream_id) const {
  std::vector<size_t> found;
  for (size_t i = 0; i < frames.size(); ++i) {
    if (frames[i].type == type &&
        (!stream_id.has_value() || frames[i].stream_id == *stream_id)) {
      found.push_back(i);
    }
  }
  return found;
}

void RawH2Client::ReadLoop() {
  std::string chunk(64 << 10, '\0');
  while (true) {
    auto read = connection_->Read(chunk.data(), chunk.size());
    if (!read.ok() || *read == 0) break;
    buffer_.append(chunk.data(), *read);
    while (buffer_.size() >= 9) {
      const size_t length = (static_cast<unsigned char>(buffer_[0]) << 16) |
                            (static_cast<unsigned char>(buffer_[1]) << 8) |
                            static_cast<unsigned char>(buffer_[2]);
      if (buffer_.size() < 9 + length) break;
      Frame frame;
      frame.type = static_cast<uint8_t>(buffer_[3]);
      frame.flags = static_cast<uint8_t>(buffer_[4]);
      frame.stream_id = static_cast<int32_t>(ReadU32(buffer_, 5) & 0x7fffffff);
      frame.payload = buffer_.substr(9, length);
      buffer_.erase(0, 9 + length);
      headers.push_back(frame.type == kHeaders ? codec_.Decode(frame.payload)
                                               : Metadata());
      frames.push_back(std::move(frame));
    }
  }
  ended = true;
}

}  // namespace rpc::testing
