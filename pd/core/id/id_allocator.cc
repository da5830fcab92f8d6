#include "pd/core/id/id_allocator.h"

#include <algorithm>

#include "core/base/check.h"

namespace pd::id {

IdAllocator::IdAllocator(const IdAllocatorOptions& options)
    : options_(options) {
  CHECK_GT(options_.step, 0u);
  CHECK_LE(options_.refill_below, options_.step);
}

void IdAllocator::BecomeLeader(uint64_t persisted_end) {
  is_leader_ = true;
  ++leader_epoch_;
  last_ = persisted_end;
  durable_end_ = persisted_end;
  requested_end_ = 0;
  request_taken_ = false;
  MaybeRequestWindow();
}

void IdAllocator::StepDown() {
  is_leader_ = false;
  requested_end_ = 0;
  request_taken_ = false;
}

void IdAllocator::MaybeRequestWindow() {
  if (!is_leader_ || requested_end_ != 0) return;
  if (durable_end_ - last_ >= options_.refill_below && durable_end_ > last_) {
    return;
  }
  CHECK_LE(last_, UINT64_MAX - options_.step) << "id space exhausted";
  requested_end_ = std::max(durable_end_, last_) + options_.step;
  request_taken_ = false;
}

std::optional<IdPersistRequest> IdAllocator::TakePersistRequest() {
  if (!is_leader_ || requested_end_ == 0 || request_taken_) return std::nullopt;
  request_taken_ = true;
  return IdPersistRequest{requested_end_, leader_epoch_};
}

void IdAllocator::OnPersisted(const IdPersistRequest& request) {
  if (!is_leader_ || request.leader_epoch != leader_epoch_ ||
      request.end != requested_end_) {
    return;
  }
  durable_end_ = std::max(durable_end_, request.end);
  requested_end_ = 0;
  request_taken_ = false;
  MaybeRequestWindow();
}

void IdAllocator::OnPersistFailed(const IdPersistRequest& request) {
  if (!is_leader_ || request.leader_epoch != leader_epoch_ ||
      request.end != requested_end_) {
    return;
  }
  requested_end_ = 0;
  request_taken_ = false;
  MaybeRequestWindow();
}

core::base::Result<uint64_t, IdError> IdAllocator::Alloc() {
  if (!is_leader_) return core::base::MakeErr(IdError(NotLeader{}));
  if (last_ >= durable_end_) {
    MaybeRequestWindow();
    return core::base::MakeErr(IdError(WindowExhausted{}));
  }
  ++last_;
  CHECK_LE(last_, durable_end_);
  MaybeRequestWindow();
  return last_;
}

}  // namespace pd::id
