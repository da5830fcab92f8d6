// HttpServer: a small HTTP/1.1 server on core/env streams (a driver, so it
// runs on the simulator's network and on TCP alike), for status pages:
// tikv-server's --status-addr and, later, PD's HTTP API. GET and HEAD only;
// one request per connection (the answer says `Connection: close`), each
// connection on a fibre of its own. A request line or headers over 16 KiB,
// or not ending in time (read_timeout), get 400 / the connection closed.
//
// Ref: RFC 9112 (message syntax); TiKV components/server/src/status_server.
//
// Thread-affinity: the executor it was started on.
#ifndef RPC_HTTP1_HTTP_SERVER_H_
#define RPC_HTTP1_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/base/time.h"
#include "core/env/executor.h"
#include "core/env/network.h"

namespace rpc::http1 {

struct HttpRequest {
  std::string method;  // "GET" or "HEAD"
  std::string path;    // without the query
  std::string query;   // after '?', undecoded
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Answers one request; runs on the connection's fibre (it may park).
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// Parses "GET /path?query HTTP/1.1\r\n...\r\n\r\n"; an error names what is
// wrong (the server answers 400, or 405 for another method).
absl::StatusOr<HttpRequest> ParseRequestHead(const std::string& head);
// The status line, headers and body, as sent.
std::string FormatResponse(const HttpResponse& response, bool head_only);

class HttpServer {
 public:
  // Listens on `address` (port 0: a free one) and serves until Close.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      core::env::Executor& executor, core::env::Network& network,
      const core::env::Address& address, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  const core::env::Address& local_address() const;
  // Stops accepting; connections being answered finish on their own.
  void Close();

 private:
  struct State;
  explicit HttpServer(std::shared_ptr<State> state)
      : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

}  // namespace rpc::http1

#endif  // RPC_HTTP1_HTTP_SERVER_H_
