#include "core/engine/fault_injector.h"

#include <string>
#include <utility>

namespace core::engine {
namespace {

absl::Status PopOrOk(std::deque<absl::Status>& queue) {
  if (queue.empty()) return absl::OkStatus();
  absl::Status status = std::move(queue.front());
  queue.pop_front();
  return status;
}

}  // namespace

absl::Status IoError(std::string_view what) {
  return absl::InternalError("injected EIO: " + std::string(what));
}

absl::Status NoSpaceError(std::string_view what) {
  return absl::ResourceExhaustedError("injected ENOSPC: " + std::string(what));
}

void ScriptedFaultInjector::FailNextWrite(absl::Status status) {
  write_failures_.push_back(std::move(status));
}

void ScriptedFaultInjector::FailNextSync(absl::Status status) {
  sync_failures_.push_back(std::move(status));
}

absl::Status ScriptedFaultInjector::BeforeWrite(const env::WriteBatch& batch) {
  return PopOrOk(write_failures_);
}

absl::Status ScriptedFaultInjector::BeforeSync() {
  return PopOrOk(sync_failures_);
}

absl::Status RandomFaultInjector::BeforeWrite(const env::WriteBatch& batch) {
  if (prng_.Bernoulli(options_.write_io_error)) return IoError("write");
  if (prng_.Bernoulli(options_.write_no_space)) return NoSpaceError("write");
  return absl::OkStatus();
}

absl::Status RandomFaultInjector::BeforeSync() {
  if (prng_.Bernoulli(options_.sync_io_error)) return IoError("sync");
  return absl::OkStatus();
}

}  // namespace core::engine
