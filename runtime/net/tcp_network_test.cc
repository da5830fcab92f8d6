// TcpNetwork behaviour the simulator has no counterpart for (the shared
// contract is //tests/env:env_conformance_test): a peer's reset surfaces as
// kUnavailable, addresses are parsed strictly, and datagrams are refused.
#include "runtime/net/tcp_network.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <memory>
#include <string>

#include "runtime/loop/epoll_loop.h"

namespace runtime {
namespace {

using core::base::Duration;

// Runs `body` on a fibre of a fresh loop until it returns.
void RunOnLoop(const std::function<void(EpollLoop&, TcpNetwork&)>& body) {
  EpollLoop loop;
  TcpNetwork network(loop);
  loop.Spawn("body", [&] {
    body(loop, network);
    loop.Stop();
  });
  loop.Run();
}

TEST(TcpNetworkTest, APeerResetIsUnavailable) {
  RunOnLoop([](EpollLoop& loop, TcpNetwork& network) {
    auto listener = network.Listen("127.0.0.1:0");
    ASSERT_TRUE(listener.ok());
    auto client =
        network.Connect((*listener)->local_address(), Duration::Seconds(5));
    ASSERT_TRUE(client.ok());
    auto server = (*listener)->Accept();
    ASSERT_TRUE(server.ok());
    // Unread bytes at close make the kernel answer with RST, not FIN.
    ASSERT_TRUE((*client)->Write("unread").ok());
    loop.SleepFor(Duration::Milliseconds(10));
    (*server)->Close();
    char buffer[16];
    auto n = (*client)->Read(buffer, sizeof(buffer));
    EXPECT_EQ(n.status().code(), absl::StatusCode::kUnavailable) << n.status();
    (*client)->Close();
    (*listener)->Close();
  });
}

TEST(TcpNetworkTest, AddressesAreCheckedAndLocalhostIsLoopback) {
  RunOnLoop([](EpollLoop&, TcpNetwork& network) {
    EXPECT_EQ(network.Listen("127.0.0.1").status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(network.Listen("127.0.0.1:70000").status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(network.Listen("example.com:80").status().code(),
              absl::StatusCode::kInvalidArgument);
    auto listener = network.Listen("localhost:0");
    ASSERT_TRUE(listener.ok());
    EXPECT_EQ((*listener)->local_address().rfind("127.0.0.1:", 0), 0u);
    auto again = network.Listen((*listener)->local_address());
    EXPECT_FALSE(again.ok()) << "the port is taken";
    EXPECT_EQ(network.Bind("127.0.0.1:0").status().code(),
              absl::StatusCode::kUnimplemented);
  });
}

}  // namespace
}  // namespace runtime
