// The interop test service (the same bytes as grpcgo/service.go),
// for our server to serve to grpc-go's client once the runtime's TCP
// network exists, and tested here on the simulator meanwhile.
#ifndef TESTS_RPC_INTEROP_INTEROP_SERVICE_H_
#define TESTS_RPC_INTEROP_INTEROP_SERVICE_H_

#include "core/env/executor.h"
#include "rpc/service.h"

namespace rpc::interop {

// Adds /interop.Test/{Echo,Count,Concat,Chat,Fail,Sleep,Large} and
// /grpc.health.v1.Health/Check. `executor` is the server's (Sleep).
void RegisterInteropService(ServiceRegistry& services,
                            core::env::Executor& executor);

}  // namespace rpc::interop

#endif  // TESTS_RPC_INTEROP_INTEROP_SERVICE_H_
