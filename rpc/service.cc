#include "rpc/service.h"

#include "core/base/check.h"
#include "rpc/http2_session.h"

namespace rpc {

ServerCall::ServerCall(std::shared_ptr<internal::Http2Stream> stream,
                       std::string method, Metadata metadata,
                       core::env::Address peer,
                       std::optional<core::base::Instant> deadline,
                       size_t max_send_message_bytes)
    : stream_(std::move(stream)),
      method_(std::move(method)),
      metadata_(std::move(metadata)),
      peer_(std::move(peer)),
      deadline_(deadline),
      max_send_message_bytes_(max_send_message_bytes) {
  CHECK(stream_ != nullptr);
}

ServerCall::~ServerCall() {
  if (timer_executor_ != nullptr) timer_executor_->Cancel(deadline_timer_);
}

std::optional<std::string_view> ServerCall::metadata_value(
    std::string_view key) const {
  for (const auto& [name, value] : metadata_) {
    if (name == key) return value;
  }
  return std::nullopt;
}

bool ServerCall::cancelled() const { return stream_->failure.has_value(); }

void ServerCall::WaitDone() { stream_->WaitClosed(); }

std::optional<std::string> ServerCall::Read() { return stream_->Read(); }

bool ServerCall::Write(std::string_view message) {
  if (message.size() > max_send_message_bytes_) {
    Abort(absl::ResourceExhaustedError(
        "grpc: trying to send message larger than max (" +
        std::to_string(message.size()) + " vs. " +
        std::to_string(max_send_message_bytes_) + ")"));
    return false;
  }
  return stream_->Write(message);
}

void ServerCall::Abort(const absl::Status& status) {
  CHECK(!status.ok()) << "Abort needs an error";
  internal::Http2Session* session = stream_->session;
  if (session == nullptr || stream_->finished) return;
  session->Fail(*stream_, status);
  session->Finish(*stream_, status);
}

void ServerCall::Complete(const absl::Status& status) {
  if (timer_executor_ != nullptr) {
    timer_executor_->Cancel(deadline_timer_);
    timer_executor_ = nullptr;
  }
  internal::Http2Session* session = stream_->session;
  if (session == nullptr || stream_->finished || stream_->failure.has_value()) {
    return;
  }
  session->Finish(*stream_, status);
}

void ServerCall::Expire() {
  timer_executor_ = nullptr;  // it fired
  Abort(absl::DeadlineExceededError("deadline exceeded"));
}

void ServerCall::set_deadline_timer(core::env::Executor* executor,
                                    core::env::TimerId timer) {
  timer_executor_ = executor;
  deadline_timer_ = timer;
}

void ServiceRegistry::AddRaw(std::string full_method, Handler handler) {
  CHECK(handler != nullptr);
  CHECK(full_method.size() > 3 && full_method[0] == '/' &&
        full_method.find('/', 1) != std::string::npos &&
        full_method.back() != '/')
      << "a full method name is /package.Service/Method: " << full_method;
  auto method =
      std::make_shared<Method>(Method{full_method, std::move(handler)});
  const bool inserted =
      methods_.emplace(std::move(full_method), std::move(method)).second;
  CHECK(inserted) << "method registered twice";
}

std::shared_ptr<const ServiceRegistry::Method> ServiceRegistry::Find(
    std::string_view full_method) const {
  auto it = methods_.find(full_method);
  return it == methods_.end() ? nullptr : it->second;
}

bool ServiceRegistry::HasService(std::string_view service) const {
  const std::string prefix = "/" + std::string(service) + "/";
  auto it = methods_.lower_bound(prefix);
  return it != methods_.end() &&
         it->first.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace rpc
