#include "rpc/channel.h"

#include <algorithm>
#include <vector>

#include "core/base/bytes.h"
#include "core/base/check.h"
#include "core/base/mutant.h"
#include "core/base/numbers.h"
#include "core/env/live_fibre.h"
#include "rpc/http2_session.h"

namespace rpc {

using core::base::Duration;
using core::base::Instant;
using internal::Http2Session;
using internal::Http2Stream;

struct ClientCall::State {
  ~State() {
    if (timer.has_value()) executor->Cancel(*timer);
  }
  // Null when the call never got a stream (its status is set).
  std::shared_ptr<Http2Stream> stream;
  std::optional<absl::Status> status;
  core::env::Executor* executor = nullptr;
  std::optional<core::env::TimerId> timer;
  size_t max_send_message_bytes = 0;
};

namespace {

const Metadata kNoMetadata;

std::optional<std::string_view> Lookup(const Metadata& fields,
                                       std::string_view name) {
  for (const auto& [key, value] : fields) {
    if (key == name) return value;
  }
  return std::nullopt;
}

// The call's status from what the server sent (gRPC's rules, grpc-go's
// choices where they leave room).
absl::Status StatusFromResponse(const Http2Stream& stream) {
  // nghttp2 has checked that :status is three digits.
  const std::string http(Lookup(stream.headers, ":status").value_or("0"));
  const int http_status = core::base::ParseInteger<int>(http).value_or(0);
  const std::optional<std::string_view> content_type =
      Lookup(stream.headers, "content-type");
  const std::optional<std::string_view> code =
      Lookup(stream.trailers, "grpc-status");
  const bool grpc =
      content_type.has_value() && IsGrpcContentType(*content_type);
  if (!grpc || !code.has_value()) {
    const absl::StatusCode mapped = http_status == 200
                                        ? absl::StatusCode::kUnknown
                                        : StatusCodeFromHttpStatus(http_status);
    return absl::Status(
        mapped,
        !grpc ? "unexpected content-type " +
                    core::base::QuoteExcerpt(content_type.value_or("")) +
                    " (HTTP status " + http + ")"
              : "no grpc-status in the trailers (HTTP status " + http + ")");
  }
  const std::optional<std::string_view> message =
      Lookup(stream.trailers, "grpc-message");
  return absl::Status(ParseStatusCode(*code),
                      PercentDecode(message.value_or("")));
}

ClientCall FinishedCall(absl::Status status) {
  auto state = std::make_shared<ClientCall::State>();
  state->status = std::move(status);
  return ClientCall(std::move(state));
}

}  // namespace

ClientCall::ClientCall(std::shared_ptr<State> state)
    : state_(std::move(state)) {}

ClientCall::~ClientCall() {
  if (state_ != nullptr) Cancel();
}

bool ClientCall::Write(std::string_view message) {
  if (state_ == nullptr || state_->stream == nullptr) return false;
  if (message.size() > state_->max_send_message_bytes) {
    Cancel(absl::ResourceExhaustedError(
        "grpc: trying to send message larger than max (" +
        std::to_string(message.size()) + " vs. " +
        std::to_string(state_->max_send_message_bytes) + ")"));
    return false;
  }
  return state_->stream->Write(message);
}

void ClientCall::WritesDone() {
  if (state_ == nullptr || state_->stream == nullptr) return;
  if (Http2Session* session = state_->stream->session) {
    session->CloseSend(*state_->stream);
  }
}

std::optional<std::string> ClientCall::Read() {
  if (state_ == nullptr || state_->stream == nullptr) return std::nullopt;
  return state_->stream->Read();
}

absl::Status ClientCall::Finish() {
  CHECK(state_ != nullptr) << "Finish on a moved-from call";
  State& state = *state_;
  if (state.status.has_value()) return *state.status;
  state.stream->WaitClosed();
  state.status = state.stream->failure.has_value()
                     ? *state.stream->failure
                     : StatusFromResponse(*state.stream);
  if (state.timer.has_value()) {
    state.executor->Cancel(*state.timer);
    state.timer.reset();
  }
  return *state.status;
}

void ClientCall::Cancel(absl::Status why) {
  if (state_ == nullptr || state_->stream == nullptr) return;
  Http2Stream& stream = *state_->stream;
  if (stream.done() || stream.session == nullptr) return;
  stream.session->Reset(stream, NGHTTP2_CANCEL, std::move(why));
}

const Metadata& ClientCall::response_headers() const {
  if (state_ == nullptr || state_->stream == nullptr) return kNoMetadata;
  return state_->stream->headers;
}

bool ClientCall::refused() const {
  return state_ != nullptr && state_->stream != nullptr &&
         state_->stream->refused;
}

const Metadata& ClientCall::trailers() const {
  if (state_ == nullptr || state_->stream == nullptr) return kNoMetadata;
  return state_->stream->trailers;
}

struct Channel::State {
  State(core::env::Executor& executor, core::env::Clock& clock,
        core::env::Network& network, const ChannelOptions& options)
      : executor(executor),
        clock(clock),
        network(network),
        options(options),
        backoff(options.backoff_initial),
        connect_done(executor.NewEvent()) {}

  core::env::Executor& executor;
  core::env::Clock& clock;
  core::env::Network& network;
  const ChannelOptions options;
  std::shared_ptr<Http2Session> session;
  // Earlier sessions still finishing their calls (Close ends them).
  std::vector<std::weak_ptr<Http2Session>> retired;
  bool connecting = false;
  bool closed = false;
  std::optional<Instant> retry_at;
  Duration backoff;
  absl::Status last_connect_error;
  std::unique_ptr<core::env::Event> connect_done;
  ChannelStats stats;
  int live_fibres = 0;
};

namespace {

using ChannelState = Channel::State;

internal::SessionOptions SessionOptionsOf(const ChannelOptions& options) {
  internal::SessionOptions session;
  session.max_receive_message_bytes = options.max_receive_message_bytes;
  session.initial_stream_window_bytes = options.initial_stream_window_bytes;
  session.connection_window_bytes = options.connection_window_bytes;
  session.stream_receive_buffer_bytes = options.initial_stream_window_bytes;
  session.keepalive_time = options.keepalive_time;
  session.keepalive_timeout = options.keepalive_timeout;
  return session;
}

void ConnectLoop(std::shared_ptr<ChannelState> state) {
  core::env::LiveFibre live(state->live_fibres);
  auto connection = state->network.Connect(state->options.target,
                                           state->options.connect_timeout);
  state->connecting = false;
  if (state->closed) {
    if (connection.ok()) (*connection)->Close();
  } else if (!connection.ok()) {
    ++state->stats.connect_failures;
    state->last_connect_error = connection.status();
    state->retry_at = state->clock.NowMonotonic() + state->backoff;
    state->backoff = std::min(state->backoff * 2, state->options.backoff_max);
  } else {
    ++state->stats.connects;
    state->backoff = state->options.backoff_initial;
    state->retry_at.reset();
    state->session = Http2Session::Start(
        Http2Session::Role::kClient, state->executor, state->clock,
        *std::move(connection), SessionOptionsOf(state->options), nullptr);
  }
  state->connect_done->Notify();
}

// A session that takes new streams, connecting if needed; parks at most
// until `deadline`.
absl::StatusOr<std::shared_ptr<Http2Session>> AcquireSession(
    const std::shared_ptr<ChannelState>& state,
    std::optional<Instant> deadline) {
  while (true) {
    if (state->closed) return absl::CancelledError("channel closed");
    if (state->session != nullptr) {
      if (state->session->accepting_streams()) return state->session;
      std::erase_if(state->retired, [](const std::weak_ptr<Http2Session>& old) {
        return old.expired();
      });
      state->retired.push_back(state->session);
      state->session.reset();
    }
    if (!state->connecting) {
      if (state->retry_at.has_value() &&
          state->clock.NowMonotonic() < *state->retry_at) {
        return absl::UnavailableError(
            "connection to " + state->options.target + " failed (" +
            std::string(state->last_connect_error.message()) + "); in backoff");
      }
      state->connecting = true;
      state->connect_done->Reset();
      state->executor.Spawn("rpc-connect", [state] { ConnectLoop(state); });
    }
    if (deadline.has_value()) {
      const Duration left = *deadline - state->clock.NowMonotonic();
      if (left <= Duration::Zero()) {
        return absl::DeadlineExceededError(
            "deadline exceeded while connecting");
      }
      state->connect_done->WaitFor(left);
    } else {
      state->connect_done->Wait();
    }
    // A failure of the attempt we waited for fails this call (fail fast).
    if (!state->connecting && state->session == nullptr && !state->closed &&
        state->retry_at.has_value()) {
      return absl::UnavailableError(
          "connection to " + state->options.target +
          " failed: " + std::string(state->last_connect_error.message()));
    }
  }
}

Metadata RequestHeaders(const ChannelOptions& options, std::string_view method,
                        std::optional<Duration> timeout,
                        const Metadata& metadata) {
  Metadata headers = {
      {":method", "POST"},
      {":scheme", "http"},
      {":path", std::string(method)},
      {":authority",
       options.authority.empty() ? options.target : options.authority},
      {"content-type", "application/grpc"},
      {"user-agent", options.user_agent},
      {"te", "trailers"},
  };
  if (timeout.has_value()) {
    headers.emplace_back("grpc-timeout", FormatTimeout(*timeout));
  }
  headers.insert(headers.end(), metadata.begin(), metadata.end());
  return headers;
}

void ArmDeadline(core::env::Executor& executor,
                 const std::shared_ptr<ClientCall::State>& call,
                 Duration timeout) {
  std::weak_ptr<ClientCall::State> weak = call;
  call->executor = &executor;
  call->timer = executor.After(timeout, [weak] {
    std::shared_ptr<ClientCall::State> live = weak.lock();
    if (live == nullptr) return;
    live->timer.reset();  // it fired
    Http2Stream& stream = *live->stream;
    if (stream.done() || stream.session == nullptr) return;
    if (MUTANT(RPC_CLIENT_DEADLINE_NOT_ENFORCED)) {
      // Known bug: the call waits for the server (or the connection's end)
      // instead of ending at its deadline.
      return;
    }
    stream.session->Reset(stream, NGHTTP2_CANCEL,
                          absl::DeadlineExceededError("deadline exceeded"));
  });
}

}  // namespace

Channel::Channel(core::env::Executor& executor, core::env::Clock& clock,
                 core::env::Network& network, const ChannelOptions& options)
    : state_(std::make_shared<State>(executor, clock, network, options)) {
  CHECK(!options.target.empty()) << "a channel needs a target";
}

Channel::~Channel() { Close(); }

ClientCall Channel::StartCall(std::string_view method,
                              const CallOptions& options) {
  State& state = *state_;
  ++state.stats.calls_started;
  std::optional<Instant> deadline;
  if (options.timeout.has_value()) {
    if (*options.timeout <= Duration::Zero()) {
      return FinishedCall(absl::DeadlineExceededError("deadline exceeded"));
    }
    deadline = state.clock.NowMonotonic() + *options.timeout;
  }
  absl::StatusOr<std::shared_ptr<Http2Session>> session =
      AcquireSession(state_, deadline);
  if (!session.ok()) return FinishedCall(session.status());
  std::optional<Duration> left;
  if (deadline.has_value()) {
    left = *deadline - state.clock.NowMonotonic();
    if (*left <= Duration::Zero()) {
      return FinishedCall(absl::DeadlineExceededError("deadline exceeded"));
    }
  }
  absl::StatusOr<std::shared_ptr<Http2Stream>> stream = (*session)->OpenStream(
      RequestHeaders(state.options, method, left, options.metadata));
  if (!stream.ok()) return FinishedCall(stream.status());
  auto call = std::make_shared<ClientCall::State>();
  call->stream = *std::move(stream);
  call->max_send_message_bytes = state.options.max_send_message_bytes;
  if (left.has_value()) ArmDeadline(state.executor, call, *left);
  return ClientCall(std::move(call));
}

absl::StatusOr<std::string> Channel::UnaryCall(std::string_view method,
                                               std::string_view request,
                                               const CallOptions& options) {
  std::optional<Instant> deadline;
  if (options.timeout.has_value()) {
    deadline = state_->clock.NowMonotonic() + *options.timeout;
  }
  CallOptions attempt_options = options;
  for (int attempt = 0;; ++attempt) {
    if (deadline.has_value()) {
      attempt_options.timeout = *deadline - state_->clock.NowMonotonic();
    }
    ClientCall call = StartCall(method, attempt_options);
    if (call.Write(request)) call.WritesDone();
    std::optional<std::string> response = call.Read();
    absl::Status status = call.Finish();
    if (!status.ok() && call.refused() && attempt == 0) {
      ++state_->stats.transparent_retries;
      continue;
    }
    if (!status.ok()) return status;
    if (!response.has_value()) {
      return absl::InternalError("grpc: no response message received");
    }
    return *std::move(response);
  }
}

void Channel::Close() {
  State& state = *state_;
  if (state.closed) return;
  state.closed = true;
  if (state.session != nullptr) {
    state.session->Close(absl::CancelledError("channel closed"));
    state.session.reset();
  }
  for (const std::weak_ptr<Http2Session>& weak : state.retired) {
    if (std::shared_ptr<Http2Session> old = weak.lock()) {
      old->Close(absl::CancelledError("channel closed"));
    }
  }
  state.retired.clear();
  state.connect_done->Notify();
}

const ChannelStats& Channel::stats() const { return state_->stats; }

int Channel::live_fibres() const { return state_->live_fibres; }

bool Channel::connected() const {
  return state_->session != nullptr && state_->session->accepting_streams();
}

}  // namespace rpc
