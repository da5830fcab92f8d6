#include "store/transport/frame.h"

#include <limits>

#include "core/base/bytes.h"
#include "core/base/check.h"

namespace store::transport {
namespace {

using core::base::MakeErr;

constexpr std::string_view kHelloMagic = "tkvh";
constexpr uint8_t kHelloVersion = 1;

}  // namespace

void AppendFrame(std::string* out, std::string_view payload) {
  CHECK_LE(payload.size(), std::numeric_limits<uint32_t>::max())
      << "a frame's length must fit 32 bits";
  core::base::PutFixed32BigEndian(out, static_cast<uint32_t>(payload.size()));
  out->append(payload);
}

std::string EncodeHello(std::string_view address) {
  CHECK(!address.empty()) << "a hello needs the sender's listen address";
  CHECK_LE(address.size(), kMaxHelloAddressBytes) << address;
  std::string out(kHelloMagic);
  out.push_back(static_cast<char>(kHelloVersion));
  core::base::PutLengthPrefixed(&out, address);
  return out;
}

core::base::Result<std::string, FrameError> DecodeHello(
    std::string_view payload) {
  if (payload.substr(0, kHelloMagic.size()) != kHelloMagic) {
    return MakeErr(FrameError{"the first frame is not a hello"});
  }
  payload.remove_prefix(kHelloMagic.size());
  if (payload.empty() || static_cast<uint8_t>(payload[0]) != kHelloVersion) {
    return MakeErr(FrameError{"hello: unknown version"});
  }
  payload.remove_prefix(1);
  std::string_view address;
  if (!core::base::GetLengthPrefixed(&payload, &address)) {
    return MakeErr(FrameError{"hello: bad or truncated address"});
  }
  if (address.empty() || address.size() > kMaxHelloAddressBytes) {
    return MakeErr(FrameError{"hello: address empty or too long"});
  }
  if (!payload.empty()) return MakeErr(FrameError{"hello: trailing bytes"});
  return std::string(address);
}

FrameDecoder::FrameDecoder(size_t max_frame_bytes)
    : max_frame_bytes_(max_frame_bytes) {
  CHECK_LE(max_frame_bytes, std::numeric_limits<uint32_t>::max());
}

void FrameDecoder::Append(std::string_view bytes) {
  if (failed_) return;  // Out of sync: nothing after the error means much.
  // Compact before growing, so a long-lived stream does not keep every
  // byte it ever carried.
  if (offset_ > 0 && offset_ == buffer_.size()) {
    buffer_.clear();
    offset_ = 0;
  } else if (offset_ > buffer_.size() / 2) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  buffer_.append(bytes);
}

core::base::Result<std::optional<std::string>, FrameError>
FrameDecoder::Next() {
  if (failed_) return MakeErr(FrameError{error_});
  std::string_view in(buffer_);
  in.remove_prefix(offset_);
  uint32_t length = 0;
  if (!core::base::GetFixed32BigEndian(&in, &length)) {
    return std::optional<std::string>();
  }
  if (length > max_frame_bytes_) {
    failed_ = true;
    error_ = "frame of " + std::to_string(length) +
             " bytes exceeds the maximum of " +
             std::to_string(max_frame_bytes_);
    buffer_.clear();
    offset_ = 0;
    return MakeErr(FrameError{error_});
  }
  if (in.size() < length) return std::optional<std::string>();
  std::optional<std::string> payload(std::string(in.substr(0, length)));
  offset_ += kFrameHeaderBytes + length;
  CHECK_LE(offset_, buffer_.size());
  return payload;
}

}  // namespace store::transport
