// Virtual-or-real time as plain values. Cores never read a clock: they take
// ticks or a `now` parameter. Drivers obtain instants from core/env Clock.
//
// Overflow contract: a Duration or an Instant is a signed 64-bit count of
// nanoseconds (about +-292 years). Every factory and every arithmetic
// operator saturates: a result beyond the range is clamped to Max() or
// Min() instead of wrapping (signed overflow would be undefined behaviour,
// and a wrapped time silently moves a fault or a timer to another moment).
// Saturation is not sticky: Max() - 1ns is one nanosecond less than Max().
// No run gets near the limits; parsers of untrusted times (fault schedules,
// flags) refuse values far below them, so saturation only guards arithmetic
// on valid values (a time plus a long duration), never hides bad input.
// Dividing by zero is a bug and CHECK-fails.
#ifndef CORE_BASE_TIME_H_
#define CORE_BASE_TIME_H_

#include <compare>
#include <cstdint>
#include <limits>
#include <ostream>

#include "core/base/check.h"

namespace core::base {

namespace time_internal {

inline constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
inline constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

constexpr int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return b > 0 ? kMax : kMin;
  return sum;
}

constexpr int64_t SaturatingSub(int64_t a, int64_t b) {
  int64_t difference = 0;
  if (__builtin_sub_overflow(a, b, &difference)) return b < 0 ? kMax : kMin;
  return difference;
}

constexpr int64_t SaturatingMul(int64_t a, int64_t b) {
  int64_t product = 0;
  if (__builtin_mul_overflow(a, b, &product)) {
    return (a < 0) == (b < 0) ? kMax : kMin;
  }
  return product;
}

}  // namespace time_internal

// A span of time in nanoseconds. May be negative (a clock jumping back).
class Duration {
 public:
  constexpr Duration() = default;
  static constexpr Duration Nanoseconds(int64_t ns) { return Duration(ns); }
  static constexpr Duration Microseconds(int64_t us) {
    return Duration(time_internal::SaturatingMul(us, 1000));
  }
  static constexpr Duration Milliseconds(int64_t ms) {
    return Duration(time_internal::SaturatingMul(ms, 1000 * 1000));
  }
  static constexpr Duration Seconds(int64_t s) {
    return Duration(time_internal::SaturatingMul(s, 1000 * 1000 * 1000));
  }
  static constexpr Duration Zero() { return Duration(0); }
  // The saturation bounds.
  static constexpr Duration Max() { return Duration(time_internal::kMax); }
  static constexpr Duration Min() { return Duration(time_internal::kMin); }

  constexpr int64_t nanoseconds() const { return ns_; }
  constexpr int64_t microseconds() const { return ns_ / 1000; }
  constexpr int64_t milliseconds() const { return ns_ / (1000 * 1000); }
  constexpr double seconds() const { return static_cast<double>(ns_) / 1e9; }

  constexpr Duration operator+(Duration other) const {
    return Duration(time_internal::SaturatingAdd(ns_, other.ns_));
  }
  constexpr Duration operator-(Duration other) const {
    return Duration(time_internal::SaturatingSub(ns_, other.ns_));
  }
  constexpr Duration operator*(int64_t factor) const {
    return Duration(time_internal::SaturatingMul(ns_, factor));
  }
  constexpr Duration operator/(int64_t divisor) const {
    CHECK_NE(divisor, 0) << "Duration divided by zero";
    // The one quotient that does not fit: Min() / -1.
    if (ns_ == time_internal::kMin && divisor == -1) return Max();
    return Duration(ns_ / divisor);
  }
  constexpr Duration& operator+=(Duration other) {
    *this = *this + other;
    return *this;
  }
  constexpr auto operator<=>(const Duration&) const = default;

 private:
  constexpr explicit Duration(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

// A point on a monotonic time line, in nanoseconds since an arbitrary origin
// (process start for the real runtime, zero for the simulator).
class Instant {
 public:
  constexpr Instant() = default;
  static constexpr Instant FromNanoseconds(int64_t ns) { return Instant(ns); }
  // The saturation bounds.
  static constexpr Instant Max() { return Instant(time_internal::kMax); }
  static constexpr Instant Min() { return Instant(time_internal::kMin); }

  constexpr int64_t nanoseconds() const { return ns_; }

  constexpr Instant operator+(Duration d) const {
    return Instant(time_internal::SaturatingAdd(ns_, d.nanoseconds()));
  }
  constexpr Instant operator-(Duration d) const {
    return Instant(time_internal::SaturatingSub(ns_, d.nanoseconds()));
  }
  constexpr Duration operator-(Instant other) const {
    return Duration::Nanoseconds(time_internal::SaturatingSub(ns_, other.ns_));
  }
  constexpr auto operator<=>(const Instant&) const = default;

 private:
  constexpr explicit Instant(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

inline std::ostream& operator<<(std::ostream& out, Duration d) {
  return out << d.nanoseconds() << "ns";
}
inline std::ostream& operator<<(std::ostream& out, Instant t) {
  return out << "@" << t.nanoseconds() << "ns";
}

}  // namespace core::base

#endif  // CORE_BASE_TIME_H_
