#include "sim/clock/sim_clock.h"

#include <limits>
#include <sstream>

#include "core/base/check.h"

namespace sim {
namespace {

using core::base::Duration;
using core::base::Instant;

constexpr int64_t kMillion = 1000 * 1000;

// An exact 128-bit nanosecond count as a Duration, saturating as time.h's
// arithmetic does (a far-off instant scaled by the drift rate can exceed
// int64 even though both inputs fit).
Duration WideNanoseconds(__int128 ns) {
  if (ns > std::numeric_limits<int64_t>::max()) return Duration::Max();
  if (ns < std::numeric_limits<int64_t>::min()) return Duration::Min();
  return Duration::Nanoseconds(static_cast<int64_t>(ns));
}

void CheckDrift(int64_t drift_ppm) {
  CHECK(drift_ppm > -kMillion && drift_ppm < kMillion)
      << "drift_ppm out of range: " << drift_ppm;
}

}  // namespace

ClockOptions ClockOptions::Random(core::base::Prng& prng, int64_t max_drift_ppm,
                                  Duration max_skew) {
  CHECK_GE(max_drift_ppm, 0);
  CHECK_GE(max_skew.nanoseconds(), 0);
  ClockOptions options;
  options.drift_ppm = prng.UniformInRange(-max_drift_ppm, max_drift_ppm);
  options.realtime_skew_ns =
      prng.UniformInRange(-max_skew.nanoseconds(), max_skew.nanoseconds());
  return options;
}

std::string ClockOptions::ToString() const {
  std::ostringstream out;
  out << "drift_ppm=" << drift_ppm
      << " realtime_origin_ns=" << realtime_origin_ns
      << " realtime_skew_ns=" << realtime_skew_ns;
  return out.str();
}

SimClock::SimClock(const TimeSource& time, const ClockOptions& options)
    : time_(time),
      true_base_(time.Now()),
      mono_base_(time.Now()),
      drift_ppm_(options.drift_ppm),
      realtime_offset_ns_(options.realtime_origin_ns +
                          options.realtime_skew_ns) {
  CheckDrift(drift_ppm_);
}

Instant SimClock::MonotonicAt(Instant at) const {
  CHECK_GE(at, true_base_);
  const __int128 elapsed = (at - true_base_).nanoseconds();
  const __int128 scaled = elapsed * (kMillion + drift_ppm_) / kMillion;
  return mono_base_ + WideNanoseconds(scaled);
}

Instant SimClock::NowMonotonic() { return MonotonicAt(time_.Now()); }

int64_t SimClock::NowRealtimeNs() {
  return (Duration::Nanoseconds(realtime_offset_ns_) +
          (NowMonotonic() - Instant()))
      .nanoseconds();
}

void SimClock::SetDriftPpm(int64_t drift_ppm) {
  CheckDrift(drift_ppm);
  const Instant now = time_.Now();
  mono_base_ = MonotonicAt(now);
  true_base_ = now;
  drift_ppm_ = drift_ppm;
}

void SimClock::JumpRealtime(Duration delta) {
  realtime_offset_ns_ =
      (Duration::Nanoseconds(realtime_offset_ns_) + delta).nanoseconds();
}

Instant SimClock::TrueInstantAtMonotonic(Instant monotonic) const {
  const Instant now = time_.Now();
  if (monotonic <= MonotonicAt(now)) return now;
  // Smallest t with floor((t - true_base) * rate_num / 10^6) >= k, i.e.
  // (t - true_base) >= ceil(k * 10^6 / rate_num).
  const __int128 k = (monotonic - mono_base_).nanoseconds();
  const __int128 rate_num = kMillion + drift_ppm_;
  const __int128 elapsed = (k * kMillion + rate_num - 1) / rate_num;
  const Instant at = true_base_ + WideNanoseconds(elapsed);
  return at < now ? now : at;
}

Duration SimClock::TrueDelayFor(Duration monotonic_delay) const {
  if (monotonic_delay <= Duration::Zero()) return Duration::Zero();
  const Instant now = time_.Now();
  return TrueInstantAtMonotonic(MonotonicAt(now) + monotonic_delay) - now;
}

}  // namespace sim
