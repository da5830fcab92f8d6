// The gRPC binding of one PD member: PdService (pdpb.PD, unary calls and the
// Tso and RegionHeartbeat bidi streams), EtcdService (etcdserverpb.KV and
// etcdserverpb.Cluster) and HealthService (grpc.health.v1.Health/Check)
// registered by their full method names in an rpc::ServiceRegistry, which an
// rpc::Server on the member's client address (port 2379) serves.
//
// The binding only decodes, calls and encodes; every rule (leadership,
// cluster id, errors in headers) is the handlers'. rpc/ runs each call on a
// fibre of its own, so a handler that blocks (a Raft proposal, a lease
// confirmation) holds up its call only. Methods of pdpb.PD that are not
// registered (GetClusterInfo, the resource manager, ...) are answered
// UNIMPLEMENTED by rpc/, which stock clients tolerate (reference/interop.md
// §2.6).
//
// Stream rules: each Tso request gets one response, in order (a refused one
// carries count 0 and a header error; the stream stays open, and the client
// decides); a RegionHeartbeat is answered only when there is an operator
// step or an error for it.
//
// Thread-affinity: the member's executor. The services must outlive the
// server that serves the registry.
#ifndef PD_SERVER_PD_GRPC_H_
#define PD_SERVER_PD_GRPC_H_

#include <string_view>

#include "pd/server/etcd_service.h"
#include "pd/server/pd_service.h"
#include "rpc/service.h"

namespace pd::server {

inline constexpr std::string_view kTsoMethod = "/pdpb.PD/Tso";
inline constexpr std::string_view kRegionHeartbeatMethod =
    "/pdpb.PD/RegionHeartbeat";

// Adds every method of the three services to `registry`.
void RegisterPdServices(PdService& pd, EtcdService& etcd, HealthService& health,
                        rpc::ServiceRegistry& registry);

}  // namespace pd::server

#endif  // PD_SERVER_PD_GRPC_H_
