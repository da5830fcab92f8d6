// interop_client: our rpc::Channel on the runtime (EpollLoop + TcpNetwork)
// making the interop checks (interop_checks.h) of the server at ADDR.
//
//   interop_client HOST:PORT
//
// Prints one PASS/FAIL line per check and "N passed, N failed"; exits 1 if
// any failed (or the run took over a minute).
#include <iostream>
#include <memory>

#include "rpc/channel.h"
#include "runtime/env/runtime_env.h"
#include "tests/rpc/interop/interop_checks.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: interop_client HOST:PORT\n";
    return 2;
  }
  auto node = runtime::RuntimeEnv::Create({});
  if (!node.ok()) {
    std::cerr << "interop_client: " << node.status() << "\n";
    return 1;
  }
  runtime::EpollLoop& loop = (*node)->loop();
  rpc::ChannelOptions options;
  options.target = argv[1];
  options.max_receive_message_bytes = 16 << 20;
  auto channel = std::make_unique<rpc::Channel>(loop, loop.clock(),
                                                (*node)->network(), options);
  int failed = -1;
  loop.After(core::base::Duration::Seconds(60), [&] {
    std::cout << "FAIL: the checks took over a minute\n";
    loop.Stop();
  });
  loop.Spawn("checks", [&] {
    failed = rpc::interop::RunInteropChecks(*channel, std::cout);
    channel->Close();
    loop.Stop();
  });
  loop.Run();
  loop.Shutdown();
  channel.reset();
  return failed == 0 ? 0 : 1;
}
