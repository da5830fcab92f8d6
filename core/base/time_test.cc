// Duration and Instant: the overflow contract of time.h. Examples at the
// limits (the fault-schedule time of issue 22 among them), then a
// model-versus-implementation property: every operator equals exact
// 128-bit arithmetic clamped to the int64 range.
#include "core/base/time.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <limits>
#include <vector>

namespace core::base {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

Duration Ns(int64_t ns) { return Duration::Nanoseconds(ns); }

TEST(TimeTest, InRangeArithmeticIsExact) {
  EXPECT_EQ(Duration::Milliseconds(1500), Duration::Microseconds(1500000));
  EXPECT_EQ(Duration::Seconds(2) - Duration::Milliseconds(500),
            Duration::Milliseconds(1500));
  EXPECT_EQ(Duration::Milliseconds(3) * -2, Duration::Milliseconds(-6));
  EXPECT_EQ(Duration::Seconds(1) / 4, Duration::Milliseconds(250));
  const Instant t = Instant::FromNanoseconds(100);
  EXPECT_EQ((t + Ns(5)).nanoseconds(), 105);
  EXPECT_EQ((t - Ns(5)).nanoseconds(), 95);
  EXPECT_EQ(t - Instant::FromNanoseconds(130), Ns(-30));
}

// Issue 22: @99999999999999999ms once wrapped to @200376420519ms.
TEST(TimeTest, FactoriesSaturateInsteadOfWrapping) {
  EXPECT_EQ(Duration::Milliseconds(99999999999999999), Duration::Max());
  EXPECT_EQ(Duration::Milliseconds(-99999999999999999), Duration::Min());
  EXPECT_EQ(Duration::Seconds(kMax), Duration::Max());
  EXPECT_EQ(Duration::Microseconds(kMin), Duration::Min());
  EXPECT_EQ(Duration::Milliseconds(9223372036854).nanoseconds(),
            9223372036854000000);
}

TEST(TimeTest, OperatorsSaturateAtTheBounds) {
  EXPECT_EQ(Duration::Max() + Ns(1), Duration::Max());
  EXPECT_EQ(Duration::Min() - Ns(1), Duration::Min());
  EXPECT_EQ(Duration::Min() + Duration::Min(), Duration::Min());
  EXPECT_EQ(Ns(0) - Duration::Min(), Duration::Max());
  EXPECT_EQ(Duration::Max() * 2, Duration::Max());
  EXPECT_EQ(Duration::Max() * -2, Duration::Min());
  EXPECT_EQ(Duration::Min() / -1, Duration::Max());
  Duration sum = Duration::Max();
  sum += Ns(7);
  EXPECT_EQ(sum, Duration::Max());
  // Not sticky: a saturated value is an ordinary value.
  EXPECT_EQ((Duration::Max() - Ns(1)).nanoseconds(), kMax - 1);
  EXPECT_EQ(Instant::Max() + Ns(1), Instant::Max());
  EXPECT_EQ(Instant::Min() - Ns(1), Instant::Min());
  EXPECT_EQ(Instant::Max() - Instant::Min(), Duration::Max());
  EXPECT_EQ(Instant::Min() - Instant::Max(), Duration::Min());
}

TEST(TimeDeathTest, DivisionByZeroIsABug) {
  EXPECT_DEATH((void)(Duration::Seconds(1) / 0), "divided by zero");
}

int64_t Clamp(__int128 exact) {
  if (exact > kMax) return kMax;
  if (exact < kMin) return kMin;
  return static_cast<int64_t>(exact);
}

// Values anywhere in the range, with the bounds and their neighbours
// (where overflow happens) drawn often.
rc::Gen<int64_t> GenNanoseconds() {
  return rc::gen::oneOf(
      rc::gen::arbitrary<int64_t>(),
      rc::gen::elementOf(
          std::vector<int64_t>{kMin, kMin + 1, -1, 0, 1, kMax - 1, kMax}),
      rc::gen::inRange<int64_t>(kMax - 1000000, kMax),
      rc::gen::inRange<int64_t>(kMin, kMin + 1000000),
      rc::gen::map(rc::gen::arbitrary<int32_t>(),
                   [](int32_t x) { return static_cast<int64_t>(x); }));
}

RC_GTEST_PROP(TimeProperty, DurationArithmeticIsClampedExactArithmetic, ()) {
  const int64_t a = *GenNanoseconds();
  const int64_t b = *GenNanoseconds();
  const __int128 wide_a = a;
  RC_ASSERT((Ns(a) + Ns(b)).nanoseconds() == Clamp(wide_a + b));
  RC_ASSERT((Ns(a) - Ns(b)).nanoseconds() == Clamp(wide_a - b));
  RC_ASSERT((Ns(a) * b).nanoseconds() == Clamp(wide_a * b));
  if (b != 0) RC_ASSERT((Ns(a) / b).nanoseconds() == Clamp(wide_a / b));
  RC_ASSERT(Duration::Microseconds(a).nanoseconds() == Clamp(wide_a * 1000));
  RC_ASSERT(Duration::Milliseconds(a).nanoseconds() == Clamp(wide_a * 1000000));
  RC_ASSERT(Duration::Seconds(a).nanoseconds() == Clamp(wide_a * 1000000000));
}

RC_GTEST_PROP(TimeProperty, InstantArithmeticIsClampedExactArithmetic, ()) {
  const int64_t a = *GenNanoseconds();
  const int64_t b = *GenNanoseconds();
  const Instant t = Instant::FromNanoseconds(a);
  const __int128 wide_a = a;
  RC_ASSERT((t + Ns(b)).nanoseconds() == Clamp(wide_a + b));
  RC_ASSERT((t - Ns(b)).nanoseconds() == Clamp(wide_a - b));
  RC_ASSERT((t - Instant::FromNanoseconds(b)).nanoseconds() ==
            Clamp(wide_a - b));
  // Saturation keeps the order: adding a non-negative span never goes back.
  if (b >= 0) RC_ASSERT(t + Ns(b) >= t);
}

}  // namespace
}  // namespace core::base
