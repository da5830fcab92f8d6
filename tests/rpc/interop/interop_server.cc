// interop_server: our rpc::Server on the runtime (EpollLoop + TcpNetwork)
// serving the interop service, for grpc-go's client (run_interop.sh) and
// the loopback benchmark.
//
//   interop_server [--listen=127.0.0.1:0]
//
// Prints "serving on HOST:PORT" once listening; runs until SIGTERM or
// SIGINT, then shuts down gracefully (GOAWAY, in-flight calls get up to two
// seconds), closes and exits 0.
#include <csignal>
#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "rpc/server.h"
#include "runtime/env/runtime_env.h"
#include "tests/rpc/interop/interop_service.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0", "host:port to listen on");

namespace {

runtime::EpollLoop* signalled_loop = nullptr;

// Stop is safe here: an atomic store and a write to an eventfd.
void OnSignal(int) {
  if (signalled_loop != nullptr) signalled_loop->Stop();
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  auto node = runtime::RuntimeEnv::Create({});
  if (!node.ok()) {
    std::cerr << "interop_server: " << node.status() << "\n";
    return 1;
  }
  runtime::EpollLoop& loop = (*node)->loop();
  auto services = std::make_shared<rpc::ServiceRegistry>();
  rpc::interop::RegisterInteropService(*services, loop);
  rpc::ServerOptions options;
  options.listen_address = absl::GetFlag(FLAGS_listen);
  options.max_receive_message_bytes = 4 << 20;  // grpc-go's default
  auto server = rpc::Server::Start(loop, loop.clock(), (*node)->network(),
                                   options, services);
  if (!server.ok()) {
    std::cerr << "interop_server: " << server.status() << "\n";
    return 1;
  }
  std::cout << "serving on " << (*server)->address() << std::endl;
  signalled_loop = &loop;
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  loop.Run();
  loop.Spawn("shutdown", [&] {
    (*server)->Shutdown(core::base::Duration::Seconds(2));
    (*server)->Close();
    loop.Stop();
  });
  loop.Run();
  server->reset();
  return 0;
}
