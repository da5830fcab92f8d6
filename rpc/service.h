// The server side of a call, and the method registry binding full method
// names ("/tikvpb.Tikv/RawGet") to handlers.
//
// A handler runs on a fibre of its own, in plain blocking style:
//
//   ServiceRegistry services;
//   services.AddUnary<kvrpcpb::RawGetRequest, kvrpcpb::RawGetResponse>(
//       "/tikvpb.Tikv/RawGet",
//       [&](ServerCall& call, const kvrpcpb::RawGetRequest& request)
//           -> absl::StatusOr<kvrpcpb::RawGetResponse> { ... });
//   services.AddBidiStreaming<tikvpb::BatchCommandsRequest,
//                             tikvpb::BatchCommandsResponse>(
//       "/tikvpb.Tikv/BatchCommands",
//       [&](ServerCall& call, ServerReaderWriter<...> stream) {
//         while (auto request = stream.Read()) ... stream.Write(response);
//         return absl::OkStatus();
//       });
//
// The four shapes: unary (one request, a response or a status),
// server-streaming (one request, a writer), client-streaming (a reader, a
// response) and bidirectional (a reader and a writer). The status a handler
// returns goes to the client in the trailers (grpc-status, grpc-message).
//
// Bad input never reaches a handler as a message: a request that does not
// parse ends the call with INTERNAL, a message over the server's maximum
// with RESOURCE_EXHAUSTED, a compressed one with INTERNAL; the handler then
// sees the call cancelled, and what it returns is ignored.
//
// Cancellation: cancelled() turns true when the client resets the stream or
// goes away, the deadline (grpc-timeout) passes (the client gets
// DEADLINE_EXCEEDED at once), the call is aborted, or the server closes.
// Reads then return nullopt and writes false; a handler should return soon.
//
// Lifetime: ServerCall is shared. The typed readers and writers hold it, so
// fibres a handler spawns (e.g. one per BatchCommands request) may keep
// writing after the handler returned; their writes fail once the call is
// finished. Handlers and what they capture must outlive the server's
// fibres (or be held by shared_ptr in the handler).
#ifndef RPC_SERVICE_H_
#define RPC_SERVICE_H_

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/base/time.h"
#include "core/env/executor.h"
#include "core/env/network.h"
#include "rpc/wire.h"

namespace rpc {

namespace internal {
struct Http2Stream;
}  // namespace internal

class ServerCall : public std::enable_shared_from_this<ServerCall> {
 public:
  ServerCall(std::shared_ptr<internal::Http2Stream> stream, std::string method,
             Metadata metadata, core::env::Address peer,
             std::optional<core::base::Instant> deadline,
             size_t max_send_message_bytes);
  ~ServerCall();
  ServerCall(const ServerCall&) = delete;
  ServerCall& operator=(const ServerCall&) = delete;

  const std::string& method() const { return method_; }
  // Custom request metadata (no pseudo-headers, no reserved grpc-*).
  const Metadata& metadata() const { return metadata_; }
  // The first value of `key`, if present.
  std::optional<std::string_view> metadata_value(std::string_view key) const;
  const core::env::Address& peer() const { return peer_; }
  std::optional<core::base::Instant> deadline() const { return deadline_; }
  bool cancelled() const;
  // Parks until the call is cancelled or finished.
  void WaitDone();

  // Parks until a request message arrives; nullopt when the client has
  // finished sending or the call is cancelled (see cancelled()).
  std::optional<std::string> Read();
  // Parks while the stream's send buffer is full; false once the call is
  // finished or cancelled. A message over the maximum aborts the call
  // with RESOURCE_EXHAUSTED.
  bool Write(std::string_view message);
  // Ends the call with `status` now, whatever the handler returns later.
  void Abort(const absl::Status& status);

  // For the server: the handler returned `status`.
  void Complete(const absl::Status& status);
  // For the server: the grpc-timeout passed.
  void Expire();
  void set_deadline_timer(core::env::Executor* executor,
                          core::env::TimerId timer);

 private:
  const std::shared_ptr<internal::Http2Stream> stream_;
  const std::string method_;
  const Metadata metadata_;
  const core::env::Address peer_;
  const std::optional<core::base::Instant> deadline_;
  const size_t max_send_message_bytes_;
  core::env::Executor* timer_executor_ = nullptr;
  core::env::TimerId deadline_timer_ = 0;
};

// The status a call ends with, from its handler.
using Handler = std::function<absl::Status(ServerCall&)>;

namespace internal {

// Parses `bytes` as a T; on failure aborts the call with INTERNAL.
template <typename T>
std::optional<T> ParseOrAbort(ServerCall& call, const std::string& bytes) {
  T message;
  if (!message.ParseFromString(bytes)) {
    call.Abort(
        absl::InternalError("grpc: error unmarshalling request: cannot parse " +
                            message.GetTypeName()));
    return std::nullopt;
  }
  return message;
}

}  // namespace internal

template <typename Request>
class ServerReader {
 public:
  explicit ServerReader(std::shared_ptr<ServerCall> call)
      : call_(std::move(call)) {}
  // nullopt at the end of the client's messages, on cancellation, or on a
  // message that does not parse (the call is then aborted with INTERNAL).
  std::optional<Request> Read() {
    std::optional<std::string> bytes = call_->Read();
    if (!bytes.has_value()) return std::nullopt;
    return internal::ParseOrAbort<Request>(*call_, *bytes);
  }

 private:
  std::shared_ptr<ServerCall> call_;
};

template <typename Response>
class ServerWriter {
 public:
  explicit ServerWriter(std::shared_ptr<ServerCall> call)
      : call_(std::move(call)) {}
  bool Write(const Response& response) {
    return call_->Write(response.SerializeAsString());
  }

 private:
  std::shared_ptr<ServerCall> call_;
};

template <typename Request, typename Response>
class ServerReaderWriter {
 public:
  explicit ServerReaderWriter(std::shared_ptr<ServerCall> call)
      : reader_(call), writer_(call) {}
  std::optional<Request> Read() { return reader_.Read(); }
  bool Write(const Response& response) { return writer_.Write(response); }

 private:
  ServerReader<Request> reader_;
  ServerWriter<Response> writer_;
};

class ServiceRegistry {
 public:
  struct Method {
    std::string name;  // "/package.Service/Method"
    Handler handler;
  };

  // CHECKs the name is "/service/method" and not registered yet.
  void AddRaw(std::string full_method, Handler handler);

  template <typename Request, typename Response>
  void AddUnary(
      std::string full_method,
      std::function<absl::StatusOr<Response>(ServerCall&, const Request&)>
          handler) {
    AddRaw(std::move(full_method),
           [handler = std::move(handler)](ServerCall& call) -> absl::Status {
             std::optional<Request> request = ReadOnly<Request>(call);
             if (!request.has_value()) return CancelledStatus();
             absl::StatusOr<Response> response = handler(call, *request);
             if (!response.ok()) return response.status();
             if (!call.Write(response->SerializeAsString())) {
               return CancelledStatus();
             }
             return absl::OkStatus();
           });
  }

  template <typename Request, typename Response>
  void AddServerStreaming(
      std::string full_method,
      std::function<absl::Status(ServerCall&, const Request&,
                                 ServerWriter<Response>)>
          handler) {
    AddRaw(std::move(full_method),
           [handler = std::move(handler)](ServerCall& call) -> absl::Status {
             std::optional<Request> request = ReadOnly<Request>(call);
             if (!request.has_value()) return CancelledStatus();
             return handler(call, *request,
                            ServerWriter<Response>(call.shared_from_this()));
           });
  }

  template <typename Request, typename Response>
  void AddClientStreaming(std::string full_method,
                          std::function<absl::StatusOr<Response>(
                              ServerCall&, ServerReader<Request>)>
                              handler) {
    AddRaw(std::move(full_method),
           [handler = std::move(handler)](ServerCall& call) -> absl::Status {
             absl::StatusOr<Response> response =
                 handler(call, ServerReader<Request>(call.shared_from_this()));
             if (!response.ok()) return response.status();
             if (!call.Write(response->SerializeAsString())) {
               return CancelledStatus();
             }
             return absl::OkStatus();
           });
  }

  template <typename Request, typename Response>
  void AddBidiStreaming(std::string full_method,
                        std::function<absl::Status(
                            ServerCall&, ServerReaderWriter<Request, Response>)>
                            handler) {
    AddRaw(std::move(full_method),
           [handler = std::move(handler)](ServerCall& call) -> absl::Status {
             return handler(call, ServerReaderWriter<Request, Response>(
                                      call.shared_from_this()));
           });
  }

  // The method, or nullptr.
  std::shared_ptr<const Method> Find(std::string_view full_method) const;
  // Whether any method of "/service/..." is registered (for grpc-go's
  // "unknown service" versus "unknown method" wording).
  bool HasService(std::string_view service) const;

 private:
  // One request message, not waiting for the end of the client's stream;
  // none (the client finished sending) aborts with INTERNAL.
  template <typename Request>
  static std::optional<Request> ReadOnly(ServerCall& call) {
    std::optional<std::string> bytes = call.Read();
    if (!bytes.has_value()) {
      if (!call.cancelled()) {
        call.Abort(absl::InternalError("grpc: no request message received"));
      }
      return std::nullopt;
    }
    return internal::ParseOrAbort<Request>(call, *bytes);
  }
  // What a handler returns when its call cannot complete; never sent (the
  // call was aborted or the client is gone).
  static absl::Status CancelledStatus() {
    return absl::CancelledError("call cancelled");
  }

  std::map<std::string, std::shared_ptr<const Method>, std::less<>> methods_;
};

}  // namespace rpc

#endif  // RPC_SERVICE_H_
