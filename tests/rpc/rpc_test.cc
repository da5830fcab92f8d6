// rpc/ end to end on the simulator: our Channel against our Server over
// SimNetwork streams, in virtual time. One test per promise of
// rpc/server.h and rpc/channel.h: the four call shapes, status codes and
// messages, deadlines (client- and server-enforced), cancellation, large
// messages under flow control, size limits, bad request bytes, health,
// graceful shutdown, connection loss with calls open, keepalive, reconnect
// with backoff.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kvrpcpb.pb.h"
#include "rpc/channel.h"
#include "rpc/health.h"
#include "rpc/server.h"
#include "tests/rpc/rpc_harness.h"

namespace rpc {
namespace {

using core::base::Duration;
using core::base::Instant;
using kvrpcpb::RawGetRequest;
using kvrpcpb::RawGetResponse;
using testing::RpcHarness;

constexpr char kEcho[] = "/test.Echo/Unary";
constexpr char kCount[] = "/test.Echo/Count";    // server streaming
constexpr char kConcat[] = "/test.Echo/Concat";  // client streaming
constexpr char kChat[] = "/test.Echo/Chat";      // bidi
constexpr char kHold[] = "/test.Echo/Hold";      // reads until the end

RawGetRequest Request(const std::string& key) {
  RawGetRequest request;
  request.set_key(key);
  return request;
}

RawGetResponse Response(const std::string& value) {
  RawGetResponse response;
  response.set_value(value);
  return response;
}

class RpcTest : public ::testing::Test {
 protected:
  // The four shapes over RawGet messages: echo the key; stream `key` (a
  // count) numbered responses; concatenate the keys; answer each request.
  void RegisterEchoService() {
    ServiceRegistry& services = t_.services();
    services.AddUnary<RawGetRequest, RawGetResponse>(
        kEcho,
        [](ServerCall&,
           const RawGetRequest& request) -> absl::StatusOr<RawGetResponse> {
          return Response("echo:" + request.key());
        });
    services.AddServerStreaming<RawGetRequest, RawGetResponse>(
        kCount, [](ServerCall&, const RawGetRequest& request,
                   ServerWriter<RawGetResponse> writer) {
          const int count = std::stoi(request.key());
          for (int i = 0; i < count; ++i) {
            if (!writer.Write(Response(std::to_string(i)))) {
              return absl::CancelledError("gone");
            }
          }
          return absl::OkStatus();
        });
    services.AddClientStreaming<RawGetRequest, RawGetResponse>(
        kConcat,
        [](ServerCall&, ServerReader<RawGetRequest> reader)
            -> absl::StatusOr<RawGetResponse> {
          std::string all;
          while (auto request = reader.Read()) all += request->key();
          return Response(all);
        });
    services.AddBidiStreaming<RawGetRequest, RawGetResponse>(
        kChat, [](ServerCall&,
                  ServerReaderWriter<RawGetRequest, RawGetResponse> stream) {
          while (auto request = stream.Read()) {
            if (!stream.Write(Response("re:" + request->key()))) break;
          }
          return absl::OkStatus();
        });
  }

  RpcHarness t_;
};

TEST_F(RpcTest, UnaryRoundTrip) {
  RegisterEchoService();
  t_.StartServer();
  Channel& channel = t_.NewChannel();
  std::vector<std::string> values;
  ASSERT_TRUE(t_.RunClient([&] {
    for (int i = 0; i < 3; ++i) {
      auto response = Unary<RawGetResponse>(channel, kEcho,
                                            Request("k" + std::to_string(i)));
      ASSERT_TRUE(response.ok()) << response.status();
      values.push_back(response->value());
    }
  }));
  EXPECT_EQ(values,
            (std::vector<std::string>{"echo:k0", "echo:k1", "echo:k2"}));
  EXPECT_EQ(channel.stats().connects, 1u) << "one connection, reused";
  EXPECT_EQ(t_.server().stats().calls_started, 3u);
}

TEST_F(RpcTest, ServerStreaming) {
  RegisterEchoService();
  t_.StartServer();
  Channel& channel = t_.NewChannel();
  std::vector<std::string> values;
  absl::Status status;
  ASSERT_TRUE(t_.RunClient([&] {
    auto stream = OpenServerStream<RawGetRequest, RawGetResponse>(
        channel, kCount, Request("5"));
    while (auto response = stream.Read()) values.push_back(response->value());
    status = stream.Finish();
  }));
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(values, (std::vector<std::string>{"0", "1", "2", "3", "4"}));
}

TEST_F(RpcTest, ClientStreaming) {
  RegisterEchoService();
  t_.StartServer();
  Channel& channel = t_.NewChannel();
  absl::StatusOr<RawGetResponse> response;
  ASSERT_TRUE(t_.RunClient([&] {
    auto stream =
        OpenClientStream<RawGetRequest, RawGetResponse>(channel, kConcat);
    for (const char* key : {"a", "b", "c", "d"}) {
      ASSERT_TRUE(stream.Write(Request(key)));
    }
    response = stream.CloseAndFinish();
  }));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->value(), "abcd");
}

TEST_F(RpcTest, BidiStreamingInterleaves) {
  RegisterEchoService();
  t_.StartServer();
  Channel& channel = t_.NewChannel();
  std::vector<std::string> values;
  absl::Status status;
  ASSERT_TRUE(t_.RunClient([&] {
    auto stream = OpenBidiStream<RawGetRequest, RawGetResponse>(channel, kChat);
    for (int i = 0; i < 4; ++i) {
      ASSERT_TRUE(stream.Write(Request(std::to_string(i))));
      auto response = stream.Read();  // each answer before the next request
      ASSERT_TRUE(response.has_value());
      values.push_back(response->value());
    }
    stream.WritesDone();
    EXPECT_FALSE(stream.Read().has_value());
    status = stream.Finish();
  }));
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(values, (std::vector<std::string>{"re:0", "re:1", "re:2", "re:3"}));
}

// BatchCommands' shape: the handler reads requests and hands each to a fibre
// of its own, which answers later, out of order, after the reading loop may
// have moved on. Writers hold the call; nothing dangles.
TEST_F(RpcTest, BidiAnswersFromSpawnedFibres) {
  core::env::Executor& server_executor = t_.executor(t_.server_node());
  t_.services().AddBidiStreaming<RawGetRequest, RawGetResponse>(
      kChat, [&](ServerCall& call,
                 ServerReaderWriter<RawGetRequest, RawGetResponse> stream) {
        int pending = 0;
        auto all_answered = server_executor.NewEvent();
        while (auto request = stream.Read()) {
          ++pending;
          const int delay_ms = 50 - std::stoi(request->key()) * 10;
          server_executor.Spawn("answer", [&, stream, request, delay_ms] {
            server_executor.SleepFor(Duration::Milliseconds(delay_ms));
            auto writer = stream;
            writer.Write(Response(request->key()));
            if (--pending == 0) all_answered->Notify();
          });
        }
        if (pending > 0 && !call.cancelled()) all_answered->Wait();
        return absl::OkStatus();
      });
  t_.StartServer();
  Channel& channel = t_.NewChannel();
  std::vector<std::string> values;
  absl::Status status;
  ASSERT_TRUE(t_.RunClient([&] {
    auto stream = OpenBidiStream<RawGetRequest, RawGetResponse>(channel, kChat);
    for (int i = 0; i < 5; ++i)
      ASSERT_TRUE(stream.Write(Request(std::to_string(i))));
    stream.WritesDone();
    while (auto response = stream.Read()) values.push_back(response->value());
    status = stream.Finish();
  }));
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(values, (std::vector<std::string>{"4", "3", "2", "1", "0"}))
      << "the shortest delay answers first";
}

// Every code and a message with characters that need percent-encoding reach
// the client as the handler returned them.
TEST_F(RpcTest, StatusCodesAndMessagesReachTheClient) {
  t_.services().AddUnary<RawGetRequest, RawGetResponse>(
      kEcho,
      [](ServerCall&,
         const RawGetRequest& request) -> absl::StatusOr<RawGetResponse> {
        return absl::Status(
            static_cast<absl::StatusCode>(std::stoi(request.key())),
            "why: 100% \xe2\x82\xac\nline two");
      });
  t_.StartServer();
  Channel& channel = t_.NewChannel();
  std::vector<absl::Status> statuses;
  ASSERT_TRUE(t_.RunClient([&] {
    for (int code = 1; code <= 16; ++code) {
      statuses.push_back(
          Unary<RawGetResponse>(channel, kEcho, Request(std::to_string(code)))
              .status());
    }
  }));
  ASSERT_EQ(statuses.size(), 16u);
  for (int code = 1; code <= 16; ++code) {
    EXPECT_EQ(statuses[code - 1].code(), static_cast<absl::StatusCode>(code));
    EXPECT_EQ(statuses[code - 1].message(), "why: 100% \xe2\x82\xac\nline two");
  }
}

TEST_F(RpcTest, UnknownServiceOrMethodIsUnimplemented) {
  RegisterEchoService();
  t_.StartServer();
  Channel& channel = t_.NewChannel();
  absl::Status unknown_method, unknown_service;
  ASSERT_TRUE(t_.RunClient([&] {
    unknown_method = channel.UnaryCall("/test.Echo/Nope", "", {}).status();
    unknown_service = channel.UnaryCall("/tikvpb.Tikv/RawGet", "", {}).status();
  }));
  EXPECT_EQ(unknown_method.code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(unknown_method.message(),
            "unknown method 'Nope' for service 'test.Echo'");
  EXPECT_EQ(unknown_service.code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(unknown_service.message(), "unknown service 'tikvpb.Tikv'");
  EXPECT_EQ(t_.server().stats().calls_rejected, 2u);
}

// A handler slower than the deadline: the client gets DEADLINE_EXCEEDED when
// the deadline passes (not when the handler ends), and the handler sees the
// call cancelled. The first call's deadline is the client's; the second's is
// only the server's (a grpc-timeout without a local deadline).
TEST_F(RpcTest, DeadlineEndsTheCallOnTimeOnBothSides) {
  std::vector<bool> handler_saw_cancel;
  core::env::Executor& server_executor = t_.executor(t_.server_node());
  t_.services().AddRaw(kEcho, [&](ServerCall& call) {
    (void)call.Read();
    for (int i = 0; i < 100 && !call.cancelled(); ++i) {
      server_executor.SleepFor(Duration::Milliseconds(100));
    }
    handler_saw_cancel.push_back(call.cancelled());
    call.Write("late");
    return absl::OkStatus();
  });
  t_.StartServer();
  Channel& channel = t_.NewChannel();
  absl::Status by_client, by_server;
  Duration client_elapsed, server_elapsed;
  ASSERT_TRUE(t_.RunClient([&] {
    Instant start = t_.now();
    by_client = channel.UnaryCall(kEcho, "x", {.timeout = Duration::Seconds(1)})
                    .status();
    client_elapsed = t_.now() - start;
    start = t_.now();
    by_server =
        channel.UnaryCall(kEcho, "x", {.metadata = {{"grpc-timeout", "2S"}}})
            .status();
    server_elapsed = t_.now() - start;
  }));
  EXPECT_EQ(by_client.code(), absl::StatusCode::kDeadlineExceeded) << by_client;
  EXPECT_GE(client_elapsed, Duration::Seconds(1));
  EXPECT_LT(client_elapsed, Duration::Milliseconds(1010));
  EXPECT_EQ(by_server.code(), absl::StatusCode::kDeadlineExceeded) << by_server;
  EXPECT_GE(server_elapsed, Duration::Seconds(2));
  EXPECT_LT(server_elapsed, Duration::Milliseconds(2050));
  t_.loop().RunFor(Duration::Seconds(1));
  EXPECT_EQ(handler_saw_cancel, (std::vector<bool>{true, true}));
}

// Cancel (an RST_STREAM) reaches the handler: its Read returns nothing and
// cancelled() is true; the client's status is CANCELLED.
TEST_F(RpcTest, CancellationReachesTheHandler) {
  std::optional<bool> handler_read_something;
  bool handler_cancelled = false;
  t_.services().AddRaw(kChat, [&](ServerCall& call) {
    handler_read_something = call.Read().has_value();  // the first
    handler_read_something = call.Read().has_value();  // parks until reset
    handler_cancelled = call.cancelled();
    return absl::OkStatus();
  });
  t_.StartServer();
  Channel& channel = t_.NewChannel();
  absl::Status status;
  ASSERT_TRUE(t_.RunClient([&] {
    ClientCall call = channel.StartCall(kChat, {});
    ASSERT_TRUE(call.Write("one"));
    t_.executor(t_.client_node()).SleepFor(Duration::Milliseconds(100));
    call.Cancel();
    status = call.Finish();
    t_.executor(t_.client_node()).SleepFor(Duration::Milliseconds(100));
  }));
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(handler_read_something, false);
  EXPECT_TRUE(handler_cancelled);
  EXPECT_EQ(t_.server().running_calls(), 0);
}

// 8 MiB each way through 4 MiB windows and 16 KiB segments: flow control
// has to reopen windows many times; the bytes arrive intact.
TEST_F(RpcTest, LargeMessagesBothWays) {
  t_.services().AddRaw(kEcho, [](ServerCall& call) {
    std::optional<std::string> request = call.Read();
    if (!request.has_value()) return absl::CancelledError("gone");
    std::string reversed(request->rbegin(), request->rend());
    call.Write(reversed);
    return absl::OkStatus();
  });
  t_.StartServer({.max_receive_message_bytes = 16 << 20});
  Channel& channel = t_.NewChannel({.max_receive_message_bytes = 16 << 20});
  std::string request(8 << 20, '\0');
  for (size_t i = 0; i < request.size(); ++i) {
    request[i] = static_cast<char>((i * 2654435761u) >> 13);
  }
  absl::StatusOr<std::string> response;
  ASSERT_TRUE(
      t_.RunClient([&] { response = channel.UnaryCall(kEcho, request, {}); }));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(*response, std::string(request.rbegin(), request.rend()));
}

// A streaming reader slower than its writer: 48 MiB pass through a 4 MiB
// stream window in order, the writer parking instead of buffering it all.
TEST_F(RpcTest, SlowReaderBackpressuresTheWriter) {
  constexpr int kMessages = 48;
  t_.services().AddRaw(kCount, [](ServerCall& call) {
    (void)call.Read();
    for (int i = 0; i < kMessages; ++i) {
      if (!call.Write(std::to_string(i) + std::string(1 << 20, 'x'))) {
        return absl::CancelledError("gone");
      }
    }
    return absl::OkStatus();
  });
  t_.StartServer();
  Channel& channel = t_.NewChannel({.max_receive_message_bytes = 2 << 20});
  std::vector<int> numbers;
  absl::Status status;
  ASSERT_TRUE(t_.RunClient([&] {
    ClientCall call = channel.StartCall(kCount, {});
    call.Write("");
    call.WritesDone();
    while (auto message = call.Read()) {
      numbers.push_back(std::stoi(message->substr(0, message->find('x'))));
      t_.executor(t_.client_node()).SleepFor(Duration::Milliseconds(20));
    }
    status = call.Finish();
  }));
  EXPECT_TRUE(status.ok()) << status;
  ASSERT_EQ(numbers.size(), static_cast<size_t>(kMessages));
  for (int i = 0; i < kMessages; ++i) EXPECT_EQ(numbers[i], i);
}

TEST_F(RpcTest, OversizedMessagesAreResourceExhausted) {
  t_.services().AddRaw(kEcho, [](ServerCall& call) {
    std::optional<std::string> request = call.Read();
    if (!request.has_value()) return absl::CancelledError("gone");
    call.Write(std::string(std::stoul(*request), 'r'));
    return absl::OkStatus();
  });
  t_.StartServer({.max_receive_message_bytes = 1 << 20});
  Channel& channel = t_.NewChannel({.max_receive_message_bytes = 1 << 20});
  absl::Status request_too_big, response_too_big;
  absl::StatusOr<std::string> just_fits;
  ASSERT_TRUE(t_.RunClient([&] {
    request_too_big =
        channel.UnaryCall(kEcho, std::string((1 << 20) + 1, '9'), {}).status();
    response_too_big =
        channel.UnaryCall(kEcho, std::to_string((1 << 20) + 1), {}).status();
    just_fits = channel.UnaryCall(kEcho, std::to_string(1 << 20), {});
  }));
  EXPECT_EQ(request_too_big.code(), absl::StatusCode::kResourceExhausted)
      << request_too_big;
  EXPECT_EQ(response_too_big.code(), absl::StatusCode::kResourceExhausted)
      << response_too_big;
  ASSERT_TRUE(just_fits.ok()) << just_fits.status();
  EXPECT_EQ(just_fits->size(), size_t{1} << 20);
}

// Bytes that are not the method's request message: INTERNAL, and the
// handler never runs.
TEST_F(RpcTest, GarbageRequestBytesAreInternal) {
  int handler_runs = 0;
  t_.services().AddUnary<RawGetRequest, RawGetResponse>(
      kEcho,
      [&](ServerCall&, const RawGetRequest&) -> absl::StatusOr<RawGetResponse> {
        ++handler_runs;
        return RawGetResponse();
      });
  t_.StartServer();
  Channel& channel = t_.NewChannel();
  absl::Status garbage, truncated;
  ASSERT_TRUE(t_.RunClient([&] {
    garbage = channel.UnaryCall(kEcho, "\xff\xff\xff\xff", {}).status();
    std::string valid = Request("some key").SerializeAsString();
    truncated = channel.UnaryCall(kEcho, valid.substr(0, valid.size() - 2), {})
                    .status();
  }));
  EXPECT_EQ(garbage.code(), absl::StatusCode::kInternal) << garbage;
  EXPECT_EQ(truncated.code(), absl::StatusCode::kInternal) << truncated;
  EXPECT_EQ(handler_runs, 0);
}

// A response that does not parse as the declared type: INTERNAL on the
// client.
TEST_F(RpcTest, GarbageResponseBytesAreInternal) {
  t_.services().AddRaw(kEcho, [](ServerCall& call) {
    (void)call.Read();
    call.Write("\xff\xff\xff");
    return absl::OkStatus();
  });
  t_.StartServer();
  Channel& channel = t_.NewChannel();
  absl::Status status;
  ASSERT_TRUE(t_.RunClient([&] {
    status = Unary<RawGetResponse>(channel, kEcho, Request("k")).status();
  }));
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
}

TEST_F(RpcTest, HealthCheck) {
  auto health = std::make_shared<HealthService>();
  health->Register(t_.services());
  health->SetStatus("tikvpb.Tikv",
                    grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  t_.StartServer();
  Channel& channel = t_.NewChannel();
  using grpc::health::v1::HealthCheckRequest;
  using grpc::health::v1::HealthCheckResponse;
  absl::StatusOr<HealthCheckResponse> whole, tikv, unknown;
  absl::Status watch;
  ASSERT_TRUE(t_.RunClient([&] {
    HealthCheckRequest request;
    whole = Unary<HealthCheckResponse>(channel, HealthService::kCheckMethod,
                                       request);
    request.set_service("tikvpb.Tikv");
    tikv = Unary<HealthCheckResponse>(channel, HealthService::kCheckMethod,
                                      request);
    request.set_service("nope");
    unknown = Unary<HealthCheckResponse>(channel, HealthService::kCheckMethod,
                                         request);
    watch = channel.UnaryCall("/grpc.health.v1.Health/Watch", "", {}).status();
  }));
  ASSERT_TRUE(whole.ok()) << whole.status();
  EXPECT_EQ(whole->status(), HealthCheckResponse::SERVING);
  ASSERT_TRUE(tikv.ok()) << tikv.status();
  EXPECT_EQ(tikv->status(), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(watch.code(), absl::StatusCode::kUnimplemented);
}

// Graceful shutdown: a call in flight when Shutdown starts completes; the
// connection then closes; a later call finds no server (UNAVAILABLE).
// Shutdown returns once nothing is left, well before its grace.
TEST_F(RpcTest, GracefulShutdownFinishesCallsInFlight) {
  core::env::Executor& server_executor = t_.executor(t_.server_node());
  t_.services().AddRaw(kEcho, [&](ServerCall& call) {
    (void)call.Read();
    server_executor.SleepFor(Duration::Seconds(2));
    call.Write("done");
    return absl::OkStatus();
  });
  t_.StartServer();
  Channel& channel = t_.NewChannel();
  absl::StatusOr<std::string> in_flight;
  absl::Status after;
  Instant shutdown_returned;
  server_executor.Spawn("shutdown", [&] {
    server_executor.SleepFor(Duration::Milliseconds(500));
    t_.server().Shutdown(Duration::Seconds(30));
    shutdown_returned = t_.now();
  });
  ASSERT_TRUE(t_.RunClient([&] {
    in_flight = channel.UnaryCall(kEcho, "x", {});
    t_.executor(t_.client_node()).SleepFor(Duration::Milliseconds(100));
    after = channel.UnaryCall(kEcho, "x", {.timeout = Duration::Seconds(5)})
                .status();
  }));
  ASSERT_TRUE(in_flight.ok()) << in_flight.status();
  EXPECT_EQ(*in_flight, "done");
  EXPECT_EQ(after.code(), absl::StatusCode::kUnavailable) << after;
  EXPECT_GT(shutdown_returned, Instant());
  EXPECT_LT(shutdown_returned, Instant() + Duration::Seconds(5));
  EXPECT_EQ(t_.server().open_connections(), 0u);
}

// A client that closes TCP with streams open (client-go does, for
// BatchCommands): the handlers see the calls cancelled, and the server goes
// on serving a new connection.
TEST_F(RpcTest, ConnectionClosedWithStreamsOpen) {
  int cancelled_handlers = 0;
  t_.services().AddRaw(kHold, [&](ServerCall& call) {
    while (call.Read().has_value()) {
    }
    if (call.cancelled()) ++cancelled_handlers;
    return absl::OkStatus();
  });
  RegisterEchoService();
  t_.StartServer();
  Channel& first = t_.NewChannel();
  std::vector<ClientCall> calls;
  ASSERT_TRUE(t_.RunClient([&] {
    for (int i = 0; i < 3; ++i) {
      calls.push_back(first.StartCall(kHold, {}));
      ASSERT_TRUE(calls.back().Write("hello"));
    }
    t_.executor(t_.client_node()).SleepFor(Duration::Milliseconds(100));
    first.Close();
    for (ClientCall& call : calls) {
      EXPECT_EQ(call.Finish().code(), absl::StatusCode::kCancelled);
    }
    t_.executor(t_.client_node()).SleepFor(Duration::Milliseconds(100));
  }));
  EXPECT_EQ(cancelled_handlers, 3);
  EXPECT_EQ(t_.server().running_calls(), 0);
  Channel& second = t_.NewChannel();
  absl::StatusOr<RawGetResponse> response;
  ASSERT_TRUE(t_.RunClient([&] {
    response = Unary<RawGetResponse>(second, kEcho, Request("again"));
  }));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->value(), "echo:again");
}

// Keepalive: PINGs every 10 s on an idle connection are answered and keep
// it open (no GOAWAY, no reconnect); when the server stops answering (its
// process paused), the client drops the connection and a later call
// reconnects.
TEST_F(RpcTest, KeepalivePingsKeepIdleConnectionsAndDetectDeadOnes) {
  RegisterEchoService();
  t_.StartServer();
  Channel& channel = t_.NewChannel({.keepalive_time = Duration::Seconds(10),
                                    .keepalive_timeout = Duration::Seconds(3)});
  absl::Status first, second, third;
  ASSERT_TRUE(t_.RunClient([&] {
    first = channel.UnaryCall(kEcho, "", {}).status();
    t_.executor(t_.client_node()).SleepFor(Duration::Seconds(65));
    second = channel.UnaryCall(kEcho, "", {}).status();
  }));
  EXPECT_TRUE(first.ok()) << first;
  EXPECT_TRUE(second.ok()) << second;
  EXPECT_EQ(channel.stats().connects, 1u) << "the idle connection survived";

  t_.loop().Pause(t_.server_node(), Duration::Seconds(30));
  ASSERT_TRUE(t_.RunClient([&] {
    t_.executor(t_.client_node()).SleepFor(Duration::Seconds(20));
    EXPECT_FALSE(channel.connected()) << "no PING ACK within 3 s";
    t_.executor(t_.client_node()).SleepFor(Duration::Seconds(15));
    third = channel.UnaryCall(kEcho, "", {.timeout = Duration::Seconds(5)})
                .status();
  }));
  EXPECT_TRUE(third.ok()) << third;
  EXPECT_EQ(channel.stats().connects, 2u);
}

// No server yet: calls fail fast with UNAVAILABLE, connects back off
// (doubling), and once the server is up the next call after the backoff
// connects.
TEST_F(RpcTest, ReconnectsWithBackoff) {
  RegisterEchoService();
  Channel& channel =
      t_.NewChannel({.backoff_initial = Duration::Milliseconds(100),
                     .backoff_max = Duration::Seconds(1)});
  std::vector<absl::StatusCode> codes;
  ASSERT_TRUE(t_.RunClient([&] {
    for (int i = 0; i < 20; ++i) {
      codes.push_back(channel.UnaryCall(kEcho, "", {}).status().code());
      t_.executor(t_.client_node()).SleepFor(Duration::Milliseconds(50));
    }
  }));
  for (absl::StatusCode code : codes)
    EXPECT_EQ(code, absl::StatusCode::kUnavailable);
  const uint64_t failures = channel.stats().connect_failures;
  EXPECT_GE(failures, 3u);
  EXPECT_LE(failures, 6u) << "backoff: not one connect per call";
  t_.StartServer();
  absl::Status status;
  ASSERT_TRUE(t_.RunClient([&] {
    t_.executor(t_.client_node()).SleepFor(Duration::Seconds(1));
    status = channel.UnaryCall(kEcho, "", {}).status();
  }));
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(channel.stats().connects, 1u);
}

// Close leaves no fibre behind: the server's, the channel's and the
// sessions' all end.
TEST_F(RpcTest, CloseLeavesNoFibres) {
  RegisterEchoService();
  t_.StartServer();
  Channel& channel = t_.NewChannel();
  ASSERT_TRUE(t_.RunClient([&] {
    EXPECT_TRUE(channel.UnaryCall(kEcho, "", {}).ok());
    ClientCall open = channel.StartCall(kChat, {});
    open.Write("x");
    t_.executor(t_.client_node()).SleepFor(Duration::Milliseconds(10));
    channel.Close();
    t_.server().Close();
  }));
  t_.loop().RunFor(Duration::Seconds(1));
  EXPECT_EQ(t_.server().live_fibres(), 0);
  EXPECT_EQ(channel.live_fibres(), 0);
  EXPECT_EQ(t_.loop().live_fibres(t_.server_node()), 0u);
  EXPECT_EQ(t_.loop().live_fibres(t_.client_node()), 0u);
}

}  // namespace
}  // namespace rpc
