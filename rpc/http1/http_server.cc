#include "rpc/http1/http_server.h"

#include <utility>

namespace rpc::http1 {
namespace {

constexpr size_t kMaxHeadBytes = 16 * 1024;

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

// Reads until the blank line ending the head; nullopt-like error on EOF,
// overflow or a read error.
absl::StatusOr<std::string> ReadHead(core::env::Connection& connection) {
  std::string head;
  char buffer[4096];
  while (head.find("\r\n\r\n") == std::string::npos) {
    if (head.size() > kMaxHeadBytes) {
      return absl::InvalidArgumentError("request head over 16 KiB");
    }
    auto read = connection.Read(buffer, sizeof(buffer));
    if (!read.ok()) return read.status();
    if (*read == 0) return absl::InvalidArgumentError("connection closed");
    head.append(buffer, *read);
  }
  return head.substr(0, head.find("\r\n\r\n"));
}

}  // namespace

absl::StatusOr<HttpRequest> ParseRequestHead(const std::string& head) {
  const size_t line_end = head.find("\r\n");
  const std::string line = head.substr(0, line_end);
  const size_t first = line.find(' ');
  const size_t second =
      first == std::string::npos ? first : line.find(' ', first + 1);
  if (second == std::string::npos ||
      line.find(' ', second + 1) != std::string::npos) {
    return absl::InvalidArgumentError("bad request line");
  }
  const std::string version = line.substr(second + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    return absl::InvalidArgumentError("not HTTP/1.x: " + version);
  }
  HttpRequest request;
  request.method = line.substr(0, first);
  std::string target = line.substr(first + 1, second - first - 1);
  if (target.empty() || target[0] != '/') {
    return absl::InvalidArgumentError("the target must be a path");
  }
  const size_t question = target.find('?');
  if (question != std::string::npos) {
    request.query = target.substr(question + 1);
    target.resize(question);
  }
  request.path = std::move(target);
  if (request.method != "GET" && request.method != "HEAD") {
    return absl::UnimplementedError("method " + request.method);
  }
  return request;
}

std::string FormatResponse(const HttpResponse& response, bool head_only) {
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " +
                    Reason(response.status) + "\r\n";
  out += "Content-Type: " + response.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  out += "Connection: close\r\n\r\n";
  if (!head_only) out += response.body;
  return out;
}

struct HttpServer::State {
  core::env::Executor& executor;
  HttpHandler handler;
  std::unique_ptr<core::env::Listener> listener;
  bool closed = false;
};

namespace {

void Serve(const HttpHandler& handler, core::env::Connection& connection) {
  auto head = ReadHead(connection);
  if (!head.ok()) return;
  auto request = ParseRequestHead(*head);
  HttpResponse response;
  bool head_only = false;
  if (!request.ok()) {
    response.status = absl::IsUnimplemented(request.status()) ? 405 : 400;
    response.body = std::string(request.status().message()) + "\n";
  } else {
    head_only = request->method == "HEAD";
    response = handler(*request);
  }
  (void)connection.Write(FormatResponse(response, head_only));
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    core::env::Executor& executor, core::env::Network& network,
    const core::env::Address& address, HttpHandler handler) {
  auto listener = network.Listen(address);
  if (!listener.ok()) return listener.status();
  auto state = std::make_shared<State>(
      State{executor, std::move(handler), *std::move(listener)});
  executor.Spawn("http-accept", [state] {
    while (!state->closed) {
      auto connection = state->listener->Accept();
      if (!connection.ok()) return;
      std::shared_ptr<core::env::Connection> shared = *std::move(connection);
      state->executor.Spawn("http-conn", [state, shared] {
        Serve(state->handler, *shared);
        shared->Close();
      });
    }
  });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(state)));
}

HttpServer::~HttpServer() { Close(); }

const core::env::Address& HttpServer::local_address() const {
  return state_->listener->local_address();
}

void HttpServer::Close() {
  if (state_->closed) return;
  state_->closed = true;
  state_->listener->Close();
}

}  // namespace rpc::http1
