#include "sim/network/sim_network.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/numbers.h"
#include "core/base/check.h"
#include "sim/network/network_internal.h"

namespace sim {

using core::base::Duration;
using core::base::Instant;
using network_internal::DatagramSocketState;
using network_internal::Endpoint;
using network_internal::InFlightDatagram;

namespace {

struct HostPort {
  std::string host;
  uint32_t port;
};

absl::StatusOr<HostPort> ParseAddress(const Address& address) {
  const size_t colon = address.rfind(':');
  uint32_t port = 0;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port > 65535) {
    return absl::InvalidArgumentError("malformed address \"" + address +
                                      "\", want host:port");
  }
  return HostPort{address.substr(0, colon), port};
}

uint64_t PathDetail(ProcessId from, ProcessId to) {
  return (static_cast<uint64_t>(from) << 32) | to;
}

}  // namespace

SimNetwork::SimNetwork(SimLoop& loop, const NetworkOptions& options)
    : loop_(loop), options_(options), prng_(loop.ForkPrng()) {
  loop_.AddCrashObserver([this](ProcessId process) { OnCrash(process); });
}

SimNetwork::~SimNetwork() {
  // Fibres blocked in our sockets, and drivers owning them, go first.
  loop_.Shutdown();
  CHECK_EQ(live_handles_, 0)
      << "sockets, listeners or connections outlive the SimNetwork";
  connections_.clear();
}

core::env::Network& SimNetwork::Attach(ProcessId process,
                                       const std::string& host) {
  CHECK_LT(process, loop_.process_count()) << "unknown process";
  CHECK(!host.empty() && host.find(':') == std::string::npos)
      << "bad host name \"" << host << "\"";
  CHECK(endpoints_.count(process) == 0) << "process attached twice";
  CHECK(hosts_.count(host) == 0) << "host " << host << " taken";
  hosts_[host] = process;
  auto endpoint = std::make_unique<Endpoint>(*this, process, host);
  core::env::Network& network = *endpoint;
  endpoints_[process] = std::move(endpoint);
  return network;
}

core::env::Network& SimNetwork::endpoint(ProcessId process) {
  auto it = endpoints_.find(process);
  CHECK(it != endpoints_.end()) << "process not attached";
  return *it->second;
}

const std::string& SimNetwork::host(ProcessId process) const {
  auto it = endpoints_.find(process);
  CHECK(it != endpoints_.end()) << "process not attached";
  return it->second->host();
}

std::vector<ProcessId> SimNetwork::processes() const {
  std::vector<ProcessId> result;
  for (const auto& [process, endpoint] : endpoints_) result.push_back(process);
  return result;
}

absl::StatusOr<Address> SimNetwork::ClaimAddress(ProcessId process,
                                                 const Address& address) {
  absl::StatusOr<HostPort> parsed = ParseAddress(address);
  if (!parsed.ok()) return parsed.status();
  if (parsed->host != host(process)) {
    return absl::InvalidArgumentError("address " + address +
                                      " is not on this process's host " +
                                      host(process));
  }
  if (parsed->port == 0) {
    return parsed->host + ":" + std::to_string(next_ephemeral_port_++);
  }
  return address;
}

std::optional<ProcessId> SimNetwork::HostProcess(const Address& address) const {
  absl::StatusOr<HostPort> parsed = ParseAddress(address);
  if (!parsed.ok()) return std::nullopt;
  auto it = hosts_.find(parsed->host);
  if (it == hosts_.end()) return std::nullopt;
  return it->second;
}

Duration SimNetwork::SampleLatency() {
  const double max_ns = static_cast<double>(options_.max_latency.nanoseconds());
  double extra_ns = 0;
  if (prng_.Bernoulli(options_.slow_probability)) {
    // Pareto: scale / U^(1/shape), U in (0, 1].
    const double u = 1.0 - prng_.NextDouble();
    extra_ns = static_cast<double>(options_.slow_latency_scale.nanoseconds()) /
               std::pow(u, 1.0 / options_.slow_latency_shape);
  } else {
    const double u = prng_.NextDouble();
    extra_ns = -static_cast<double>(options_.mean_extra_latency.nanoseconds()) *
               std::log1p(-u);
  }
  const double total_ns =
      static_cast<double>(options_.min_latency.nanoseconds()) + extra_ns;
  return Duration::Nanoseconds(
      static_cast<int64_t>(std::min(total_ns, max_ns)));
}

// --- Datagrams --------------------------------------------------------------

absl::StatusOr<std::unique_ptr<core::env::DatagramSocket>> SimNetwork::Bind(
    ProcessId process, const Address& address) {
  absl::StatusOr<Address> claimed = ClaimAddress(process, address);
  if (!claimed.ok()) return claimed.status();
  if (sockets_.count(*claimed) > 0) {
    return absl::AlreadyExistsError("address in use: " + *claimed);
  }
  auto state = std::make_unique<DatagramSocketState>(loop_, process, *claimed);
  sockets_[*claimed] = state.get();
  return std::make_unique<network_internal::SimDatagramSocket>(
      *this, std::move(state));
}

absl::Status SimNetwork::SendDatagram(DatagramSocketState& socket,
                                      const Address& to, std::string payload) {
  if (socket.closed) return absl::CancelledError("socket closed");
  ++stats_.datagrams_sent;
  loop_.Trace(TraceKind::kNetSend, socket.process, payload.size());
  const std::optional<ProcessId> destination = HostProcess(to);
  if (!destination.has_value() ||
      faults_.IsBlocked(socket.process, *destination) ||
      prng_.Bernoulli(options_.drop_probability)) {
    ++stats_.datagrams_dropped;
    loop_.Trace(TraceKind::kNetDrop, socket.process, payload.size());
    return absl::OkStatus();
  }
  InFlightDatagram datagram{socket.process,
                            loop_.incarnation(socket.process),
                            *destination,
                            loop_.incarnation(*destination),
                            to,
                            {socket.address, std::move(payload)}};
  if (prng_.Bernoulli(options_.duplicate_probability)) {
    ++stats_.datagrams_duplicated;
    loop_.Trace(TraceKind::kNetDuplicate, socket.process, 0);
    ScheduleDatagram(datagram, SampleLatency());
  }
  ScheduleDatagram(std::move(datagram), SampleLatency());
  return absl::OkStatus();
}

void SimNetwork::ScheduleDatagram(InFlightDatagram datagram, Duration latency) {
  if (prng_.Bernoulli(options_.reorder_probability)) {
    latency += Duration::Nanoseconds(static_cast<int64_t>(prng_.Uniform(
        static_cast<uint64_t>(options_.reorder_max_delay.nanoseconds()) + 1)));
  }
  loop_.ScheduleCallback(loop_.Now() + latency, kNoProcess,
                         [this, datagram = std::move(datagram)]() mutable {
                           DeliverDatagram(std::move(datagram));
                         });
}

void SimNetwork::DeliverDatagram(InFlightDatagram datagram) {
  const ProcessId from = datagram.from_process;
  const ProcessId to = datagram.to_process;
  auto drop = [&] {
    ++stats_.datagrams_dropped;
    loop_.Trace(TraceKind::kNetDrop, to, datagram.datagram.payload.size());
  };
  // A crash of either side loses what it had in flight.
  if (loop_.incarnation(from) != datagram.from_incarnation ||
      loop_.incarnation(to) != datagram.to_incarnation ||
      faults_.IsBlocked(from, to)) {
    drop();
    return;
  }
  if (faults_.IsClogged(from, to, loop_.Now())) {
    ++stats_.datagrams_held;
    ScheduleRelease(faults_.ClogEnd(from, to));
    held_.push_back(std::move(datagram));
    return;
  }
  auto it = sockets_.find(datagram.to);
  if (it == sockets_.end() || it->second->closed ||
      it->second->queue.size() >= options_.max_queued_datagrams) {
    drop();
    return;
  }
  DatagramSocketState& socket = *it->second;
  ++stats_.datagrams_delivered;
  loop_.Trace(TraceKind::kNetDeliver, to, datagram.datagram.payload.size());
  socket.queue.push_back(std::move(datagram.datagram));
  socket.readers.NotifyAll();
}

void SimNetwork::ScheduleRelease(Instant at) {
  if (at == LinkFaults::kForever || at <= loop_.Now()) return;
  if (!pending_releases_.insert(at).second) return;
  loop_.ScheduleCallback(at, kNoProcess, [this, at] {
    pending_releases_.erase(at);
    ReleaseHeld();
  });
}

void SimNetwork::ReleaseHeld() {
  std::vector<InFlightDatagram> held = std::move(held_);
  held_.clear();
  // Still-clogged ones go back to held_.
  for (InFlightDatagram& datagram : held) DeliverDatagram(std::move(datagram));
}

absl::StatusOr<core::env::Datagram> SimNetwork::ReceiveDatagram(
    DatagramSocketState& socket, std::optional<Duration> timeout) {
  CHECK_EQ(loop_.current_process(), socket.process)
      << "Receive from outside the socket's process";
  SimClock& clock = loop_.clock(socket.process);
  std::optional<Instant> deadline;
  if (timeout.has_value()) deadline = clock.NowMonotonic() + *timeout;
  while (true) {
    if (socket.closed) return absl::CancelledError("socket closed");
    if (!socket.queue.empty()) {
      core::env::Datagram datagram = std::move(socket.queue.front());
      socket.queue.pop_front();
      return datagram;
    }
    std::optional<Duration> remaining;
    if (deadline.has_value()) {
      remaining = *deadline - clock.NowMonotonic();
      if (*remaining <= Duration::Zero()) {
        return absl::DeadlineExceededError("receive timed out");
      }
    }
    socket.readers.Wait(remaining);
  }
}

void SimNetwork::CloseDatagramSocket(DatagramSocketState& socket) {
  if (socket.closed) return;
  socket.closed = true;
  socket.queue.clear();
  auto it = sockets_.find(socket.address);
  if (it != sockets_.end() && it->second == &socket) sockets_.erase(it);
  socket.readers.NotifyAll();
}

void SimNetwork::OnCrash(ProcessId process) {
  std::vector<DatagramSocketState*> sockets;
  for (const auto& [address, socket] : sockets_) {
    if (socket->process == process) sockets.push_back(socket);
  }
  for (DatagramSocketState* socket : sockets) CloseDatagramSocket(*socket);
  std::vector<network_internal::ListenerState*> listeners;
  for (const auto& [address, listener] : listeners_) {
    if (listener->process == process) listeners.push_back(listener);
  }
  for (auto* listener : listeners) CloseListener(*listener);
  ResetStreamsOf(process);
}

// --- Path faults ------------------------------------------------------------

void SimNetwork::TraceFault(TraceKind kind, uint64_t detail) {
  loop_.Trace(kind, kNoProcess, detail);
}

void SimNetwork::Block(ProcessId from, ProcessId to) {
  TraceFault(TraceKind::kNetPartition, PathDetail(from, to));
  faults_.Block(from, to);
}

void SimNetwork::Unblock(ProcessId from, ProcessId to) {
  TraceFault(TraceKind::kNetHeal, PathDetail(from, to));
  faults_.Unblock(from, to);
}

void SimNetwork::Partition(const Groups& groups) {
  TraceFault(TraceKind::kNetPartition, groups.size());
  faults_.Partition(groups);
}

void SimNetwork::PartitionOneWay(const std::vector<ProcessId>& from,
                                 const std::vector<ProcessId>& to) {
  TraceFault(TraceKind::kNetPartition, PathDetail(from.size(), to.size()));
  faults_.PartitionOneWay(from, to);
}

void SimNetwork::Clog(ProcessId from, ProcessId to, Duration duration) {
  TraceFault(TraceKind::kNetClog, PathDetail(from, to));
  faults_.Clog(from, to, loop_.Now() + duration);
  ScheduleRelease(loop_.Now() + duration);
}

void SimNetwork::ClogProcess(ProcessId process, Duration duration) {
  TraceFault(TraceKind::kNetClog, process);
  faults_.ClogProcess(process, loop_.Now() + duration);
  ScheduleRelease(loop_.Now() + duration);
}

void SimNetwork::Unclog(ProcessId from, ProcessId to) {
  TraceFault(TraceKind::kNetHeal, PathDetail(from, to));
  faults_.Unclog(from, to);
  ReleaseHeld();
}

void SimNetwork::UnclogProcess(ProcessId process) {
  TraceFault(TraceKind::kNetHeal, process);
  faults_.UnclogProcess(process);
  ReleaseHeld();
}

void SimNetwork::SwizzleClog(const std::vector<ProcessId>& processes,
                             Duration step) {
  std::vector<ProcessId> clog_order = processes;
  std::vector<ProcessId> unclog_order = processes;
  for (auto* order : {&clog_order, &unclog_order}) {
    prng_.Shuffle(*order);
  }
  if (unclog_order.size() > 1 && unclog_order == clog_order) {
    std::rotate(unclog_order.begin(), unclog_order.begin() + 1,
                unclog_order.end());
  }
  Instant at = loop_.Now();
  for (ProcessId process : clog_order) {
    loop_.ScheduleCallback(at, kNoProcess, [this, process] {
      TraceFault(TraceKind::kNetClog, process);
      faults_.ClogProcess(process, LinkFaults::kForever);
    });
    at = at + step;
  }
  for (ProcessId process : unclog_order) {
    loop_.ScheduleCallback(at, kNoProcess,
                           [this, process] { UnclogProcess(process); });
    at = at + step;
  }
}

void SimNetwork::Heal() {
  TraceFault(TraceKind::kNetHeal, 0);
  faults_.Heal();
  ReleaseHeld();
}

// --- Datagram socket handle -------------------------------------------------

namespace network_internal {

SimDatagramSocket::SimDatagramSocket(SimNetwork& network,
                                     std::unique_ptr<DatagramSocketState> state)
    : network_(network), state_(std::move(state)) {
  ++network_.live_handles_;
}

SimDatagramSocket::~SimDatagramSocket() {
  Close();
  --network_.live_handles_;
}

absl::Status SimDatagramSocket::Send(const Address& to, std::string payload) {
  return network_.SendDatagram(*state_, to, std::move(payload));
}

absl::StatusOr<core::env::Datagram> SimDatagramSocket::Receive(
    std::optional<Duration> timeout) {
  return network_.ReceiveDatagram(*state_, timeout);
}

void SimDatagramSocket::Close() { network_.CloseDatagramSocket(*state_); }

}  // namespace network_internal
}  // namespace sim
