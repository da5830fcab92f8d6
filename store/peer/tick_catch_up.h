// TickCatchUp: how many Raft ticks are due by a monotonic clock. A tick
// timer can fire late (a loaded loop, a paused process); the ticks it missed
// still count, so that elections, heartbeats and leases see the time that
// really passed, up to `max_catch_up_ticks` at once (after a long pause the
// rest are dropped rather than replayed in a burst). Callers that must judge
// a lease (a lease read, a TSO answer) catch up first, so time the tick fibre
// has not seen yet counts. Ref: Raft thesis §6.4.1 (leases and clocks).
//
//   TickCatchUp ticks(tick_interval, max_catch_up_ticks);
//   ticks.Start(clock.NowMonotonic());
//   for (int64_t i = ticks.Due(clock.NowMonotonic()); i > 0; --i) Tick();
#ifndef STORE_PEER_TICK_CATCH_UP_H_
#define STORE_PEER_TICK_CATCH_UP_H_

#include <cstdint>

#include "core/base/check.h"
#include "core/base/time.h"

namespace store {

class TickCatchUp {
 public:
  TickCatchUp(core::base::Duration tick_interval, int64_t max_catch_up_ticks)
      : interval_ns_(tick_interval.nanoseconds()),
        max_catch_up_ticks_(max_catch_up_ticks) {
    CHECK(interval_ns_ > 0) << "tick interval must be positive";
    CHECK(max_catch_up_ticks_ > 0) << "max_catch_up_ticks must be positive";
  }

  // Counting starts at `now`.
  void Start(core::base::Instant now) { last_tick_ = now; }

  // The ticks due since the last counted one, at most max_catch_up_ticks;
  // those are counted as done.
  int64_t Due(core::base::Instant now) {
    int64_t due = (now - last_tick_).nanoseconds() / interval_ns_;
    if (due <= 0) return 0;
    if (due > max_catch_up_ticks_) {
      last_tick_ = now;
      return max_catch_up_ticks_;
    }
    last_tick_ =
        last_tick_ + core::base::Duration::Nanoseconds(due * interval_ns_);
    return due;
  }

 private:
  int64_t interval_ns_;
  int64_t max_catch_up_ticks_;
  core::base::Instant last_tick_;
};

}  // namespace store

#endif  // STORE_PEER_TICK_CATCH_UP_H_
