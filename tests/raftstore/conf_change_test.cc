// Membership changes through Raft conf changes carrying ChangePeer /
// ChangePeerV2 commands: add a voter, add a learner and promote it, enter
// and leave a joint configuration, remove a peer; each bumps conf_ver; a
// removed peer is destroyed and tombstoned, and its tombstone refuses the
// messages still addressed to it. Ref: TiKV
// tests/integrations/raftstore/test_conf_change.rs (test_simple_conf_change,
// test_pd_conf_change, test_learner_conf_change, test_joint_consensus) and
// test_tombstone.rs (test_tombstone: a removed peer that missed its removal
// is told by the others and cleaned up).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/region/metapb_convert.h"
#include "tests/raftstore/cluster.h"

namespace store::raftstore::testing {
namespace {

using core::region::PeerRole;

struct Change {
  eraftpb::ConfChangeType type;
  uint64_t peer_id;
  uint64_t store_id;
};

class ConfChangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.BootstrapFirstRegion({1, 2, 3});
    cluster_.StartAll();
    ASSERT_NE(cluster_.WaitForLeader(kFirstRegionId), 0u);
    ASSERT_FALSE(cluster_.MustPut("a", "1").header().has_error());
  }

  // Proposes the changes (one: ChangePeer; several or none: ChangePeerV2)
  // through the region's leader.
  raft_cmdpb::RaftCmdResponse ChangePeers(const std::vector<Change>& changes,
                                          bool v2 = false) {
    const uint64_t leader = cluster_.WaitForLeader(kFirstRegionId);
    const core::region::Region region = *cluster_.GetRegion(kFirstRegionId);
    raft_cmdpb::RaftCmdRequest cmd = cluster_.Command(region, leader);
    raft_cmdpb::AdminRequest* admin = cmd.mutable_admin_request();
    auto fill = [](raft_cmdpb::ChangePeerRequest* request, const Change& c) {
      request->set_change_type(c.type);
      request->mutable_peer()->set_id(c.peer_id);
      request->mutable_peer()->set_store_id(c.store_id);
    };
    if (!v2 && changes.size() == 1) {
      admin->set_cmd_type(raft_cmdpb::ChangePeer);
      fill(admin->mutable_change_peer(), changes.front());
    } else {
      admin->set_cmd_type(raft_cmdpb::ChangePeerV2);
      for (const Change& change : changes) {
        fill(admin->mutable_change_peer_v2()->add_changes(), change);
      }
    }
    auto answer = cluster_.Call(leader, cmd);
    EXPECT_TRUE(answer.has_value());
    return answer.value_or(raft_cmdpb::RaftCmdResponse());
  }

  std::optional<PeerRole> RoleOn(uint64_t store_id) {
    auto region = cluster_.GetRegion(kFirstRegionId);
    const core::region::Peer* peer = region->FindPeerOnStore(store_id);
    if (peer == nullptr) return std::nullopt;
    return peer->role;
  }
  bool Replicated(uint64_t store_id, const std::string& key,
                  const std::string& value) {
    return cluster_.RunUntil(
        [&] { return cluster_.Get(store_id, key) == value; });
  }

  Cluster cluster_{ClusterOptions{.stores = 4}};
};

// Ref: test_conf_change.rs test_simple_conf_change.
TEST_F(ConfChangeTest, AddAVoterThenRemoveIt) {
  const uint64_t conf_ver = cluster_.GetRegion(kFirstRegionId)->epoch.conf_ver;
  auto added = ChangePeers({{eraftpb::AddNode, 40, 4}});
  ASSERT_FALSE(added.header().has_error()) << ErrorOf(added);
  const metapb::Region& region = added.admin_response().change_peer().region();
  EXPECT_EQ(region.region_epoch().conf_ver(), conf_ver + 1);
  EXPECT_EQ(region.peers_size(), 4);
  // Store 4 creates the peer from the leader's first message and catches
  // up by snapshot: it has the data written before it joined.
  ASSERT_TRUE(Replicated(4, "a", "1"));
  ASSERT_FALSE(cluster_.MustPut("b", "2").header().has_error());
  ASSERT_TRUE(Replicated(4, "b", "2"));
  EXPECT_TRUE(cluster_.store(4)->FindPeer(kFirstRegionId)->initialized());

  auto removed = ChangePeers({{eraftpb::RemoveNode, 40, 4}});
  ASSERT_FALSE(removed.header().has_error()) << ErrorOf(removed);
  EXPECT_EQ(
      removed.admin_response().change_peer().region().region_epoch().conf_ver(),
      conf_ver + 2);
  // The removed peer applies its own removal (or is told by the others):
  // destroyed, tombstoned, its data gone.
  ASSERT_TRUE(cluster_.RunUntil(
      [&] { return cluster_.store(4)->FindPeer(kFirstRegionId) == nullptr; }));
  auto tombstone = cluster_.store(4)->Tombstone(kFirstRegionId);
  ASSERT_TRUE(tombstone.has_value());
  EXPECT_GE(tombstone->region_epoch().conf_ver(), conf_ver + 1);
  EXPECT_EQ(cluster_.Get(4, "a"), std::nullopt);
  // The others go on with three voters.
  ASSERT_FALSE(cluster_.MustPut("c", "3").header().has_error());
  EXPECT_EQ(cluster_.Get(4, "c"), std::nullopt);

  // Messages still addressed to the removed peer (from a leader that has not
  // heard of the removal: the epoch before it) are refused by the tombstone.
  const uint64_t refused = cluster_.store(4)->stats().dropped_tombstone;
  raft_serverpb::RaftMessage old;
  old.set_region_id(kFirstRegionId);
  old.mutable_from_peer()->set_id(1);
  old.mutable_from_peer()->set_store_id(1);
  old.mutable_to_peer()->set_id(40);
  old.mutable_to_peer()->set_store_id(4);
  old.mutable_region_epoch()->set_conf_ver(conf_ver + 1);
  old.mutable_region_epoch()->set_version(1);
  eraftpb::Message* heartbeat = old.mutable_message();
  heartbeat->set_msg_type(eraftpb::MsgHeartbeat);
  heartbeat->set_from(1);
  heartbeat->set_to(40);
  heartbeat->set_term(100);
  cluster_.SendRaftMessages(4, {old});
  EXPECT_EQ(cluster_.store(4)->stats().dropped_tombstone, refused + 1);
  EXPECT_EQ(cluster_.store(4)->FindPeer(kFirstRegionId), nullptr);
}

// Ref: test_conf_change.rs test_learner_conf_change: a learner replicates
// without voting; AddNode on it promotes it.
TEST_F(ConfChangeTest, AddALearnerThenPromoteIt) {
  auto learner = ChangePeers({{eraftpb::AddLearnerNode, 40, 4}});
  ASSERT_FALSE(learner.header().has_error()) << ErrorOf(learner);
  EXPECT_EQ(RoleOn(4), PeerRole::kLearner);
  ASSERT_TRUE(Replicated(4, "a", "1"));
  const auto& conf_state = cluster_.store(cluster_.LeaderStore(kFirstRegionId))
                               ->FindPeer(kFirstRegionId)
                               ->raft_peer()
                               .raw_node()
                               .GetStatus()
                               .conf_state;
  EXPECT_EQ(conf_state.learners, (std::vector<uint64_t>{40}));
  auto promoted = ChangePeers({{eraftpb::AddNode, 40, 4}});
  ASSERT_FALSE(promoted.header().has_error()) << ErrorOf(promoted);
  EXPECT_EQ(RoleOn(4), PeerRole::kVoter);
  ASSERT_FALSE(cluster_.MustPut("b", "2").header().has_error());
  ASSERT_TRUE(Replicated(4, "b", "2"));
}

// Ref: test_conf_change.rs test_joint_consensus: ChangePeerV2 adds store 4
// and demotes store 3 in one joint configuration; an empty ChangePeerV2
// leaves it; the demoted learner is then removed.
TEST_F(ConfChangeTest, AJointChangeIsEnteredAndLeft) {
  const uint64_t leader = cluster_.LeaderStore(kFirstRegionId);
  const uint64_t demoted = leader == 3 ? 2 : 3;
  auto joint = ChangePeers(
      {{eraftpb::AddNode, 40, 4}, {eraftpb::AddLearnerNode, demoted, demoted}});
  ASSERT_FALSE(joint.header().has_error()) << ErrorOf(joint);
  EXPECT_EQ(RoleOn(4), PeerRole::kIncomingVoter);
  EXPECT_EQ(RoleOn(demoted), PeerRole::kDemotingVoter);
  auto left = ChangePeers({}, /*v2=*/true);
  ASSERT_FALSE(left.header().has_error()) << ErrorOf(left);
  EXPECT_EQ(RoleOn(4), PeerRole::kVoter);
  EXPECT_EQ(RoleOn(demoted), PeerRole::kLearner);
  auto removed = ChangePeers({{eraftpb::RemoveNode, demoted, demoted}});
  ASSERT_FALSE(removed.header().has_error()) << ErrorOf(removed);
  ASSERT_TRUE(cluster_.RunUntil([&] {
    return cluster_.store(demoted)->FindPeer(kFirstRegionId) == nullptr;
  }));
  ASSERT_FALSE(cluster_.MustPut("b", "2").header().has_error());
  ASSERT_TRUE(Replicated(4, "b", "2"));
}

// A change built against an old conf_ver is refused with the current
// region; a change the region model refuses (removing a peer that is not
// there) is refused with its reason.
TEST_F(ConfChangeTest, StaleOrInvalidChangesAreRefused) {
  ASSERT_FALSE(
      ChangePeers({{eraftpb::AddLearnerNode, 40, 4}}).header().has_error());
  const uint64_t leader = cluster_.WaitForLeader(kFirstRegionId);
  core::region::Region old = *cluster_.GetRegion(kFirstRegionId);
  old.epoch.conf_ver -= 1;
  raft_cmdpb::RaftCmdRequest cmd = cluster_.Command(old, leader);
  cmd.mutable_admin_request()->set_cmd_type(raft_cmdpb::ChangePeer);
  cmd.mutable_admin_request()->mutable_change_peer()->set_change_type(
      eraftpb::RemoveNode);
  cmd.mutable_admin_request()->mutable_change_peer()->mutable_peer()->set_id(
      40);
  cmd.mutable_admin_request()
      ->mutable_change_peer()
      ->mutable_peer()
      ->set_store_id(4);
  auto stale = cluster_.Call(leader, cmd);
  ASSERT_TRUE(stale.has_value());
  ASSERT_TRUE(stale->header().error().has_epoch_not_match());
  EXPECT_EQ(stale->header()
                .error()
                .epoch_not_match()
                .current_regions(0)
                .region_epoch()
                .conf_ver(),
            old.epoch.conf_ver + 1);
  auto invalid = ChangePeers({{eraftpb::RemoveNode, 99, 4}});
  EXPECT_TRUE(invalid.header().has_error());
  EXPECT_FALSE(invalid.header().error().has_epoch_not_match());
  EXPECT_EQ(RoleOn(4), PeerRole::kLearner) << "nothing changed";
}

// Ref: test_tombstone.rs: store 3 is down while its peer is removed, so it
// never applies the removal (the leader stops replicating to a removed
// peer). Back, it asks for votes with its old epoch; the others answer with
// a tombstone message and its store destroys it.
TEST_F(ConfChangeTest, APeerRemovedWhileDownIsGarbageCollected) {
  const uint64_t leader = cluster_.LeaderStore(kFirstRegionId);
  const uint64_t away = leader == 3 ? 2 : 3;
  cluster_.Crash(away);
  auto removed = ChangePeers({{eraftpb::RemoveNode, away, away}});
  ASSERT_FALSE(removed.header().has_error()) << ErrorOf(removed);
  cluster_.Restart(away);
  ASSERT_TRUE(
      cluster_.RunUntil([&] { return cluster_.store(away)->started(); }));
  ASSERT_NE(cluster_.store(away)->FindPeer(kFirstRegionId), nullptr)
      << "it cannot know yet";
  ASSERT_TRUE(cluster_.RunUntil([&] {
    return cluster_.store(away)->FindPeer(kFirstRegionId) == nullptr;
  }));
  EXPECT_TRUE(cluster_.store(away)->Tombstone(kFirstRegionId).has_value());
  EXPECT_EQ(cluster_.Get(away, "a"), std::nullopt);
  ASSERT_FALSE(cluster_.MustPut("b", "2").header().has_error());
}

}  // namespace
}  // namespace store::raftstore::testing
