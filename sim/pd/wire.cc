#include "sim/pd/wire.h"

#include "core/base/bytes.h"

namespace sim::pdsim {
namespace {

namespace base = core::base;

constexpr char kVersion = 1;
constexpr int kMaxStatusCode = 16;  // absl::StatusCode::kUnauthenticated

}  // namespace

std::string EncodeCall(const CallFrame& call) {
  std::string out(1, kVersion);
  base::PutVarint64(&out, call.call_id);
  base::PutVarint64(&out, call.stream_id);
  base::PutLengthPrefixed(&out, call.method);
  base::PutLengthPrefixed(&out, call.payload);
  return out;
}

base::Result<CallFrame, WireError> DecodeCall(std::string_view in) {
  if (in.empty() || in.front() != kVersion) {
    return base::MakeErr(WireError{"call: bad version"});
  }
  in.remove_prefix(1);
  CallFrame call;
  std::string_view method, payload;
  if (!base::GetVarint64(&in, &call.call_id) ||
      !base::GetVarint64(&in, &call.stream_id) ||
      !base::GetLengthPrefixed(&in, &method) ||
      !base::GetLengthPrefixed(&in, &payload) || !in.empty()) {
    return base::MakeErr(WireError{"call: truncated or garbled"});
  }
  call.method = std::string(method);
  call.payload = std::string(payload);
  return call;
}

std::string EncodeReply(const ReplyFrame& reply) {
  std::string out(1, kVersion);
  base::PutVarint64(&out, reply.call_id);
  out.push_back(static_cast<char>(reply.code));
  base::PutLengthPrefixed(&out, reply.message);
  out.push_back(reply.has_payload ? 1 : 0);
  base::PutLengthPrefixed(&out, reply.payload);
  return out;
}

base::Result<ReplyFrame, WireError> DecodeReply(std::string_view in) {
  if (in.empty() || in.front() != kVersion) {
    return base::MakeErr(WireError{"reply: bad version"});
  }
  in.remove_prefix(1);
  ReplyFrame reply;
  std::string_view message, payload;
  if (!base::GetVarint64(&in, &reply.call_id) || in.empty()) {
    return base::MakeErr(WireError{"reply: truncated"});
  }
  const int code = static_cast<unsigned char>(in.front());
  in.remove_prefix(1);
  if (code > kMaxStatusCode || !base::GetLengthPrefixed(&in, &message) ||
      in.empty()) {
    return base::MakeErr(WireError{"reply: garbled"});
  }
  reply.has_payload = in.front() != 0;
  in.remove_prefix(1);
  if (!base::GetLengthPrefixed(&in, &payload) || !in.empty()) {
    return base::MakeErr(WireError{"reply: truncated payload"});
  }
  reply.code = static_cast<absl::StatusCode>(code);
  reply.message = std::string(message);
  reply.payload = std::string(payload);
  return reply;
}

}  // namespace sim::pdsim
