// TcpNetwork: core::env::Network over TCP sockets on an EpollLoop.
//
// Addresses are "host:port" with a numeric IPv4 host or "localhost"
// (loopback; no name lookups, which would block the loop). Listen on port 0
// picks a free port; local_address() then names the bound one.
//
// Streams: sockets are non-blocking and TCP_NODELAY; a Read, Write, Accept
// or Connect that would block parks its fibre until epoll reports readiness.
// Statuses, as the seam (core/env/network.h) and SimNetwork give them:
//  * Read returns 0 at end of stream (the peer closed or shut down writes);
//  * a reset or broken connection (ECONNRESET, EPIPE, ...) is kUnavailable;
//  * Connect: refused (ECONNREFUSED, no listener) is kUnavailable, no
//    answer within the timeout kDeadlineExceeded;
//  * calls after Close (and calls parked when Close runs) are kCancelled.
// Close shuts the socket down both ways (the peer reads what was written,
// then end of stream) and releases the descriptor.
//
// Datagrams (Bind) are not implemented on the runtime: nothing outside the
// simulator's own tests uses them (kUnimplemented).
//
// Thread-affinity: the loop's thread, from its fibres.
#ifndef RUNTIME_NET_TCP_NETWORK_H_
#define RUNTIME_NET_TCP_NETWORK_H_

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/base/time.h"
#include "core/env/network.h"
#include "runtime/loop/epoll_loop.h"

namespace runtime {

struct TcpNetworkStats {
  uint64_t connections_accepted = 0;
  uint64_t connections_opened = 0;
};

class TcpNetwork final : public core::env::Network {
 public:
  explicit TcpNetwork(EpollLoop& loop) : loop_(loop) {}

  absl::StatusOr<std::unique_ptr<core::env::DatagramSocket>> Bind(
      const core::env::Address& address) override;
  absl::StatusOr<std::unique_ptr<core::env::Listener>> Listen(
      const core::env::Address& address) override;
  absl::StatusOr<std::unique_ptr<core::env::Connection>> Connect(
      const core::env::Address& address, core::base::Duration timeout) override;

  const TcpNetworkStats& stats() const { return stats_; }

 private:
  EpollLoop& loop_;
  TcpNetworkStats stats_;
};

}  // namespace runtime

#endif  // RUNTIME_NET_TCP_NETWORK_H_
