#include "tests/rpc/interop/interop_service.h"

#include <functional>
#include <string>

#include "core/base/numbers.h"
#include "rpc/health.h"

namespace rpc::interop {

using core::base::Duration;

namespace {

// One request, then `answer(request)` as the response (or its status).
Handler UnaryRaw(
    std::function<absl::StatusOr<std::string>(std::string)> answer) {
  return [answer = std::move(answer)](ServerCall& call) -> absl::Status {
    std::optional<std::string> request = call.Read();
    if (!request.has_value()) return absl::CancelledError("no request");
    absl::StatusOr<std::string> response = answer(*std::move(request));
    if (!response.ok()) return response.status();
    call.Write(*response);
    return absl::OkStatus();
  };
}

absl::StatusOr<std::string> Fail(const std::string& request) {
  const size_t colon = request.find(':');
  // UNKNOWN for a malformed request.
  const int code =
      core::base::ParseInteger<int>(request.substr(0, colon), 0, 16)
          .value_or(2);
  return absl::Status(
      static_cast<absl::StatusCode>(code),
      colon == std::string::npos ? "" : request.substr(colon + 1));
}

absl::StatusOr<std::string> Large(const std::string& request) {
  if (request.size() > 16) return std::to_string(request.size());
  return std::string(
      core::base::ParseInteger<size_t>(request, 0, 64 << 20).value_or(0), 'L');
}

}  // namespace

void RegisterInteropService(ServiceRegistry& services,
                            core::env::Executor& executor) {
  services.AddRaw("/interop.Test/Echo", UnaryRaw([](std::string request) {
                    return absl::StatusOr<std::string>("echo:" + request);
                  }));
  services.AddRaw("/interop.Test/Fail", UnaryRaw(&Fail));
  services.AddRaw("/interop.Test/Large", UnaryRaw(&Large));
  services.AddRaw("/interop.Test/Sleep", [&executor](ServerCall& call) {
    std::optional<std::string> request = call.Read();
    if (!request.has_value()) return absl::CancelledError("no request");
    const int ms = core::base::ParseInteger<int>(*request, 0).value_or(0);
    for (int slept = 0; slept < ms && !call.cancelled(); slept += 10) {
      executor.SleepFor(Duration::Milliseconds(10));
    }
    if (call.cancelled()) return absl::CancelledError("cancelled");
    call.Write("slept");
    return absl::OkStatus();
  });
  services.AddRaw("/interop.Test/Count", [](ServerCall& call) {
    std::optional<std::string> request = call.Read();
    if (!request.has_value()) return absl::CancelledError("no request");
    const int count = core::base::ParseInteger<int>(*request, 0).value_or(0);
    for (int i = 0; i < count; ++i) {
      if (!call.Write(std::to_string(i))) return absl::CancelledError("gone");
    }
    return absl::OkStatus();
  });
  services.AddRaw("/interop.Test/Concat", [](ServerCall& call) {
    std::string all;
    while (std::optional<std::string> request = call.Read()) all += *request;
    if (call.cancelled()) return absl::CancelledError("gone");
    call.Write(all);
    return absl::OkStatus();
  });
  services.AddRaw("/interop.Test/Chat", [](ServerCall& call) {
    while (std::optional<std::string> request = call.Read()) {
      if (!call.Write("re:" + *request)) break;
    }
    return absl::OkStatus();
  });
  auto health = std::make_shared<HealthService>();
  health->Register(services);
}

}  // namespace rpc::interop
