// LinkFaults: one-way and symmetric blocks, clogs with end times, process
// clogs, heal, and the partition shapes (isolate-one, halves, majority ring).
#include "sim/network/link_faults.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <set>

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

TEST(PartitionShapeTest, IsolateOneSplitsOffTheVictim) {
  const Groups groups = IsolateOne(2, {0, 1, 2, 3});
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0], std::vector<ProcessId>{2});
  EXPECT_EQ(groups[1], (std::vector<ProcessId>{0, 1, 3}));
}

// Property: halves partition the processes exactly (every process in one
// group, sizes differ by at most one), and the symmetric partition blocks
// exactly the cross-group pairs.
RC_GTEST_PROP(PartitionShapeProperty, HalvesBlockExactlyCrossPairs, ()) {
  const int n = *rc::gen::inRange(2, 10);
  std::vector<ProcessId> processes;
  for (int i = 0; i < n; ++i) processes.push_back(i);
  core::base::Prng prng(*rc::gen::arbitrary<uint64_t>());
  const Groups groups = RandomHalves(processes, prng);
  RC_ASSERT(groups.size() == 2u);
  RC_ASSERT(groups[0].size() + groups[1].size() == static_cast<size_t>(n));
  RC_ASSERT(groups[1].size() - groups[0].size() <= 1u);
  std::set<ProcessId> first(groups[0].begin(), groups[0].end());
  LinkFaults faults;
  faults.Partition(groups);
  for (ProcessId a = 0; a < static_cast<ProcessId>(n); ++a) {
    for (ProcessId b = 0; b < static_cast<ProcessId>(n); ++b) {
      const bool cross = a != b && first.count(a) != first.count(b);
      RC_ASSERT(faults.IsBlocked(a, b) == cross);
    }
  }
}

// Property (Jepsen majorities-ring): with n >= 3, every process is connected
// to a strict majority (counting itself) and blocks are symmetric; for
// n >= 5 the views are pairwise different.
RC_GTEST_PROP(PartitionShapeProperty, MajorityRingGivesEveryoneAMajority, ()) {
  const int n = *rc::gen::inRange(3, 12);
  std::vector<ProcessId> processes;
  for (int i = 0; i < n; ++i) processes.push_back(i);
  core::base::Prng prng(*rc::gen::arbitrary<uint64_t>());
  LinkFaults faults;
  for (const Path& path : MajorityRing(processes, prng)) {
    faults.Block(path.first, path.second);
  }
  std::set<std::set<ProcessId>> views;
  for (ProcessId a = 0; a < static_cast<ProcessId>(n); ++a) {
    std::set<ProcessId> view;
    for (ProcessId b = 0; b < static_cast<ProcessId>(n); ++b) {
      RC_ASSERT(faults.IsBlocked(a, b) == faults.IsBlocked(b, a));
      if (!faults.IsBlocked(a, b)) view.insert(b);
    }
    RC_ASSERT(view.size() > static_cast<size_t>(n) / 2);
    views.insert(view);
  }
  if (n >= 5) RC_ASSERT(views.size() == static_cast<size_t>(n));
}

}  // namespace
}  // namespace sim
