// Our server frame by frame, as grpc-go and other clients see it (interop
// reference §7) and as broken clients treat it: a raw HTTP/2 client on the
// simulator writes hand-made frames and checks every frame that comes back.
//   * SETTINGS first, before the client says anything; large windows.
//   * A unary call: HEADERS(:status 200, content-type application/grpc),
//     DATA, trailers HEADERS(grpc-status 0, END_STREAM).
//   * Early errors are trailers-only; unknown SETTINGS are ignored.
//   * PINGs every 10 s are ACKed with their data, never answered by GOAWAY.
//   * A status sent while the client still sends is followed by
//     RST_STREAM(NO_ERROR).
//   * Graceful shutdown: GOAWAY(2^31-1), PING, final GOAWAY(last stream).
//   * Bad input: a malformed frame or preface gets GOAWAY(PROTOCOL_ERROR)
//     and that connection closes while other connections keep working; an
//     RST_STREAM mid-call cancels only that call.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "rpc/channel.h"
#include "rpc/server.h"
#include "tests/rpc/h2_frames.h"
#include "tests/rpc/rpc_harness.h"

namespace rpc::testing {
namespace {

using core::base::Duration;

constexpr char kEcho[] = "/test.Echo/Unary";
constexpr char kHold[] = "/test.Echo/Hold";  // reads until cancelled or ended
constexpr uint32_t kProtocolError = 0x1;
constexpr uint32_t kCancel = 0x8;

class FramesTest : public ::testing::Test {
 protected:
  FramesTest() {
    t_.services().AddRaw(kEcho, [](ServerCall& call) {
      std::optional<std::string> request = call.Read();
      if (!request.has_value()) return absl::CancelledError("gone");
      call.Write("echo:" + *request);
      return absl::OkStatus();
    });
    t_.services().AddRaw(kHold, [this](ServerCall& call) {
      while (call.Read().has_value()) {
      }
      hold_cancelled_ += call.cancelled() ? 1 : 0;
      return absl::OkStatus();
    });
  }

  // Runs `body` with a raw connection to the server, on the client node.
  void WithRawClient(std::function<void(RawH2Client&)> body) {
    ASSERT_TRUE(t_.RunClient([&] {
      auto raw =
          RawH2Client::Connect(t_.executor(t_.client_node()),
                               t_.network(t_.client_node()), kServerAddress);
      body(*raw);
      raw->Close();
    }));
  }
  void Sleep(Duration d) { t_.executor(t_.client_node()).SleepFor(d); }

  RpcHarness t_;
  int hold_cancelled_ = 0;
};

TEST_F(FramesTest, ServerSendsSettingsFirstWithLargeWindows) {
  t_.StartServer();
  WithRawClient([&](RawH2Client& raw) {
    Sleep(Duration::Milliseconds(100));  // we say nothing at all
    ASSERT_GE(raw.frames.size(), 2u);
    const Frame& settings = raw.frames[0];
    EXPECT_EQ(settings.type, kSettings);
    EXPECT_EQ(settings.flags, 0);
    bool window_seen = false;
    for (size_t at = 0; at + 6 <= settings.payload.size(); at += 6) {
      const uint16_t id =
          (static_cast<unsigned char>(settings.payload[at]) << 8) |
          static_cast<unsigned char>(settings.payload[at + 1]);
      if (id == 0x4) {  // INITIAL_WINDOW_SIZE
        window_seen = true;
        EXPECT_GE(ReadU32(settings.payload, at + 2), 1u << 20);
      }
    }
    EXPECT_TRUE(window_seen);
    const Frame& update = raw.frames[1];
    EXPECT_EQ(update.type, kWindowUpdate);
    EXPECT_EQ(update.stream_id, 0);
    EXPECT_GE(ReadU32(update.payload, 0), 16u << 20)
        << "the connection window is raised too";
  });
}

// grpc-c's unusual SETTINGS (an unknown id, MAX_CONCURRENT_STREAMS=0 and a
// 4 MiB MAX_FRAME_SIZE), then a unary call exactly as grpc-go frames it.
TEST_F(FramesTest, UnaryCallFramesAsGrpcGoExpects) {
  t_.StartServer();
  WithRawClient([&](RawH2Client& raw) {
    ASSERT_TRUE(raw.Send(std::string(kClientPreface) +
                         Settings({{0xFE03, 1}, {0x3, 0}, {0x5, 4 << 20}})));
    ASSERT_TRUE(raw.SendRequest(1, kEcho, {{"grpc-timeout", "2988867u"}}));
    ASSERT_TRUE(raw.Send(GrpcData(1, {"hi"}, /*end_stream=*/true)));
    Sleep(Duration::Milliseconds(100));
    std::vector<size_t> headers = raw.Find(kHeaders, 1);
    std::vector<size_t> data = raw.Find(kData, 1);
    ASSERT_EQ(headers.size(), 2u);
    ASSERT_EQ(data.size(), 1u);
    EXPECT_LT(headers[0], data[0]);
    EXPECT_LT(data[0], headers[1]);
    const Metadata& response = raw.headers[headers[0]];
    EXPECT_EQ(Value(response, ":status"), "200");
    EXPECT_EQ(Value(response, "content-type"), "application/grpc");
    EXPECT_EQ(raw.frames[headers[0]].flags & kEndStream, 0);
    EXPECT_EQ(raw.frames[data[0]].payload,
              std::string("\0\0\0\0\7echo:hi", 12));
    const Metadata& trailers = raw.headers[headers[1]];
    EXPECT_EQ(Value(trailers, "grpc-status"), "0");
    EXPECT_NE(raw.frames[headers[1]].flags & kEndStream, 0);
    EXPECT_TRUE(raw.Find(kRstStream, 1).empty())
        << "the client had finished sending: no reset needed";
    EXPECT_TRUE(raw.Find(kGoaway).empty());
  });
}

// Early errors: one HEADERS frame with END_STREAM carrying :status,
// content-type and grpc-status (and HTTP 415 for a non-gRPC content-type).
TEST_F(FramesTest, EarlyErrorsAreTrailersOnly) {
  t_.StartServer();
  struct Case {
    std::string path;
    Metadata extra;
    std::string data;  // after the prefix-less DATA payload is built
    std::string http_status;
    std::string grpc_status;
  };
  const std::vector<Case> cases = {
      {"/test.Echo/Missing", {}, "", "200", "12"},
      {"/nope.Service/Method", {}, "", "200", "12"},
      {kEcho, {{"grpc-encoding", "gzip"}}, "", "200", "12"},
      {kEcho, {{"grpc-timeout", "1x"}}, "", "200", "13"},
      {kEcho, {}, std::string("\1\0\0\0\1x", 6), "200", "13"},  // compressed
  };
  WithRawClient([&](RawH2Client& raw) {
    ASSERT_TRUE(raw.Handshake());
    int32_t stream = 1;
    for (const Case& c : cases) {
      ASSERT_TRUE(raw.SendRequest(stream, c.path, c.extra));
      ASSERT_TRUE(raw.Send(EncodeFrame(kData, kEndStream, stream, c.data)));
      stream += 2;
    }
    // Not gRPC at all: :status 415.
    ASSERT_TRUE(raw.Send(EncodeFrame(
        kHeaders, kEndHeaders | kEndStream, stream,
        HeaderCodec().Encode({{":method", "POST"},
                              {":scheme", "http"},
                              {":path", kEcho},
                              {":authority", "server"},
                              {"content-type", "application/json"}}))));
    Sleep(Duration::Milliseconds(100));
    for (size_t i = 0; i < cases.size(); ++i) {
      std::vector<size_t> headers = raw.Find(kHeaders, 1 + 2 * i);
      ASSERT_EQ(headers.size(), 1u) << cases[i].path;
      const Frame& frame = raw.frames[headers[0]];
      EXPECT_NE(frame.flags & kEndStream, 0);
      const Metadata& block = raw.headers[headers[0]];
      EXPECT_EQ(Value(block, ":status"), cases[i].http_status);
      EXPECT_EQ(Value(block, "content-type"), "application/grpc");
      EXPECT_EQ(Value(block, "grpc-status"), cases[i].grpc_status)
          << cases[i].path << " " << Value(block, "grpc-message");
      EXPECT_TRUE(raw.Find(kData, 1 + 2 * i).empty());
    }
    std::vector<size_t> unsupported = raw.Find(kHeaders, stream);
    ASSERT_EQ(unsupported.size(), 1u);
    EXPECT_EQ(Value(raw.headers[unsupported[0]], ":status"), "415");
    EXPECT_TRUE(raw.Find(kGoaway).empty())
        << "stream errors, not the connection's";
  });
}

// client-go pings idle connections every 10 s; grpc-go's default server
// policy would GOAWAY(ENHANCE_YOUR_CALM) at the 4th. Ours ACKs them all.
TEST_F(FramesTest, PingsEveryTenSecondsAreAckedNeverGoaway) {
  t_.StartServer();
  WithRawClient([&](RawH2Client& raw) {
    ASSERT_TRUE(raw.Handshake());
    for (int i = 0; i < 8; ++i) {
      ASSERT_TRUE(raw.Send(Ping("ping" + std::to_string(1000 + i))));
      Sleep(Duration::Seconds(10));
    }
    std::vector<size_t> pings = raw.Find(kPing);
    ASSERT_EQ(pings.size(), 8u);
    for (int i = 0; i < 8; ++i) {
      EXPECT_EQ(raw.frames[pings[i]].flags, kAck);
      EXPECT_EQ(raw.frames[pings[i]].payload,
                "ping" + std::to_string(1000 + i));
    }
    EXPECT_TRUE(raw.Find(kGoaway).empty());
    EXPECT_FALSE(raw.ended);
  });
}

// The deadline passes while the client is still sending: DEADLINE_EXCEEDED
// in a trailers-only response, then RST_STREAM(NO_ERROR) to stop the
// client (gRPC's rule for a status before the client's END_STREAM).
TEST_F(FramesTest, StatusBeforeClientFinishedIsFollowedByReset) {
  t_.StartServer();
  WithRawClient([&](RawH2Client& raw) {
    ASSERT_TRUE(raw.Handshake());
    ASSERT_TRUE(raw.SendRequest(1, kHold, {{"grpc-timeout", "200m"}}));
    ASSERT_TRUE(raw.Send(GrpcData(1, {"a"}, /*end_stream=*/false)));
    Sleep(Duration::Milliseconds(400));
    std::vector<size_t> headers = raw.Find(kHeaders, 1);
    ASSERT_EQ(headers.size(), 1u);
    EXPECT_EQ(Value(raw.headers[headers[0]], "grpc-status"), "4");
    std::vector<size_t> resets = raw.Find(kRstStream, 1);
    ASSERT_EQ(resets.size(), 1u);
    EXPECT_GT(resets[0], headers[0]);
    EXPECT_EQ(RstErrorCode(raw.frames[resets[0]]), 0u);
  });
  EXPECT_EQ(hold_cancelled_, 1);
}

// An RST_STREAM mid-call cancels that call only; the connection serves the
// next stream.
TEST_F(FramesTest, ResetMidCallCancelsOnlyThatCall) {
  t_.StartServer();
  WithRawClient([&](RawH2Client& raw) {
    ASSERT_TRUE(raw.Handshake());
    ASSERT_TRUE(raw.SendRequest(1, kHold));
    ASSERT_TRUE(raw.Send(GrpcData(1, {"a", "b"}, /*end_stream=*/false)));
    Sleep(Duration::Milliseconds(50));
    ASSERT_TRUE(raw.Send(RstStream(1, kCancel)));
    Sleep(Duration::Milliseconds(50));
    EXPECT_EQ(hold_cancelled_, 1);
    ASSERT_TRUE(raw.SendRequest(3, kEcho));
    ASSERT_TRUE(raw.Send(GrpcData(3, {"again"}, /*end_stream=*/true)));
    Sleep(Duration::Milliseconds(100));
    std::vector<size_t> headers = raw.Find(kHeaders, 3);
    ASSERT_EQ(headers.size(), 2u);
    EXPECT_EQ(Value(raw.headers[headers[1]], "grpc-status"), "0");
    EXPECT_TRUE(raw.Find(kHeaders, 1).empty())
        << "nothing more on the reset stream";
  });
}

// Graceful shutdown as grpc-go does it: GOAWAY(2^31-1, NO_ERROR) and a PING;
// after the PING's ACK the final GOAWAY names the last stream taken; that
// stream still completes; then the connection closes.
TEST_F(FramesTest, GracefulShutdownSendsTwoGoawaysAroundAPing) {
  t_.StartServer();
  t_.executor(t_.server_node()).Spawn("shutdown", [&] {
    t_.executor(t_.server_node()).SleepFor(Duration::Milliseconds(100));
    t_.server().Shutdown(Duration::Seconds(10));
  });
  WithRawClient([&](RawH2Client& raw) {
    ASSERT_TRUE(raw.Handshake());
    ASSERT_TRUE(raw.SendRequest(1, kHold));
    Sleep(Duration::Milliseconds(200));
    std::vector<size_t> goaways = raw.Find(kGoaway);
    std::vector<size_t> pings = raw.Find(kPing);
    ASSERT_EQ(goaways.size(), 1u);
    EXPECT_EQ(GoawayLastStreamId(raw.frames[goaways[0]]), 0x7fffffff);
    EXPECT_EQ(GoawayErrorCode(raw.frames[goaways[0]]), 0u);
    ASSERT_EQ(pings.size(), 1u);
    EXPECT_GT(pings[0], goaways[0]);
    ASSERT_TRUE(raw.Send(Ping(raw.frames[pings[0]].payload, /*ack=*/true)));
    Sleep(Duration::Milliseconds(50));
    goaways = raw.Find(kGoaway);
    ASSERT_EQ(goaways.size(), 2u);
    EXPECT_EQ(GoawayLastStreamId(raw.frames[goaways[1]]), 1);
    EXPECT_FALSE(raw.ended) << "stream 1 is still open";
    ASSERT_TRUE(raw.Send(GrpcData(1, {"last"}, /*end_stream=*/true)));
    Sleep(Duration::Milliseconds(100));
    std::vector<size_t> headers = raw.Find(kHeaders, 1);
    ASSERT_EQ(headers.size(), 1u);
    EXPECT_EQ(Value(raw.headers[headers[0]], "grpc-status"), "0");
    EXPECT_TRUE(raw.ended) << "nothing left: the server closed";
  });
}

// Bad bytes end their own connection with GOAWAY(PROTOCOL_ERROR) while a
// call on another connection carries on and new connections are served.
TEST_F(FramesTest, MalformedFramesEndOnlyTheirConnection) {
  t_.StartServer();
  Channel& channel = t_.NewChannel();
  absl::StatusOr<std::string> during, after;
  t_.executor(t_.client_node()).Spawn("good-client", [&] {
    ClientCall call = channel.StartCall(kEcho, {});
    t_.executor(t_.client_node()).SleepFor(Duration::Milliseconds(300));
    call.Write("during");
    call.WritesDone();
    during = call.Read().value_or("");
    if (absl::Status status = call.Finish(); !status.ok()) during = status;
  });
  const std::vector<std::string> bad_inputs = {
      // DATA on stream 0.
      std::string(kClientPreface) + Settings({}) +
          EncodeFrame(kData, 0, 0, "x"),
      // Not HTTP/2 at all.
      "GET / HTTP/1.1\r\nHost: server\r\n\r\n",
      // A SETTINGS frame whose length is not a multiple of 6.
      std::string(kClientPreface) + EncodeFrame(kSettings, 0, 0, "12345"),
      // HEADERS with a garbage HPACK block.
      std::string(kClientPreface) + Settings({}) +
          EncodeFrame(kHeaders, kEndHeaders, 1, "\xff\xff\xff\xff"),
      // A WINDOW_UPDATE overflowing the connection window.
      std::string(kClientPreface) + Settings({}) + WindowUpdate(0, 0x7fffffff) +
          WindowUpdate(0, 0x7fffffff),
  };
  for (const std::string& bad : bad_inputs) {
    const bool first = &bad == &bad_inputs[0];
    WithRawClient([&](RawH2Client& raw) {
      ASSERT_TRUE(raw.Send(bad));
      Sleep(Duration::Milliseconds(100));
      EXPECT_TRUE(raw.ended) << "the server closed the connection";
      std::vector<size_t> goaways = raw.Find(kGoaway);
      ASSERT_EQ(goaways.size(), 1u);
      EXPECT_NE(GoawayErrorCode(raw.frames[goaways[0]]), 0u);
      if (first) {
        EXPECT_EQ(GoawayErrorCode(raw.frames[goaways[0]]), kProtocolError);
      }
    });
  }
  ASSERT_TRUE(t_.RunClient([&] {
    t_.executor(t_.client_node()).SleepFor(Duration::Milliseconds(500));
    after = channel.UnaryCall(kEcho, "after", {});
  }));
  ASSERT_TRUE(during.ok()) << during.status();
  EXPECT_EQ(*during, "echo:during");
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(*after, "echo:after");
  EXPECT_GE(t_.server().stats().protocol_errors, 4u);
  EXPECT_EQ(t_.server().open_connections(), 1u) << "only the good one is left";
}

// Our channel against a server that refuses every stream unprocessed
// (RST_STREAM REFUSED_STREAM): a unary call is retried once, transparently,
// then fails with UNAVAILABLE; a streaming call is not retried.
TEST_F(FramesTest, ChannelRetriesARefusedUnaryCallOnce) {
  core::env::Executor& server = t_.executor(t_.server_node());
  auto listening = t_.network(t_.server_node()).Listen(kServerAddress);
  ASSERT_TRUE(listening.ok());
  // Held by the accept fibre, which the simulation ends before the network.
  std::shared_ptr<core::env::Listener> listener = *std::move(listening);
  int streams_seen = 0;
  server.Spawn("refusing-server", [&, listener] {
    while (true) {
      auto connection = listener->Accept();
      if (!connection.ok()) return;
      std::shared_ptr<core::env::Connection> conn = *std::move(connection);
      server.Spawn("refuse", [&, conn] {
        if (!conn->Write(Settings({})).ok()) return;
        std::string buffer, chunk(4096, '\0');
        size_t preface = std::string(kClientPreface).size();
        while (true) {
          auto read = conn->Read(chunk.data(), chunk.size());
          if (!read.ok() || *read == 0) return;
          buffer.append(chunk.data(), *read);
          const size_t skip = std::min(preface, buffer.size());
          buffer.erase(0, skip);
          preface -= skip;
          while (buffer.size() >= 9) {
            const size_t length = ReadU32(buffer, 0) >> 8;
            if (buffer.size() < 9 + length) break;
            const uint8_t type = static_cast<uint8_t>(buffer[3]);
            const int32_t stream = static_cast<int32_t>(ReadU32(buffer, 5));
            buffer.erase(0, 9 + length);
            if (type == kHeaders) {
              ++streams_seen;
              (void)conn->Write(RstStream(stream, 0x7));
            }
          }
        }
      });
    }
  });
  Channel& channel = t_.NewChannel();
  absl::Status unary, streaming;
  ASSERT_TRUE(t_.RunClient([&] {
    unary = channel.UnaryCall(kEcho, "x", {}).status();
    ClientCall call = channel.StartCall(kHold, {});
    call.Write("y");
    streaming = call.Finish();
  }));
  EXPECT_EQ(unary.code(), absl::StatusCode::kUnavailable) << unary;
  EXPECT_EQ(streaming.code(), absl::StatusCode::kUnavailable) << streaming;
  EXPECT_EQ(channel.stats().transparent_retries, 1u);
  EXPECT_EQ(streams_seen, 3) << "the unary call twice, the stream once";
}

}  // namespace
}  // namespace rpc::testing
