// Membership changes: conf_ver rules and refusals for simple changes and for
// joint consensus (ChangePeerV2).
#include "core/region/conf_change.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace core::region {
namespace {

Region Base() {
  return Region{.id = 1,
                .start_key = "",
                .end_key = "",
                .epoch = {.conf_ver = 1, .version = 1},
                .peers = {{11, 1, PeerRole::kVoter},
                          {12, 2, PeerRole::kVoter},
                          {13, 3, PeerRole::kVoter}}};
}

PeerChange Change(ConfChangeType type, PeerId id, StoreId store) {
  return PeerChange{type, Peer{id, store, PeerRole::kVoter}};
}

// Ref: PD operator AddLearner + PromoteLearner; conf_ver + 1 per change.
TEST(ConfChangeTest, AddLearnerThenPromote) {
  Region region = Base();
  auto added = ApplyConfChange(
      region, Change(ConfChangeType::kAddLearnerNode, 14, 4), region.epoch);
  ASSERT_TRUE(added.ok()) << ErrorToString(added.error());
  EXPECT_EQ(added.value().epoch.conf_ver, 2u);
  EXPECT_EQ(added.value().epoch.version, 1u);
  EXPECT_EQ(added.value().FindPeer(14)->role, PeerRole::kLearner);
  auto promoted =
      ApplyConfChange(added.value(), Change(ConfChangeType::kAddNode, 14, 4),
                      added.value().epoch);
  ASSERT_TRUE(promoted.ok());
  EXPECT_EQ(promoted.value().FindPeer(14)->role, PeerRole::kVoter);
  EXPECT_EQ(promoted.value().epoch.conf_ver, 3u);
}

TEST(ConfChangeTest, RemovePeer) {
  Region region = Base();
  auto removed = ApplyConfChange(
      region, Change(ConfChangeType::kRemoveNode, 12, 2), region.epoch);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed.value().FindPeer(12), nullptr);
  EXPECT_EQ(removed.value().peers.size(), 2u);
  EXPECT_EQ(removed.value().epoch.conf_ver, 2u);
}

TEST(ConfChangeTest, RefusesBadChanges) {
  Region region = Base();
  // Duplicate voter.
  EXPECT_FALSE(ApplyConfChange(region, Change(ConfChangeType::kAddNode, 11, 1),
                               region.epoch)
                   .ok());
  // Another peer id on a store that already holds one.
  EXPECT_FALSE(ApplyConfChange(region,
                               Change(ConfChangeType::kAddLearnerNode, 99, 1),
                               region.epoch)
                   .ok());
  // Same peer id on another store.
  EXPECT_FALSE(ApplyConfChange(region,
                               Change(ConfChangeType::kAddLearnerNode, 11, 9),
                               region.epoch)
                   .ok());
  // Unknown peer.
  EXPECT_FALSE(ApplyConfChange(region,
                               Change(ConfChangeType::kRemoveNode, 99, 9),
                               region.epoch)
                   .ok());
  // Zero ids.
  EXPECT_FALSE(ApplyConfChange(region, Change(ConfChangeType::kAddNode, 0, 9),
                               region.epoch)
                   .ok());
  // Stale conf_ver.
  auto stale = ApplyConfChange(region, Change(ConfChangeType::kAddNode, 14, 4),
                               RegionEpoch{0, 1});
  ASSERT_FALSE(stale.ok());
  EXPECT_TRUE(std::holds_alternative<EpochNotMatch>(stale.error()));
  // A version change alone does not make a conf change stale.
  EXPECT_TRUE(ApplyConfChange(region, Change(ConfChangeType::kAddNode, 14, 4),
                              RegionEpoch{1, 0})
                  .ok());
}

TEST(ConfChangeTest, RefusesRemovingTheLastVoter) {
  Region region = Base();
  region.peers.resize(1);
  auto result = ApplyConfChange(
      region, Change(ConfChangeType::kRemoveNode, 11, 1), region.epoch);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(ErrorToString(result.error()).find("last voter"),
            std::string::npos);
}

// Ref: Raft thesis §4.3; TiKV apply_conf_change_v2: move store 1 to store 4
// through a joint configuration.
TEST(ConfChangeTest, JointMovePeer) {
  Region region = Base();
  auto learner = ApplyConfChange(
      region, Change(ConfChangeType::kAddLearnerNode, 14, 4), region.epoch);
  ASSERT_TRUE(learner.ok());
  region = learner.value();
  auto joint = EnterJoint(region,
                          {Change(ConfChangeType::kAddNode, 14, 4),
                           Change(ConfChangeType::kAddLearnerNode, 11, 1)},
                          region.epoch);
  ASSERT_TRUE(joint.ok()) << ErrorToString(joint.error());
  region = joint.value();
  EXPECT_TRUE(region.InJointState());
  EXPECT_EQ(region.epoch.conf_ver, 4u);  // 2 + two changes
  EXPECT_EQ(region.FindPeer(14)->role, PeerRole::kIncomingVoter);
  EXPECT_EQ(region.FindPeer(11)->role, PeerRole::kDemotingVoter);
  // No simple change and no second joint change while joint.
  EXPECT_FALSE(ApplyConfChange(region,
                               Change(ConfChangeType::kRemoveNode, 11, 1),
                               region.epoch)
                   .ok());
  EXPECT_FALSE(EnterJoint(region, {Change(ConfChangeType::kAddNode, 15, 5)},
                          region.epoch)
                   .ok());
  auto left = LeaveJoint(region, region.epoch);
  ASSERT_TRUE(left.ok());
  region = left.value();
  EXPECT_FALSE(region.InJointState());
  EXPECT_EQ(region.epoch.conf_ver, 6u);  // two roles changed
  EXPECT_EQ(region.FindPeer(14)->role, PeerRole::kVoter);
  EXPECT_EQ(region.FindPeer(11)->role, PeerRole::kLearner);
  auto removed = ApplyConfChange(
      region, Change(ConfChangeType::kRemoveNode, 11, 1), region.epoch);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed.value().IncomingVoters().size(), 3u);
}

TEST(ConfChangeTest, JointRefusals) {
  Region region = Base();
  // Voters must be demoted, not removed, inside a joint change.
  EXPECT_FALSE(EnterJoint(region, {Change(ConfChangeType::kRemoveNode, 11, 1)},
                          region.epoch)
                   .ok());
  // A store may appear only once.
  EXPECT_FALSE(EnterJoint(region,
                          {Change(ConfChangeType::kAddLearnerNode, 11, 1),
                           Change(ConfChangeType::kAddNode, 11, 1)},
                          region.epoch)
                   .ok());
  // Demoting every voter leaves no incoming voter.
  EXPECT_FALSE(EnterJoint(region,
                          {Change(ConfChangeType::kAddLearnerNode, 11, 1),
                           Change(ConfChangeType::kAddLearnerNode, 12, 2),
                           Change(ConfChangeType::kAddLearnerNode, 13, 3)},
                          region.epoch)
                   .ok());
  EXPECT_FALSE(EnterJoint(region, {}, region.epoch).ok());
  EXPECT_FALSE(LeaveJoint(region, region.epoch).ok());
}

// Property: whatever sequence of changes is attempted, accepted changes keep
// the region valid and bump conf_ver (never version); refused ones are
// reported as errors, not crashes.
RC_GTEST_PROP(ConfChangeProperty, AcceptedChangesKeepRegionValid, ()) {
  Region region = Base();
  const int steps = *rc::gen::inRange(1, 30);
  for (int i = 0; i < steps; ++i) {
    const int kind = *rc::gen::inRange(0, 4);
    const StoreId store = *rc::gen::inRange<StoreId>(1, 6);
    const PeerId id = 10 + store;  // a stable peer id per store
    const uint64_t before = region.epoch.conf_ver;
    base::Result<Region, ConfChangeError> next =
        kind == 3
            ? (region.InJointState()
                   ? LeaveJoint(region, region.epoch)
                   : EnterJoint(region,
                                {Change(ConfChangeType::kAddNode, id, store)},
                                region.epoch))
            : ApplyConfChange(
                  region, Change(static_cast<ConfChangeType>(kind), id, store),
                  region.epoch);
    if (!next.ok()) continue;
    RC_ASSERT(Validate(next.value()).ok());
    RC_ASSERT(next.value().epoch.conf_ver > before);
    RC_ASSERT(next.value().epoch.version == region.epoch.version);
    region = next.value();
  }
}

}  // namespace
}  // namespace core::region
