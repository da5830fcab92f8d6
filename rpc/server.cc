#include "rpc/server.h"

#include <map>
#include <string>
#include <utility>

#include "core/base/bytes.h"
#include "core/base/check.h"
#include "core/env/live_fibre.h"
#include "rpc/http2_session.h"

namespace rpc {

using core::base::Duration;
using core::base::kPathExcerptBytes;
using core::base::QuoteExcerpt;
using internal::Http2Session;
using internal::Http2Stream;

struct Server::State {
  State(core::env::Executor& executor, core::env::Clock& clock,
        const ServerOptions& options,
        std::shared_ptr<const ServiceRegistry> services)
      : executor(executor),
        clock(clock),
        options(options),
        services(std::move(services)),
        changed(executor.NewEvent()) {}

  core::env::Executor& executor;
  core::env::Clock& clock;
  const ServerOptions options;
  const std::shared_ptr<const ServiceRegistry> services;
  std::unique_ptr<core::env::Listener> listener;
  bool closed = false;
  // Sessions not yet ended, by a local id (ordered: Close walks it).
  std::map<uint64_t, std::shared_ptr<Http2Session>> sessions;
  uint64_t next_session_id = 1;
  ServerStats stats;
  int running_calls = 0;
  int live_fibres = 0;
  // Notified when a session ends or a call returns (Shutdown waits on it).
  std::unique_ptr<core::env::Event> changed;
};

namespace {

using State = Server::State;

// A deadline further away than this is no deadline (and would overflow).
constexpr Duration kMaxTimeout = Duration::Seconds(int64_t{10} * 365 * 86400);

// What the transport reads from a request's headers; the rest is metadata.
struct RequestHead {
  std::string method;
  std::string path;
  std::string content_type;
  std::string timeout;
  std::string encoding;
  Metadata metadata;
};

bool IsReserved(const std::string& name) {
  return name == "te" || name == "content-type" || name == "grpc-timeout" ||
         name == "grpc-encoding" || name == "grpc-accept-encoding";
}

RequestHead ParseHead(const Metadata& headers) {
  RequestHead head;
  for (const auto& [name, value] : headers) {
    if (name == ":method") {
      head.method = value;
    } else if (name == ":path") {
      head.path = value;
    } else if (name == "content-type") {
      head.content_type = value;
    } else if (name == "grpc-timeout") {
      head.timeout = value;
    } else if (name == "grpc-encoding") {
      head.encoding = value;
    }
    if (!name.empty() && name[0] != ':' && !IsReserved(name)) {
      head.metadata.emplace_back(name, value);
    }
  }
  return head;
}

// UNIMPLEMENTED with grpc-go's wording.
absl::Status Unimplemented(const ServiceRegistry& services,
                           const std::string& path) {
  const size_t slash = path.rfind('/');
  if (path.empty() || path[0] != '/' || slash == 0) {
    return absl::UnimplementedError("malformed method name " +
                                    QuoteExcerpt(path, kPathExcerptBytes));
  }
  const std::string service = path.substr(1, slash - 1);
  if (!services.HasService(service)) {
    return absl::UnimplementedError("unknown service " +
                                    QuoteExcerpt(service, kPathExcerptBytes));
  }
  return absl::UnimplementedError(
      "unknown method " +
      QuoteExcerpt(path.substr(slash + 1), kPathExcerptBytes) +
      " for service " + QuoteExcerpt(service, kPathExcerptBytes));
}

// Decides what the transport can decide alone: a status to answer with at
// once (a trailers-only response), with its HTTP status; OK to proceed.
std::pair<absl::Status, int> Screen(const State& state,
                                    const RequestHead& head) {
  if (head.method != "POST") {
    return {absl::InternalError("method " + QuoteExcerpt(head.method) +
                                " not allowed"),
            405};
  }
  if (!IsGrpcContentType(head.content_type)) {
    return {absl::InternalError("invalid gRPC request content-type " +
                                QuoteExcerpt(head.content_type)),
            415};
  }
  if (state.closed) return {absl::UnavailableError("server is closing"), 200};
  if (!head.encoding.empty() && head.encoding != "identity") {
    return {absl::UnimplementedError(
                "grpc: Decompressor is not installed for grpc-encoding " +
                QuoteExcerpt(head.encoding)),
            200};
  }
  if (!head.timeout.empty() && !ParseTimeout(head.timeout).has_value()) {
    return {absl::InternalError("malformed grpc-timeout " +
                                QuoteExcerpt(head.timeout)),
            200};
  }
  return {absl::OkStatus(), 200};
}

// Counts a handler as running for as long as its fibre runs or unwinds.
class RunningCall {
 public:
  explicit RunningCall(State& state) : state_(state) { ++state_.running_calls; }
  ~RunningCall() {
    --state_.running_calls;
    state_.changed->Notify();
  }
  RunningCall(const RunningCall&) = delete;
  RunningCall& operator=(const RunningCall&) = delete;

 private:
  State& state_;
};

void ArmDeadline(State& state, const std::shared_ptr<ServerCall>& call,
                 Duration timeout) {
  std::weak_ptr<ServerCall> weak = call;
  const core::env::TimerId timer = state.executor.After(timeout, [weak] {
    if (std::shared_ptr<ServerCall> live = weak.lock()) live->Expire();
  });
  call->set_deadline_timer(&state.executor, timer);
}

// A request's headers are complete. Runs inside nghttp2's callback: must
// not park, so the handler gets a fibre of its own.
void Dispatch(const std::shared_ptr<State>& state,
              const std::shared_ptr<Http2Stream>& stream) {
  Http2Session& session = *stream->session;
  const RequestHead head = ParseHead(stream->headers);
  auto [screened, http_status] = Screen(*state, head);
  std::shared_ptr<const ServiceRegistry::Method> method;
  if (screened.ok()) {
    method = state->services->Find(head.path);
    if (method == nullptr)
      screened = Unimplemented(*state->services, head.path);
  }
  if (!screened.ok()) {
    ++state->stats.calls_rejected;
    session.Fail(*stream, screened);
    session.Finish(*stream, screened, http_status);
    return;
  }
  std::optional<Duration> timeout;
  if (!head.timeout.empty()) timeout = ParseTimeout(head.timeout);
  if (timeout.has_value() && *timeout > kMaxTimeout) timeout.reset();
  std::optional<core::base::Instant> deadline;
  if (timeout.has_value()) deadline = state->clock.NowMonotonic() + *timeout;
  auto call = std::make_shared<ServerCall>(
      stream, head.path, head.metadata, session.peer_address(), deadline,
      state->options.max_send_message_bytes);
  if (timeout.has_value()) ArmDeadline(*state, call, *timeout);
  ++state->stats.calls_started;
  state->executor.Spawn("rpc-call", [state, method, call] {
    core::env::LiveFibre live(state->live_fibres);
    RunningCall running(*state);
    const absl::Status status = method->handler(*call);
    call->Complete(status);
  });
}

internal::SessionOptions SessionOptionsOf(const ServerOptions& options) {
  internal::SessionOptions session;
  session.max_receive_message_bytes = options.max_receive_message_bytes;
  session.initial_stream_window_bytes = options.initial_stream_window_bytes;
  session.connection_window_bytes = options.connection_window_bytes;
  session.stream_receive_buffer_bytes = options.initial_stream_window_bytes;
  session.max_concurrent_streams = options.max_concurrent_streams;
  session.keepalive_time = options.keepalive_time;
  session.keepalive_timeout = options.keepalive_timeout;
  return session;
}

// Forgets a session once it ends.
void WatchSession(std::shared_ptr<State> state, uint64_t id,
                  std::shared_ptr<Http2Session> session) {
  core::env::LiveFibre live(state->live_fibres);
  session->ended_event().Wait();
  if (session->ended_by_protocol_error()) ++state->stats.protocol_errors;
  state->sessions.erase(id);
  state->changed->Notify();
}

void AcceptLoop(std::shared_ptr<State> state) {
  core::env::LiveFibre live(state->live_fibres);
  const internal::SessionOptions session_options =
      SessionOptionsOf(state->options);
  std::weak_ptr<State> weak = state;
  while (!state->closed) {
    auto accepted = state->listener->Accept();
    if (state->closed || !accepted.ok()) break;
    ++state->stats.connections_accepted;
    auto session = Http2Session::Start(
        Http2Session::Role::kServer, state->executor, state->clock,
        *std::move(accepted), session_options,
        [weak](std::shared_ptr<Http2Stream> stream) {
          if (std::shared_ptr<State> live_state = weak.lock()) {
            Dispatch(live_state, stream);
          } else {
            stream->session->Finish(*stream,
                                    absl::UnavailableError("server is gone"));
          }
        });
    const uint64_t id = state->next_session_id++;
    state->sessions.emplace(id, session);
    state->executor.Spawn("rpc-watch", [state, id, session] {
      WatchSession(state, id, session);
    });
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Start(
    core::env::Executor& executor, core::env::Clock& clock,
    core::env::Network& network, const ServerOptions& options,
    std::shared_ptr<const ServiceRegistry> services) {
  CHECK(services != nullptr);
  auto listener = network.Listen(options.listen_address);
  if (!listener.ok()) return listener.status();
  auto state =
      std::make_shared<State>(executor, clock, options, std::move(services));
  state->listener = *std::move(listener);
  executor.Spawn("rpc-accept", [state] { AcceptLoop(state); });
  return std::unique_ptr<Server>(new Server(state));
}

Server::~Server() { Close(); }

void Server::Shutdown(Duration grace) {
  State& state = *state_;
  if (state.closed) return;
  state.listener->Close();
  // Copy: a session may end (and erase itself) while we walk.
  const auto sessions = state.sessions;
  for (const auto& [id, session] : sessions) session->Shutdown();
  const core::base::Instant deadline = state.clock.NowMonotonic() + grace;
  while (!state.sessions.empty() || state.running_calls > 0) {
    const Duration left = deadline - state.clock.NowMonotonic();
    if (left <= Duration::Zero()) break;
    state.changed->Reset();
    state.changed->WaitFor(left);
  }
  Close();
}

void Server::Close() {
  State& state = *state_;
  if (state.closed) return;
  state.closed = true;
  state.listener->Close();
  const auto sessions = state.sessions;
  for (const auto& [id, session] : sessions) {
    session->Close(absl::CancelledError("server closed"));
  }
}

const core::env::Address& Server::address() const {
  return state_->listener->local_address();
}

const ServerStats& Server::stats() const { return state_->stats; }

size_t Server::open_connections() const { return state_->sessions.size(); }

int Server::running_calls() const { return state_->running_calls; }

int Server::live_fibres() const { return state_->live_fibres; }

}  // namespace rpc
