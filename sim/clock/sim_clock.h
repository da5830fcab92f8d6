// SimClock: one simulated node's clock over the simulator's true (virtual)
// time, with the faults real clocks have.
//
//  * Drift: the node's oscillator runs at (1 + drift_ppm / 10^6) times true
//    speed. Monotonic time is a piecewise-linear, never-decreasing function
//    of true time; SetDriftPpm changes the slope from now on without a jump.
//  * Skew: realtime = realtime_origin + skew + monotonic + the sum of jumps.
//    It shares the oscillator (and so the drift) with monotonic time.
//  * Jumps: JumpRealtime(delta) steps realtime forwards or backwards (an NTP
//    step, an operator). Monotonic time never jumps.
//
// The simulator converts a node's monotonic delays into true delays with
// TrueDelayFor, so "sleep 10 ms" on a slow clock takes longer in true time.
//
// Thread-affinity: the simulator's thread.
#ifndef SIM_CLOCK_SIM_CLOCK_H_
#define SIM_CLOCK_SIM_CLOCK_H_

#include <cstdint>
#include <string>

#include "core/base/prng.h"
#include "core/base/time.h"
#include "core/env/clock.h"

namespace sim {

// Where the simulator's true time comes from (the SimLoop).
class TimeSource {
 public:
  virtual ~TimeSource() = default;
  virtual core::base::Instant Now() const = 0;
};

struct ClockOptions {
  // Oscillator error in parts per million; +100 runs fast. Must be in
  // (-10^6, 10^6); real quartz is within +-100.
  int64_t drift_ppm = 0;
  // Realtime reading at true time zero: 2024-01-01T00:00:00Z by default.
  int64_t realtime_origin_ns = INT64_C(1704067200) * 1000 * 1000 * 1000;
  // Constant offset of this node's realtime from the origin.
  int64_t realtime_skew_ns = 0;

  // Draws drift uniformly in [-max_drift_ppm, max_drift_ppm] and skew in
  // [-max_skew, max_skew].
  static ClockOptions Random(core::base::Prng& prng, int64_t max_drift_ppm,
                             core::base::Duration max_skew);
  std::string ToString() const;
};

class SimClock final : public core::env::Clock {
 public:
  SimClock(const TimeSource& time, const ClockOptions& options);

  // Ref: core/env/clock.h for the contracts.
  core::base::Instant NowMonotonic() override;
  int64_t NowRealtimeNs() override;

  // Changes the oscillator rate from now on; monotonic time stays
  // continuous.
  void SetDriftPpm(int64_t drift_ppm);
  // Steps realtime by `delta` (negative steps go backwards).
  void JumpRealtime(core::base::Duration delta);

  // Monotonic reading at true instant `at` (at >= the last rebase).
  core::base::Instant MonotonicAt(core::base::Instant at) const;
  // The earliest true instant (not before now) at which NowMonotonic() >=
  // `monotonic`, under the current drift.
  core::base::Instant TrueInstantAtMonotonic(
      core::base::Instant monotonic) const;
  // True time that `monotonic_delay` of this clock takes from now, under the
  // current drift; at least zero.
  core::base::Duration TrueDelayFor(core::base::Duration monotonic_delay) const;

  int64_t drift_ppm() const { return drift_ppm_; }

 private:
  const TimeSource& time_;
  // The current linear piece: monotonic = mono_base_ + (t - true_base_) *
  // rate, rate = (10^6 + drift_ppm_) / 10^6, rounded down.
  core::base::Instant true_base_;
  core::base::Instant mono_base_;
  int64_t drift_ppm_;
  int64_t realtime_offset_ns_;
};

}  // namespace sim

#endif  // SIM_CLOCK_SIM_CLOCK_H_
