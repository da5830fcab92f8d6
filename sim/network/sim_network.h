// SimNetwork: core::env::Network for every simulated process, over the
// SimLoop's virtual time, with the faults of a real network.
//
// Each process is attached under a host name and binds "host:port"
// addresses. Faults are of two kinds:
//  * per message, drawn from the seeded PRNG under NetworkOptions: datagram
//    drop, duplication, heavy-tailed latency, reordering; stream segments
//    get latency (kept in order) and optional random resets;
//  * per path, set by the test or the nemesis (sim/nemesis): one-way or
//    symmetric partitions (blocked paths lose datagrams and stall streams),
//    clogs (datagrams wait until the clog ends, streams stall),
//    swizzle-clog, and Heal.
//
// Datagrams (core/env/network.h contract): a datagram crossing a blocked
// path, or whose sender or receiver crashed while it was in flight, is lost;
// one meeting a clog waits for it to lift; a full receive queue drops.
//
// Streams: reliable and ordered while they last. A partition or clog stalls
// them without loss; a stall longer than stream_timeout breaks the
// connection (Read/Write fail with kUnavailable on both ends). A crash
// resets the crashed side's connections: its peer breaks when the reset
// reaches it (one latency later, or after the stall timeout if the path is
// blocked). Close sends an end-of-stream after the data already written; the
// peer reads the data, then 0, and its Writes then fail with kUnavailable.
// Local calls after Close fail with kCancelled.
//
// Lifetime: the destructor shuts the loop down first (fibres using sockets
// die before the network). Socket, listener and connection objects must not
// outlive the network (checked).
//
// Thread-affinity: the simulator's thread. Blocking calls must come from a
// fibre of the socket's own process; fault injection from anywhere.
#ifndef SIM_NETWORK_SIM_NETWORK_H_
#define SIM_NETWORK_SIM_NETWORK_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/base/prng.h"
#include "core/base/time.h"
#include "core/env/network.h"
#include "sim/loop/sim_loop.h"
#include "sim/network/link_faults.h"
#include "sim/network/network_options.h"

namespace sim {

using core::env::Address;

namespace network_internal {
struct DatagramSocketState;
struct ListenerState;
struct ConnState;
struct InFlightDatagram;
class Endpoint;
class SimDatagramSocket;
class SimListener;
class SimConnection;
}  // namespace network_internal

class SimNetwork {
 public:
  struct Stats {
    uint64_t datagrams_sent = 0;
    uint64_t datagrams_dropped = 0;  // Any cause: random, partition, crash.
    uint64_t datagrams_duplicated = 0;
    uint64_t datagrams_held = 0;  // Waited for a clog.
    uint64_t datagrams_delivered = 0;
    uint64_t segments_sent = 0;
    uint64_t segments_stalled = 0;
    uint64_t connections_opened = 0;
    uint64_t connections_broken = 0;
  };

  SimNetwork(SimLoop& loop, const NetworkOptions& options);
  ~SimNetwork();
  SimNetwork(const SimNetwork&) = delete;
  SimNetwork& operator=(const SimNetwork&) = delete;

  // Gives `process` the host name `host` and returns its Network. The
  // endpoint stays valid across crashes and restarts.
  core::env::Network& Attach(ProcessId process, const std::string& host);
  core::env::Network& endpoint(ProcessId process);
  const std::string& host(ProcessId process) const;
  // Attached processes, ascending.
  std::vector<ProcessId> processes() const;

  // The per-message model may change mid-run (e.g. a quiet liveness phase).
  void set_options(const NetworkOptions& options) { options_ = options; }
  const NetworkOptions& options() const { return options_; }

  // --- Path faults (see LinkFaults): the link-cut primitives. Each is
  // traced. Which links to cut (isolate one, halves, majorities-ring) is
  // the nemesis's choice (sim/nemesis/shapes.h).
  void Block(ProcessId from, ProcessId to);
  void Unblock(ProcessId from, ProcessId to);
  // Blocks both ways every pair of processes in different groups.
  void Partition(const Groups& groups);
  // Blocks every path from `from` to `to` (not the reverse).
  void PartitionOneWay(const std::vector<ProcessId>& from,
                       const std::vector<ProcessId>& to);
  void Clog(ProcessId from, ProcessId to, core::base::Duration duration);
  void ClogProcess(ProcessId process, core::base::Duration duration);
  void Unclog(ProcessId from, ProcessId to);
  void UnclogProcess(ProcessId process);
  // FoundationDB's swizzle-clog: clogs `processes` one by one, every
  // `step`, then unclogs them one by one in a different random order.
  void SwizzleClog(const std::vector<ProcessId>& processes,
                   core::base::Duration step);
  // Removes every partition and clog; held traffic moves again.
  void Heal();
  const LinkFaults& link_faults() const { return faults_; }

  const Stats& stats() const { return stats_; }
  SimLoop& loop() { return loop_; }

 private:
  friend class network_internal::Endpoint;
  friend class network_internal::SimDatagramSocket;
  friend class network_internal::SimListener;
  friend class network_internal::SimConnection;
  using ConnPtr = std::shared_ptr<network_internal::ConnState>;

  // Addresses.
  absl::StatusOr<Address> ClaimAddress(ProcessId process,
                                       const Address& address);
  std::optional<ProcessId> HostProcess(const Address& address) const;
  core::base::Duration SampleLatency();

  // Datagrams (sim_network.cc).
  absl::StatusOr<std::unique_ptr<core::env::DatagramSocket>> Bind(
      ProcessId process, const Address& address);
  absl::Status SendDatagram(network_internal::DatagramSocketState& socket,
                            const Address& to, std::string payload);
  void ScheduleDatagram(network_internal::InFlightDatagram datagram,
                        core::base::Duration latency);
  void DeliverDatagram(network_internal::InFlightDatagram datagram);
  absl::StatusOr<core::env::Datagram> ReceiveDatagram(
      network_internal::DatagramSocketState& socket,
      std::optional<core::base::Duration> timeout);
  void CloseDatagramSocket(network_internal::DatagramSocketState& socket);
  void ReleaseHeld();
  void ScheduleRelease(core::base::Instant at);
  void OnCrash(ProcessId process);

  // Streams (stream.cc).
  absl::StatusOr<std::unique_ptr<core::env::Listener>> Listen(
      ProcessId process, const Address& address);
  absl::StatusOr<std::unique_ptr<core::env::Connection>> Accept(
      network_internal::ListenerState& listener);
  void CloseListener(network_internal::ListenerState& listener);
  absl::StatusOr<std::unique_ptr<core::env::Connection>> Connect(
      ProcessId process, const Address& address, core::base::Duration timeout);
  void SendSyn(const ConnPtr& conn);
  void ArriveSyn(const ConnPtr& conn);
  void SendSynAck(const ConnPtr& conn, bool refused);
  absl::StatusOr<size_t> Read(const ConnPtr& conn, int end, char* buffer,
                              size_t capacity);
  absl::Status Write(const ConnPtr& conn, int end, std::string_view bytes);
  void CloseEnd(const ConnPtr& conn, int end);
  void PushSegment(const ConnPtr& conn, int from_end, int kind,
                   std::string bytes);
  void SchedulePump(const ConnPtr& conn, int from_end, core::base::Instant at);
  void Pump(const ConnPtr& conn, int from_end);
  // Takes `conn` by value: it may drop the last other reference.
  void Break(ConnPtr conn, const char* why);
  void ResetStreamsOf(ProcessId process);

  void TraceFault(TraceKind kind, uint64_t detail);

  SimLoop& loop_;
  NetworkOptions options_;
  core::base::Prng prng_;
  LinkFaults faults_;
  Stats stats_;
  std::map<ProcessId, std::unique_ptr<network_internal::Endpoint>> endpoints_;
  std::map<std::string, ProcessId> hosts_;
  std::map<Address, network_internal::DatagramSocketState*> sockets_;
  std::map<Address, network_internal::ListenerState*> listeners_;
  std::map<uint64_t, ConnPtr> connections_;
  std::vector<network_internal::InFlightDatagram> held_;
  std::set<core::base::Instant> pending_releases_;
  uint64_t next_connection_id_ = 1;
  uint32_t next_ephemeral_port_ = 32768;
  // Socket, listener and connection objects alive (they point at us).
  int64_t live_handles_ = 0;
};

}  // namespace sim

#endif  // SIM_NETWORK_SIM_NETWORK_H_
