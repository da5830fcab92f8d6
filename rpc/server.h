// Server: gRPC over HTTP/2 on a core::env::Listener, so the same server runs
// on the simulator's network and on TCP.
//
// One Http2Session per accepted connection (rpc/http2_session.h: reader,
// writer and optional keepalive fibres); one fibre per call, running the
// handler the ServiceRegistry binds to the request's :path. What clients
// see (grpc-go's expectations, measured in the interop reference):
//  * our SETTINGS first; large receive windows; PINGs acknowledged, never
//    answered with GOAWAY; unknown SETTINGS ignored;
//  * every response has ":status 200" and "content-type: application/grpc";
//    the status is always in trailers (grpc-status, percent-encoded
//    grpc-message), or in a trailers-only response for early errors;
//  * an unknown method or service: UNIMPLEMENTED; grpc-encoding other than
//    identity: UNIMPLEMENTED; a malformed grpc-timeout: INTERNAL; a
//    content-type that is not gRPC: HTTP 415; a method other than POST:
//    HTTP 405;
//  * grpc-timeout sets the call's deadline: when it passes the client gets
//    DEADLINE_EXCEEDED at once and the handler sees cancelled();
//  * a malformed HTTP/2 frame: GOAWAY(PROTOCOL_ERROR) and that connection
//    closes; every other connection keeps being served.
//
// Shutdown(grace) is gRPC's graceful stop: stop accepting, GOAWAY(2^31-1),
// a PING, on its ACK the final GOAWAY naming the last stream taken; calls in
// flight finish; after `grace` whatever is left is closed. Close() is the
// hard stop. Neither leaves a fibre behind for long: connection fibres end
// at once, call fibres as soon as their handlers see cancelled().
//
// Thread-affinity: the executor's fibres (Start, Close and the destructor
// also from the harness between runs). The Executor, Clock and Network
// must outlive the server's fibres (they are the node's env).
#ifndef RPC_SERVER_H_
#define RPC_SERVER_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "core/base/time.h"
#include "core/env/clock.h"
#include "core/env/executor.h"
#include "core/env/network.h"
#include "rpc/service.h"
#include "rpc/wire.h"

namespace rpc {

struct ServerOptions {
  core::env::Address listen_address;
  size_t max_receive_message_bytes = kDefaultMaxMessageBytes;
  size_t max_send_message_bytes = std::numeric_limits<uint32_t>::max();
  uint32_t initial_stream_window_bytes = 4 << 20;
  uint32_t connection_window_bytes = 64 << 20;
  uint32_t max_concurrent_streams = 1024;
  // Server-initiated PINGs on idle connections (off by default: clients
  // keep their own connections alive).
  std::optional<core::base::Duration> keepalive_time;
  core::base::Duration keepalive_timeout = core::base::Duration::Seconds(20);
};

struct ServerStats {
  uint64_t connections_accepted = 0;
  uint64_t calls_started = 0;   // handed to a handler
  uint64_t calls_rejected = 0;  // unknown method, bad headers, ...
  // Connections ended by a protocol error (answered with GOAWAY).
  uint64_t protocol_errors = 0;
};

class Server {
 public:
  // Listens (does not park) and spawns the accept fibre.
  static absl::StatusOr<std::unique_ptr<Server>> Start(
      core::env::Executor& executor, core::env::Clock& clock,
      core::env::Network& network, const ServerOptions& options,
      std::shared_ptr<const ServiceRegistry> services);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Parks until every connection has ended or `grace` has passed.
  void Shutdown(core::base::Duration grace);
  void Close();

  const core::env::Address& address() const;
  const ServerStats& stats() const;
  size_t open_connections() const;
  // Handlers still running.
  int running_calls() const;
  // Accept, connection-watch and call fibres not yet ended.
  int live_fibres() const;

  struct State;  // server.cc

 private:
  explicit Server(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

}  // namespace rpc

#endif  // RPC_SERVER_H_
