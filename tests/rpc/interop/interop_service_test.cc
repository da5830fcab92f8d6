// The interop service on our server, called by our channel on the
// simulator with the interop checks (interop_checks.h: those of
// grpcgo/client.go). run_interop.sh makes the same calls over TCP: grpc-go's
// client against our server, our client against grpc-go's server.
#include "tests/rpc/interop/interop_service.h"

#include <gtest/gtest.h>

#include <sstream>

#include "tests/rpc/interop/interop_checks.h"
#include "tests/rpc/rpc_harness.h"

namespace rpc::interop {
namespace {

using rpc::testing::RpcHarness;

TEST(InteropServiceTest, EveryCheckPassesOnTheSimulator) {
  RpcHarness t;
  RegisterInteropService(t.services(), t.executor(t.server_node()));
  t.StartServer();  // 4 MiB receive limit, as grpc-go's default
  Channel& channel = t.NewChannel({.max_receive_message_bytes = 16 << 20});
  int failed = -1;
  std::ostringstream out;
  ASSERT_TRUE(t.RunClient([&] { failed = RunInteropChecks(channel, out); }));
  EXPECT_EQ(failed, 0) << out.str();
  EXPECT_NE(out.str().find("11 passed, 0 failed"), std::string::npos)
      << out.str();
}

}  // namespace
}  // namespace rpc::interop
