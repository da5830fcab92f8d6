// TSO timestamps: ts = physical_ms << 18 | logical.
// Ref: TiKV components/txn_types timestamp.rs TSO_PHYSICAL_SHIFT_BITS;
// PD pkg/tso/tso.go maxLogical; reference/tikv.md §4.2.
#ifndef PD_CORE_TSO_TIMESTAMP_H_
#define PD_CORE_TSO_TIMESTAMP_H_

#include <compare>
#include <cstdint>
#include <ostream>

namespace pd::tso {

inline constexpr int kLogicalBits = 18;
// Logical values are in [0, kMaxLogical).
inline constexpr int64_t kMaxLogical = int64_t{1} << kLogicalBits;

struct Timestamp {
  int64_t physical_ms = 0;
  int64_t logical = 0;

  // The 64-bit wire form. Requires 0 <= logical < kMaxLogical and
  // physical_ms >= 0.
  uint64_t Compose() const {
    return (static_cast<uint64_t>(physical_ms) << kLogicalBits) |
           static_cast<uint64_t>(logical);
  }
  static Timestamp Decompose(uint64_t ts) {
    return Timestamp{static_cast<int64_t>(ts >> kLogicalBits),
                     static_cast<int64_t>(ts & (kMaxLogical - 1))};
  }

  auto operator<=>(const Timestamp&) const = default;
};

inline std::ostream& operator<<(std::ostream& out, const Timestamp& ts) {
  return out << ts.physical_ms << "ms+" << ts.logical;
}

}  // namespace pd::tso

#endif  // PD_CORE_TSO_TIMESTAMP_H_
