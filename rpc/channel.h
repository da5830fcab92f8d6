// Channel: the client side of gRPC over HTTP/2 on core::env streams.
//
//   Channel channel(env.executor, env.clock, env.network, {.target =
//   "pd:2379"}); absl::StatusOr<pdpb::GetMembersResponse> members =
//       Unary<pdpb::GetMembersResponse>(channel, "/pdpb.PD/GetMembers",
//                                      request, {.timeout = Seconds(3)});
//   auto tso = OpenBidiStream<pdpb::TsoRequest, pdpb::TsoResponse>(
//       channel, "/pdpb.PD/Tso", {});
//   tso.Write(request); auto response = tso.Read(); ... tso.Finish();
//
// Connections: one HTTP/2 connection to the target at a time, opened on the
// first call (not at construction) by a connect fibre; calls wait for it up
// to their deadline. A failed connect fails the calls waiting for it and
// every call during the backoff that follows with UNAVAILABLE (grpc's
// fail-fast default); backoff starts at backoff_initial and doubles per
// consecutive failure up to backoff_max; the first call after it connects
// again. A connection that breaks, closes or receives GOAWAY takes no new
// calls; the next call opens another. Calls in flight on a broken
// connection fail with UNAVAILABLE; so do calls the server refused
// unprocessed (RST_STREAM REFUSED_STREAM, or above a GOAWAY's last stream
// id), except that UnaryCall retries those once by itself (grpc-go's
// transparent retry); streaming calls leave it to the caller (refused()).
//
// Calls: a deadline (CallOptions::timeout) is sent as grpc-timeout and
// enforced locally: when it passes the stream is reset (RST_STREAM CANCEL)
// and the call ends with DEADLINE_EXCEEDED, even if the server never
// answers. Cancel() ends a call with CANCELLED the same way, and so does
// dropping a call that has not finished. The status of a call is the
// server's (grpc-status and grpc-message from the trailers), or what the
// transport saw: a missing grpc-status is UNKNOWN, an HTTP status other than
// 200 maps as gRPC specifies (404 -> UNIMPLEMENTED, 503 -> UNAVAILABLE...),
// a reset stream maps its HTTP/2 code, a message over
// max_receive_message_bytes is RESOURCE_EXHAUSTED, a response that does not
// parse is INTERNAL.
//
// Keepalive (optional): a PING after keepalive_time without traffic; no
// ACK within keepalive_timeout closes the connection.
//
// Thread-affinity: the executor's fibres (construction, Close and the
// destructor also from the harness). The Executor, Clock and Network must
// outlive the channel's fibres.
#ifndef RPC_CHANNEL_H_
#define RPC_CHANNEL_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/base/time.h"
#include "core/env/clock.h"
#include "core/env/executor.h"
#include "core/env/network.h"
#include "rpc/wire.h"

namespace rpc {

struct ChannelOptions {
  core::env::Address target;
  // The :authority header; the target when empty.
  std::string authority;
  std::string user_agent = "tikv-sim-rpc/0.1";
  core::base::Duration connect_timeout = core::base::Duration::Seconds(3);
  core::base::Duration backoff_initial =
      core::base::Duration::Milliseconds(100);
  core::base::Duration backoff_max = core::base::Duration::Seconds(5);
  size_t max_receive_message_bytes = kDefaultMaxMessageBytes;
  size_t max_send_message_bytes = std::numeric_limits<uint32_t>::max();
  uint32_t initial_stream_window_bytes = 4 << 20;
  uint32_t connection_window_bytes = 64 << 20;
  std::optional<core::base::Duration> keepalive_time;
  core::base::Duration keepalive_timeout = core::base::Duration::Seconds(20);
};

struct CallOptions {
  // Relative deadline; none when unset.
  std::optional<core::base::Duration> timeout;
  // Custom metadata (lower-case names).
  Metadata metadata;
};

struct ChannelStats {
  uint64_t connects = 0;
  uint64_t connect_failures = 0;
  uint64_t calls_started = 0;
  uint64_t transparent_retries = 0;
};

// One call, any shape, on raw message bytes. A handle: movable, and the
// call is cancelled when the last handle to an unfinished call goes.
class ClientCall {
 public:
  struct State;  // channel.cc

  ClientCall() = default;
  explicit ClientCall(std::shared_ptr<State> state);
  ClientCall(ClientCall&&) = default;
  ClientCall& operator=(ClientCall&&) = default;
  ~ClientCall();

  // Parks while the stream's send buffer is full; false once the call has
  // ended (Finish says why).
  bool Write(std::string_view message);
  // No more requests (half-close).
  void WritesDone();
  // The next response; nullopt at the end or once the call failed.
  std::optional<std::string> Read();
  // Parks until the status is known. Idempotent.
  absl::Status Finish();
  // Resets the stream; the call ends with `why` (CANCELLED by default)
  // unless its status was already known.
  void Cancel(absl::Status why = absl::CancelledError("call cancelled"));
  // Response headers and trailers (custom ones among them), once known.
  const Metadata& response_headers() const;
  const Metadata& trailers() const;
  // The server refused the call before processing it (REFUSED_STREAM, or a
  // stream above a GOAWAY's last id): nothing happened, a retry is safe.
  bool refused() const;

 private:
  std::shared_ptr<State> state_;
};

class Channel {
 public:
  Channel(core::env::Executor& executor, core::env::Clock& clock,
          core::env::Network& network, const ChannelOptions& options);
  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // Starts a call on "/package.Service/Method"; parks while connecting
  // (at most the call's timeout). A call that could not start is returned
  // already finished with its status.
  ClientCall StartCall(std::string_view method, const CallOptions& options);
  // One request, one response. A call the server refused unprocessed is
  // retried once, on whichever connection the channel then has (grpc-go's
  // transparent retry), within the same deadline.
  absl::StatusOr<std::string> UnaryCall(std::string_view method,
                                        std::string_view request,
                                        const CallOptions& options);
  // Closes the connection; calls in flight fail with CANCELLED, later calls
  // too. Never parks.
  void Close();

  const ChannelStats& stats() const;
  // The connect fibre and the current connection's fibres end soon after
  // Close; this counts the channel's own (connect) fibres.
  int live_fibres() const;
  bool connected() const;

  struct State;  // channel.cc

 private:
  std::shared_ptr<State> state_;
};

// --- Typed calls over protobuf messages. A response that does not parse
// cancels the call and ends it with INTERNAL.

template <typename Response, typename Request>
absl::StatusOr<Response> Unary(Channel& channel, std::string_view method,
                               const Request& request,
                               const CallOptions& options = {}) {
  absl::StatusOr<std::string> bytes =
      channel.UnaryCall(method, request.SerializeAsString(), options);
  if (!bytes.ok()) return bytes.status();
  Response response;
  if (!response.ParseFromString(*bytes)) {
    return absl::InternalError("grpc: failed to unmarshal the response: " +
                               response.GetTypeName());
  }
  return response;
}

template <typename Request, typename Response>
class ClientReaderWriter {
 public:
  explicit ClientReaderWriter(ClientCall call) : call_(std::move(call)) {}
  bool Write(const Request& request) {
    return call_.Write(request.SerializeAsString());
  }
  void WritesDone() { call_.WritesDone(); }
  std::optional<Response> Read() {
    std::optional<std::string> bytes = call_.Read();
    if (!bytes.has_value()) return std::nullopt;
    Response response;
    if (!response.ParseFromString(*bytes)) {
      call_.Cancel(absl::InternalError(
          "grpc: failed to unmarshal the response: " + response.GetTypeName()));
      return std::nullopt;
    }
    return response;
  }
  absl::Status Finish() { return call_.Finish(); }
  void Cancel() { call_.Cancel(); }
  ClientCall& call() { return call_; }

 private:
  ClientCall call_;
};

// Bidirectional streaming.
template <typename Request, typename Response>
ClientReaderWriter<Request, Response> OpenBidiStream(
    Channel& channel, std::string_view method,
    const CallOptions& options = {}) {
  return ClientReaderWriter<Request, Response>(
      channel.StartCall(method, options));
}

// Server streaming: the request is sent and half-closed; Read the
// responses, then Finish.
template <typename Request, typename Response>
ClientReaderWriter<Request, Response> OpenServerStream(
    Channel& channel, std::string_view method, const Request& request,
    const CallOptions& options = {}) {
  ClientReaderWriter<Request, Response> stream(
      channel.StartCall(method, options));
  if (stream.Write(request)) stream.WritesDone();
  return stream;
}

// Client streaming: Write the requests, then CloseAndFinish for the one
// response and the status.
template <typename Request, typename Response>
class ClientWriter {
 public:
  explicit ClientWriter(ClientCall call) : stream_(std::move(call)) {}
  bool Write(const Request& request) { return stream_.Write(request); }
  absl::StatusOr<Response> CloseAndFinish() {
    stream_.WritesDone();
    std::optional<Response> response = stream_.Read();
    absl::Status status = stream_.Finish();
    if (!status.ok()) return status;
    if (!response.has_value()) {
      return absl::InternalError("grpc: no response message received");
    }
    return *std::move(response);
  }
  void Cancel() { stream_.Cancel(); }

 private:
  ClientReaderWriter<Request, Response> stream_;
};

template <typename Request, typename Response>
ClientWriter<Request, Response> OpenClientStream(
    Channel& channel, std::string_view method,
    const CallOptions& options = {}) {
  return ClientWriter<Request, Response>(channel.StartCall(method, options));
}

}  // namespace rpc

#endif  // RPC_CHANNEL_H_
