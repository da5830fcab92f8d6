// TimeStamp: the hybrid logical timestamp PD's TSO hands out and every
// transaction, lock, write record, key suffix and safe point carries.
//
//   ts = physical_ms << 18 | logical
//
// One type for the TSO that composes it (pd/core/tso), the MVCC layer that
// persists it (core/mvcc) and the transaction actions that compare it
// (core/txn). Zero means "unset" (no transaction starts at 0) and Max() is
// used by readers that want the latest committed version.
// Ref: tikv components/txn_types/src/timestamp.rs (TSO_PHYSICAL_SHIFT_BITS);
// PD pkg/tso/tso.go (maxLogical).
#ifndef CORE_BASE_TIMESTAMP_H_
#define CORE_BASE_TIMESTAMP_H_

#include <compare>
#include <cstdint>
#include <limits>
#include <ostream>

#include "core/base/check.h"

namespace core::base {

class TimeStamp {
 public:
  // DO NOT CHANGE: persisted (every lock, write record and key suffix).
  static constexpr int kPhysicalShiftBits = 18;
  static constexpr uint64_t kLogicalMask =
      (uint64_t{1} << kPhysicalShiftBits) - 1;
  // Logical parts are in [0, kMaxLogical).
  static constexpr uint64_t kMaxLogical = kLogicalMask + 1;
  // Physical parts are in [0, kMaxPhysicalMs).
  static constexpr uint64_t kMaxPhysicalMs = uint64_t{1}
                                             << (64 - kPhysicalShiftBits);

  constexpr TimeStamp() = default;
  constexpr explicit TimeStamp(uint64_t value) : value_(value) {}

  static constexpr TimeStamp Zero() { return TimeStamp(0); }
  static constexpr TimeStamp Max() {
    return TimeStamp(std::numeric_limits<uint64_t>::max());
  }
  // Requires logical < kMaxLogical and physical_ms < kMaxPhysicalMs.
  static TimeStamp Compose(uint64_t physical_ms, uint64_t logical) {
    CHECK_LT(logical, kMaxLogical) << "logical part overflows 18 bits";
    CHECK_LT(physical_ms, kMaxPhysicalMs) << "physical part overflows 46 bits";
    return TimeStamp(physical_ms << kPhysicalShiftBits | logical);
  }

  // The 64-bit form: persisted, on the wire, and what the TSO's clients see.
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

}  // namespace core::base

#endif  // CORE_BASE_TIMESTAMP_H_
