// Each invariant check accepts a good example and reports a hand-made
// violation with its TLA+ name, so none of them can pass vacuously.
#include "pd/core/invariants/invariants.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <set>
#include <vector>

namespace pd::invariants {
namespace {

using core::base::TimeStamp;
using core::region::Peer;
using core::region::PeerRole;
using core::region::Region;

Region Make(uint64_t id, const char* start, const char* end, uint64_t version,
            uint64_t conf_ver = 1) {
  Region region;
  region.id = id;
  region.start_key = start;
  region.end_key = end;
  region.epoch = {.conf_ver = conf_ver, .version = version};
  region.peers = {{id * 10 + 1, 1, PeerRole::kVoter},
                  {id * 10 + 2, 2, PeerRole::kVoter},
                  {id * 10 + 3, 3, PeerRole::kVoter}};
  return region;
}

std::vector<TimeStamp> Ts(std::initializer_list<uint64_t> values) {
  std::vector<TimeStamp> out;
  for (uint64_t value : values) out.emplace_back(value);
  return out;
}

std::string NameOf(const Check& check) {
  return check.ok() ? "" : check.error().invariant;
}

TEST(InvariantsTest, TsoStrictlyIncreasing) {
  EXPECT_TRUE(TsoStrictlyIncreasing(Ts({1, 2, 5, 9})).ok());
  EXPECT_EQ(NameOf(TsoStrictlyIncreasing(Ts({1, 5, 5}))),
            "TsoStrictlyIncreasing");
  EXPECT_EQ(NameOf(TsoStrictlyIncreasing(Ts({7, 3}))), "TsoStrictlyIncreasing");
}

TEST(InvariantsTest, RangesDisjoint) {
  std::vector<Region> regions = {Make(1, "", "c", 1), Make(2, "c", "m", 1),
                                 Make(3, "m", "", 1)};
  EXPECT_TRUE(RangesDisjoint(regions).ok());
  EXPECT_TRUE(RangesCoverKeySpace(regions).ok());
  regions[1].end_key = "n";  // overlaps region 3
  EXPECT_EQ(NameOf(RangesDisjoint(regions)), "RangesDisjoint");
  regions[1].end_key = "l";  // gap: still disjoint, no longer covering
  EXPECT_TRUE(RangesDisjoint(regions).ok());
  EXPECT_EQ(NameOf(RangesCoverKeySpace(regions)), "RangesCoverKeySpace");
  regions = {Make(1, "", "", 1), Make(2, "x", "", 1)};
  EXPECT_EQ(NameOf(RangesDisjoint(regions)), "RangesDisjoint");
  regions = {Make(1, "a", "b", 1), Make(1, "c", "d", 1)};
  EXPECT_EQ(NameOf(RangesDisjoint(regions)), "RangesDisjoint");
}

TEST(InvariantsTest, EpochMonotonicAcceptsSplitAndMerge) {
  std::vector<Region> before = {Make(1, "", "m", 3), Make(2, "m", "", 5)};
  // Split region 1 at "f" (right derive): both parts get version 4.
  std::vector<Region> split = {Make(3, "", "f", 4), Make(1, "f", "m", 4),
                               Make(2, "m", "", 5)};
  EXPECT_TRUE(EpochMonotonic(before, split).ok());
  // Merge region 1 into region 2: version max(4, 5) + 1.
  std::vector<Region> merged = {Make(3, "", "f", 4), Make(2, "f", "", 6)};
  EXPECT_TRUE(EpochMonotonic(split, merged).ok());
  // A conf change bumps conf_ver only.
  std::vector<Region> conf = merged;
  conf[0].epoch.conf_ver += 1;
  EXPECT_TRUE(EpochMonotonic(merged, conf).ok());
}

TEST(InvariantsTest, EpochMonotonicRejectsRegressions) {
  std::vector<Region> before = {Make(1, "", "m", 3, 4), Make(2, "m", "", 5)};
  std::vector<Region> after = before;
  after[0].epoch.conf_ver = 3;
  EXPECT_EQ(NameOf(EpochMonotonic(before, after)), "EpochMonotonic");
  // Range change without a version bump.
  after = {Make(1, "", "f", 3, 4), Make(3, "f", "m", 4), Make(2, "m", "", 5)};
  EXPECT_EQ(NameOf(EpochMonotonic(before, after)), "EpochMonotonic");
  // A new region that replaces an old one but is not newer.
  after = {Make(1, "", "f", 4, 4), Make(3, "f", "m", 3), Make(2, "m", "", 5)};
  EXPECT_EQ(NameOf(EpochMonotonic(before, after)), "EpochMonotonic");
}

TEST(InvariantsTest, QuorumAlwaysAvailable) {
  Region region = Make(1, "", "", 1);
  std::set<uint64_t> dead = {3};
  auto live = [&](uint64_t store) { return dead.count(store) == 0; };
  EXPECT_TRUE(QuorumAlwaysAvailable(region, live).ok());
  dead = {2, 3};
  EXPECT_EQ(NameOf(QuorumAlwaysAvailable(region, live)),
            "QuorumAlwaysAvailable");
  // Two voters with one dead: no majority.
  region.peers.pop_back();
  dead = {2};
  EXPECT_FALSE(QuorumAlwaysAvailable(region, live).ok());
  // Learners do not count.
  region = Make(1, "", "", 1);
  region.peers.push_back({14, 4, PeerRole::kLearner});
  dead = {3, 2};
  EXPECT_FALSE(QuorumAlwaysAvailable(region, live).ok());
  // Joint: the outgoing config {1,2,3} must also have a majority.
  region = Make(1, "", "", 1);
  region.peers[0].role = PeerRole::kDemotingVoter;
  region.peers.push_back({14, 4, PeerRole::kIncomingVoter});
  dead = {1, 3};  // incoming {2,3,4}: 2 live of 3; outgoing {1,2,3}: 1 of 3
  EXPECT_FALSE(QuorumAlwaysAvailable(region, live).ok());
  dead = {3};
  EXPECT_TRUE(QuorumAlwaysAvailable(region, live).ok());
}

TEST(InvariantsTest, SafePoints) {
  EXPECT_TRUE(SafePointMonotonic(Ts({1, 1, 4})).ok());
  EXPECT_EQ(NameOf(SafePointMonotonic(Ts({1, 4, 3}))), "SafePointMonotonic");
  EXPECT_TRUE(GcSafePointBounded(TimeStamp(10), Ts({10, 12})).ok());
  EXPECT_TRUE(GcSafePointBounded(TimeStamp(10), Ts({})).ok());
  EXPECT_EQ(NameOf(GcSafePointBounded(TimeStamp(11), Ts({10, 12}))),
            "GcSafePointBounded");
}

}  // namespace
}  // namespace pd::invariants
