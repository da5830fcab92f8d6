// SimClock: drift scales monotonic time, skew and jumps move only realtime,
// monotonic time never goes backwards, and the true-time conversion the
// executor uses for sleeps is exact (earliest instant, never early).
#include "sim/clock/sim_clock.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace sim {
namespace {

using core::base::Duration;
using core::base::Instant;

class FakeTime : public TimeSource {
 public:
  Instant Now() const override { return now_; }
  void Advance(Duration d) { now_ = now_ + d; }

 private:
  Instant now_;
};

TEST(SimClockTest, NoDriftFollowsTrueTime) {
  FakeTime time;
  SimClock clock(time, ClockOptions{});
  time.Advance(Duration::Seconds(3));
  EXPECT_EQ(clock.NowMonotonic(), Instant::FromNanoseconds(3'000'000'000));
  EXPECT_EQ(clock.NowRealtimeNs(),
            ClockOptions{}.realtime_origin_ns + 3'000'000'000);
  EXPECT_EQ(clock.TrueDelayFor(Duration::Milliseconds(10)),
            Duration::Milliseconds(10));
}

TEST(SimClockTest, DriftScalesMonotonicAndSleeps) {
  FakeTime time;
  ClockOptions options;
  options.drift_ppm = 1000;  // 0.1% fast.
  SimClock fast(time, options);
  options.drift_ppm = -1000;
  SimClock slow(time, options);
  time.Advance(Duration::Seconds(1000));
  EXPECT_EQ(fast.NowMonotonic().nanoseconds(), 1001'000'000'000);
  EXPECT_EQ(slow.NowMonotonic().nanoseconds(), 999'000'000'000);
  // A fast clock reaches a monotonic delay sooner in true time.
  EXPECT_LT(fast.TrueDelayFor(Duration::Seconds(1)), Duration::Seconds(1));
  EXPECT_GT(slow.TrueDelayFor(Duration::Seconds(1)), Duration::Seconds(1));
}

TEST(SimClockTest, SkewAndJumpsMoveOnlyRealtime) {
  FakeTime time;
  ClockOptions options;
  options.realtime_skew_ns = -5'000'000'000;
  SimClock clock(time, options);
  time.Advance(Duration::Seconds(10));
  const Instant mono = clock.NowMonotonic();
  EXPECT_EQ(clock.NowRealtimeNs(),
            options.realtime_origin_ns + 10'000'000'000 - 5'000'000'000);
  clock.JumpRealtime(Duration::Seconds(-60));
  EXPECT_EQ(clock.NowRealtimeNs(),
            options.realtime_origin_ns + 5'000'000'000 - 60'000'000'000);
  clock.JumpRealtime(Duration::Seconds(3600));
  EXPECT_EQ(clock.NowRealtimeNs(), options.realtime_origin_ns + 5'000'000'000 -
                                       60'000'000'000 + 3600'000'000'000);
  EXPECT_EQ(clock.NowMonotonic(), mono) << "jumps never touch monotonic time";
}

// Issue 22: a schedule may jump a clock by up to 10^12 ms, many times; the
// realtime offset and far-off sleeps saturate instead of overflowing.
TEST(SimClockTest, ExtremeJumpsAndSleepsSaturate) {
  FakeTime time;
  ClockOptions options;
  options.drift_ppm = -999'999;  // A near-stopped clock: sleeps take 10^6x.
  SimClock clock(time, options);
  const Duration jump = Duration::Milliseconds(1000LL * 1000 * 1000 * 1000);
  for (int i = 0; i < 20; ++i) clock.JumpRealtime(jump);
  EXPECT_EQ(clock.NowRealtimeNs(), Duration::Max().nanoseconds());
  for (int i = 0; i < 40; ++i) clock.JumpRealtime(Duration::Zero() - jump);
  EXPECT_EQ(clock.NowRealtimeNs(), Duration::Min().nanoseconds());
  EXPECT_EQ(clock.TrueDelayFor(jump), Duration::Max());
  EXPECT_EQ(clock.TrueDelayFor(Duration::Max()), Duration::Max());
}

TEST(SimClockTest, DriftChangeIsContinuous) {
  FakeTime time;
  SimClock clock(time, ClockOptions{});
  time.Advance(Duration::Seconds(1));
  const Instant before = clock.NowMonotonic();
  clock.SetDriftPpm(-500'000);  // Half speed from now on.
  EXPECT_EQ(clock.NowMonotonic(), before);
  time.Advance(Duration::Seconds(2));
  EXPECT_EQ(clock.NowMonotonic(), before + Duration::Seconds(1));
}

TEST(SimClockTest, RandomOptionsStayInBounds) {
  core::base::Prng prng(7);
  for (int i = 0; i < 200; ++i) {
    const ClockOptions options =
        ClockOptions::Random(prng, 100, Duration::Milliseconds(250));
    EXPECT_LE(std::abs(options.drift_ppm), 100);
    EXPECT_LE(std::abs(options.realtime_skew_ns), 250'000'000);
  }
}

// Property: under any interleaving of time advances, drift changes and
// realtime jumps, monotonic time never decreases, and TrueInstantAtMonotonic
// gives the earliest instant at which the target is reached.
RC_GTEST_PROP(SimClockProperty, MonotonicNeverDecreasesAndSleepsAreExact, ()) {
  FakeTime time;
  ClockOptions options;
  options.drift_ppm = *rc::gen::inRange<int64_t>(-900'000, 900'000);
  SimClock clock(time, options);
  Instant last = clock.NowMonotonic();
  const int steps = *rc::gen::inRange(1, 40);
  for (int i = 0; i < steps; ++i) {
    switch (*rc::gen::inRange(0, 4)) {
      case 0:
        time.Advance(Duration::Nanoseconds(
            *rc::gen::inRange<int64_t>(0, 5'000'000'000)));
        break;
      case 1:
        clock.SetDriftPpm(*rc::gen::inRange<int64_t>(-900'000, 900'000));
        break;
      case 2:
        clock.JumpRealtime(Duration::Nanoseconds(
            *rc::gen::inRange<int64_t>(-1'000'000'000, 1'000'000'000)));
        break;
      default: {
        const Duration delay =
            Duration::Nanoseconds(*rc::gen::inRange<int64_t>(1, 2'000'000'000));
        const Instant target = clock.NowMonotonic() + delay;
        const Instant at = clock.TrueInstantAtMonotonic(target);
        RC_ASSERT(at > time.Now());
        RC_ASSERT(clock.MonotonicAt(at) >= target);
        RC_ASSERT(clock.MonotonicAt(at - Duration::Nanoseconds(1)) < target);
        break;
      }
    }
    const Instant now = clock.NowMonotonic();
    RC_ASSERT(now >= last);
    last = now;
  }
}

}  // namespace
}  // namespace sim
