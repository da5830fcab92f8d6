// Virtual-or-real time as plain values. Cores never read a clock: they take
// ticks or a `now` parameter. Drivers obtain instants from core/env Clock.
#ifndef CORE_BASE_TIME_H_
#define CORE_BASE_TIME_H_

#include <compare>
#include <cstdint>
#include <ostream>

namespace core::base {

// A span of time in nanoseconds. May be negative (a clock jumping back).
class Duration {
 public:
  constexpr Duration() = default;
  static constexpr Duration Nanoseconds(int64_t ns) { return Duration(ns); }
  static constexpr Duration Microseconds(int64_t us) {
    return Duration(us * 1000);
  }
  static constexpr Duration Milliseconds(int64_t ms) {
    return Duration(ms * 1000 * 1000);
  }
  static constexpr Duration Seconds(int64_t s) {
    return Duration(s * 1000 * 1000 * 1000);
  }
  static constexpr Duration Zero() { return Duration(0); }

  constexpr int64_t nanoseconds() const { return ns_; }
  constexpr int64_t microseconds() const { return ns_ / 1000; }
  constexpr int64_t milliseconds() const { return ns_ / (1000 * 1000); }
  constexpr double seconds() const { return static_cast<double>(ns_) / 1e9; }

  constexpr Duration operator+(Duration other) const {
    return Duration(ns_ + other.ns_);
  }
  constexpr Duration operator-(Duration other) const {
    return Duration(ns_ - other.ns_);
  }
  constexpr Duration operator*(int64_t factor) const {
    return Duration(ns_ * factor);
  }
  constexpr Duration operator/(int64_t divisor) const {
    return Duration(ns_ / divisor);
  }
  constexpr Duration& operator+=(Duration other) {
    ns_ += other.ns_;
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

  constexpr int64_t nanoseconds() const { return ns_; }

  constexpr Instant operator+(Duration d) const {
    return Instant(ns_ + d.nanoseconds());
  }
  constexpr Instant operator-(Duration d) const {
    return Instant(ns_ - d.nanoseconds());
  }
  constexpr Duration operator-(Instant other) const {
    return Duration::Nanoseconds(ns_ - other.ns_);
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
