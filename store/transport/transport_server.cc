// TransportServer: the receiving side (see transport.h).
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "core/base/check.h"
#include "core/env/live_fibre.h"
#include "store/transport/transport.h"

namespace store::transport {

struct TransportServer::State {
  State(core::env::Executor& executor, const TransportServerOptions& options,
        FrameHandler handler)
      : executor(executor), options(options), handler(std::move(handler)) {}

  core::env::Executor& executor;
  const TransportServerOptions options;
  const FrameHandler handler;
  std::unique_ptr<core::env::Listener> listener;
  TransportServerStats stats;
  absl::Status last_error;
  bool closed = false;
  // Accepted connections still being read, by a local id (ordered: Close
  // walks it, and what it does is traced by the simulator).
  std::map<uint64_t, std::shared_ptr<core::env::Connection>> connections;
  uint64_t next_connection_id = 1;
  int live_fibres = 0;
};

namespace {

using State = TransportServer::State;

// Hands every whole frame in `decoder` to the handler (the first must be
// the hello, which sets `from`). False on a protocol error.
bool DeliverFrames(State& state, FrameDecoder& decoder,
                   std::optional<Address>& from) {
  while (!state.closed) {
    auto next = decoder.Next();
    if (!next.ok()) {
      state.last_error = absl::InvalidArgumentError(next.error().reason);
      return false;
    }
    std::optional<std::string> frame = std::move(next).value();
    if (!frame.has_value()) return true;
    if (!from.has_value()) {
      auto hello = DecodeHello(*frame);
      if (!hello.ok()) {
        state.last_error = absl::InvalidArgumentError(hello.error().reason);
        return false;
      }
      from = *std::move(hello);
      continue;
    }
    ++state.stats.frames_received;
    state.handler(*from, *std::move(frame));
  }
  return true;
}

// One accepted connection: hello, then frames, until it ends, breaks,
// misbehaves or the server closes.
void ReadLoop(std::shared_ptr<State> state, uint64_t id,
              std::shared_ptr<core::env::Connection> connection) {
  core::env::LiveFibre live(state->live_fibres);
  FrameDecoder decoder(state->options.max_frame_bytes);
  std::optional<Address> from;
  std::string buffer(state->options.read_buffer_bytes, '\0');
  while (!state->closed) {
    absl::StatusOr<size_t> read =
        connection->Read(buffer.data(), buffer.size());
    if (state->closed || !read.ok() || *read == 0) break;
    decoder.Append(std::string_view(buffer.data(), *read));
    if (!DeliverFrames(*state, decoder, from)) {
      ++state->stats.malformed;
      break;
    }
  }
  connection->Close();
  state->connections.erase(id);
}

void AcceptLoop(std::shared_ptr<State> state) {
  core::env::LiveFibre live(state->live_fibres);
  while (!state->closed) {
    auto accepted = state->listener->Accept();
    if (state->closed) break;
    if (!accepted.ok()) {
      // Only Close ends a listener in the env's contract; should one fail
      // anyway, stop accepting rather than spin, and say why.
      state->last_error = accepted.status();
      break;
    }
    ++state->stats.accepted;
    const uint64_t id = state->next_connection_id++;
    std::shared_ptr<core::env::Connection> connection = *std::move(accepted);
    state->connections.emplace(id, connection);
    state->executor.Spawn("transport-read", [state, id, connection] {
      ReadLoop(state, id, connection);
    });
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<TransportServer>> TransportServer::Start(
    core::env::Executor& executor, core::env::Network& network,
    const TransportServerOptions& options, FrameHandler handler) {
  CHECK(handler != nullptr);
  CHECK(options.read_buffer_bytes > 0);
  auto listener = network.Listen(options.listen_address);
  if (!listener.ok()) return listener.status();
  auto state = std::make_shared<State>(executor, options, std::move(handler));
  state->listener = *std::move(listener);
  executor.Spawn("transport-accept", [state] { AcceptLoop(state); });
  return std::unique_ptr<TransportServer>(new TransportServer(state));
}

TransportServer::~TransportServer() { Close(); }

void TransportServer::Close() {
  State& state = *state_;
  if (state.closed) return;
  state.closed = true;
  state.listener->Close();
  // Each reader wakes with kCancelled and removes itself; copy first.
  const auto connections = state.connections;
  for (const auto& [id, connection] : connections) connection->Close();
}

const TransportServerStats& TransportServer::stats() const {
  return state_->stats;
}

const absl::Status& TransportServer::last_error() const {
  return state_->last_error;
}

int TransportServer::live_fibres() const { return state_->live_fibres; }

}  // namespace store::transport
