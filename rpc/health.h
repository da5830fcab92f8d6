// HealthService: gRPC's standard grpc.health.v1.Health/Check, ready to
// register next to a server's own services. Clients probe it (client-go
// checks PD every second; stores are checked after a send failure).
//
//   auto health = std::make_shared<HealthService>();
//   health->Register(services);                // SERVING for "" by default
//   health->SetStatus("tikvpb.Tikv", HealthCheckResponse::SERVING);
//
// Check answers the status of the named service ("" is the server as a
// whole), NOT_FOUND for a name never set, as grpc-go's health server does.
// Watch is not served (UNIMPLEMENTED).
#ifndef RPC_HEALTH_H_
#define RPC_HEALTH_H_

#include <map>
#include <memory>
#include <string>

#include "health.pb.h"
#include "rpc/service.h"

namespace rpc {

class HealthService : public std::enable_shared_from_this<HealthService> {
 public:
  using ServingStatus = grpc::health::v1::HealthCheckResponse::ServingStatus;
  static constexpr const char* kCheckMethod = "/grpc.health.v1.Health/Check";

  HealthService();
  void SetStatus(const std::string& service, ServingStatus status);
  // Adds Check to `registry`; the registry shares ownership of this.
  void Register(ServiceRegistry& registry);

 private:
  std::map<std::string, ServingStatus> statuses_;
};

}  // namespace rpc

#endif  // RPC_HEALTH_H_
