#include "sim/register/protocol.h"

#include "core/base/bytes.h"

namespace sim::register_kv {
namespace {

using core::base::MakeErr;

constexpr uint8_t kVersion = 1;

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

// Reads fields off the front of a byte view, remembering the first failure.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : in_(bytes) {}
  bool Varint(uint64_t* value, const char* what) {
    if (core::base::GetVarint64(&in_, value)) return true;
    return Fail(what);
  }
  bool Signed(int64_t* value, const char* what) {
    uint64_t raw = 0;
    if (!Varint(&raw, what)) return false;
    *value = UnZigZag(raw);
    return true;
  }
  bool Byte(uint8_t* value, const char* what) {
    if (in_.empty()) return Fail(what);
    *value = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }
  bool String(std::string* value, const char* what) {
    std::string_view view;
    if (!core::base::GetLengthPrefixed(&in_, &view)) return Fail(what);
    value->assign(view);
    return true;
  }
  bool Done() {
    if (in_.empty()) return true;
    return Fail("trailing bytes");
  }
  bool Fail(const char* what) {
    if (error_.empty()) error_ = std::string("bad or truncated ") + what;
    return false;
  }
  const std::string& error() const { return error_; }

 private:
  std::string_view in_;
  std::string error_;
};

}  // namespace

std::string EncodeCommand(const Command& command) {
  std::string out;
  out.push_back(static_cast<char>(kVersion));
  out.push_back(static_cast<char>(command.kind));
  core::base::PutVarint64(&out, command.client);
  core::base::PutVarint64(&out, command.seq);
  core::base::PutLengthPrefixed(&out, command.key);
  core::base::PutVarint64(&out, ZigZag(command.value));
  core::base::PutVarint64(&out, ZigZag(command.expected));
  return out;
}

core::base::Result<Command, ProtocolError> DecodeCommand(
    std::string_view bytes) {
  Reader reader(bytes);
  Command c;
  uint8_t version = 0, kind = 0;
  const bool ok =
      reader.Byte(&version, "version") &&
      (version == kVersion || reader.Fail("version")) &&
      reader.Byte(&kind, "kind") &&
      (kind <= static_cast<uint8_t>(CommandKind::kCas) ||
       reader.Fail("kind")) &&
      reader.Varint(&c.client, "client") && reader.Varint(&c.seq, "seq") &&
      reader.String(&c.key, "key") && reader.Signed(&c.value, "value") &&
      reader.Signed(&c.expected, "expected") && reader.Done();
  if (!ok) return MakeErr(ProtocolError{"command: " + reader.error()});
  c.kind = static_cast<CommandKind>(kind);
  return c;
}

std::string EncodeResponse(const Response& response) {
  std::string out;
  out.push_back(static_cast<char>(kVersion));
  core::base::PutVarint64(&out, response.client);
  core::base::PutVarint64(&out, response.seq);
  out.push_back(static_cast<char>(response.outcome));
  out.push_back(response.value.has_value() ? 1 : 0);
  core::base::PutVarint64(&out, ZigZag(response.value.value_or(0)));
  core::base::PutVarint64(&out, response.leader_hint);
  return out;
}

core::base::Result<Response, ProtocolError> DecodeResponse(
    std::string_view bytes) {
  Reader reader(bytes);
  Response r;
  uint8_t version = 0, outcome = 0, has_value = 0;
  int64_t value = 0;
  const bool ok = reader.Byte(&version, "version") &&
                  (version == kVersion || reader.Fail("version")) &&
                  reader.Varint(&r.client, "client") &&
                  reader.Varint(&r.seq, "seq") &&
                  reader.Byte(&outcome, "outcome") &&
                  (outcome <= kMaxOutcome || reader.Fail("outcome")) &&
                  reader.Byte(&has_value, "has_value") &&
                  (has_value <= 1 || reader.Fail("has_value")) &&
                  reader.Signed(&value, "value") &&
                  reader.Varint(&r.leader_hint, "leader_hint") && reader.Done();
  if (!ok) return MakeErr(ProtocolError{"response: " + reader.error()});
  r.outcome = static_cast<Outcome>(outcome);
  if (has_value == 1) r.value = value;
  return r;
}

std::string_view CommandKindName(CommandKind kind) {
  switch (kind) {
    case CommandKind::kGet:
      return "get";
    case CommandKind::kPut:
      return "put";
    case CommandKind::kCas:
      return "cas";
  }
  return "unknown";
}

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kCasFailed:
      return "cas-failed";
    case Outcome::kUnavailable:
      return "unavailable";
    case Outcome::kHalted:
      return "halted";
  }
  return "unknown";
}

}  // namespace sim::register_kv
