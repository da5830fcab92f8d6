// The request head parser and the response format; the server itself is
// exercised over TCP by runtime/bin:playground_test (tikv-server's status
// pages).
#include "rpc/http1/http_server.h"

#include <gtest/gtest.h>

namespace rpc::http1 {
namespace {

TEST(HttpServerTest, ParsesMethodPathAndQuery) {
  auto request = ParseRequestHead(
      "GET /region/7?pretty=1 HTTP/1.1\r\nHost: x\r\nAccept: */*");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->method, "GET");
  EXPECT_EQ(request->path, "/region/7");
  EXPECT_EQ(request->query, "pretty=1");
  EXPECT_TRUE(ParseRequestHead("HEAD / HTTP/1.0").ok());
}

TEST(HttpServerTest, RefusesMalformedHeadsAndOtherMethods) {
  EXPECT_TRUE(absl::IsInvalidArgument(ParseRequestHead("GET /").status()));
  EXPECT_TRUE(
      absl::IsInvalidArgument(ParseRequestHead("GET / HTTP/2").status()));
  EXPECT_TRUE(
      absl::IsInvalidArgument(ParseRequestHead("GET x HTTP/1.1").status()));
  EXPECT_TRUE(
      absl::IsInvalidArgument(ParseRequestHead("GET / / HTTP/1.1").status()));
  EXPECT_TRUE(
      absl::IsUnimplemented(ParseRequestHead("POST / HTTP/1.1").status()));
}

TEST(HttpServerTest, ResponsesCarryLengthAndClose) {
  HttpResponse response{.status = 404, .body = "no\n"};
  EXPECT_EQ(FormatResponse(response, false),
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; "
            "charset=utf-8\r\nContent-Length: 3\r\nConnection: close\r\n\r\n"
            "no\n");
  EXPECT_EQ(FormatResponse(response, true).find("no\n"), std::string::npos);
}

}  // namespace
}  // namespace rpc::http1
