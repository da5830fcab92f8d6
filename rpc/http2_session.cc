#include "rpc/http2_session.h"

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "core/base/check.h"

namespace rpc::internal {

using core::base::Duration;

namespace {

// The opaque data of the PING between a server's two GOAWAYs.
constexpr uint8_t kShutdownPingData[8] = {'s', 'h', 'u', 't',
                                          'd', 'o', 'w', 'n'};

std::vector<nghttp2_nv> ToNv(const Metadata& fields) {
  std::vector<nghttp2_nv> nv;
  nv.reserve(fields.size());
  for (const auto& [name, value] : fields) {
    nv.push_back(nghttp2_nv{
        const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(name.data())),
        const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(value.data())),
        name.size(), value.size(), NGHTTP2_NV_FLAG_NONE});
  }
  return nv;
}

Http2Session* Self(void* user_data) {
  return static_cast<Http2Session*>(user_data);
}

std::string_view View(const uint8_t* data, size_t length) {
  return std::string_view(reinterpret_cast<const char*>(data), length);
}

void NotifyAll(Http2Stream& stream) {
  stream.readable->Notify();
  stream.writable->Notify();
  stream.closed_event->Notify();
}

}  // namespace

// nghttp2's C callbacks, forwarding to the session. None of them parks.
struct SessionCallbacks {
  static int BeginHeaders(nghttp2_session*, const nghttp2_frame* frame,
                          void* user_data) {
    return Self(user_data)->OnBeginHeaders(*frame);
  }
  static int Header(nghttp2_session*, const nghttp2_frame* frame,
                    const uint8_t* name, size_t name_length,
                    const uint8_t* value, size_t value_length, uint8_t,
                    void* user_data) {
    return Self(user_data)->OnHeader(*frame, View(name, name_length),
                                     View(value, value_length));
  }
  static int FrameRecv(nghttp2_session*, const nghttp2_frame* frame,
                       void* user_data) {
    return Self(user_data)->OnFrameRecv(*frame);
  }
  static int DataChunk(nghttp2_session*, uint8_t, int32_t stream_id,
                       const uint8_t* data, size_t length, void* user_data) {
    return Self(user_data)->OnDataChunk(stream_id, View(data, length));
  }
  static int StreamClose(nghttp2_session*, int32_t stream_id,
                         uint32_t error_code, void* user_data) {
    return Self(user_data)->OnStreamClose(stream_id, error_code);
  }
  static int FrameSend(nghttp2_session*, const nghttp2_frame* frame,
                       void* user_data) {
    return Self(user_data)->OnFrameSend(*frame);
  }
  static int Error(nghttp2_session*, int, const char* message, size_t length,
                   void* user_data) {
    Self(user_data)->last_error_.assign(message, length);
    return 0;
  }
  static ssize_t ReadData(nghttp2_session*, int32_t, uint8_t* buffer,
                          size_t length, uint32_t* data_flags,
                          nghttp2_data_source* source, void* user_data) {
    auto* stream = static_cast<Http2Stream*>(source->ptr);
    return Self(user_data)->ReadData(*stream, buffer, length, data_flags);
  }
};

Http2Stream::Http2Stream(core::env::Executor& executor,
                         size_t max_message_bytes)
    : decoder(max_message_bytes),
      readable(executor.NewEvent()),
      writable(executor.NewEvent()),
      closed_event(executor.NewEvent()) {}

std::optional<std::string> Http2Stream::Read() {
  while (inbox.empty()) {
    if (failure.has_value() || remote_closed || closed) return std::nullopt;
    readable->Reset();
    if (!inbox.empty()) break;
    readable->Wait();
  }
  if (failure.has_value()) return std::nullopt;
  std::string message = std::move(inbox.front());
  inbox.pop_front();
  CHECK_GE(inbox_bytes, message.size());
  inbox_bytes -= message.size();
  if (session != nullptr) session->MessageTaken(*this, message.size());
  return message;
}

bool Http2Stream::Write(std::string_view message) {
  while (true) {
    if (done() || outbox_end || finished) return false;
    CHECK(session != nullptr) << "a live stream is attached";
    if (outbox.size() - outbox_offset <=
        session->options_.stream_send_buffer_bytes) {
      break;
    }
    writable->Reset();
    writable->Wait();
  }
  session->QueueMessage(*this, message);
  return true;
}

void Http2Stream::WaitClosed() {
  while (!done()) {
    closed_event->Reset();
    if (done()) break;
    closed_event->Wait();
  }
}

std::shared_ptr<Http2Session> Http2Session::Start(
    Role role, core::env::Executor& executor, core::env::Clock& clock,
    std::unique_ptr<core::env::Connection> connection,
    const SessionOptions& options, RequestHandler on_request) {
  CHECK(connection != nullptr);
  CHECK(role == Role::kClient || on_request != nullptr);
  CHECK_GT(options.read_buffer_bytes, 0u);
  std::shared_ptr<Http2Session> session(
      new Http2Session(role, executor, clock, std::move(connection), options,
                       std::move(on_request)));
  CHECK(session->Init()) << "nghttp2 could not set up a session";
  executor.Spawn("rpc-read", [session] { session->ReadLoop(); });
  executor.Spawn("rpc-write", [session] { session->WriteLoop(); });
  if (options.keepalive_time.has_value()) {
    executor.Spawn("rpc-keepalive", [session] { session->KeepaliveLoop(); });
  }
  return session;
}

Http2Session::Http2Session(Role role, core::env::Executor& executor,
                           core::env::Clock& clock,
                           std::unique_ptr<core::env::Connection> connection,
                           const SessionOptions& options,
                           RequestHandler on_request)
    : role_(role),
      executor_(executor),
      clock_(clock),
      connection_(std::move(connection)),
      options_(options),
      on_request_(std::move(on_request)),
      writer_wake_(executor.NewEvent()),
      ended_event_(executor.NewEvent()),
      last_frame_received_(clock.NowMonotonic()) {}

Http2Session::~Http2Session() {
  End(absl::CancelledError("session destroyed"));
  nghttp2_session_del(session_);
}

bool Http2Session::Init() {
  nghttp2_session_callbacks* callbacks = nullptr;
  if (nghttp2_session_callbacks_new(&callbacks) != 0) return false;
  nghttp2_session_callbacks_set_on_begin_headers_callback(
      callbacks, &SessionCallbacks::BeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(callbacks,
                                                   &SessionCallbacks::Header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(
      callbacks, &SessionCallbacks::FrameRecv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(
      callbacks, &SessionCallbacks::DataChunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(
      callbacks, &SessionCallbacks::StreamClose);
  nghttp2_session_callbacks_set_on_frame_send_callback(
      callbacks, &SessionCallbacks::FrameSend);
  nghttp2_session_callbacks_set_error_callback2(callbacks,
                                                &SessionCallbacks::Error);
  nghttp2_option* option = nullptr;
  if (nghttp2_option_new(&option) != 0) {
    nghttp2_session_callbacks_del(callbacks);
    return false;
  }
  nghttp2_option_set_no_auto_window_update(option, 1);
  const int created =
      role_ == Role::kServer
          ? nghttp2_session_server_new2(&session_, callbacks, this, option)
          : nghttp2_session_client_new2(&session_, callbacks, this, option);
  nghttp2_option_del(option);
  nghttp2_session_callbacks_del(callbacks);
  if (created != 0) return false;

  std::vector<nghttp2_settings_entry> settings = {
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE,
       options_.initial_stream_window_bytes},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE,
       static_cast<uint32_t>(options_.max_header_list_bytes)},
  };
  if (role_ == Role::kServer) {
    settings.push_back({NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS,
                        options_.max_concurrent_streams});
  } else {
    settings.push_back({NGHTTP2_SETTINGS_ENABLE_PUSH, 0});
  }
  if (nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(),
                              settings.size()) != 0) {
    return false;
  }
  return nghttp2_session_set_local_window_size(
             session_, NGHTTP2_FLAG_NONE, 0,
             static_cast<int32_t>(options_.connection_window_bytes)) == 0;
}

void Http2Session::ReadLoop() {
  std::string buffer(options_.read_buffer_bytes, '\0');
  while (!ended_ && !terminating_) {
    absl::StatusOr<size_t> read =
        connection_->Read(buffer.data(), buffer.size());
    if (ended_) return;
    if (!read.ok()) {
      End(absl::UnavailableError("connection broken: " +
                                 std::string(read.status().message())));
      return;
    }
    if (*read == 0) {
      End(absl::UnavailableError("connection closed by the peer"));
      return;
    }
    stats_.bytes_read += *read;
    last_frame_received_ = clock_.NowMonotonic();
    const ssize_t processed = nghttp2_session_mem_recv(
        session_, reinterpret_cast<const uint8_t*>(buffer.data()), *read);
    if (processed < 0) {
      // A protocol error: nghttp2 queued a GOAWAY for most; make sure,
      // flush it, and end (the writer does once nothing is left to send).
      last_error_ = nghttp2_strerror(static_cast<int>(processed));
      terminating_ = true;
      protocol_error_ = true;
      (void)nghttp2_session_terminate_session(session_, NGHTTP2_PROTOCOL_ERROR);
    }
    WakeWriter();
  }
}

void Http2Session::WriteLoop() {
  std::string pending;
  while (!ended_) {
    pending.clear();
    if (!CollectOutput(&pending)) {
      End(absl::InternalError("nghttp2: " + last_error_));
      return;
    }
    if (pending.empty()) {
      if (Finished()) {
        End(absl::UnavailableError(
            terminating_
                ? "connection closed after a protocol error: " + last_error_
                : std::string("connection closed (GOAWAY)")));
        return;
      }
      // Every producer wakes the writer after submitting: reset right
      // after collecting (no fibre ran in between), so none is missed.
      writer_wake_->Reset();
      writer_wake_->Wait();
      continue;
    }
    const absl::Status written = connection_->Write(pending);
    if (ended_) return;
    if (!written.ok()) {
      End(absl::UnavailableError("connection broken: " +
                                 std::string(written.message())));
      return;
    }
    stats_.bytes_written += pending.size();
  }
}

void Http2Session::KeepaliveLoop() {
  const Duration keepalive_time = *options_.keepalive_time;
  while (!ended_) {
    const Duration idle = clock_.NowMonotonic() - last_frame_received_;
    if (idle < keepalive_time) {
      ended_event_->WaitFor(keepalive_time - idle);
      continue;
    }
    const uint64_t acks = stats_.ping_acks_received;
    if (nghttp2_submit_ping(session_, NGHTTP2_FLAG_NONE, nullptr) != 0) return;
    WakeWriter();
    ended_event_->WaitFor(options_.keepalive_timeout);
    if (ended_) return;
    if (stats_.ping_acks_received == acks) {
      End(absl::UnavailableError("keepalive PING not acknowledged"));
      return;
    }
  }
}

bool Http2Session::CollectOutput(std::string* out) {
  while (out->size() < options_.max_write_bytes) {
    const uint8_t* data = nullptr;
    const ssize_t length = nghttp2_session_mem_send(session_, &data);
    if (length < 0) {
      last_error_ = nghttp2_strerror(static_cast<int>(length));
      return false;
    }
    if (length == 0) break;
    out->append(reinterpret_cast<const char*>(data),
                static_cast<size_t>(length));
  }
  return true;
}

bool Http2Session::Finished() const {
  const bool want_write = nghttp2_session_want_write(session_) != 0;
  if (terminating_) return !want_write;
  return !want_write && nghttp2_session_want_read(session_) == 0;
}

void Http2Session::WakeWriter() { writer_wake_->Notify(); }

void Http2Session::End(absl::Status why) {
  if (ended_) return;
  ended_ = true;
  draining_ = true;
  // Streams are failed in id order (deterministic); the map is emptied
  // first so that nothing the wake-ups trigger sees a half-ended session.
  std::map<int32_t, std::shared_ptr<Http2Stream>> streams;
  streams.swap(streams_);
  for (auto& [id, stream] : streams) {
    if (!stream->failure.has_value()) stream->failure = why;
    stream->closed = true;
    stream->session = nullptr;
    NotifyAll(*stream);
  }
  connection_->Close();
  writer_wake_->Notify();
  ended_event_->Notify();
}

const core::env::Address& Http2Session::peer_address() const {
  return connection_->peer_address();
}

bool Http2Session::accepting_streams() const {
  return !ended_ && !draining_ && !terminating_;
}

absl::StatusOr<std::shared_ptr<Http2Stream>> Http2Session::OpenStream(
    const Metadata& headers) {
  CHECK(role_ == Role::kClient);
  if (!accepting_streams()) {
    return absl::UnavailableError("connection is closing");
  }
  auto stream = std::make_shared<Http2Stream>(
      executor_, options_.max_receive_message_bytes);
  const std::vector<nghttp2_nv> nv = ToNv(headers);
  nghttp2_data_provider provider;
  provider.source.ptr = stream.get();
  provider.read_callback = &SessionCallbacks::ReadData;
  const int32_t id = nghttp2_submit_request(session_, nullptr, nv.data(),
                                            nv.size(), &provider, stream.get());
  if (id < 0) {
    // Stream ids exhausted: this connection takes no more calls.
    draining_ = true;
    return absl::UnavailableError(std::string("cannot open a stream: ") +
                                  nghttp2_strerror(id));
  }
  Register(id, stream);
  WakeWriter();
  return stream;
}

void Http2Session::Register(int32_t stream_id,
                            std::shared_ptr<Http2Stream> stream) {
  stream->id = stream_id;
  stream->session = this;
  ++stats_.streams_opened;
  const bool inserted = streams_.emplace(stream_id, std::move(stream)).second;
  CHECK(inserted) << "stream " << stream_id << " registered twice";
}

Http2Stream* Http2Session::Find(int32_t stream_id) {
  auto it = streams_.find(stream_id);
  return it == streams_.end() ? nullptr : it->second.get();
}

void Http2Session::CloseSend(Http2Stream& stream) {
  CHECK(role_ == Role::kClient);
  if (stream.outbox_end || stream.session == nullptr) return;
  stream.outbox_end = true;
  ResumeData(stream);
}

void Http2Session::QueueMessage(Http2Stream& stream, std::string_view message) {
  CHECK(stream.session == this);
  AppendMessage(&stream.outbox, message);
  if (role_ == Role::kServer && !stream.response_started) {
    stream.response_started = true;
    // ToNv points into its argument: keep the fields alive.
    const Metadata headers = {{":status", "200"},
                              {"content-type", "application/grpc"}};
    const std::vector<nghttp2_nv> nv = ToNv(headers);
    nghttp2_data_provider provider;
    provider.source.ptr = &stream;
    provider.read_callback = &SessionCallbacks::ReadData;
    const int submitted = nghttp2_submit_response(
        session_, stream.id, nv.data(), nv.size(), &provider);
    CHECK_EQ(submitted, 0) << nghttp2_strerror(submitted);
    WakeWriter();
    return;
  }
  ResumeData(stream);
}

void Http2Session::ResumeData(Http2Stream& stream) {
  if (stream.data_deferred) {
    stream.data_deferred = false;
    (void)nghttp2_session_resume_data(session_, stream.id);
  }
  WakeWriter();
}

void Http2Session::Finish(Http2Stream& stream, const absl::Status& status,
                          int http_status) {
  CHECK(role_ == Role::kServer);
  if (stream.finished || stream.closed || stream.session == nullptr) return;
  stream.finished = true;
  Metadata trailers = {
      {"grpc-status", std::to_string(static_cast<int>(status.code()))}};
  if (!status.message().empty()) {
    trailers.emplace_back("grpc-message",
                          PercentEncode(std::string(status.message())));
  }
  if (stream.response_started) {
    stream.trailers_to_send = std::move(trailers);
    stream.outbox_end = true;
    ResumeData(stream);
  } else {
    // Trailers-only: one HEADERS block with END_STREAM.
    stream.response_started = true;
    Metadata block = {{":status", std::to_string(http_status)},
                      {"content-type", "application/grpc"}};
    block.insert(block.end(), trailers.begin(), trailers.end());
    const std::vector<nghttp2_nv> nv = ToNv(block);
    const int submitted = nghttp2_submit_response(
        session_, stream.id, nv.data(), nv.size(), nullptr);
    CHECK_EQ(submitted, 0) << nghttp2_strerror(submitted);
    WakeWriter();
  }
  NotifyAll(stream);
}

void Http2Session::Reset(Http2Stream& stream, uint32_t error_code,
                         absl::Status why) {
  Fail(stream, std::move(why));
  if (stream.closed || stream.session == nullptr) return;
  (void)nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream.id,
                                  error_code);
  WakeWriter();
}

void Http2Session::Shutdown() {
  CHECK(role_ == Role::kServer);
  if (ended_ || shutdown_requested_) return;
  shutdown_requested_ = true;
  // The PING follows once the notice is on the wire (OnFrameSend): its ACK
  // then proves the client has read the notice.
  (void)nghttp2_submit_shutdown_notice(session_);
  WakeWriter();
}

void Http2Session::Close(absl::Status why) { End(std::move(why)); }

void Http2Session::Fail(Http2Stream& stream, absl::Status why) {
  if (!stream.failure.has_value()) stream.failure = std::move(why);
  ConsumeBacklog(stream);
  NotifyAll(stream);
}

void Http2Session::MessageTaken(Http2Stream& stream, size_t) {
  if (stream.unconsumed_bytes == 0 ||
      stream.inbox_bytes > options_.stream_receive_buffer_bytes) {
    return;
  }
  ConsumeBacklog(stream);
}

void Http2Session::ConsumeBacklog(Http2Stream& stream) {
  if (stream.unconsumed_bytes == 0 || ended_) return;
  if (stream.closed) {
    (void)nghttp2_session_consume_connection(session_, stream.unconsumed_bytes);
  } else {
    (void)nghttp2_session_consume(session_, stream.id, stream.unconsumed_bytes);
  }
  stream.unconsumed_bytes = 0;
  WakeWriter();
}

int Http2Session::OnBeginHeaders(const nghttp2_frame& frame) {
  if (role_ != Role::kServer || frame.hd.type != NGHTTP2_HEADERS ||
      frame.headers.cat != NGHTTP2_HCAT_REQUEST) {
    return 0;
  }
  auto stream = std::make_shared<Http2Stream>(
      executor_, options_.max_receive_message_bytes);
  Register(frame.hd.stream_id, std::move(stream));
  return 0;
}

int Http2Session::OnHeader(const nghttp2_frame& frame, std::string_view name,
                           std::string_view value) {
  if (frame.hd.type != NGHTTP2_HEADERS) return 0;
  Http2Stream* stream = Find(frame.hd.stream_id);
  if (stream == nullptr) return 0;
  // HPACK's accounting: name, value and 32 bytes of overhead per field.
  stream->header_bytes += name.size() + value.size() + 32;
  if (stream->header_bytes > options_.max_header_list_bytes) {
    Fail(*stream, absl::ResourceExhaustedError("header list too large"));
    // nghttp2 answers with RST_STREAM(INTERNAL_ERROR).
    return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  }
  const bool first_block = frame.headers.cat == NGHTTP2_HCAT_REQUEST ||
                           frame.headers.cat == NGHTTP2_HCAT_RESPONSE;
  if (first_block) {
    stream->headers.emplace_back(name, value);
  } else if (role_ == Role::kClient) {
    stream->trailers.emplace_back(name, value);
  }
  return 0;
}

int Http2Session::OnFrameRecv(const nghttp2_frame& frame) {
  switch (frame.hd.type) {
    case NGHTTP2_HEADERS:
      if (Http2Stream* stream = Find(frame.hd.stream_id)) {
        OnHeadersRecv(*stream, frame);
      }
      break;
    case NGHTTP2_DATA:
      if (Http2Stream* stream = Find(frame.hd.stream_id);
          stream != nullptr && (frame.hd.flags & NGHTTP2_FLAG_END_STREAM)) {
        OnEndStream(*stream);
      }
      break;
    case NGHTTP2_PING:
      OnPingRecv(frame);
      break;
    case NGHTTP2_GOAWAY:
      ++stats_.goaways_received;
      draining_ = true;
      break;
    default:
      break;
  }
  return 0;
}

void Http2Session::OnHeadersRecv(Http2Stream& stream,
                                 const nghttp2_frame& frame) {
  const bool end_stream = (frame.hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  const nghttp2_headers_category category = frame.headers.cat;
  // Hold the stream: the handler may finish (and close) it.
  std::shared_ptr<Http2Stream> held = streams_.at(stream.id);
  if (role_ == Role::kServer) {
    if (category == NGHTTP2_HCAT_REQUEST) {
      stream.headers_done = true;
      on_request_(held);
    }
  } else if (category == NGHTTP2_HCAT_RESPONSE) {
    stream.headers_done = true;
    if (end_stream) {
      stream.trailers = stream.headers;  // a trailers-only response
      stream.trailers_done = true;
    }
  } else if (category == NGHTTP2_HCAT_HEADERS) {
    stream.trailers_done = true;
  }
  if (end_stream) OnEndStream(stream);
  if (role_ == Role::kClient && stream.trailers_done &&
      nghttp2_session_get_stream_local_close(session_, stream.id) == 0) {
    // The status arrived while we were still sending: stop (grpc-go does
    // the same with RST_STREAM(NO_ERROR)).
    (void)nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream.id,
                                    NGHTTP2_NO_ERROR);
  }
  NotifyAll(stream);
}

void Http2Session::OnPingRecv(const nghttp2_frame& frame) {
  if ((frame.hd.flags & NGHTTP2_FLAG_ACK) == 0) {
    ++stats_.pings_received;  // nghttp2 acknowledges it by itself
    return;
  }
  ++stats_.ping_acks_received;
  if (role_ == Role::kServer && shutdown_pinged_ &&
      std::memcmp(frame.ping.opaque_data, kShutdownPingData, 8) == 0) {
    // A round trip after the first GOAWAY: every stream the client opened
    // before seeing it has arrived. Name the last one we processed.
    (void)nghttp2_submit_goaway(
        session_, NGHTTP2_FLAG_NONE,
        nghttp2_session_get_last_proc_stream_id(session_), NGHTTP2_NO_ERROR,
        nullptr, 0);
    WakeWriter();
  }
}

int Http2Session::OnDataChunk(int32_t stream_id, std::string_view data) {
  Http2Stream* stream = Find(stream_id);
  if (stream == nullptr || stream->failure.has_value()) {
    (void)nghttp2_session_consume(session_, stream_id, data.size());
    return 0;
  }
  stream->decoder.Append(data);
  while (true) {
    auto next = stream->decoder.Next();
    if (!next.ok()) {
      (void)nghttp2_session_consume(session_, stream_id, data.size());
      const MessageError& error = next.error();
      if (role_ == Role::kServer) {
        Fail(*stream, absl::Status(error.code, error.message));
        Finish(*stream, absl::Status(error.code, error.message));
      } else {
        Reset(*stream, NGHTTP2_CANCEL, absl::Status(error.code, error.message));
      }
      return 0;
    }
    std::optional<std::string> message = std::move(next).value();
    if (!message.has_value()) break;
    stream->inbox_bytes += message->size();
    stream->inbox.push_back(*std::move(message));
  }
  if (stream->inbox_bytes <= options_.stream_receive_buffer_bytes) {
    (void)nghttp2_session_consume(session_, stream_id, data.size());
  } else {
    stream->unconsumed_bytes += data.size();
  }
  stream->readable->Notify();
  return 0;
}

void Http2Session::OnEndStream(Http2Stream& stream) {
  stream.remote_closed = true;
  if (std::optional<MessageError> error = stream.decoder.Finish();
      error.has_value() && !stream.failure.has_value()) {
    const absl::Status why(error->code, error->message);
    if (role_ == Role::kServer) {
      Fail(stream, why);
      Finish(stream, why);
    } else {
      Fail(stream, why);
    }
  }
  stream.readable->Notify();
}

int Http2Session::OnStreamClose(int32_t stream_id, uint32_t error_code) {
  auto it = streams_.find(stream_id);
  if (it == streams_.end()) return 0;
  std::shared_ptr<Http2Stream> stream = std::move(it->second);
  streams_.erase(it);
  stream->closed = true;
  stream->close_error_code = error_code;
  ConsumeBacklog(*stream);
  if (!stream->failure.has_value()) {
    if (role_ == Role::kServer && !stream->finished) {
      stream->failure =
          absl::CancelledError("stream reset by the client (HTTP/2 error " +
                               std::to_string(error_code) + ")");
    } else if (role_ == Role::kClient && !stream->trailers_done) {
      stream->refused = error_code == NGHTTP2_REFUSED_STREAM;
      stream->failure = absl::Status(
          StatusCodeFromHttp2Error(error_code),
          error_code == NGHTTP2_NO_ERROR
              ? std::string("server closed the stream without a status")
              : "stream closed by the server with HTTP/2 error " +
                    std::to_string(error_code));
    }
  }
  stream->session = nullptr;
  NotifyAll(*stream);
  return 0;
}

int Http2Session::OnFrameSend(const nghttp2_frame& frame) {
  if (frame.hd.type == NGHTTP2_GOAWAY) {
    draining_ = true;
    if (frame.goaway.error_code != NGHTTP2_NO_ERROR) protocol_error_ = true;
    if (role_ == Role::kServer && shutdown_requested_ && !shutdown_pinged_) {
      shutdown_pinged_ = true;
      (void)nghttp2_submit_ping(session_, NGHTTP2_FLAG_NONE, kShutdownPingData);
    }
    return 0;
  }
  if (role_ != Role::kServer || frame.hd.type != NGHTTP2_HEADERS ||
      (frame.hd.flags & NGHTTP2_FLAG_END_STREAM) == 0) {
    return 0;
  }
  // The status is out while the client is still sending: tell it to stop
  // (gRPC over HTTP/2: RST_STREAM with NO_ERROR after the trailers).
  if (Find(frame.hd.stream_id) != nullptr &&
      nghttp2_session_get_stream_remote_close(session_, frame.hd.stream_id) ==
          0) {
    (void)nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE,
                                    frame.hd.stream_id, NGHTTP2_NO_ERROR);
  }
  return 0;
}

ssize_t Http2Session::ReadData(Http2Stream& stream, uint8_t* buffer,
                               size_t length, uint32_t* data_flags) {
  const size_t available = stream.outbox.size() - stream.outbox_offset;
  const size_t taken = std::min(length, available);
  if (taken == 0 && !stream.outbox_end) {
    stream.data_deferred = true;
    return NGHTTP2_ERR_DEFERRED;
  }
  std::memcpy(buffer, stream.outbox.data() + stream.outbox_offset, taken);
  stream.outbox_offset += taken;
  if (stream.outbox_offset == stream.outbox.size()) {
    stream.outbox.clear();
    stream.outbox_offset = 0;
  } else if (stream.outbox_offset > (1 << 20) &&
             stream.outbox_offset * 2 > stream.outbox.size()) {
    stream.outbox.erase(0, stream.outbox_offset);
    stream.outbox_offset = 0;
  }
  const size_t left = stream.outbox.size() - stream.outbox_offset;
  if (left <= options_.stream_send_buffer_bytes) stream.writable->Notify();
  if (left == 0 && stream.outbox_end) {
    *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    if (role_ == Role::kServer) {
      *data_flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
      const std::vector<nghttp2_nv> nv = ToNv(stream.trailers_to_send);
      const int submitted =
          nghttp2_submit_trailer(session_, stream.id, nv.data(), nv.size());
      CHECK_EQ(submitted, 0) << nghttp2_strerror(submitted);
    }
  }
  return static_cast<ssize_t>(taken);
}

}  // namespace rpc::internal
