// Leader transfer on a three-store cluster: TransferLeader (answered by
// the leader at once, never logged) moves leadership to the target; a
// target that lags the leader's log by more than
// leader-transfer-max-log-lag, or that is not a voter, is refused and the
// leader stays. Ref: TiKV tests/integrations/raftstore/
// test_transfer_leader.rs (test_basic_transfer_leader), Peer::
// pre_transfer_leader in components/raftstore/src/store/peer.rs.
#include <gtest/gtest.h>

#include <string>

#include "tests/raftstore/cluster.h"

namespace store::raftstore::testing {
namespace {

raft_cmdpb::RaftCmdRequest TransferLeader(Cluster& cluster, uint64_t leader,
                                          uint64_t target_peer_id) {
  raft_cmdpb::RaftCmdRequest cmd =
      cluster.Command(*cluster.GetRegion(kFirstRegionId), leader);
  raft_cmdpb::AdminRequest* admin = cmd.mutable_admin_request();
  admin->set_cmd_type(raft_cmdpb::TransferLeader);
  admin->mutable_transfer_leader()->mutable_peer()->set_id(target_peer_id);
  // Peer ids are store ids in the bootstrapped region.
  admin->mutable_transfer_leader()->mutable_peer()->set_store_id(
      target_peer_id);
  return cmd;
}

class TransferLeaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.BootstrapFirstRegion({1, 2, 3});
    cluster_.StartAll();
    leader_ = cluster_.WaitForLeader(kFirstRegionId);
    ASSERT_NE(leader_, 0u);
  }
  Cluster cluster_;
  uint64_t leader_ = 0;
};

TEST_F(TransferLeaderTest, LeadershipMovesToEachFollowerInTurn) {
  for (uint64_t target : {1, 2, 3, 1}) {
    const uint64_t leader = cluster_.WaitForLeader(kFirstRegionId);
    ASSERT_FALSE(
        cluster_.MustPut("k", std::to_string(target)).header().has_error());
    auto answer =
        cluster_.Call(leader, TransferLeader(cluster_, leader, target));
    ASSERT_TRUE(answer.has_value());
    ASSERT_FALSE(answer->header().has_error()) << ErrorOf(*answer);
    EXPECT_EQ(answer->admin_response().cmd_type(), raft_cmdpb::TransferLeader);
    EXPECT_TRUE(cluster_.RunUntil([&] {
      return cluster_.LeaderStore(kFirstRegionId) == target;
    })) << "to "
        << target;
  }
  // The new leader serves writes.
  EXPECT_FALSE(cluster_.MustPut("after", "1").header().has_error());
}

TEST_F(TransferLeaderTest, ALaggingTargetIsRefused) {
  const uint64_t lagging = leader_ == 3 ? 2 : 3;
  cluster_.Crash(lagging);
  for (int i = 0; i < 150; ++i) {
    ASSERT_FALSE(
        cluster_.MustPut("k" + std::to_string(i), "v").header().has_error());
  }
  auto answer =
      cluster_.Call(leader_, TransferLeader(cluster_, leader_, lagging));
  ASSERT_TRUE(answer.has_value());
  ASSERT_TRUE(answer->header().has_error());
  EXPECT_NE(answer->header().error().message().find("lags"), std::string::npos)
      << ErrorOf(*answer);
  cluster_.RunFor(Duration::Milliseconds(500));
  EXPECT_EQ(cluster_.LeaderStore(kFirstRegionId), leader_);
}

TEST_F(TransferLeaderTest, ATargetOutsideTheRegionIsRefused) {
  auto answer = cluster_.Call(leader_, TransferLeader(cluster_, leader_, 9));
  ASSERT_TRUE(answer.has_value());
  ASSERT_TRUE(answer->header().has_error());
  EXPECT_NE(answer->header().error().message().find("not a voter"),
            std::string::npos)
      << ErrorOf(*answer);
  // A follower answers NotLeader, as for any command.
  const uint64_t follower = leader_ == 1 ? 2 : 1;
  answer = cluster_.Call(follower, TransferLeader(cluster_, follower, 3));
  ASSERT_TRUE(answer.has_value());
  EXPECT_TRUE(answer->header().error().has_not_leader()) << ErrorOf(*answer);
}

// A write reaching the leader while its transfer is in progress (the
// target cut off, so the transfer hangs until the election timeout aborts
// it) is answered NotLeader naming the transferee: a region error the
// client retries on, never a storage error it gives up on (stock client-go
// failed a Put with "proposal dropped" after a PD leader balance).
TEST_F(TransferLeaderTest, AWriteDuringTheTransferIsANotLeaderError) {
  const uint64_t target = leader_ == 3 ? 2 : 3;
  ASSERT_FALSE(cluster_.MustPut("k", "v").header().has_error());
  cluster_.RunFor(Duration::Milliseconds(200));  // The target catches up.
  cluster_.Isolate(target);
  auto answer =
      cluster_.Call(leader_, TransferLeader(cluster_, leader_, target));
  ASSERT_TRUE(answer.has_value());
  ASSERT_FALSE(answer->header().has_error()) << ErrorOf(*answer);
  const auto region = cluster_.GetRegion(kFirstRegionId);
  auto put = cluster_.Call(
      leader_, cluster_.PutCommand(*region, leader_, "during", "v"));
  ASSERT_TRUE(put.has_value());
  ASSERT_TRUE(put->header().error().has_not_leader()) << ErrorOf(*put);
  EXPECT_EQ(put->header().error().not_leader().leader().id(), target);
  cluster_.Heal();
  EXPECT_FALSE(cluster_.MustPut("after", "v").header().has_error());
}

}  // namespace
}  // namespace store::raftstore::testing
