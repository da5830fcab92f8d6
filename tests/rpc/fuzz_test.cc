// A byte-level fuzz of the server's frame and message decoding (RapidCheck,
// bounded: a fixed number of cases, each a fresh simulation run for a few
// virtual seconds). Each case sends one connection's worth of bytes to the
// server, cut into random writes: pure garbage, or a valid grpc-go-like
// client stream (preface, SETTINGS with unknown ids, unary calls, calls
// reset mid-way, PINGs, WINDOW_UPDATEs, garbage request messages) with
// random bytes flipped, inserted, deleted or the stream truncated.
//
// Whatever the bytes, the server must not crash (ASan runs this too), must
// end every call it started once the connection is gone, and must keep
// serving a fresh connection. A second property sends random bytes as a
// typed method's request: the status is OK (when they parse) or INTERNAL.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <string>
#include <vector>

#include "core/base/testing/rapidcheck_gtest.h"
#include "kvrpcpb.pb.h"
#include "rpc/channel.h"
#include "rpc/server.h"
#include "tests/rpc/h2_frames.h"
#include "tests/rpc/rpc_harness.h"

namespace rpc::testing {
namespace {

using core::base::Duration;

constexpr char kEcho[] = "/test.Echo/Unary";
constexpr char kHold[] = "/test.Echo/Hold";
constexpr char kTyped[] = "/test.Echo/Typed";

void RegisterServices(ServiceRegistry& services) {
  services.AddRaw(kEcho, [](ServerCall& call) {
    std::optional<std::string> request = call.Read();
    if (!request.has_value()) return absl::CancelledError("gone");
    call.Write("echo:" + *request);
    return absl::OkStatus();
  });
  services.AddRaw(kHold, [](ServerCall& call) {
    while (call.Read().has_value()) {
    }
    return absl::OkStatus();
  });
  services.AddUnary<kvrpcpb::RawGetRequest, kvrpcpb::RawGetResponse>(
      kTyped,
      [](ServerCall&, const kvrpcpb::RawGetRequest& request)
          -> absl::StatusOr<kvrpcpb::RawGetResponse> {
        kvrpcpb::RawGetResponse response;
        response.set_value(request.key());
        return response;
      });
}

// A valid client byte stream, one step per element of `script`.
std::string ValidClientBytes(const std::vector<uint8_t>& script) {
  HeaderCodec codec;
  std::string bytes = std::string(kClientPreface) +
                      Settings({{0x4, 1 << 20}, {0xFE03, 1}, {0x3, 0}});
  int32_t stream = 1;
  auto request = [&](const char* path) {
    bytes += EncodeFrame(kHeaders, kEndHeaders, stream,
                         codec.Encode(GrpcRequestHeaders(path)));
  };
  for (uint8_t step : script) {
    switch (step % 6) {
      case 0:
        request(kEcho);
        bytes += GrpcData(stream, {"m" + std::to_string(step)}, true);
        break;
      case 1:
        request(kHold);
        bytes += GrpcData(stream, {"a", "b"}, false) + RstStream(stream, 0x8);
        break;
      case 2:
        bytes += Ping("12345678");
        break;
      case 3:
        bytes += WindowUpdate(0, 1000 + step);
        break;
      case 4:
        request(kTyped);
        bytes += GrpcData(stream, {std::string(step % 7, '\xff')}, true);
        break;
      default:
        bytes += Settings({{0x4, 65535u + step}});
        break;
    }
    stream += 2;
  }
  return bytes;
}

struct Mutation {
  uint8_t kind;  // 0 flip, 1 insert, 2 delete, 3 truncate
  size_t at;
  std::string bytes;
};

std::string Mutate(std::string bytes, const std::vector<Mutation>& mutations) {
  for (const Mutation& m : mutations) {
    if (bytes.empty()) break;
    const size_t at = m.at % bytes.size();
    switch (m.kind % 4) {
      case 0:
        bytes[at] = static_cast<char>(bytes[at] ^
                                      (m.bytes.empty() ? 0x5a : m.bytes[0]));
        break;
      case 1:
        bytes.insert(at, m.bytes);
        break;
      case 2:
        bytes.erase(at, m.bytes.size() + 1);
        break;
      default:
        bytes.resize(at);
        break;
    }
  }
  return bytes;
}

rc::Gen<std::string> ClientBytes() {
  return rc::gen::oneOf(
      rc::gen::arbitrary<std::string>(),
      rc::gen::apply(
          [](std::vector<uint8_t> script, std::vector<Mutation> mutations) {
            return Mutate(ValidClientBytes(script), mutations);
          },
          rc::gen::arbitrary<std::vector<uint8_t>>(),
          rc::gen::container<std::vector<Mutation>>(rc::gen::apply(
              [](uint8_t kind, size_t at, std::string inserted) {
                return Mutation{kind, at, std::move(inserted).substr(0, 4)};
              },
              rc::gen::arbitrary<uint8_t>(), rc::gen::arbitrary<size_t>(),
              rc::gen::arbitrary<std::string>()))));
}

// Sends `bytes` on one connection in writes of `piece` bytes, closes it,
// and checks the server: every call ended, no connection left, and a fresh
// channel is served. Returns the server's counters.
ServerStats FeedServer(const std::string& bytes, size_t piece) {
  RpcHarness t;
  RegisterServices(t.services());
  t.StartServer();
  const bool fed = t.RunClient([&] {
    auto raw = RawH2Client::Connect(t.executor(t.client_node()),
                                    t.network(t.client_node()), kServerAddress);
    for (size_t at = 0; at < bytes.size(); at += piece) {
      if (!raw->Send(bytes.substr(at, piece))) break;
    }
    t.executor(t.client_node()).SleepFor(Duration::Seconds(1));
    raw->Close();
    t.executor(t.client_node()).SleepFor(Duration::Milliseconds(100));
  });
  RC_ASSERT(fed);
  RC_ASSERT(t.server().running_calls() == 0);
  RC_ASSERT(t.server().open_connections() == 0u);
  const ServerStats stats = t.server().stats();
  absl::StatusOr<std::string> after;
  Channel& channel = t.NewChannel();
  RC_ASSERT(
      t.RunClient([&] { after = channel.UnaryCall(kEcho, "still here", {}); }));
  RC_ASSERT(after.ok());
  RC_ASSERT(*after == std::string("echo:still here"));
  return stats;
}

RC_GTEST_PROP_N(RpcFuzzTest, ArbitraryConnectionBytesNeverHurtTheServer, 300,
                60, ()) {
  const std::string bytes = *ClientBytes();
  (void)FeedServer(bytes, *rc::gen::inRange<size_t>(1, 4096));
}

// The fuzz's base case reaches the handlers (so mutations start from deep
// inside the protocol), and one flipped frame header reaches the GOAWAY.
TEST(RpcFuzzTest, TheUnmutatedStreamReachesHandlers) {
  const std::string valid = ValidClientBytes({0, 1, 2, 3, 4, 5, 6, 10});
  ServerStats clean;
  ASSERT_NO_FATAL_FAILURE(clean = FeedServer(valid, 7));
  EXPECT_EQ(clean.calls_started, 5u) << "echo x2, hold, typed x2";
  EXPECT_EQ(clean.protocol_errors, 0u);
  // Stream 0 in the first HEADERS frame (offset: preface + 27-byte SETTINGS
  // + the stream id's low byte in the 9-byte header).
  std::string broken = valid;
  broken[24 + 27 + 8] = 0;
  ServerStats failed = FeedServer(broken, 7);
  EXPECT_EQ(failed.protocol_errors, 1u);
  EXPECT_EQ(failed.calls_started, 0u);
}

RC_GTEST_PROP_N(RpcFuzzTest, ArbitraryRequestBytesAreOkOrInternal, 100, 100,
                (std::string request)) {
  RpcHarness t;
  RegisterServices(t.services());
  t.StartServer();
  Channel& channel = t.NewChannel();
  absl::StatusOr<std::string> response;
  RC_ASSERT(
      t.RunClient([&] { response = channel.UnaryCall(kTyped, request, {}); }));
  kvrpcpb::RawGetRequest parsed;
  if (parsed.ParseFromString(request)) {
    RC_ASSERT(response.ok());
    kvrpcpb::RawGetResponse answer;
    RC_ASSERT(answer.ParseFromString(*response));
    RC_ASSERT(answer.value() == parsed.key());
  } else {
    RC_ASSERT(response.status().code() == absl::StatusCode::kInternal);
  }
}

}  // namespace
}  // namespace rpc::testing
