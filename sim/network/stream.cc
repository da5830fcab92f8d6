// SimNetwork's stream connections: handshake, ordered segments that stall
// (never drop) on blocked or clogged paths, windows, close and reset.
#include <algorithm>
#include <cstring>
#include <utility>

#include "core/base/check.h"
#include "core/base/mutant.h"
#include "sim/network/network_internal.h"
#include "sim/network/sim_network.h"

namespace sim {

using core::base::Duration;
using core::base::Instant;
using network_internal::ConnState;
using network_internal::End;
using network_internal::ListenerState;
using network_internal::Pipe;
using network_internal::Segment;
using network_internal::SegmentKind;
using Phase = network_internal::ConnState::Phase;

// --- Listen and accept ------------------------------------------------------

absl::StatusOr<std::unique_ptr<core::env::Listener>> SimNetwork::Listen(
    ProcessId process, const Address& address) {
  absl::StatusOr<Address> claimed = ClaimAddress(process, address);
  if (!claimed.ok()) return claimed.status();
  if (listeners_.count(*claimed) > 0) {
    return absl::AlreadyExistsError("address in use: " + *claimed);
  }
  auto state = std::make_unique<ListenerState>(loop_, process, *claimed);
  listeners_[*claimed] = state.get();
  return std::make_unique<network_internal::SimListener>(*this,
                                                         std::move(state));
}

absl::StatusOr<std::unique_ptr<core::env::Connection>> SimNetwork::Accept(
    ListenerState& listener) {
  CHECK_EQ(loop_.current_process(), listener.process)
      << "Accept from outside the listener's process";
  while (true) {
    if (listener.closed) return absl::CancelledError("listener closed");
    if (!listener.backlog.empty()) {
      ConnPtr conn = std::move(listener.backlog.front());
      listener.backlog.pop_front();
      conn->in_backlog = false;
      return std::make_unique<network_internal::SimConnection>(*this, conn, 1);
    }
    listener.acceptors.Wait(std::nullopt);
  }
}

void SimNetwork::CloseListener(ListenerState& listener) {
  if (listener.closed) return;
  listener.closed = true;
  auto it = listeners_.find(listener.address);
  if (it != listeners_.end() && it->second == &listener) listeners_.erase(it);
  std::deque<ConnPtr> backlog = std::move(listener.backlog);
  listener.backlog.clear();
  for (const ConnPtr& conn : backlog) Break(conn, "listener closed");
  listener.acceptors.NotifyAll();
}

// --- Connect: SYN and SYN-ACK, retried while the path is not open ----------

absl::StatusOr<std::unique_ptr<core::env::Connection>> SimNetwork::Connect(
    ProcessId process, const Address& address, Duration timeout) {
  CHECK_EQ(loop_.current_process(), process)
      << "Connect from outside the process";
  const std::optional<ProcessId> destination = HostProcess(address);
  if (!destination.has_value()) {
    return absl::UnavailableError("no route to host: " + address);
  }
  auto conn = std::make_shared<ConnState>(loop_);
  conn->id = next_connection_id_++;
  conn->ends[0].process = process;
  conn->ends[0].address =
      host(process) + ":" + std::to_string(next_ephemeral_port_++);
  conn->ends[1].process = *destination;
  conn->ends[1].address = address;
  connections_[conn->id] = conn;
  ++stats_.connections_opened;
  loop_.Trace(TraceKind::kNetConnect, process, conn->id);
  SendSyn(conn);
  SimClock& clock = loop_.clock(process);
  const Instant deadline = clock.NowMonotonic() + timeout;
  while (!conn->syn_acked && conn->phase != Phase::kRefused &&
         conn->phase != Phase::kBroken) {
    const Duration remaining = deadline - clock.NowMonotonic();
    if (remaining <= Duration::Zero()) {
      Break(conn, "connect timed out");
      return absl::DeadlineExceededError("connect to " + address +
                                         " timed out");
    }
    conn->ends[0].readers.Wait(remaining);
  }
  if (conn->phase == Phase::kRefused) {
    connections_.erase(conn->id);
    return absl::UnavailableError("connection refused: " + address);
  }
  if (conn->phase == Phase::kBroken) {
    return absl::UnavailableError("connection reset: " + address);
  }
  return std::make_unique<network_internal::SimConnection>(*this, conn, 0);
}

void SimNetwork::SendSyn(const ConnPtr& conn) {
  loop_.ScheduleCallback(
      loop_.Now() + SampleLatency(), kNoProcess, [this, conn] {
        if (conn->phase != Phase::kConnecting) return;
        const ProcessId from = conn->ends[0].process;
        const ProcessId to = conn->ends[1].process;
        if (!faults_.IsOpen(from, to, loop_.Now()) || !loop_.IsUp(to)) {
          // No answer: retransmit until Connect gives up.
          loop_.ScheduleCallback(loop_.Now() + options_.stream_retry_interval,
                                 kNoProcess, [this, conn] { SendSyn(conn); });
          return;
        }
        ArriveSyn(conn);
      });
}

void SimNetwork::ArriveSyn(const ConnPtr& conn) {
  auto it = listeners_.find(conn->ends[1].address);
  if (it == listeners_.end() || it->second->closed) {
    SendSynAck(conn, /*refused=*/true);
    return;
  }
  ListenerState& listener = *it->second;
  conn->phase = Phase::kEstablished;
  conn->in_backlog = true;
  listener.backlog.push_back(conn);
  listener.acceptors.NotifyAll();
  SendSynAck(conn, /*refused=*/false);
}

void SimNetwork::SendSynAck(const ConnPtr& conn, bool refused) {
  loop_.ScheduleCallback(
      loop_.Now() + SampleLatency(), kNoProcess, [this, conn, refused] {
        End& client = conn->ends[0];
        if (client.gone || client.closed || conn->phase == Phase::kBroken) {
          return;
        }
        if (!faults_.IsOpen(conn->ends[1].process, client.process,
                            loop_.Now())) {
          // A lost refusal just lets the client time out.
          if (!refused) {
            loop_.ScheduleCallback(loop_.Now() + options_.stream_retry_interval,
                                   kNoProcess,
                                   [this, conn] { SendSynAck(conn, false); });
          }
          return;
        }
        if (refused) {
          conn->phase = Phase::kRefused;
        } else {
          conn->syn_acked = true;
        }
        client.readers.NotifyAll();
      });
}

// --- Reading and writing ----------------------------------------------------

absl::StatusOr<size_t> SimNetwork::Read(const ConnPtr& conn, int end,
                                        char* buffer, size_t capacity) {
  End& me = conn->ends[end];
  CHECK_EQ(loop_.current_process(), me.process)
      << "Read from outside the connection's process";
  Pipe& in = conn->pipes[1 - end];
  while (true) {
    if (me.closed) return absl::CancelledError("connection closed");
    if (conn->phase == Phase::kBroken) {
      return absl::UnavailableError(std::string("connection broken: ") +
                                    conn->break_reason);
    }
    const size_t available = in.buffer.size() - in.read_offset;
    if (available > 0 && capacity > 0) {
      const size_t n = std::min(capacity, available);
      std::memcpy(buffer, in.buffer.data() + in.read_offset, n);
      in.read_offset += n;
      if (in.read_offset == in.buffer.size()) {
        in.buffer.clear();
        in.read_offset = 0;
      } else if (in.read_offset > in.buffer.size() / 2) {
        in.buffer.erase(0, in.read_offset);
        in.read_offset = 0;
      }
      in.window_bytes -= n;
      conn->ends[1 - end].writers.NotifyAll();
      return n;
    }
    if (in.fin_received) return 0;
    if (available > 0) return 0;  // capacity == 0
    me.readers.Wait(std::nullopt);
  }
}

absl::Status SimNetwork::Write(const ConnPtr& conn, int end,
                               std::string_view bytes) {
  End& me = conn->ends[end];
  CHECK_EQ(loop_.current_process(), me.process)
      << "Write from outside the connection's process";
  Pipe& out = conn->pipes[end];
  while (true) {
    if (me.closed) return absl::CancelledError("connection closed");
    if (conn->phase == Phase::kBroken) {
      return absl::UnavailableError(std::string("connection broken: ") +
                                    conn->break_reason);
    }
    if (conn->pipes[1 - end].fin_received) {
      return absl::UnavailableError("peer closed the connection");
    }
    if (bytes.empty()) return absl::OkStatus();
    if (out.window_bytes == 0 ||
        out.window_bytes + bytes.size() <= options_.stream_window_bytes) {
      break;
    }
    me.writers.Wait(std::nullopt);
  }
  out.window_bytes += bytes.size();
  while (!bytes.empty()) {
    const size_t cut = std::min(
        bytes.size(), 1 + static_cast<size_t>(prng_.Uniform(std::max<size_t>(
                              options_.max_segment_bytes, 1))));
    PushSegment(conn, end, network_internal::kData,
                std::string(bytes.substr(0, cut)));
    bytes.remove_prefix(cut);
  }
  if (prng_.Bernoulli(options_.stream_break_probability)) {
    Break(conn, "random reset");
  }
  return absl::OkStatus();
}

void SimNetwork::CloseEnd(const ConnPtr& conn, int end) {
  End& me = conn->ends[end];
  if (me.closed) return;
  me.closed = true;
  me.readers.NotifyAll();
  me.writers.NotifyAll();
  // Unread incoming bytes are discarded.
  Pipe& in = conn->pipes[1 - end];
  in.window_bytes -= in.buffer.size() - in.read_offset;
  in.buffer.clear();
  in.read_offset = 0;
  if (conn->phase != Phase::kBroken) {
    PushSegment(conn, end, network_internal::kFin, "");
  }
  if (conn->ends[1 - end].closed || conn->phase == Phase::kBroken) {
    connections_.erase(conn->id);
  }
}

// --- Segments ---------------------------------------------------------------

void SimNetwork::PushSegment(const ConnPtr& conn, int from_end, int kind,
                             std::string bytes) {
  Pipe& pipe = conn->pipes[from_end];
  const Instant at =
      std::max(loop_.Now() + SampleLatency(), pipe.last_deliver_at);
  pipe.last_deliver_at = at;
  ++stats_.segments_sent;
  loop_.Trace(TraceKind::kNetStreamSegment, conn->ends[from_end].process,
              bytes.size() * 4 + static_cast<uint64_t>(kind));
  if (MUTANT(SIM_STREAM_REORDER)) {
    // Known bug: segments queued by their own latency, without the FIFO
    // clamp, so a fast segment overtakes a slow one.
    const Instant own = loop_.Now() + SampleLatency();
    auto position = std::upper_bound(
        pipe.in_flight.begin(), pipe.in_flight.end(), own,
        [](Instant t, const Segment& s) { return t < s.deliver_at; });
    pipe.in_flight.insert(position, Segment{static_cast<SegmentKind>(kind),
                                            std::move(bytes), own});
    if (!pipe.pump_scheduled) SchedulePump(conn, from_end, own);
    (void)at;
    return;
  }
  pipe.in_flight.push_back(
      Segment{static_cast<SegmentKind>(kind), std::move(bytes), at});
  if (!pipe.pump_scheduled) SchedulePump(conn, from_end, at);
}

void SimNetwork::SchedulePump(const ConnPtr& conn, int from_end, Instant at) {
  conn->pipes[from_end].pump_scheduled = true;
  loop_.ScheduleCallback(at, kNoProcess,
                         [this, conn, from_end] { Pump(conn, from_end); });
}

void SimNetwork::Pump(const ConnPtr& conn, int from_end) {
  Pipe& pipe = conn->pipes[from_end];
  pipe.pump_scheduled = false;
  End& to = conn->ends[1 - from_end];
  const ProcessId from_process = conn->ends[from_end].process;
  while (conn->phase != Phase::kBroken && !pipe.in_flight.empty() &&
         pipe.in_flight.front().deliver_at <= loop_.Now()) {
    if (to.gone) {  // Its process crashed; it already sent a reset.
      pipe.in_flight.clear();
      pipe.window_bytes = 0;
      return;
    }
    if (!faults_.IsOpen(from_process, to.process, loop_.Now())) {
      ++stats_.segments_stalled;
      if (!pipe.stalled_since.has_value()) pipe.stalled_since = loop_.Now();
      if (loop_.Now() - *pipe.stalled_since >= options_.stream_timeout) {
        Break(conn, "stalled past the stream timeout");
        return;
      }
      SchedulePump(conn, from_end,
                   loop_.Now() + options_.stream_retry_interval);
      return;
    }
    pipe.stalled_since.reset();
    Segment segment = std::move(pipe.in_flight.front());
    pipe.in_flight.pop_front();
    switch (segment.kind) {
      case network_internal::kData:
        if (to.closed) {
          pipe.window_bytes -= segment.bytes.size();
        } else {
          pipe.buffer += segment.bytes;
        }
        to.readers.NotifyAll();
        break;
      case network_internal::kFin:
        pipe.fin_received = true;
        to.readers.NotifyAll();
        to.writers.NotifyAll();
        break;
      case network_internal::kRst:
        Break(conn, "reset by peer");
        return;
    }
  }
  if (!pipe.in_flight.empty() && !pipe.pump_scheduled) {
    SchedulePump(conn, from_end, pipe.in_flight.front().deliver_at);
  }
}

void SimNetwork::Break(ConnPtr conn, const char* why) {
  if (conn->phase == Phase::kBroken) return;
  conn->phase = Phase::kBroken;
  conn->break_reason = why;
  ++stats_.connections_broken;
  loop_.Trace(TraceKind::kNetStreamBreak, kNoProcess, conn->id);
  for (Pipe& pipe : conn->pipes) {
    pipe.in_flight.clear();
    pipe.buffer.clear();
    pipe.read_offset = 0;
    pipe.window_bytes = 0;
  }
  for (End& end : conn->ends) {
    end.readers.NotifyAll();
    end.writers.NotifyAll();
  }
  connections_.erase(conn->id);
}

void SimNetwork::ResetStreamsOf(ProcessId process) {
  std::vector<ConnPtr> affected;
  for (const auto& [id, conn] : connections_) {
    for (const End& end : conn->ends) {
      if (end.process == process && !end.gone) {
        affected.push_back(conn);
        break;
      }
    }
  }
  for (const ConnPtr& conn : affected) {
    for (int i = 0; i < 2; ++i) {
      End& dead = conn->ends[i];
      if (dead.process != process || dead.gone) continue;
      dead.gone = true;
      dead.closed = true;
      // Everything in flight is lost, and so is what the dead end had not
      // read; what its peer already received stays readable until the
      // reset arrives.
      Pipe& outgoing = conn->pipes[i];
      Pipe& incoming = conn->pipes[1 - i];
      outgoing.in_flight.clear();
      outgoing.window_bytes = outgoing.buffer.size() - outgoing.read_offset;
      incoming.in_flight.clear();
      incoming.buffer.clear();
      incoming.read_offset = 0;
      incoming.window_bytes = 0;
      if (conn->phase == Phase::kConnecting || conn->ends[1 - i].gone) {
        Break(conn, "crashed");
      } else if (conn->phase != Phase::kBroken) {
        // The reset travels to the peer like any segment.
        PushSegment(conn, i, network_internal::kRst, "");
      }
    }
  }
}

// --- Handles ----------------------------------------------------------------

namespace network_internal {

SimListener::SimListener(SimNetwork& network,
                         std::unique_ptr<ListenerState> state)
    : network_(network), state_(std::move(state)) {
  ++network_.live_handles_;
}

SimListener::~SimListener() {
  Close();
  --network_.live_handles_;
}

absl::StatusOr<std::unique_ptr<core::env::Connection>> SimListener::Accept() {
  return network_.Accept(*state_);
}

void SimListener::Close() { network_.CloseListener(*state_); }

SimConnection::SimConnection(SimNetwork& network,
                             std::shared_ptr<ConnState> conn, int end)
    : network_(network), conn_(std::move(conn)), end_(end) {
  ++network_.live_handles_;
}

SimConnection::~SimConnection() {
  Close();
  --network_.live_handles_;
}

absl::StatusOr<size_t> SimConnection::Read(char* buffer, size_t capacity) {
  return network_.Read(conn_, end_, buffer, capacity);
}

absl::Status SimConnection::Write(std::string_view bytes) {
  return network_.Write(conn_, end_, bytes);
}

void SimConnection::Close() { network_.CloseEnd(conn_, end_); }

}  // namespace network_internal
}  // namespace sim
