// Http2Session: one HTTP/2 connection (nghttp2) over a core/env stream,
// either role, and the streams on it. Internal to rpc/: Server and Channel
// build gRPC calls on it.
//
// Fibres (each holds the session alive; all end soon after Close):
//   reader:    Connection::Read -> nghttp2_session_mem_recv -> callbacks
//              (which never park) fill streams' inboxes and wake the writer.
//   writer:    nghttp2_session_mem_send, coalesced up to max_write_bytes,
//              -> Connection::Write; parks on an event when there is nothing
//              to send.
//   keepalive: optional: a PING after keepalive_time without a received
//              frame; no ACK within keepalive_timeout closes the session.
// Nothing parks inside an nghttp2 call, so a fibre killed by a simulated
// crash never unwinds through nghttp2's C frames, and the session's state
// is consistent whenever another fibre runs.
//
// Flow control: peers' windows are nghttp2's business (it never sends past
// them). Ours: WINDOW_UPDATE is sent as received DATA is consumed; bytes of
// whole messages waiting in a stream's inbox beyond
// stream_receive_buffer_bytes are not consumed until the call reads them,
// so a slow reader stops its sender instead of growing memory. A message
// being reassembled is always consumed, so messages larger than the window
// still arrive.
//
// The session ends when the connection breaks or closes, when nghttp2 has
// nothing more to say and nothing to hear (GOAWAY exchanged, no active
// streams, or a protocol error answered with GOAWAY), or on Close. Then
// every open stream fails (`failure`), is detached and woken.
//
// Thread-affinity: the executor's fibres, one at a time.
#ifndef RPC_HTTP2_SESSION_H_
#define RPC_HTTP2_SESSION_H_

#include <nghttp2/nghttp2.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/base/time.h"
#include "core/env/clock.h"
#include "core/env/executor.h"
#include "core/env/network.h"
#include "rpc/wire.h"

namespace rpc::internal {

struct SessionOptions {
  // Larger received messages fail the call with RESOURCE_EXHAUSTED.
  size_t max_receive_message_bytes = kDefaultMaxMessageBytes;
  // Advertised: SETTINGS_INITIAL_WINDOW_SIZE and the connection window.
  uint32_t initial_stream_window_bytes = 4 << 20;
  uint32_t connection_window_bytes = 64 << 20;
  // Advertised by a server; excess streams are refused (REFUSED_STREAM).
  uint32_t max_concurrent_streams = 1024;
  // Whole unread messages per stream before its window stops reopening.
  size_t stream_receive_buffer_bytes = 4 << 20;
  // Unsent bytes per stream above which a Write parks.
  size_t stream_send_buffer_bytes = 1 << 20;
  size_t max_write_bytes = 256 << 10;
  size_t read_buffer_bytes = 64 << 10;
  // Request and trailer headers of one stream, all fields together.
  size_t max_header_list_bytes = 64 << 10;
  std::optional<core::base::Duration> keepalive_time;
  core::base::Duration keepalive_timeout = core::base::Duration::Seconds(20);
};

class Http2Session;

// One HTTP/2 stream: what was received, what waits to be sent. Shared by the
// session (while nghttp2 knows the stream) and the call using it.
struct Http2Stream {
  explicit Http2Stream(core::env::Executor& executor, size_t max_message_bytes);

  // Parks until a whole message, the end of the peer's messages (nullopt,
  // `failure` unset) or a failure (nullopt, `failure` set).
  std::optional<std::string> Read();
  // Parks while more than the send buffer is unsent; false (nothing
  // queued) once the stream failed, was finished or is detached.
  bool Write(std::string_view message);
  // Parks until the stream is done: closed by nghttp2, failed or detached.
  void WaitClosed();
  // Closed by nghttp2, failed, detached, or (client) the status arrived.
  bool done() const { return closed || failure.has_value() || trailers_done; }

  int32_t id = -1;
  Http2Session* session = nullptr;  // null once detached

  // Received. Server: request headers. Client: response headers, and the
  // trailers (or a trailers-only response's single block).
  Metadata headers;
  Metadata trailers;
  size_t header_bytes = 0;
  bool headers_done = false;
  bool trailers_done = false;
  std::deque<std::string> inbox;
  size_t inbox_bytes = 0;
  MessageDecoder decoder;
  // Received DATA bytes not yet handed back to nghttp2's window.
  size_t unconsumed_bytes = 0;
  bool remote_closed = false;  // END_STREAM received
  // Client: the server refused the stream unprocessed (RST_STREAM
  // REFUSED_STREAM, or above a GOAWAY's last stream id): safe to retry.
  bool refused = false;
  bool closed = false;  // nghttp2 closed the stream (or detached)
  uint32_t close_error_code = 0;
  // Why the stream cannot complete normally (reset, connection lost,
  // protocol error, deadline, cancellation); the first cause wins.
  std::optional<absl::Status> failure;

  // To send.
  std::string outbox;
  size_t outbox_offset = 0;
  bool outbox_end = false;        // no more messages after the outbox
  bool data_deferred = false;     // nghttp2 waits for resume_data
  bool response_started = false;  // server: response HEADERS submitted
  bool finished = false;          // server: status submitted
  Metadata trailers_to_send;      // server

  std::unique_ptr<core::env::Event> readable;
  std::unique_ptr<core::env::Event> writable;
  std::unique_ptr<core::env::Event> closed_event;
};

struct SessionStats {
  uint64_t streams_opened = 0;
  uint64_t pings_received = 0;
  uint64_t ping_acks_received = 0;
  uint64_t goaways_received = 0;
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
};

class Http2Session : public std::enable_shared_from_this<Http2Session> {
 public:
  enum class Role { kClient, kServer };
  // Server: called when a request's headers are complete (the stream's
  // `headers` hold them). Must not park: spawn a fibre for the call.
  using RequestHandler = std::function<void(std::shared_ptr<Http2Stream>)>;

  // Sends our SETTINGS (first, as gRPC clients require), spawns the fibres.
  static std::shared_ptr<Http2Session> Start(
      Role role, core::env::Executor& executor, core::env::Clock& clock,
      std::unique_ptr<core::env::Connection> connection,
      const SessionOptions& options, RequestHandler on_request);
  ~Http2Session();
  Http2Session(const Http2Session&) = delete;
  Http2Session& operator=(const Http2Session&) = delete;

  // Client: a new stream with these request headers (pseudo-headers
  // first). kUnavailable when the session is closed or draining.
  absl::StatusOr<std::shared_ptr<Http2Stream>> OpenStream(
      const Metadata& headers);
  // Client: no more messages (END_STREAM after the outbox).
  void CloseSend(Http2Stream& stream);
  // Server: the call's status; trailers after the messages, or a
  // trailers-only response when nothing was sent. An RST_STREAM(NO_ERROR)
  // follows if the client has not finished sending (gRPC's rule).
  void Finish(Http2Stream& stream, const absl::Status& status,
              int http_status = 200);
  // Sends RST_STREAM(error_code) and fails the stream with `why`.
  void Reset(Http2Stream& stream, uint32_t error_code, absl::Status why);

  // Fails the stream with `why` (first cause wins) and wakes its waiters;
  // nothing is sent.
  void Fail(Http2Stream& stream, absl::Status why);

  // Server: GOAWAY(2^31-1), a PING, and on its ACK the final GOAWAY; the
  // session ends once the streams it accepted are done.
  void Shutdown();
  // Ends the session now: the connection is closed, open streams fail
  // with `why`. Never parks.
  void Close(absl::Status why);

  bool accepting_streams() const;
  bool ended() const { return ended_; }
  // The session ended (or is ending) because the peer broke the protocol.
  bool ended_by_protocol_error() const { return protocol_error_; }
  size_t open_streams() const { return streams_.size(); }
  core::env::Event& ended_event() { return *ended_event_; }
  const core::env::Address& peer_address() const;
  const SessionStats& stats() const { return stats_; }
  const std::string& last_error() const { return last_error_; }

 private:
  friend struct Http2Stream;
  friend struct SessionCallbacks;

  Http2Session(Role role, core::env::Executor& executor,
               core::env::Clock& clock,
               std::unique_ptr<core::env::Connection> connection,
               const SessionOptions& options, RequestHandler on_request);
  bool Init();
  void ReadLoop();
  void WriteLoop();
  void KeepaliveLoop();
  // Gathers nghttp2's pending output; false on a fatal nghttp2 error.
  bool CollectOutput(std::string* out);
  bool Finished() const;
  void WakeWriter();
  void End(absl::Status why);

  // Stream plumbing (http2_session.cc).
  Http2Stream* Find(int32_t stream_id);
  void Register(int32_t stream_id, std::shared_ptr<Http2Stream> stream);
  void QueueMessage(Http2Stream& stream, std::string_view message);
  void ResumeData(Http2Stream& stream);
  void MessageTaken(Http2Stream& stream, size_t bytes);
  void ConsumeBacklog(Http2Stream& stream);

  // nghttp2 callbacks' bodies.
  int OnBeginHeaders(const nghttp2_frame& frame);
  int OnHeader(const nghttp2_frame& frame, std::string_view name,
               std::string_view value);
  int OnFrameRecv(const nghttp2_frame& frame);
  void OnHeadersRecv(Http2Stream& stream, const nghttp2_frame& frame);
  void OnPingRecv(const nghttp2_frame& frame);
  int OnDataChunk(int32_t stream_id, std::string_view data);
  void OnEndStream(Http2Stream& stream);
  int OnStreamClose(int32_t stream_id, uint32_t error_code);
  int OnFrameSend(const nghttp2_frame& frame);
  ssize_t ReadData(Http2Stream& stream, uint8_t* buffer, size_t length,
                   uint32_t* data_flags);

  const Role role_;
  core::env::Executor& executor_;
  core::env::Clock& clock_;
  const std::unique_ptr<core::env::Connection> connection_;
  const SessionOptions options_;
  const RequestHandler on_request_;
  nghttp2_session* session_ = nullptr;
  // Streams nghttp2 knows, by id (ordered: End walks it).
  std::map<int32_t, std::shared_ptr<Http2Stream>> streams_;
  std::unique_ptr<core::env::Event> writer_wake_;
  std::unique_ptr<core::env::Event> ended_event_;
  bool ended_ = false;
  bool terminating_ = false;         // a protocol error: flush GOAWAY, then end
  bool draining_ = false;            // GOAWAY sent or received
  bool shutdown_requested_ = false;  // Shutdown was called
  bool shutdown_pinged_ = false;     // its PING is submitted
  // We sent GOAWAY with an error code (or nghttp2 refused the input).
  bool protocol_error_ = false;
  core::base::Instant last_frame_received_;
  SessionStats stats_;
  std::string last_error_;
};

}  // namespace rpc::internal

#endif  // RPC_HTTP2_SESSION_H_
