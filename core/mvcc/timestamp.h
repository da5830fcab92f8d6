// TimeStamp: a hybrid logical timestamp handed out by PD's TSO.
//
//   ts = physical_ms << 18 | logical
//
// Ref: tikv components/txn_types/src/timestamp.rs (TSO_PHYSICAL_SHIFT_BITS).
// Zero means "unset" (no transaction starts at 0) and kMax is used by readers
// that want the latest committed version.
#ifndef CORE_MVCC_TIMESTAMP_H_
#define CORE_MVCC_TIMESTAMP_H_

#include <compare>
#include <cstdint>
#include <limits>
#include <ostream>

#include "core/base/check.h"

namespace core::mvcc {

class TimeStamp {
 public:
  // DO NOT CHANGE: persisted (every lock, write record and key suffix).
  static constexpr int kPhysicalShiftBits = 18;
  static constexpr uint64_t kLogicalMask =
      (uint64_t{1} << kPhysicalShiftBits) - 1;

  constexpr TimeStamp() = default;
  constexpr explicit TimeStamp(uint64_t value) : value_(value) {}

  static constexpr TimeStamp Zero() { return TimeStamp(0); }
  static constexpr TimeStamp Max() {
    return TimeStamp(std::numeric_limits<uint64_t>::max());
  }
  // Requires logical < 2^18 and physical_ms < 2^46.
  static TimeStamp Compose(uint64_t physical_ms, uint64_t logical) {
    CHECK_LE(logical, kLogicalMask) << "logical part overflows 18 bits";
    CHECK_LT(physical_ms, uint64_t{1} << (64 - kPhysicalShiftBits));
    return TimeStamp(physical_ms << kPhysicalShiftBits | logical);
  }

  constexpr uint64_t value() const { return value_; }
  constexpr uint64_t physical_ms() const {
    return value_ >> kPhysicalShiftBits;
  }
  constexpr uint64_t logical() const { return value_ & kLogicalMask; }
  constexpr bool IsZero() const { return value_ == 0; }
  constexpr bool IsMax() const { return value_ == Max().value_; }

  // The next/previous representable timestamp (saturating at the ends).
  constexpr TimeStamp Next() const {
    return IsMax() ? *this : TimeStamp(value_ + 1);
  }
  constexpr TimeStamp Prev() const {
    return IsZero() ? *this : TimeStamp(value_ - 1);
  }

  constexpr auto operator<=>(const TimeStamp&) const = default;

 private:
  uint64_t value_ = 0;
};

inline std::ostream& operator<<(std::ostream& out, TimeStamp ts) {
  return out << ts.value();
}

}  // namespace core::mvcc

#endif  // CORE_MVCC_TIMESTAMP_H_
