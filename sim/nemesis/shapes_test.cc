// The partition shapes, the simulator's one copy of each: isolate-one,
// halves, and Jepsen's majorities-ring (jepsen.nemesis.combined's
// :majorities-ring): every node sees a majority, and no two nodes see the
// same one.
#include "sim/nemesis/shapes.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "core/base/prng.h"

namespace sim::nemesis {
namespace {

TEST(ShapesTest, IsolateOneSplitsOffTheVictim) {
  const std::vector<std::vector<int>> groups = IsolateOne(3, {1, 2, 3, 4});
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0], std::vector<int>{3});
  EXPECT_EQ(groups[1], (std::vector<int>{1, 2, 4}));
}

// Property: the halves cover the order exactly once, the first has
// floor(n/2) members, the second ceil(n/2).
RC_GTEST_PROP(ShapesProperty, HalvesSplitTheOrderExactly, ()) {
  const int n = *rc::gen::inRange(1, 12);
  std::vector<int> order;
  for (int i = 1; i <= n; ++i) order.push_back(i);
  core::base::Prng prng(*rc::gen::arbitrary<uint64_t>());
  prng.Shuffle(order);
  const std::vector<std::vector<int>> halves = Halves(order);
  RC_ASSERT(halves.size() == 2u);
  RC_ASSERT(halves[0].size() == static_cast<size_t>(n / 2));
  std::vector<int> joined = halves[0];
  joined.insert(joined.end(), halves[1].begin(), halves[1].end());
  RC_ASSERT(joined == order);
}

// Who each node still reaches (itself included) once `blocked` is cut both
// ways.
std::vector<std::set<int>> Views(
    int n, const std::vector<std::pair<int, int>>& blocked) {
  std::vector<std::set<int>> views(static_cast<size_t>(n) + 1);
  for (int a = 1; a <= n; ++a) {
    for (int b = 1; b <= n; ++b) {
      const std::pair<int, int> pair = {std::min(a, b), std::max(a, b)};
      if (std::find(blocked.begin(), blocked.end(), pair) == blocked.end()) {
        views[a].insert(b);
      }
    }
  }
  views.erase(views.begin());
  return views;
}

// Property (Jepsen's majorities-ring), for any ring order of 3..12 nodes:
// every node sees a strict majority, counting itself; for n >= 4 (the
// generator uses the ring from 4 nodes up) no two nodes see the same
// majority. The pairs are well formed: (smaller, larger), sorted, distinct.
RC_GTEST_PROP(ShapesProperty, MajorityRingGivesEveryNodeItsOwnMajority, ()) {
  const int n = *rc::gen::inRange(3, 13);
  std::vector<int> ring;
  for (int i = 1; i <= n; ++i) ring.push_back(i);
  core::base::Prng prng(*rc::gen::arbitrary<uint64_t>());
  prng.Shuffle(ring);
  const std::vector<std::pair<int, int>> blocked = MajorityRing(ring);
  RC_ASSERT(std::is_sorted(blocked.begin(), blocked.end()));
  RC_ASSERT(std::adjacent_find(blocked.begin(), blocked.end()) ==
            blocked.end());
  for (const auto& [a, b] : blocked) RC_ASSERT(a < b);
  const std::vector<std::set<int>> views = Views(n, blocked);
  for (const std::set<int>& view : views) {
    RC_ASSERT(view.size() > static_cast<size_t>(n) / 2);
  }
  if (n >= 4) {
    const std::set<std::set<int>> distinct(views.begin(), views.end());
    RC_ASSERT(distinct.size() == static_cast<size_t>(n));
  }
}

TEST(ShapesTest, MajorityRingOfFiveKeepsEachNodesTwoRingNeighbours) {
  // Ring 1-2-3-4-5-1: each node keeps its two neighbours (itself + 2 = 3 of
  // 5) and loses the two across the ring.
  const std::vector<std::pair<int, int>> expected = {
      {1, 3}, {1, 4}, {2, 4}, {2, 5}, {3, 5}};
  EXPECT_EQ(MajorityRing(std::vector<int>{1, 2, 3, 4, 5}), expected);
  EXPECT_EQ(MajorityRingReach(5), 1u);
  EXPECT_EQ(MajorityRingReach(7), 2u);
}

}  // namespace
}  // namespace sim::nemesis
