#include "rpc/health.h"

namespace rpc {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

HealthService::HealthService() { statuses_[""] = HealthCheckResponse::SERVING; }

void HealthService::SetStatus(const std::string& service,
                              ServingStatus status) {
  statuses_[service] = status;
}

void HealthService::Register(ServiceRegistry& registry) {
  std::shared_ptr<HealthService> self = shared_from_this();
  registry.AddUnary<HealthCheckRequest, HealthCheckResponse>(
      kCheckMethod,
      [self](ServerCall&, const HealthCheckRequest& request)
          -> absl::StatusOr<HealthCheckResponse> {
        auto it = self->statuses_.find(request.service());
        if (it == self->statuses_.end()) {
          return absl::NotFoundError("unknown service");
        }
        HealthCheckResponse response;
        response.set_status(it->second);
        return response;
      });
}

}  // namespace rpc
