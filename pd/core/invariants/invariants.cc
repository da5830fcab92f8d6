#include "pd/core/invariants/invariants.h"

#include <algorithm>
#include <set>
#include <sstream>

namespace pd::invariants {

using core::region::Region;

namespace {

Check Fail(const char* invariant, const std::string& detail) {
  return core::base::MakeErr(Violation{invariant, detail});
}

std::vector<const Region*> SortedByStart(const std::vector<Region>& regions) {
  std::vector<const Region*> sorted;
  sorted.reserve(regions.size());
  for (const Region& region : regions) sorted.push_back(&region);
  std::sort(sorted.begin(), sorted.end(), [](const Region* a, const Region* b) {
    if (a->start_key != b->start_key) return a->start_key < b->start_key;
    return a->id < b->id;
  });
  return sorted;
}

std::string Describe(const Region& region) {
  std::ostringstream out;
  out << region;
  return out.str();
}

// Checks one overlapping pair for EpochMonotonic.
Check EpochPair(const Region& before, const Region& after) {
  if (before.id == after.id) {
    if (after.epoch.IsStaleComparedTo(before.epoch)) {
      return Fail("EpochMonotonic",
                  "epoch went backwards: " + Describe(before) + " -> " +
                      Describe(after));
    }
    const bool range_changed =
        before.start_key != after.start_key || before.end_key != after.end_key;
    if (range_changed && after.epoch.version <= before.epoch.version) {
      return Fail("EpochMonotonic",
                  "range changed without a version bump: " + Describe(before) +
                      " -> " + Describe(after));
    }
  } else if (after.epoch.version <= before.epoch.version) {
    return Fail("EpochMonotonic",
                Describe(after) +
                    " replaced part of a region with an equal "
                    "or newer version: " +
                    Describe(before));
  }
  return core::base::Unit{};
}

}  // namespace

Check TsoStrictlyIncreasing(
    const std::vector<core::base::TimeStamp>& issued_in_order) {
  for (size_t i = 1; i < issued_in_order.size(); ++i) {
    if (issued_in_order[i] <= issued_in_order[i - 1]) {
      std::ostringstream out;
      out << "timestamp #" << i << " = " << issued_in_order[i]
          << " is not above the previous one " << issued_in_order[i - 1];
      return Fail("TsoStrictlyIncreasing", out.str());
    }
  }
  return core::base::Unit{};
}

Check EpochMonotonic(const std::vector<Region>& before,
                     const std::vector<Region>& after) {
  // Both snapshots must be disjoint for the sweep to see every overlap; report
  // that first if it is broken.
  for (const auto* regions : {&before, &after}) {
    if (auto disjoint = RangesDisjoint(*regions); !disjoint.ok())
      return disjoint;
  }
  std::vector<const Region*> old_sorted = SortedByStart(before);
  std::vector<const Region*> new_sorted = SortedByStart(after);
  // Two-pointer sweep over two sorted, disjoint lists: every overlapping pair
  // is visited once.
  size_t i = 0;
  size_t j = 0;
  while (i < old_sorted.size() && j < new_sorted.size()) {
    const Region& a = *old_sorted[i];
    const Region& b = *new_sorted[j];
    if (core::region::RangesOverlap(a.start_key, a.end_key, b.start_key,
                                    b.end_key)) {
      if (auto pair = EpochPair(a, b); !pair.ok()) return pair;
    }
    // Advance the one that ends first.
    if (core::region::CompareEndKeys(a.end_key, b.end_key) <= 0) {
      ++i;
    } else {
      ++j;
    }
  }
  return core::base::Unit{};
}

Check RangesDisjoint(const std::vector<Region>& regions) {
  std::set<core::region::RegionId> ids;
  for (const Region& region : regions) {
    if (!ids.insert(region.id).second) {
      return Fail("RangesDisjoint",
                  "region id " + std::to_string(region.id) + " appears twice");
    }
    if (!region.end_key.empty() && region.start_key >= region.end_key) {
      return Fail("RangesDisjoint",
                  "empty or inverted range: " + Describe(region));
    }
  }
  std::vector<const Region*> sorted = SortedByStart(regions);
  for (size_t i = 1; i < sorted.size(); ++i) {
    const Region& left = *sorted[i - 1];
    const Region& right = *sorted[i];
    if (left.end_key.empty() || left.end_key > right.start_key) {
      return Fail("RangesDisjoint",
                  Describe(left) + " overlaps " + Describe(right));
    }
  }
  return core::base::Unit{};
}

Check RangesCoverKeySpace(const std::vector<Region>& regions) {
  if (regions.empty()) return Fail("RangesCoverKeySpace", "no region");
  std::vector<const Region*> sorted = SortedByStart(regions);
  if (!sorted.front()->start_key.empty()) {
    return Fail("RangesCoverKeySpace", "first region does not start at -inf: " +
                                           Describe(*sorted.front()));
  }
  if (!sorted.back()->end_key.empty()) {
    return Fail("RangesCoverKeySpace", "last region does not end at +inf: " +
                                           Describe(*sorted.back()));
  }
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i - 1]->end_key != sorted[i]->start_key) {
      return Fail("RangesCoverKeySpace", "gap or overlap between " +
                                             Describe(*sorted[i - 1]) +
                                             " and " + Describe(*sorted[i]));
    }
  }
  return core::base::Unit{};
}

namespace {

bool HasLiveMajority(
    const std::vector<core::region::Peer>& voters,
    const std::function<bool(core::region::StoreId)>& store_live) {
  size_t live = 0;
  for (const auto& peer : voters) {
    if (store_live(peer.store_id)) ++live;
  }
  return live * 2 > voters.size();
}

}  // namespace

Check QuorumAlwaysAvailable(
    const Region& region,
    const std::function<bool(core::region::StoreId)>& store_live) {
  if (!HasLiveMajority(region.IncomingVoters(), store_live)) {
    return Fail("QuorumAlwaysAvailable",
                "incoming voters lack a live majority: " + Describe(region));
  }
  if (region.InJointState() &&
      !HasLiveMajority(region.OutgoingVoters(), store_live)) {
    return Fail("QuorumAlwaysAvailable",
                "outgoing voters lack a live majority: " + Describe(region));
  }
  return core::base::Unit{};
}

Check SafePointMonotonic(
    const std::vector<core::base::TimeStamp>& gc_safe_points_in_order) {
  for (size_t i = 1; i < gc_safe_points_in_order.size(); ++i) {
    if (gc_safe_points_in_order[i] < gc_safe_points_in_order[i - 1]) {
      std::ostringstream out;
      out << "GC safe point went from " << gc_safe_points_in_order[i - 1]
          << " down to " << gc_safe_points_in_order[i];
      return Fail("SafePointMonotonic", out.str());
    }
  }
  return core::base::Unit{};
}

Check GcSafePointBounded(
    core::base::TimeStamp gc_safe_point,
    const std::vector<core::base::TimeStamp>& service_safe_points) {
  for (core::base::TimeStamp service : service_safe_points) {
    if (gc_safe_point > service) {
      std::ostringstream out;
      out << "GC safe point " << gc_safe_point
          << " exceeds a service safe point " << service;
      return Fail("GcSafePointBounded", out.str());
    }
  }
  return core::base::Unit{};
}

}  // namespace pd::invariants
