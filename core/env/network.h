// Network: how nodes talk. Two shapes, both fibre-blocking:
//
//  * Datagrams (DatagramSocket): best-effort messages. A sent datagram may be
//    dropped, delayed by any amount, duplicated, or delivered out of order
//    with respect to other datagrams; it is never corrupted or truncated
//    (payloads carry their own framing). Raft tolerates all of these.
//
//  * Streams (Connection): a reliable, ordered byte stream per connection, as
//    TCP gives. Bytes may be delayed arbitrarily and the connection may break
//    at any moment (Read/Write then fail with kUnavailable); bytes written
//    before a break may or may not have been delivered. gRPC runs on these.
//
// Drivers talk over streams (store/transport, later gRPC in rpc/); the
// datagram shape stays for the simulator's own tests and benchmarks
// (sim/network, sim/simulation, sim/loop's ping-pong bench).
//
// Addresses are "host:port" strings. A partition makes peers unreachable in
// one or both directions without telling either side.
#ifndef CORE_ENV_NETWORK_H_
#define CORE_ENV_NETWORK_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/base/time.h"

namespace core::env {

using Address = std::string;

struct Datagram {
  Address from;
  std::string payload;
};

class DatagramSocket {
 public:
  virtual ~DatagramSocket() = default;
  virtual const Address& local_address() const = 0;

  // Queues `payload` for `to`. OK means only that it was handed to the
  // network, not that it will arrive.
  virtual absl::Status Send(const Address& to, std::string payload) = 0;

  // Parks until a datagram arrives. With a timeout, returns
  // kDeadlineExceeded when it passes first. Returns kCancelled after Close.
  virtual absl::StatusOr<Datagram> Receive(
      std::optional<base::Duration> timeout) = 0;

  virtual void Close() = 0;
};

class Connection {
 public:
  virtual ~Connection() = default;
  virtual const Address& peer_address() const = 0;

  // Parks until at least one byte is available, then copies up to
  // `capacity` bytes into `buffer`. Returns 0 at end of stream (the peer
  // closed its side), kUnavailable when the connection broke.
  virtual absl::StatusOr<size_t> Read(char* buffer, size_t capacity) = 0;

  // Parks until all of `bytes` is accepted by the transport (not until the
  // peer has read it). kUnavailable when the connection broke.
  virtual absl::Status Write(std::string_view bytes) = 0;

  // Closes both directions; pending and later calls fail.
  virtual void Close() = 0;
};

class Listener {
 public:
  virtual ~Listener() = default;
  virtual const Address& local_address() const = 0;
  // Parks until a peer connects. kCancelled after Close.
  virtual absl::StatusOr<std::unique_ptr<Connection>> Accept() = 0;
  virtual void Close() = 0;
};

class Network {
 public:
  virtual ~Network() = default;
  virtual absl::StatusOr<std::unique_ptr<DatagramSocket>> Bind(
      const Address& address) = 0;
  virtual absl::StatusOr<std::unique_ptr<Listener>> Listen(
      const Address& address) = 0;
  // Parks until connected, refused (kUnavailable) or `timeout` passes
  // (kDeadlineExceeded).
  virtual absl::StatusOr<std::unique_ptr<Connection>> Connect(
      const Address& address, base::Duration timeout) = 0;
};

}  // namespace core::env

#endif  // CORE_ENV_NETWORK_H_
