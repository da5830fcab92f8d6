// Region merge on a three-store cluster: PrepareMerge on the source,
// CommitMerge on the target (each target peer first catches its local
// source up), RollbackMerge when the target's epoch moved. Ref: TiKV
// tests/integrations/raftstore/test_merge.rs (test_node_base_merge,
// test_node_merge_with_slow_learner / test_node_merge_catch_up_logs_*,
// test_node_merge_rollback, test_node_merge_restart,
// test_merge_then_split style), fsm/peer.rs and fsm/apply.rs.
//
// Built twice: as merge_test, and with MERGE_MUTANT_CHECKS as the target of
// the mutant test for MUTANT_RAFTSTORE_MERGE_SKIPS_CATCH_UP (a lagging
// source peer's last writes lost by the merge).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/region/metapb_convert.h"
#include "tests/raftstore/cluster.h"

namespace store::raftstore::testing {
namespace {

using core::region::Region;

class MergeTest : public ::testing::Test {
 protected:
  // Regions left ["", "m") (the new one) and right ["m", +inf) (the first),
  // with "a" and "x" written.
  void SetUp() override {
    cluster_.BootstrapFirstRegion({1, 2, 3});
    cluster_.StartAll();
    ASSERT_NE(cluster_.WaitForLeader(kFirstRegionId), 0u);
    ASSERT_FALSE(cluster_.MustPut("a", "old").header().has_error());
    ASSERT_FALSE(cluster_.MustPut("x", "right").header().has_error());
    auto split = cluster_.Split({"m"});
    ASSERT_FALSE(split.header().has_error()) << ErrorOf(split);
    left_ = split.admin_response().splits().regions(0).id();
    ASSERT_NE(cluster_.WaitForLeader(left_), 0u);
    ASSERT_TRUE(cluster_.RunUntil([&] {
      return EveryStoreHosts(2) && AllMatched(left_) &&
             AllMatched(kFirstRegionId);
    }));
  }

  // The region's leader knows every peer matched its last index (what
  // PrepareMerge's min_index is taken from).
  bool AllMatched(uint64_t region_id) {
    const uint64_t leader = cluster_.LeaderStore(region_id);
    if (leader == 0) return false;
    const PeerFsm* peer = cluster_.store(leader)->FindPeer(region_id);
    const core::raft::Raft& raft = peer->raft_peer().raw_node().raft();
    for (const core::region::Peer& member : peer->region().peers) {
      const auto* progress = raft.tracker().Find(member.id);
      if (progress == nullptr ||
          progress->match != raft.raft_log().LastIndex()) {
        return false;
      }
    }
    return true;
  }

  // A source peer goes down while the source takes its last writes, and
  // comes back once the merge committed elsewhere: its value of "a" when
  // its store holds the merged region ("new" unless those writes were lost).
  std::optional<std::string> MergeWithALaggingSourcePeer() {
    const uint64_t leader = cluster_.WaitForLeader(left_);
    const uint64_t lagging =
        OtherStore(leader, cluster_.LeaderStore(kFirstRegionId));
    cluster_.Crash(lagging);
    EXPECT_FALSE(cluster_.MustPut("a", "new").header().has_error());
    auto prepared = PrepareMerge(*cluster_.GetRegion(left_),
                                 *cluster_.GetRegion(kFirstRegionId));
    EXPECT_FALSE(prepared.header().has_error()) << ErrorOf(prepared);
    EXPECT_TRUE(cluster_.RunUntil([&] {
      return StoreHosts(leader, 1) &&
             StoreHosts(OtherStore(leader, lagging), 1);
    }));
    cluster_.Restart(lagging);
    EXPECT_TRUE(cluster_.RunUntil([&] { return StoreHosts(lagging, 1); }));
    EXPECT_EQ(cluster_.Get(lagging, "x"), "right");
    return cluster_.Get(lagging, "a");
  }

  bool EveryStoreHosts(size_t regions) {
    for (uint64_t id : cluster_.store_ids()) {
      if (!StoreHosts(id, regions)) return false;
    }
    return true;
  }
  bool StoreHosts(uint64_t store_id, size_t regions) {
    Store* store = cluster_.store(store_id);
    return store != nullptr && store->Regions().size() == regions;
  }

  // PrepareMerge of `source` into `target` through the source's leader.
  raft_cmdpb::RaftCmdResponse PrepareMerge(const Region& source,
                                           const Region& target) {
    const uint64_t leader = cluster_.WaitForLeader(source.id);
    raft_cmdpb::RaftCmdRequest cmd = cluster_.Command(source, leader);
    raft_cmdpb::AdminRequest* admin = cmd.mutable_admin_request();
    admin->set_cmd_type(raft_cmdpb::PrepareMerge);
    *admin->mutable_prepare_merge()->mutable_target() =
        core::region::ToMetapb(target);
    auto answer = cluster_.Call(leader, std::move(cmd));
    return answer.value_or(raft_cmdpb::RaftCmdResponse());
  }

  // A store other than `a` and `b`.
  uint64_t OtherStore(uint64_t a, uint64_t b = 0) {
    for (uint64_t id : cluster_.store_ids()) {
      if (id != a && id != b) return id;
    }
    return 0;
  }

  Cluster cluster_;
  uint64_t left_ = 0;
};

#if !defined(MERGE_MUTANT_CHECKS)

TEST_F(MergeTest, TheSourceMergesIntoItsRightNeighbour) {
  const Region left = *cluster_.GetRegion(left_);
  const Region right = *cluster_.GetRegion(kFirstRegionId);
  auto prepared = PrepareMerge(left, right);
  ASSERT_FALSE(prepared.header().has_error()) << ErrorOf(prepared);
  ASSERT_TRUE(cluster_.RunUntil([&] { return EveryStoreHosts(1); }));
  const Region merged = *cluster_.GetRegion(kFirstRegionId);
  EXPECT_EQ(merged.start_key, "");
  EXPECT_EQ(merged.end_key, "");
  // PrepareMerge bumped the source's version; the merge supersedes both.
  EXPECT_EQ(merged.epoch.version,
            std::max(left.epoch.version + 1, right.epoch.version) + 1);
  EXPECT_EQ(merged.epoch.conf_ver, right.epoch.conf_ver);
  for (uint64_t id : cluster_.store_ids()) {
    EXPECT_EQ(cluster_.Get(id, "a"), "old") << "store " << id;
    EXPECT_EQ(cluster_.Get(id, "x"), "right") << "store " << id;
    EXPECT_EQ(cluster_.store(id)->FindPeer(left_), nullptr);
    EXPECT_TRUE(cluster_.store(id)->Tombstone(left_).has_value());
  }
  EXPECT_FALSE(cluster_.MustPut("b", "merged").header().has_error());
  EXPECT_EQ(cluster_.RegionForKey("b")->id, kFirstRegionId);
}

// PrepareMerge is refused for a region that does not touch the target.
TEST_F(MergeTest, APrepareMergeForANonAdjacentTargetIsRefused) {
  auto split = cluster_.Split({"t"});
  ASSERT_FALSE(split.header().has_error()) << ErrorOf(split);
  // Right derive: the first region keeps ["t", +inf), away from ["", "m").
  const Region far = *cluster_.GetRegion(kFirstRegionId);
  ASSERT_EQ(far.start_key, "t");
  auto prepared = PrepareMerge(*cluster_.GetRegion(left_), far);
  EXPECT_TRUE(prepared.header().has_error());
  EXPECT_FALSE(cluster_.MustPut("a", "still").header().has_error());
}

// Ref: test_merge.rs test_node_merge_then_split style.
TEST_F(MergeTest, AMergedRegionSplitsAgain) {
  auto prepared = PrepareMerge(*cluster_.GetRegion(left_),
                               *cluster_.GetRegion(kFirstRegionId));
  ASSERT_FALSE(prepared.header().has_error()) << ErrorOf(prepared);
  ASSERT_TRUE(cluster_.RunUntil([&] { return EveryStoreHosts(1); }));
  auto split = cluster_.Split({"f"});
  ASSERT_FALSE(split.header().has_error()) << ErrorOf(split);
  ASSERT_TRUE(cluster_.RunUntil([&] { return EveryStoreHosts(2); }));
  EXPECT_FALSE(cluster_.MustPut("c", "1").header().has_error());
  EXPECT_FALSE(cluster_.MustPut("g", "2").header().has_error());
  ASSERT_TRUE(cluster_.RunUntil([&] {
    for (uint64_t id : cluster_.store_ids()) {
      if (cluster_.Get(id, "c") != "1" || cluster_.Get(id, "g") != "2") {
        return false;
      }
    }
    return true;
  }));
  for (uint64_t id : cluster_.store_ids())
    EXPECT_EQ(cluster_.Get(id, "a"), "old");
}

// The target split after PrepareMerge was built: CommitMerge is refused
// (EpochNotMatch) and the source rolls back, its version bumped again, and
// takes writes. Ref: test_merge.rs test_node_merge_rollback.
TEST_F(MergeTest, ARefusedMergeRollsBack) {
  const Region left = *cluster_.GetRegion(left_);
  const Region stale_target = *cluster_.GetRegion(kFirstRegionId);
  ASSERT_FALSE(cluster_.Split({"t"}).header().has_error());
  auto prepared = PrepareMerge(left, stale_target);
  ASSERT_FALSE(prepared.header().has_error()) << ErrorOf(prepared);
  ASSERT_TRUE(cluster_.RunUntil([&] {
    for (uint64_t id : cluster_.store_ids()) {
      const PeerFsm* peer = cluster_.store(id)->FindPeer(left_);
      if (peer == nullptr || peer->merge_state().has_value() ||
          peer->region().epoch.version != left.epoch.version + 2) {
        return false;
      }
    }
    return true;
  }));
  EXPECT_EQ(cluster_.GetRegion(left_)->epoch.conf_ver, left.epoch.conf_ver + 1);
  EXPECT_FALSE(cluster_.MustPut("a", "after").header().has_error());
  EXPECT_TRUE(EveryStoreHosts(3));
}

// While the target has no leader the merge waits: the source refuses writes
// (ProposalInMergingMode); the merge state survives a restart of the
// source's leader; once the target elects a leader the merge completes and
// the write goes to the target. Ref: test_merge.rs test_node_merge_restart,
// test_merge_with_unavailable_target style.
TEST_F(MergeTest, WritesWaitOutAMergeAndItSurvivesARestart) {
  const uint64_t target_leader = cluster_.WaitForLeader(kFirstRegionId);
  const uint64_t source_store = OtherStore(target_leader);
  // Lead the source elsewhere, then take the target's leader away.
  raft_cmdpb::RaftCmdRequest transfer =
      cluster_.Command(*cluster_.GetRegion(left_), target_leader);
  transfer.mutable_admin_request()->set_cmd_type(raft_cmdpb::TransferLeader);
  *transfer.mutable_admin_request()->mutable_transfer_leader()->mutable_peer() =
      core::region::ToMetapb(
          *cluster_.GetRegion(left_)->FindPeerOnStore(source_store));
  ASSERT_FALSE(cluster_.Call(target_leader, transfer)->header().has_error());
  ASSERT_TRUE(cluster_.RunUntil(
      [&] { return cluster_.LeaderStore(left_) == source_store; }));
  // The new leader learns every peer's match (PrepareMerge's min_index).
  ASSERT_FALSE(cluster_.MustPut("a", "moved").header().has_error());
  cluster_.RunFor(Duration::Milliseconds(200));
  const Region right = *cluster_.GetRegion(kFirstRegionId);
  cluster_.Crash(target_leader);
  auto prepared = PrepareMerge(*cluster_.GetRegion(left_), right);
  ASSERT_FALSE(prepared.header().has_error())
      << prepared.header().error().DebugString();
  const Region merging = *cluster_.GetRegion(left_);
  auto refused = cluster_.Call(
      source_store, cluster_.PutCommand(merging, source_store, "a", "during"));
  ASSERT_TRUE(refused.has_value());
  EXPECT_TRUE(refused->header().error().has_proposal_in_merging_mode())
      << ErrorOf(*refused);
  const core::raft::Index commit =
      cluster_.store(source_store)->FindPeer(left_)->merge_state()->commit();
  cluster_.Crash(source_store);
  cluster_.Restart(source_store);
  // The merge state is persisted with the apply state: recovered iff the
  // PrepareMerge's apply was (else it is applied again from the log).
  const PeerFsm* recovered = cluster_.store(source_store)->FindPeer(left_);
  ASSERT_NE(recovered, nullptr);
  EXPECT_EQ(recovered->merge_state().has_value(),
            recovered->raft_peer().applied_index() >= commit);
  ASSERT_TRUE(cluster_.RunUntil([&] {
    const PeerFsm* peer = cluster_.store(source_store)->FindPeer(left_);
    return peer == nullptr || peer->merge_state().has_value();
  }));
  ASSERT_TRUE(cluster_.RunUntil([&] {
    return StoreHosts(source_store, 1) &&
           StoreHosts(OtherStore(source_store, target_leader), 1);
  }));
  EXPECT_FALSE(cluster_.MustPut("a", "routed").header().has_error());
  cluster_.Restart(target_leader);
  ASSERT_TRUE(cluster_.RunUntil([&] {
    return EveryStoreHosts(1) && cluster_.Get(target_leader, "a") == "routed";
  }));
  EXPECT_EQ(cluster_.Get(target_leader, "x"), "right");
  EXPECT_EQ(cluster_.Get(source_store, "a"), "routed");
}

#endif  // !MERGE_MUTANT_CHECKS

#if !defined(MERGE_MUTANT_CHECKS)

// The lagging peer's store's target peer catches it up from CommitMerge's
// entries before taking the range. Ref: test_merge.rs
// test_node_merge_catch_up_logs_restart.
TEST_F(MergeTest, ALaggingSourcePeerIsCaughtUpByTheMerge) {
  EXPECT_EQ(MergeWithALaggingSourcePeer(), "new")
      << "the merge lost a write the source peer had yet to apply";
}

#else  // MERGE_MUTANT_CHECKS

// Passes iff the mutant is caught: the merged region lost the write.
TEST_F(MergeTest, TheMergeLosesTheLaggingPeersLastWrite) {
  EXPECT_EQ(MergeWithALaggingSourcePeer(), "old");
}

#endif

}  // namespace
}  // namespace store::raftstore::testing
