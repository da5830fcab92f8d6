// SimNetwork's internal state and the handle classes it gives to processes.
// Not part of the package's interface.
#ifndef SIM_NETWORK_NETWORK_INTERNAL_H_
#define SIM_NETWORK_NETWORK_INTERNAL_H_

#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "core/env/network.h"
#include "sim/loop/sim_loop.h"
#include "sim/network/sim_network.h"

namespace sim::network_internal {

struct DatagramSocketState {
  DatagramSocketState(SimLoop& loop, ProcessId process, Address address)
      : process(process), address(std::move(address)), readers(loop) {}
  ProcessId process;
  Address address;
  std::deque<core::env::Datagram> queue;
  WaitList readers;
  bool closed = false;
};

struct InFlightDatagram {
  ProcessId from_process;
  uint64_t from_incarnation;
  ProcessId to_process;
  uint64_t to_incarnation;
  Address to;
  core::env::Datagram datagram;
};

struct ListenerState {
  ListenerState(SimLoop& loop, ProcessId process, Address address)
      : process(process), address(std::move(address)), acceptors(loop) {}
  ProcessId process;
  Address address;
  std::deque<std::shared_ptr<ConnState>> backlog;
  WaitList acceptors;
  bool closed = false;
};

enum SegmentKind { kData = 0, kFin = 1, kRst = 2 };

struct Segment {
  SegmentKind kind;
  std::string bytes;
  core::base::Instant deliver_at;
};

// One direction of a connection: segments in flight from the sending end,
// and the bytes that arrived at the receiving end and wait to be read.
struct Pipe {
  std::deque<Segment> in_flight;
  bool pump_scheduled = false;
  core::base::Instant last_deliver_at;
  std::optional<core::base::Instant> stalled_since;
  std::string buffer;  // Arrived; unread from read_offset on.
  size_t read_offset = 0;
  bool fin_received = false;
  // In flight plus unread: the sender's window usage.
  size_t window_bytes = 0;
};

struct End {
  explicit End(SimLoop& loop) : readers(loop), writers(loop) {}
  ProcessId process = kNoProcess;
  Address address;
  bool closed = false;  // Closed locally.
  bool gone = false;    // Its process crashed.
  WaitList readers;     // Read, Connect.
  WaitList writers;     // Write waiting for window.
};

struct ConnState {
  enum class Phase { kConnecting, kEstablished, kRefused, kBroken };
  explicit ConnState(SimLoop& loop) : ends{End(loop), End(loop)} {}
  uint64_t id = 0;
  Phase phase = Phase::kConnecting;
  // ends[0] connected, ends[1] accepted; pipes[i] carries ends[i]'s bytes.
  End ends[2];
  Pipe pipes[2];
  bool in_backlog = false;
  bool syn_acked = false;  // The client learnt it is connected.
  const char* break_reason = "";
};

class Endpoint final : public core::env::Network {
 public:
  Endpoint(SimNetwork& network, ProcessId process, std::string host)
      : network_(network), process_(process), host_(std::move(host)) {}
  absl::StatusOr<std::unique_ptr<core::env::DatagramSocket>> Bind(
      const Address& address) override {
    return network_.Bind(process_, address);
  }
  absl::StatusOr<std::unique_ptr<core::env::Listener>> Listen(
      const Address& address) override {
    return network_.Listen(process_, address);
  }
  absl::StatusOr<std::unique_ptr<core::env::Connection>> Connect(
      const Address& address, core::base::Duration timeout) override {
    return network_.Connect(process_, address, timeout);
  }
  const std::string& host() const { return host_; }

 private:
  SimNetwork& network_;
  ProcessId process_;
  std::string host_;
};

class SimDatagramSocket final : public core::env::DatagramSocket {
 public:
  SimDatagramSocket(SimNetwork& network,
                    std::unique_ptr<DatagramSocketState> state);
  ~SimDatagramSocket() override;
  const Address& local_address() const override { return state_->address; }
  absl::Status Send(const Address& to, std::string payload) override;
  absl::StatusOr<core::env::Datagram> Receive(
      std::optional<core::base::Duration> timeout) override;
  void Close() override;

 private:
  SimNetwork& network_;
  std::unique_ptr<DatagramSocketState> state_;
};

class SimListener final : public core::env::Listener {
 public:
  SimListener(SimNetwork& network, std::unique_ptr<ListenerState> state);
  ~SimListener() override;
  const Address& local_address() const override { return state_->address; }
  absl::StatusOr<std::unique_ptr<core::env::Connection>> Accept() override;
  void Close() override;

 private:
  SimNetwork& network_;
  std::unique_ptr<ListenerState> state_;
};

class SimConnection final : public core::env::Connection {
 public:
  SimConnection(SimNetwork& network, std::shared_ptr<ConnState> conn, int end);
  ~SimConnection() override;
  const Address& peer_address() const override {
    return conn_->ends[1 - end_].address;
  }
  absl::StatusOr<size_t> Read(char* buffer, size_t capacity) override;
  absl::Status Write(std::string_view bytes) override;
  void Close() override;

 private:
  SimNetwork& network_;
  std::shared_ptr<ConnState> conn_;
  int end_;
};

}  // namespace sim::network_internal

#endif  // SIM_NETWORK_NETWORK_INTERNAL_H_
