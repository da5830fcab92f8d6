#include "pd/core/tso/tso.h"

#include <algorithm>
#include <sstream>

#include "core/base/check.h"
#include "core/base/mutant.h"

namespace pd::tso {

std::string WindowNotPersisted::ToString() const {
  std::ostringstream out;
  out << "TSO: window at " << physical_ms << "ms is not persisted (bound "
      << persisted_bound_ms << "ms)";
  return out.str();
}

Tso::Tso(const TsoOptions& options) : options_(options) {
  CHECK_GT(options_.save_interval_ms, options_.persist_ahead_ms);
  CHECK_GE(options_.persist_ahead_ms, 0);
  CHECK_GE(options_.guard_ms, 1);
  CHECK_GT(options_.max_logical, 2);
  CHECK_LE(options_.max_logical, kMaxLogical);
}

void Tso::BecomeLeader(int64_t now_ms, int64_t persisted_bound_ms) {
  CHECK_GE(persisted_bound_ms, 0);
  is_leader_ = true;
  ++leader_epoch_;
  // Ref: PD syncTimestamp: start above everything the previous leaders could
  // have handed out, whatever the local clock says.
  physical_ms_ = std::max(now_ms, persisted_bound_ms + options_.guard_ms);
  logical_ = 0;
  persisted_bound_ms_ = persisted_bound_ms;
  requested_bound_ms_ = 0;
  request_taken_ = false;
  MaybeRequestWindow(physical_ms_);
}

void Tso::StepDown() {
  is_leader_ = false;
  requested_bound_ms_ = 0;
  request_taken_ = false;
}

int64_t Tso::ServingBound() const {
  if (MUTANT(PD_TSO_UNPERSISTED)) {
    // Known bug: serve from a window as soon as it is requested, before the
    // driver confirms it is durable.
    return std::max(persisted_bound_ms_, requested_bound_ms_);
  } else {
    return persisted_bound_ms_;
  }
}

void Tso::MaybeRequestWindow(int64_t physical_ms) {
  if (requested_bound_ms_ != 0) return;  // one write in flight at a time
  if (persisted_bound_ms_ - physical_ms > options_.persist_ahead_ms) return;
  requested_bound_ms_ = physical_ms + options_.save_interval_ms;
  request_taken_ = false;
}

void Tso::Tick(int64_t now_ms) {
  if (!is_leader_) return;
  int64_t next = physical_ms_;
  if (now_ms - physical_ms_ > options_.guard_ms) {
    next = now_ms;
  } else if (logical_ > options_.max_logical / 2) {
    // The clock stalled or went backwards while requests keep coming: move
    // on by one millisecond rather than run out of logical values.
    next = physical_ms_ + 1;
  }
  if (next == physical_ms_) {
    MaybeRequestWindow(physical_ms_);
    return;
  }
  if (next >= ServingBound()) {
    // Physical time may not pass the durable bound; wait for a new window.
    MaybeRequestWindow(next);
    return;
  }
  CHECK_GT(next, physical_ms_);
  physical_ms_ = next;
  logical_ = 0;
  MaybeRequestWindow(physical_ms_);
}

std::optional<PersistRequest> Tso::TakePersistRequest() {
  if (!is_leader_ || requested_bound_ms_ == 0 || request_taken_) {
    return std::nullopt;
  }
  request_taken_ = true;
  return PersistRequest{requested_bound_ms_, leader_epoch_};
}

void Tso::OnPersisted(const PersistRequest& request) {
  if (!is_leader_ || request.leader_epoch != leader_epoch_ ||
      request.bound_ms != requested_bound_ms_) {
    return;
  }
  persisted_bound_ms_ = std::max(persisted_bound_ms_, request.bound_ms);
  requested_bound_ms_ = 0;
  request_taken_ = false;
}

void Tso::OnPersistFailed(const PersistRequest& request) {
  if (!is_leader_ || request.leader_epoch != leader_epoch_ ||
      request.bound_ms != requested_bound_ms_) {
    return;
  }
  requested_bound_ms_ = 0;
  request_taken_ = false;
  MaybeRequestWindow(physical_ms_);
}

core::base::Result<TimeStamp, TsoError> Tso::Allocate(int64_t count) {
  if (!is_leader_) return core::base::MakeErr(TsoError(NotLeader{}));
  if (count < 1 || count >= options_.max_logical) {
    return core::base::MakeErr(TsoError(InvalidCount{}));
  }
  if (physical_ms_ >= ServingBound()) {
    MaybeRequestWindow(physical_ms_);
    return core::base::MakeErr(
        TsoError(WindowNotPersisted{physical_ms_, persisted_bound_ms_}));
  }
  if (logical_ + count >= options_.max_logical) {
    return core::base::MakeErr(TsoError(LogicalExhausted{}));
  }
  if (!MUTANT(PD_TSO_UNPERSISTED)) {
    CHECK_LT(physical_ms_, persisted_bound_ms_);
  }
  CHECK_GE(physical_ms_, 0);
  logical_ += count;
  return TimeStamp::Compose(static_cast<uint64_t>(physical_ms_),
                            static_cast<uint64_t>(logical_));
}

}  // namespace pd::tso
