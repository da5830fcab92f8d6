// The interop service on our server, called by our channel on the
// simulator with the checks client.go makes (same methods, same bytes, same
// expected statuses). It proves our half of the interop test until the
// runtime's TCP network lets grpc-go's client make them (run_interop.sh).
#include "tests/rpc/interop/interop_service.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/rpc/rpc_harness.h"

namespace rpc::interop {
namespace {

using core::base::Duration;
using rpc::testing::RpcHarness;

class InteropServiceTest : public ::testing::Test {
 protected:
  InteropServiceTest() {
    RegisterInteropService(t_.services(), t_.executor(t_.server_node()));
    t_.StartServer();  // 4 MiB receive limit, as grpc-go's default
  }
  absl::StatusOr<std::string> Call(const std::string& method,
                                   const std::string& request,
                                   CallOptions options = {}) {
    return channel_.UnaryCall("/interop.Test/" + method, request, options);
  }

  RpcHarness t_;
  Channel& channel_ = t_.NewChannel({.max_receive_message_bytes = 16 << 20});
};

TEST_F(InteropServiceTest, EveryCheckOfClientGo) {
  ASSERT_TRUE(t_.RunClient([&] {
    EXPECT_EQ(Call("Echo", "hi").value_or(""), "echo:hi");

    ClientCall count = channel_.StartCall("/interop.Test/Count", {});
    count.Write("100");
    count.WritesDone();
    int next = 0;
    while (auto response = count.Read()) {
      EXPECT_EQ(*response, std::to_string(next++));
    }
    EXPECT_TRUE(count.Finish().ok());
    EXPECT_EQ(next, 100);

    ClientCall concat = channel_.StartCall("/interop.Test/Concat", {});
    for (const char* piece : {"a", "b", "c", "d"}) concat.Write(piece);
    concat.WritesDone();
    EXPECT_EQ(concat.Read().value_or(""), "abcd");
    EXPECT_TRUE(concat.Finish().ok());

    ClientCall chat = channel_.StartCall("/interop.Test/Chat", {});
    for (int i = 0; i < 10; ++i) {
      chat.Write(std::to_string(i));
      EXPECT_EQ(chat.Read().value_or(""), "re:" + std::to_string(i));
    }
    chat.WritesDone();
    EXPECT_FALSE(chat.Read().has_value());
    EXPECT_TRUE(chat.Finish().ok());

    const std::string message = "why: 100% \xe2\x82\xac\nline two";
    for (int code = 1; code <= 16; ++code) {
      absl::Status status =
          Call("Fail", std::to_string(code) + ":" + message).status();
      EXPECT_EQ(status.code(), static_cast<absl::StatusCode>(code));
      EXPECT_EQ(status.message(), message);
    }

    EXPECT_EQ(Call("Sleep", "2000", {.timeout = Duration::Milliseconds(200)})
                  .status()
                  .code(),
              absl::StatusCode::kDeadlineExceeded);

    EXPECT_EQ(Call("Large", std::string(3 << 20, 'q')).value_or(""),
              std::to_string(3 << 20));
    EXPECT_EQ(Call("Large", std::to_string(8 << 20)).value_or("").size(),
              size_t{8} << 20);
    EXPECT_EQ(Call("Large", std::string(5 << 20, 'q')).status().code(),
              absl::StatusCode::kResourceExhausted);

    EXPECT_EQ(Call("Nope", "").status().code(),
              absl::StatusCode::kUnimplemented);
    EXPECT_EQ(
        channel_.UnaryCall("/grpc.health.v1.Health/Check", "", {}).value_or(""),
        "\x08\x01");
  }));
}

}  // namespace
}  // namespace rpc::interop
