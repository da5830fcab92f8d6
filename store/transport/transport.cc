// Transport: the sending side (see transport.h).
#include "store/transport/transport.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "core/base/check.h"
#include "core/env/channel.h"
#include "core/env/live_fibre.h"

namespace store::transport {

using core::base::Duration;

namespace {

// One destination: its queue, its connection, its backoff.
struct Destination {
  Destination(core::env::Executor& executor, core::env::Clock& clock,
              Address to, size_t capacity, Duration initial_backoff)
      : address(std::move(to)),
        queue(executor, clock, capacity),
        backoff(initial_backoff) {}
  const Address address;
  core::env::Channel<std::string> queue;
  std::unique_ptr<core::env::Connection> connection;
  // While set, Sends are dropped (the last connect failed).
  bool backing_off = false;
  Duration backoff;
};

}  // namespace

struct Transport::State {
  State(core::env::Executor& executor, core::env::Clock& clock,
        core::env::Network& network, const TransportOptions& options)
      : executor(executor),
        clock(clock),
        network(network),
        options(options),
        closed_event(executor.NewEvent()) {}

  core::env::Executor& executor;
  core::env::Clock& clock;
  core::env::Network& network;
  const TransportOptions options;
  TransportStats stats;
  bool closed = false;
  // Set by Close: ends backoff waits early.
  std::unique_ptr<core::env::Event> closed_event;
  // Ordered: Close walks it, and what it does is traced by the simulator.
  std::map<Address, std::shared_ptr<Destination>> destinations;
  int live_fibres = 0;
};

namespace {

using State = Transport::State;

void DropQueued(State& state, Destination& destination) {
  while (destination.queue.size() > 0) {
    (void)destination.queue.Receive();
    ++state.stats.dropped_connection_down;
  }
}

// Connects `destination`; on failure drops what is queued and backs off.
// False when there is no connection to write to.
bool Connect(State& state, Destination& destination) {
  auto connection =
      state.network.Connect(destination.address, state.options.connect_timeout);
  if (state.closed) {
    if (connection.ok()) (*connection)->Close();
    return false;
  }
  if (connection.ok()) {
    ++state.stats.connects;
    destination.connection = *std::move(connection);
    destination.backoff = state.options.backoff_initial;
    return true;
  }
  ++state.stats.connect_failures;
  DropQueued(state, destination);
  destination.backing_off = true;
  (void)state.closed_event->WaitFor(destination.backoff);
  destination.backing_off = false;
  destination.backoff =
      std::min(destination.backoff * 2, state.options.backoff_max);
  return false;
}

// Moves queued frames (after `first`) into `bytes` as frames, up to about
// max_write_bytes; returns how many frames `bytes` now holds.
uint64_t Coalesce(State& state, Destination& destination, std::string first,
                  std::string* bytes) {
  AppendFrame(bytes, first);
  uint64_t frames = 1;
  while (destination.queue.size() > 0 &&
         bytes->size() < state.options.max_write_bytes) {
    std::optional<std::string> next = destination.queue.Receive();
    CHECK(next.has_value());
    AppendFrame(bytes, *next);
    ++frames;
  }
  return frames;
}

void SendLoop(std::shared_ptr<State> state,
              std::shared_ptr<Destination> destination) {
  core::env::LiveFibre live(state->live_fibres);
  while (!state->closed) {
    std::optional<std::string> first = destination->queue.Receive();
    if (!first.has_value() || state->closed) break;
    std::string bytes;
    if (destination->connection == nullptr) {
      if (!Connect(*state, *destination)) {
        if (!state->closed) ++state->stats.dropped_connection_down;
        continue;
      }
      AppendFrame(&bytes, EncodeHello(state->options.local_address));
    }
    const uint64_t frames =
        Coalesce(*state, *destination, *std::move(first), &bytes);
    const absl::Status written = destination->connection->Write(bytes);
    if (state->closed) break;
    if (written.ok()) {
      state->stats.sent += frames;
      continue;
    }
    state->stats.dropped_connection_down += frames;
    destination->connection->Close();
    destination->connection.reset();
  }
  if (destination->connection != nullptr) destination->connection->Close();
}

}  // namespace

Transport::Transport(core::env::Executor& executor, core::env::Clock& clock,
                     core::env::Network& network,
                     const TransportOptions& options)
    : state_(std::make_shared<State>(executor, clock, network, options)) {
  CHECK(!options.local_address.empty())
      << "a transport needs its listen address for the hello";
  CHECK(options.queue_capacity_frames > 0);
  CHECK(options.backoff_initial > Duration::Zero() &&
        options.backoff_initial <= options.backoff_max);
}

Transport::~Transport() { Close(); }

bool Transport::Send(const Address& to, std::string frame) {
  State& state = *state_;
  if (state.closed) return false;
  if (frame.size() > state.options.max_frame_bytes) {
    ++state.stats.dropped_too_large;
    return false;
  }
  auto [it, inserted] = state.destinations.try_emplace(to);
  if (inserted) {
    it->second = std::make_shared<Destination>(
        state.executor, state.clock, to, state.options.queue_capacity_frames,
        state.options.backoff_initial);
    state.executor.Spawn("transport-send",
                         [state = state_, destination = it->second] {
                           SendLoop(state, destination);
                         });
  }
  Destination& destination = *it->second;
  if (destination.backing_off) {
    ++state.stats.dropped_connection_down;
    return false;
  }
  if (!destination.queue.TrySend(std::move(frame))) {
    ++state.stats.dropped_queue_full;
    return false;
  }
  return true;
}

void Transport::Close() {
  State& state = *state_;
  if (state.closed) return;
  state.closed = true;
  state.closed_event->Notify();
  for (auto& [address, destination] : state.destinations) {
    destination->queue.Close();
    // Wakes a sender parked in Write; it closes nothing twice.
    if (destination->connection != nullptr) destination->connection->Close();
  }
}

const TransportStats& Transport::stats() const { return state_->stats; }

int Transport::live_fibres() const { return state_->live_fibres; }

}  // namespace store::transport
