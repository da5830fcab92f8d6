// Each region error the raftstore answers a command with, carrying its
// data (reference tikv.md §1.4; Ref: TiKV components/raftstore/src/store/
// fsm/peer.rs pre_propose_raft_command and util.rs check_region_epoch,
// tests/integrations/raftstore/test_region_info / test_stale_read style):
// NotLeader with the leader, EpochNotMatch with the current regions,
// RegionNotFound, KeyNotInRegion with the range, StaleCommand when the
// term moved before apply, ServerIsBusy for a full proposal queue,
// StoreNotMatch, RaftEntryTooLarge; and malformed commands refused with a
// reason.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/region/metapb_convert.h"
#include "tests/raftstore/cluster.h"

namespace store::raftstore::testing {
namespace {

class RegionErrorTest : public ::testing::Test {
 protected:
  void Boot(ClusterOptions options = {}) {
    cluster_ = std::make_unique<Cluster>(options);
    cluster_->BootstrapFirstRegion({1, 2, 3});
    cluster_->StartAll();
    leader_ = cluster_->WaitForLeader(kFirstRegionId);
    ASSERT_NE(leader_, 0u);
    region_ = *cluster_->GetRegion(kFirstRegionId);
  }
  errorpb::Error ErrorFor(uint64_t store_id, raft_cmdpb::RaftCmdRequest cmd) {
    auto answer = cluster_->Call(store_id, std::move(cmd));
    EXPECT_TRUE(answer.has_value());
    EXPECT_TRUE(answer.has_value() && answer->header().has_error());
    return answer.has_value() ? answer->header().error() : errorpb::Error();
  }
  raft_cmdpb::RaftCmdRequest Put(uint64_t store_id, const std::string& key) {
    return cluster_->PutCommand(region_, store_id, key, "v");
  }

  std::unique_ptr<Cluster> cluster_;
  uint64_t leader_ = 0;
  core::region::Region region_;
};

TEST_F(RegionErrorTest, NotLeaderNamesTheLeader) {
  Boot();
  const uint64_t follower = leader_ == 1 ? 2 : 1;
  const errorpb::Error error = ErrorFor(follower, Put(follower, "k"));
  ASSERT_TRUE(error.has_not_leader()) << error.DebugString();
  EXPECT_EQ(error.not_leader().region_id(), kFirstRegionId);
  EXPECT_EQ(error.not_leader().leader().store_id(), leader_);
  EXPECT_EQ(error.not_leader().leader().id(), leader_) << "peer id = store id";
}

// Ref: test_split_region.rs test_split_epoch_not_match: a command built
// before a split carries the old version; the answer lists the region now
// and the one split off it, so the client need not ask PD.
TEST_F(RegionErrorTest, EpochNotMatchCarriesTheCurrentRegions) {
  Boot();
  const core::region::Region before = region_;
  ASSERT_FALSE(cluster_->Split({"m"}).header().has_error());
  leader_ = cluster_->WaitForLeader(kFirstRegionId);
  const errorpb::Error error = ErrorFor(leader_, Put(leader_, "x"));
  ASSERT_TRUE(error.has_epoch_not_match()) << error.DebugString();
  const auto& current = error.epoch_not_match().current_regions();
  ASSERT_EQ(current.size(), 2);
  EXPECT_EQ(current[0].id(), kFirstRegionId);
  EXPECT_EQ(current[0].start_key(), "m") << "right derived";
  EXPECT_EQ(current[0].region_epoch().version(), before.epoch.version + 1);
  EXPECT_EQ(current[1].end_key(), "m");
  EXPECT_EQ(current[1].start_key(), "");
}

TEST_F(RegionErrorTest, RegionNotFoundNamesTheRegion) {
  Boot();
  raft_cmdpb::RaftCmdRequest cmd = Put(leader_, "k");
  cmd.mutable_header()->set_region_id(999);
  const errorpb::Error error = ErrorFor(leader_, cmd);
  ASSERT_TRUE(error.has_region_not_found()) << error.DebugString();
  EXPECT_EQ(error.region_not_found().region_id(), 999u);
}

TEST_F(RegionErrorTest, KeyNotInRegionCarriesTheRange) {
  Boot();
  ASSERT_FALSE(cluster_->Split({"m"}).header().has_error());
  leader_ = cluster_->WaitForLeader(kFirstRegionId);
  region_ = *cluster_->GetRegion(kFirstRegionId);  // now ["m", +inf)
  const errorpb::Error error = ErrorFor(leader_, Put(leader_, "a"));
  ASSERT_TRUE(error.has_key_not_in_region()) << error.DebugString();
  EXPECT_EQ(error.key_not_in_region().key(), "a");
  EXPECT_EQ(error.key_not_in_region().region_id(), kFirstRegionId);
  EXPECT_EQ(error.key_not_in_region().start_key(), "m");
  EXPECT_EQ(error.key_not_in_region().end_key(), "");
}

// The term moved under the proposal: an isolated leader accepts a
// proposal it can never commit; it steps down (check quorum), and the
// proposal is answered StaleCommand instead of hanging.
TEST_F(RegionErrorTest, StaleCommandWhenTheLeaderStepsDown) {
  Boot();
  cluster_->Isolate(leader_);
  raft_cmdpb::RaftCmdRequest put = Put(leader_, "k");
  auto answer = cluster_->Call(leader_, put);
  ASSERT_TRUE(answer.has_value()) << "answered, not hanging";
  EXPECT_TRUE(answer->header().error().has_stale_command())
      << answer->DebugString();
  EXPECT_EQ(answer->header().uuid(), put.header().uuid());
  cluster_->Heal();
  // A command for a term that is not the current one is stale too.
  leader_ = cluster_->WaitForLeader(kFirstRegionId);
  raft_cmdpb::RaftCmdRequest old_term = Put(leader_, "k");
  old_term.mutable_header()->set_term(1);
  EXPECT_TRUE(ErrorFor(leader_, old_term).has_stale_command());
}

TEST_F(RegionErrorTest, ServerIsBusyWhenTheProposalQueueIsFull) {
  Boot({.max_pending_proposals_per_region = 3});
  std::vector<raft_cmdpb::RaftCmdRequest> puts;
  for (int i = 0; i < 8; ++i)
    puts.push_back(Put(leader_, "k" + std::to_string(i)));
  std::vector<raft_cmdpb::RaftCmdResponse> answers;
  ASSERT_TRUE(cluster_->CallAll(leader_, puts, &answers));
  int busy = 0, done = 0;
  for (const auto& answer : answers) {
    if (answer.header().error().has_server_is_busy()) {
      ++busy;
      EXPECT_FALSE(answer.header().error().server_is_busy().reason().empty());
    } else if (!answer.header().has_error()) {
      ++done;
    }
  }
  EXPECT_EQ(done, 3);
  EXPECT_EQ(busy, 5);
}

TEST_F(RegionErrorTest, StoreNotMatchNamesBothStores) {
  Boot();
  raft_cmdpb::RaftCmdRequest cmd = Put(leader_, "k");
  cmd.mutable_header()->mutable_peer()->set_store_id(9);
  const errorpb::Error error = ErrorFor(leader_, cmd);
  ASSERT_TRUE(error.has_store_not_match()) << error.DebugString();
  EXPECT_EQ(error.store_not_match().request_store_id(), 9u);
  EXPECT_EQ(error.store_not_match().actual_store_id(), leader_);
}

TEST_F(RegionErrorTest, AnOversizedCommandIsRaftEntryTooLarge) {
  Boot({.raft_entry_max_size_bytes = 1024});
  raft_cmdpb::RaftCmdRequest cmd =
      cluster_->PutCommand(region_, leader_, "k", std::string(2000, 'v'));
  const errorpb::Error error = ErrorFor(leader_, cmd);
  ASSERT_TRUE(error.has_raft_entry_too_large()) << error.DebugString();
  EXPECT_EQ(error.raft_entry_too_large().region_id(), kFirstRegionId);
  EXPECT_GT(error.raft_entry_too_large().entry_size(), 2000u);
  // The store keeps serving.
  EXPECT_FALSE(cluster_->MustPut("k", "small").header().has_error());
}

// Malformed commands are refused with a reason, never proposed.
TEST_F(RegionErrorTest, MalformedCommandsAreRefused) {
  Boot();
  raft_cmdpb::RaftCmdRequest empty = cluster_->Command(region_, leader_);
  EXPECT_NE(ErrorFor(leader_, empty).message().find("invalid command"),
            std::string::npos);
  raft_cmdpb::RaftCmdRequest bad_cf = Put(leader_, "k");
  bad_cf.mutable_requests(0)->mutable_put()->set_cf("raft");
  EXPECT_NE(ErrorFor(leader_, bad_cf).message().find("column family"),
            std::string::npos);
  raft_cmdpb::RaftCmdRequest wrong_peer = Put(leader_, "k");
  wrong_peer.mutable_header()->mutable_peer()->set_id(42);
  EXPECT_NE(ErrorFor(leader_, wrong_peer).message().find("mismatch peer id"),
            std::string::npos);
  raft_cmdpb::RaftCmdRequest get = Put(leader_, "k");
  get.mutable_requests(0)->set_cmd_type(raft_cmdpb::Get);
  EXPECT_NE(ErrorFor(leader_, get).message().find("not a write"),
            std::string::npos);
  EXPECT_EQ(
      cluster_->store(leader_)->FindPeer(kFirstRegionId)->pending_proposals(),
      0u);
}

}  // namespace
}  // namespace store::raftstore::testing
