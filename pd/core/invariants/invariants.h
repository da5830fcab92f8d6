// PD safety invariants as check functions. Each has the same name as the TLA+
// invariant in spec/pd/ (see spec/pd/README.md for the mapping) and is used by
// the unit tests, the property tests and the convergence run after
// every round.
//
// A check returns Unit when the invariant holds and a Violation naming the
// invariant and the offending data otherwise. Checks never crash on the data
// they inspect: a violation is a finding, not an invariant break of the
// checker itself.
#ifndef PD_CORE_INVARIANTS_INVARIANTS_H_
#define PD_CORE_INVARIANTS_INVARIANTS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/base/timestamp.h"
#include "core/region/region.h"

namespace pd::invariants {

struct Violation {
  std::string invariant;  // the TLA+ name, e.g. "RangesDisjoint"
  std::string detail;
  std::string ToString() const { return invariant + ": " + detail; }
};

using Check = core::base::Outcome<Violation>;

// Spec: Tso.tla TsoStrictlyIncreasing. Every timestamp handed out (in the
// order they were handed out, across leader changes and clock jumps) is
// strictly greater than every earlier one.
Check TsoStrictlyIncreasing(
    const std::vector<core::base::TimeStamp>& issued_in_order);

// Spec: PdOperator.tla EpochMonotonic. Comparing two snapshots of the region
// set, `before` and the later `after`: a region keeps or raises both epoch
// components, raises version when its range changes, and a region whose range
// overlaps a region with a different id in the earlier snapshot has a higher
// version than it (split and merge supersede what they replace).
Check EpochMonotonic(const std::vector<core::region::Region>& before,
                     const std::vector<core::region::Region>& after);

// Spec: PdOperator.tla RangesDisjoint. No key belongs to two regions, and
// region ids are unique.
Check RangesDisjoint(const std::vector<core::region::Region>& regions);

// Companion of RangesDisjoint for the true cluster state: the regions tile
// the whole key space (-inf, +inf) without gaps.
Check RangesCoverKeySpace(const std::vector<core::region::Region>& regions);

// Spec: PdOperator.tla QuorumAlwaysAvailable. Every voter configuration of the
// region (the incoming one, and the outgoing one in a joint state) has a
// majority of voters on live stores.
Check QuorumAlwaysAvailable(
    const core::region::Region& region,
    const std::function<bool(core::region::StoreId)>& store_live);

// Spec: SafePoint.tla SafePointMonotonic. The GC safe point never decreases.
Check SafePointMonotonic(
    const std::vector<core::base::TimeStamp>& gc_safe_points_in_order);

// Spec: SafePoint.tla GcSafePointBounded. The GC safe point never exceeds the
// minimum of the live service safe points (no bound when there are none).
Check GcSafePointBounded(
    core::base::TimeStamp gc_safe_point,
    const std::vector<core::base::TimeStamp>& service_safe_points);

}  // namespace pd::invariants

#endif  // PD_CORE_INVARIANTS_INVARIANTS_H_
