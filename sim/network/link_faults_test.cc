// LinkFaults: one-way and symmetric blocks, clogs with end times, process
// clogs, heal. (The partition shapes are tested with the nemesis:
// sim/nemesis/shapes_test.cc.)
#include "sim/network/link_faults.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <vector>

namespace sim {
namespace {

using core::base::Duration;
using core::base::Instant;

const Instant kT0 = Instant() + Duration::Seconds(1);

TEST(LinkFaultsTest, BlockIsOneWayAndLoopbackIsNeverBlocked) {
  LinkFaults faults;
  faults.Block(0, 1);
  faults.Block(2, 2);
  EXPECT_TRUE(faults.IsBlocked(0, 1));
  EXPECT_FALSE(faults.IsBlocked(1, 0));
  EXPECT_FALSE(faults.IsBlocked(2, 2));
  faults.Unblock(0, 1);
  EXPECT_FALSE(faults.AnyFault());
}

TEST(LinkFaultsTest, ClogsEndOnTimeAndExtendNeverShorten) {
  LinkFaults faults;
  faults.Clog(0, 1, kT0 + Duration::Seconds(2));
  faults.Clog(0, 1, kT0 + Duration::Seconds(1));  // Does not shorten.
  EXPECT_TRUE(faults.IsClogged(0, 1, kT0));
  EXPECT_FALSE(faults.IsClogged(1, 0, kT0));
  EXPECT_TRUE(faults.IsClogged(0, 1, kT0 + Duration::Milliseconds(1999)));
  EXPECT_FALSE(faults.IsClogged(0, 1, kT0 + Duration::Seconds(2)));
  EXPECT_EQ(faults.ClogEnd(0, 1), kT0 + Duration::Seconds(2));
}

TEST(LinkFaultsTest, ProcessClogCoversBothDirectionsOfEveryPath) {
  LinkFaults faults;
  faults.ClogProcess(1, LinkFaults::kForever);
  EXPECT_TRUE(faults.IsClogged(0, 1, kT0));
  EXPECT_TRUE(faults.IsClogged(1, 2, kT0));
  EXPECT_FALSE(faults.IsClogged(0, 2, kT0));
  EXPECT_TRUE(faults.IsProcessClogged(1, kT0));
  faults.UnclogProcess(1);
  EXPECT_FALSE(faults.IsClogged(0, 1, kT0));
}

TEST(LinkFaultsTest, HealRemovesEverything) {
  LinkFaults faults;
  faults.Partition({{0}, {1, 2}});
  faults.Clog(0, 2, LinkFaults::kForever);
  faults.ClogProcess(2, LinkFaults::kForever);
  EXPECT_TRUE(faults.AnyFault());
  faults.Heal();
  EXPECT_FALSE(faults.AnyFault());
  for (ProcessId a = 0; a < 3; ++a) {
    for (ProcessId b = 0; b < 3; ++b) EXPECT_TRUE(faults.IsOpen(a, b, kT0));
  }
}

// Property: a symmetric partition into any groups blocks exactly the pairs
// in different groups, both ways; processes in no group are not affected.
RC_GTEST_PROP(LinkFaultsProperty, PartitionBlocksExactlyCrossGroupPairs, ()) {
  const int n = *rc::gen::inRange(2, 10);
  const int group_count = *rc::gen::inRange(1, 4);
  // group_of[p] == group_count: p is in no group.
  const auto group_of = *rc::gen::container<std::vector<int>>(
      static_cast<size_t>(n), rc::gen::inRange(0, group_count + 1));
  Groups groups(static_cast<size_t>(group_count));
  for (int p = 0; p < n; ++p) {
    if (group_of[p] < group_count) groups[group_of[p]].push_back(p);
  }
  LinkFaults faults;
  faults.Partition(groups);
  for (int a = 0; a < n; ++a) {
    for (int b = 0; b < n; ++b) {
      const bool cross = group_of[a] < group_count &&
                         group_of[b] < group_count &&
                         group_of[a] != group_of[b];
      RC_ASSERT(faults.IsBlocked(a, b) == cross);
    }
  }
}

TEST(LinkFaultsTest, OneWayPartitionBlocksOneDirectionOnly) {
  LinkFaults faults;
  faults.PartitionOneWay({0, 1}, {2});
  EXPECT_TRUE(faults.IsBlocked(0, 2));
  EXPECT_TRUE(faults.IsBlocked(1, 2));
  EXPECT_FALSE(faults.IsBlocked(2, 0));
  EXPECT_FALSE(faults.IsBlocked(0, 1));
}

}  // namespace
}  // namespace sim
