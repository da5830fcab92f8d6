// The interop checks our rpc::Channel makes of a server: the same checks,
// methods, bytes and expected statuses as grpcgo/client.go. They run against
// grpc-go's server over TCP (interop_client, run_interop.sh) and against our
// own server on the simulator (interop_service_test).
#ifndef TESTS_RPC_INTEROP_INTEROP_CHECKS_H_
#define TESTS_RPC_INTEROP_INTEROP_CHECKS_H_

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "rpc/channel.h"

namespace rpc::interop {

struct InteropCheck {
  std::string name;
  // OK, or why the check failed. Called on a fibre of the channel's
  // executor.
  std::function<absl::Status(Channel&)> run;
};

// Every check, in client.go's order. `channel` must accept responses of up
// to 16 MiB and the server must refuse requests over 4 MiB.
const std::vector<InteropCheck>& InteropChecks();

// Runs every check, printing "PASS name" or "FAIL name: why" lines and a
// closing "N passed, N failed"; returns the number that failed.
int RunInteropChecks(Channel& channel, std::ostream& out);

}  // namespace rpc::interop

#endif  // TESTS_RPC_INTEROP_INTEROP_CHECKS_H_
