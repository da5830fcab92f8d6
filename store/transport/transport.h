// Transport and TransportServer: messages between nodes as length-prefixed
// frames (frame.h) over core/env streams, in the shape of TiKV's RaftClient
// (tikv src/server/raft_client.rs) and its Raft service.
//
// Transport (the sending side): Send(to, frame) never parks. It enqueues
// into a bounded queue per destination and returns false, counting a drop,
// when the queue is full or the destination is known to be down. One sender
// fibre per destination, spawned by the first Send to it:
//
//   wait for a frame -> connect if not connected (Network::Connect with
//   connect_timeout; the first frame on a new connection is the hello with
//   our listen address) -> write every queued frame in one Write -> repeat.
//
//   * Connect fails: everything queued is dropped (counted); Sends to that
//     destination are dropped for a backoff (backoff_initial, doubled per
//     consecutive failure up to backoff_max, reset by a connect); the next
//     frame after it connects again. Raft tolerates the loss and a stale
//     backlog helps nobody (TiKV drops on a down connection too).
//   * A Write fails (the connection broke): the frames of that Write are
//     dropped (counted) and the connection closed; the next frame
//     reconnects. Frames of earlier Writes count as sent even if the break
//     lost them in flight: a stream cannot tell.
//
// TransportServer (the receiving side): listens on an address; one reader
// fibre per accepted connection reads the hello, then hands every frame to
// the handler with the sender's identity. A malformed stream (no hello, a
// frame over max_frame_bytes) closes that connection only; last_error()
// says why.
//
// Replies: a node answers a client through its own Transport, to the
// address the client's hello carried (the client runs a TransportServer
// there). We chose this over answering on the request's connection because
// it is symmetric: every byte goes one way, every direction gets the same
// queue, backoff and drop accounting, and the handler needs no connection
// handle. When the frame layer becomes gRPC over the same Connections,
// Raft traffic maps onto a client-streaming call (TiKV's Raft/BatchRaft),
// and the client replies onto unary calls, whose response rides the
// request's stream; Send/handler keep their shape. (A real client cannot be
// expected to listen; the unary call is what removes that requirement.)
//
// Close (both): never parks. Every fibre is woken and ends: at once if it
// waits for a frame, a backoff, a Read, a Write or an Accept; within
// connect_timeout if it is inside Connect (the env cannot cancel that).
// Sockets are closed, nothing is delivered to the handler after Close, and
// the object may be destroyed right away: fibres keep what they touch alive
// (shared state), and a late fibre sees the close and leaves. The Executor,
// Clock and Network must outlive the fibres (they are the node's env). The
// destructor closes.
//
// Crash: the simulator kills the fibres (their stacks unwind) and resets
// the sockets; all state is held by RAII, so nothing needs undoing.
//
// Thread-affinity: every call on the executor's fibres (Close and the
// destructor also from the harness between runs).
#ifndef STORE_TRANSPORT_TRANSPORT_H_
#define STORE_TRANSPORT_TRANSPORT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/base/time.h"
#include "core/env/clock.h"
#include "core/env/executor.h"
#include "core/env/network.h"
#include "store/transport/frame.h"

namespace store::transport {

using core::env::Address;

struct TransportOptions {
  // Our own listen address, announced in every hello.
  Address local_address;
  // Frames waiting per destination before Send drops.
  size_t queue_capacity_frames = 4096;
  core::base::Duration connect_timeout = core::base::Duration::Seconds(1);
  core::base::Duration backoff_initial = core::base::Duration::Milliseconds(50);
  core::base::Duration backoff_max = core::base::Duration::Seconds(1);
  // Larger frames are refused by Send (the receiver would refuse them).
  size_t max_frame_bytes = kDefaultMaxFrameBytes;
  // Queued frames are coalesced into one Write up to about this much.
  size_t max_write_bytes = 256 * 1024;
};

struct TransportStats {
  uint64_t sent = 0;  // frames accepted by a connection's Write
  uint64_t dropped_queue_full = 0;
  // Queued when a connect failed, sent during a backoff, or in a Write that
  // failed.
  uint64_t dropped_connection_down = 0;
  uint64_t dropped_too_large = 0;
  uint64_t connects = 0;
  uint64_t connect_failures = 0;
  uint64_t dropped() const {
    return dropped_queue_full + dropped_connection_down + dropped_too_large;
  }
};

class Transport {
 public:
  Transport(core::env::Executor& executor, core::env::Clock& clock,
            core::env::Network& network, const TransportOptions& options);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Queues `frame` for `to`; never parks. False (counted in stats) when the
  // frame is dropped now: queue full, destination backing off, frame too
  // large, or the transport closed (not counted). True means queued only.
  bool Send(const Address& to, std::string frame);
  void Close();

  const TransportStats& stats() const;
  // Sender fibres not yet ended (0 some time after Close).
  int live_fibres() const;

  struct State;  // transport.cc

 private:
  std::shared_ptr<State> state_;
};

// Called with the sender's listen address (from its hello) and one frame's
// payload, on the connection's reader fibre: frames of one connection
// arrive in order, and while the handler parks that connection is not read.
using FrameHandler =
    std::function<void(const Address& from, std::string frame)>;

struct TransportServerOptions {
  Address listen_address;
  size_t max_frame_bytes = kDefaultMaxFrameBytes;
  size_t read_buffer_bytes = 64 * 1024;
};

struct TransportServerStats {
  uint64_t accepted = 0;
  uint64_t frames_received = 0;  // handed to the handler (hellos excluded)
  // Connections closed for a protocol error (bad hello, oversized frame).
  uint64_t malformed = 0;
};

class TransportServer {
 public:
  // Listens (does not park) and spawns the accept fibre. Fails with the
  // network's error (e.g. the address is in use).
  static absl::StatusOr<std::unique_ptr<TransportServer>> Start(
      core::env::Executor& executor, core::env::Network& network,
      const TransportServerOptions& options, FrameHandler handler);
  ~TransportServer();
  TransportServer(const TransportServer&) = delete;
  TransportServer& operator=(const TransportServer&) = delete;

  void Close();

  const TransportServerStats& stats() const;
  // The last protocol error that closed a connection (OK if none).
  const absl::Status& last_error() const;
  // Accept and reader fibres not yet ended (0 soon after Close).
  int live_fibres() const;

  struct State;  // transport_server.cc

 private:
  explicit TransportServer(std::shared_ptr<State> state)
      : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

}  // namespace store::transport

#endif  // STORE_TRANSPORT_TRANSPORT_H_
