// Queries and validation of the shared region model.
#include "core/region/region.h"

#include <gtest/gtest.h>

namespace core::region {
namespace {

Region ThreeVoters() {
  return Region{.id = 2,
                .start_key = "b",
                .end_key = "m",
                .epoch = {.conf_ver = 3, .version = 4},
                .peers = {{11, 1, PeerRole::kVoter},
                          {12, 2, PeerRole::kVoter},
                          {13, 3, PeerRole::kLearner}}};
}

TEST(RegionTest, ContainsKeyIsHalfOpen) {
  Region region = ThreeVoters();
  EXPECT_TRUE(region.ContainsKey("b"));
  EXPECT_TRUE(region.ContainsKey("lzzz"));
  EXPECT_FALSE(region.ContainsKey("m"));
  EXPECT_FALSE(region.ContainsKey("a"));
  region.end_key.clear();  // +inf
  EXPECT_TRUE(region.ContainsKey("zzzz"));
}

TEST(RegionTest, EndKeyEmptyIsInfinity) {
  EXPECT_EQ(CompareEndKeys("", ""), 0);
  EXPECT_GT(CompareEndKeys("", "zz"), 0);
  EXPECT_LT(CompareEndKeys("a", ""), 0);
  EXPECT_LT(CompareEndKeys("a", "b"), 0);
}

TEST(RegionTest, RangesOverlap) {
  EXPECT_TRUE(RangesOverlap("a", "c", "b", "d"));
  EXPECT_FALSE(RangesOverlap("a", "b", "b", "c"));  // touching is disjoint
  EXPECT_TRUE(RangesOverlap("", "", "x", "y"));
  EXPECT_TRUE(RangesOverlap("x", "", "a", "y"));
  EXPECT_FALSE(RangesOverlap("x", "", "a", "x"));
}

TEST(RegionTest, FindPeers) {
  Region region = ThreeVoters();
  ASSERT_NE(region.FindPeer(12), nullptr);
  EXPECT_EQ(region.FindPeer(12)->store_id, 2u);
  EXPECT_EQ(region.FindPeer(99), nullptr);
  ASSERT_NE(region.FindPeerOnStore(3), nullptr);
  EXPECT_EQ(region.FindPeerOnStore(3)->id, 13u);
  EXPECT_EQ(region.IncomingVoters().size(), 2u);
  EXPECT_TRUE(region.OutgoingVoters().empty());
  EXPECT_FALSE(region.InJointState());
}

TEST(RegionTest, JointStateHasTwoVoterSets) {
  Region region = ThreeVoters();
  region.peers[0].role = PeerRole::kDemotingVoter;
  region.peers[2].role = PeerRole::kIncomingVoter;
  EXPECT_TRUE(region.InJointState());
  std::vector<Peer> incoming = region.IncomingVoters();
  std::vector<Peer> outgoing = region.OutgoingVoters();
  ASSERT_EQ(incoming.size(), 2u);
  EXPECT_EQ(incoming[0].id, 12u);
  EXPECT_EQ(incoming[1].id, 13u);
  ASSERT_EQ(outgoing.size(), 2u);
  EXPECT_EQ(outgoing[0].id, 11u);
  EXPECT_EQ(outgoing[1].id, 12u);
}

TEST(RegionTest, EpochStaleness) {
  RegionEpoch epoch{.conf_ver = 2, .version = 5};
  EXPECT_TRUE((RegionEpoch{1, 5}).IsStaleComparedTo(epoch));
  EXPECT_TRUE((RegionEpoch{2, 4}).IsStaleComparedTo(epoch));
  EXPECT_TRUE((RegionEpoch{3, 4}).IsStaleComparedTo(epoch));
  EXPECT_FALSE((RegionEpoch{2, 5}).IsStaleComparedTo(epoch));
  EXPECT_FALSE((RegionEpoch{3, 6}).IsStaleComparedTo(epoch));
}

TEST(RegionTest, ValidateAcceptsWellFormed) {
  EXPECT_TRUE(Validate(ThreeVoters()).ok());
  Region whole;
  whole.id = 1;
  whole.peers = {{1, 1, PeerRole::kVoter}};
  EXPECT_TRUE(Validate(whole).ok());  // (-inf, +inf)
}

TEST(RegionTest, ValidateRejectsBadInput) {
  Region region = ThreeVoters();
  region.start_key = "m";
  EXPECT_FALSE(Validate(region).ok());
  region = ThreeVoters();
  region.peers[1].store_id = 1;
  auto result = Validate(region);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().ToString().find("two peers on store 1"),
            std::string::npos);
  region = ThreeVoters();
  region.peers[1].id = 11;
  EXPECT_FALSE(Validate(region).ok());
  region = ThreeVoters();
  region.id = 0;
  EXPECT_FALSE(Validate(region).ok());
  region = ThreeVoters();
  for (Peer& peer : region.peers) peer.role = PeerRole::kLearner;
  EXPECT_FALSE(Validate(region).ok());
}

// Ref: TiKV AdminCmdEpochState: conf changes check conf_ver only.
TEST(RegionTest, CheckEpochHonoursTheSelectedComponents) {
  Region region = ThreeVoters();
  EXPECT_TRUE(CheckEpoch(region, {3, 4}, EpochCheck{}).ok());
  EXPECT_FALSE(CheckEpoch(region, {3, 3}, EpochCheck{}).ok());
  EXPECT_TRUE(CheckEpoch(region, {3, 3},
                         {.check_conf_ver = true, .check_version = false})
                  .ok());
  auto stale = CheckEpoch(region, {2, 4}, EpochCheck{});
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().current, (RegionEpoch{3, 4}));
  EXPECT_EQ(stale.error().requested, (RegionEpoch{2, 4}));
}

}  // namespace
}  // namespace core::region
