#include "pd/server/command.h"

#include <optional>
#include <utility>

#include "core/base/bytes.h"
#include "core/base/check.h"

namespace pd::server {
namespace {

namespace base = core::base;

constexpr uint8_t kVersion = 1;

// DO NOT CHANGE: persisted kind numbers (see the layout in command.h).
enum class Kind : uint8_t {
  kSetClusterId = 1,
  kBootstrapCluster = 2,
  kPutStore = 3,
  kPutRegion = 4,
  kSaveTsoBound = 5,
  kSaveIdEnd = 6,
  kUpdateGcSafePoint = 7,
  kUpdateServiceSafePoint = 8,
  kEtcdPut = 9,
  kEtcdDeleteRange = 10,
  kSetStoreState = 11,
};

void PutSigned(std::string* out, int64_t value) {
  base::PutVarint64(out, static_cast<uint64_t>(value));
}

void PutMessage(std::string* out, const google::protobuf::Message& message) {
  base::PutLengthPrefixed(out, message.SerializeAsString());
}

struct BodyEncoder {
  std::string* out;

  Kind operator()(const SetClusterId& c) const {
    base::PutVarint64(out, c.cluster_id);
    return Kind::kSetClusterId;
  }
  Kind operator()(const BootstrapCluster& c) const {
    PutMessage(out, c.store);
    PutMessage(out, c.region);
    return Kind::kBootstrapCluster;
  }
  Kind operator()(const PutStore& c) const {
    PutMessage(out, c.store);
    return Kind::kPutStore;
  }
  Kind operator()(const PutRegion& c) const {
    PutMessage(out, c.region);
    return Kind::kPutRegion;
  }
  Kind operator()(const SaveTsoBound& c) const {
    PutSigned(out, c.bound_ms);
    return Kind::kSaveTsoBound;
  }
  Kind operator()(const SaveIdEnd& c) const {
    base::PutVarint64(out, c.end);
    return Kind::kSaveIdEnd;
  }
  Kind operator()(const UpdateGcSafePoint& c) const {
    base::PutVarint64(out, c.safe_point);
    PutSigned(out, c.now_ms);
    return Kind::kUpdateGcSafePoint;
  }
  Kind operator()(const UpdateServiceSafePoint& c) const {
    base::PutLengthPrefixed(out, c.service_id);
    base::PutVarint64(out, c.safe_point);
    PutSigned(out, c.ttl_seconds);
    PutSigned(out, c.now_ms);
    return Kind::kUpdateServiceSafePoint;
  }
  Kind operator()(const EtcdPut& c) const {
    base::PutLengthPrefixed(out, c.key);
    base::PutLengthPrefixed(out, c.value);
    return Kind::kEtcdPut;
  }
  Kind operator()(const EtcdDeleteRange& c) const {
    base::PutLengthPrefixed(out, c.key);
    base::PutLengthPrefixed(out, c.range_end);
    return Kind::kEtcdDeleteRange;
  }
  Kind operator()(const SetStoreState& c) const {
    base::PutVarint64(out, c.store_id);
    out->push_back(static_cast<char>(c.state));
    return Kind::kSetStoreState;
  }
};

// Reads fields off the front of the input; the first failure sticks.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  uint64_t Unsigned() {
    uint64_t value = 0;
    if (ok_ && !base::GetVarint64(&in_, &value)) ok_ = false;
    return value;
  }
  int64_t Signed() { return static_cast<int64_t>(Unsigned()); }
  std::string Bytes() {
    std::string_view bytes;
    if (ok_ && !base::GetLengthPrefixed(&in_, &bytes)) ok_ = false;
    return std::string(bytes);
  }
  void Message(google::protobuf::Message* message) {
    const std::string bytes = Bytes();
    if (ok_ && !message->ParseFromString(bytes)) ok_ = false;
  }
  uint8_t Byte() {
    if (!ok_ || in_.empty()) {
      ok_ = false;
      return 0;
    }
    const auto value = static_cast<uint8_t>(in_.front());
    in_.remove_prefix(1);
    return value;
  }
  void Fail() { ok_ = false; }
  bool ok() const { return ok_; }
  bool done() const { return ok_ && in_.empty(); }

 private:
  std::string_view in_;
  bool ok_ = true;
};

std::optional<CommandBody> DecodeBody(Kind kind, Reader& r) {
  switch (kind) {
    case Kind::kSetClusterId:
      return SetClusterId{r.Unsigned()};
    case Kind::kBootstrapCluster: {
      BootstrapCluster c;
      r.Message(&c.store);
      r.Message(&c.region);
      return c;
    }
    case Kind::kPutStore: {
      PutStore c;
      r.Message(&c.store);
      return c;
    }
    case Kind::kPutRegion: {
      PutRegion c;
      r.Message(&c.region);
      return c;
    }
    case Kind::kSaveTsoBound:
      return SaveTsoBound{r.Signed()};
    case Kind::kSaveIdEnd:
      return SaveIdEnd{r.Unsigned()};
    case Kind::kUpdateGcSafePoint: {
      const uint64_t safe_point = r.Unsigned();
      return UpdateGcSafePoint{safe_point, r.Signed()};
    }
    case Kind::kUpdateServiceSafePoint: {
      UpdateServiceSafePoint c;
      c.service_id = r.Bytes();
      c.safe_point = r.Unsigned();
      c.ttl_seconds = r.Signed();
      c.now_ms = r.Signed();
      return c;
    }
    case Kind::kEtcdPut: {
      std::string key = r.Bytes();
      return EtcdPut{std::move(key), r.Bytes()};
    }
    case Kind::kEtcdDeleteRange: {
      std::string key = r.Bytes();
      return EtcdDeleteRange{std::move(key), r.Bytes()};
    }
    case Kind::kSetStoreState: {
      SetStoreState c;
      c.store_id = r.Unsigned();
      const uint8_t state = r.Byte();
      if (metapb::StoreState_IsValid(state)) {
        c.state = static_cast<metapb::StoreState>(state);
      } else {
        r.Fail();
      }
      return c;
    }
  }
  return std::nullopt;
}

struct NameOf {
  std::string_view operator()(const SetClusterId&) { return "SetClusterId"; }
  std::string_view operator()(const BootstrapCluster&) {
    return "BootstrapCluster";
  }
  std::string_view operator()(const PutStore&) { return "PutStore"; }
  std::string_view operator()(const PutRegion&) { return "PutRegion"; }
  std::string_view operator()(const SaveTsoBound&) { return "SaveTsoBound"; }
  std::string_view operator()(const SaveIdEnd&) { return "SaveIdEnd"; }
  std::string_view operator()(const UpdateGcSafePoint&) {
    return "UpdateGcSafePoint";
  }
  std::string_view operator()(const UpdateServiceSafePoint&) {
    return "UpdateServiceSafePoint";
  }
  std::string_view operator()(const EtcdPut&) { return "EtcdPut"; }
  std::string_view operator()(const EtcdDeleteRange&) {
    return "EtcdDeleteRange";
  }
  std::string_view operator()(const SetStoreState&) { return "SetStoreState"; }
};

}  // namespace

std::string_view CommandName(const CommandBody& body) {
  return std::visit(NameOf{}, body);
}

std::string EncodeCommand(const Command& command) {
  std::string body;
  const Kind kind = std::visit(BodyEncoder{&body}, command.body);
  std::string out;
  out.push_back(static_cast<char>(kVersion));
  out.push_back(static_cast<char>(kind));
  base::PutVarint64(&out, command.id.nonce);
  base::PutVarint64(&out, command.id.seq);
  out += body;
  return out;
}

base::Result<Command, CommandDecodeError> DecodeCommand(
    std::string_view bytes) {
  if (bytes.size() < 2) {
    return base::MakeErr(CommandDecodeError{"shorter than its header"});
  }
  if (static_cast<uint8_t>(bytes[0]) != kVersion) {
    return base::MakeErr(CommandDecodeError{
        "unknown version " + std::to_string(static_cast<uint8_t>(bytes[0]))});
  }
  const auto kind = static_cast<Kind>(static_cast<uint8_t>(bytes[1]));
  Reader r(bytes.substr(2));
  Command command;
  command.id.nonce = r.Unsigned();
  command.id.seq = r.Unsigned();
  std::optional<CommandBody> body = DecodeBody(kind, r);
  if (!body.has_value()) {
    return base::MakeErr(CommandDecodeError{
        "unknown kind " + std::to_string(static_cast<uint8_t>(bytes[1]))});
  }
  if (!r.ok()) return base::MakeErr(CommandDecodeError{"truncated or garbled"});
  if (!r.done()) return base::MakeErr(CommandDecodeError{"trailing bytes"});
  command.body = *std::move(body);
  return command;
}

}  // namespace pd::server
