// pdpb conversions: region heartbeats in (validated: a heartbeat without a
// leader, or with a bad region, is refused), operator commands out with
// the fields TiKV reads (region id, epoch, target peer, the step; a
// learner travels with role Learner).
#include "pd/server/convert.h"

#include <gtest/gtest.h>

namespace pd::server {
namespace {

using core::region::ConfChangeType;
using core::region::Peer;
using core::region::PeerRole;

cluster::RegionInfo Info() {
  cluster::RegionInfo info;
  info.heartbeat.region.id = 7;
  info.heartbeat.region.epoch = {3, 4};
  info.heartbeat.region.peers = {{71, 1, PeerRole::kVoter},
                                 {72, 2, PeerRole::kVoter}};
  info.heartbeat.leader = info.heartbeat.region.peers[0];
  return info;
}

TEST(ConvertTest, AddLearnerTravelsWithTheLearnerRole) {
  const operators::RegionCommand command = operators::ChangePeerCommand{
      {ConfChangeType::kAddLearnerNode, Peer{73, 3, PeerRole::kVoter}}};
  const pdpb::RegionHeartbeatResponse out = CommandToPdpb(command, Info());
  EXPECT_EQ(out.region_id(), 7u);
  EXPECT_EQ(out.region_epoch().conf_ver(), 3u);
  EXPECT_EQ(out.region_epoch().version(), 4u);
  EXPECT_EQ(out.target_peer().id(), 71u);
  EXPECT_EQ(out.change_peer().change_type(), eraftpb::AddLearnerNode);
  EXPECT_EQ(out.change_peer().peer().id(), 73u);
  EXPECT_EQ(out.change_peer().peer().role(), metapb::Learner);
}

TEST(ConvertTest, EveryCommandKindFillsItsArm) {
  EXPECT_EQ(CommandToPdpb(operators::TransferLeaderCommand{{72, 2}}, Info())
                .transfer_leader()
                .peer()
                .store_id(),
            2u);
  core::region::Region target = Info().region();
  target.id = 8;
  EXPECT_EQ(CommandToPdpb(operators::MergeCommand{target}, Info())
                .merge()
                .target()
                .id(),
            8u);
  auto split = CommandToPdpb(operators::SplitRegionCommand{{"m"}}, Info());
  EXPECT_EQ(split.split_region().policy(), pdpb::USEKEY);
  EXPECT_EQ(split.split_region().keys(0), "m");
  EXPECT_EQ(CommandToPdpb(operators::SplitRegionCommand{}, Info())
                .split_region()
                .policy(),
            pdpb::APPROXIMATE);
  auto v2 = CommandToPdpb(
      operators::ChangePeerV2Command{{{ConfChangeType::kAddNode, {73, 3}},
                                      {ConfChangeType::kRemoveNode, {72, 2}}}},
      Info());
  ASSERT_EQ(v2.change_peer_v2().changes_size(), 2);
  EXPECT_EQ(v2.change_peer_v2().changes(1).change_type(), eraftpb::RemoveNode);
}

TEST(ConvertTest, HeartbeatsAreValidated) {
  pdpb::RegionHeartbeatRequest request;
  EXPECT_FALSE(RegionHeartbeatFromPdpb(request).ok());
  metapb::Region* region = request.mutable_region();
  region->set_id(7);
  region->set_start_key("b");
  region->set_end_key("a");  // backwards range
  metapb::Peer* peer = region->add_peers();
  peer->set_id(71);
  peer->set_store_id(1);
  *request.mutable_leader() = *peer;
  EXPECT_FALSE(RegionHeartbeatFromPdpb(request).ok());
  region->set_end_key("");
  request.mutable_interval()->set_start_timestamp(100);
  request.mutable_interval()->set_end_timestamp(110);
  request.set_approximate_size(5);
  pdpb::PeerStats* down = request.add_down_peers();
  *down->mutable_peer() = *peer;
  down->set_down_seconds(30);
  auto heartbeat = RegionHeartbeatFromPdpb(request);
  ASSERT_TRUE(heartbeat.ok()) << heartbeat.error().ToString();
  EXPECT_EQ(heartbeat->leader.id, 71u);
  EXPECT_EQ(heartbeat->interval_ms, 10'000);
  EXPECT_EQ(heartbeat->approximate_size_bytes, 5u);
  ASSERT_EQ(heartbeat->down_peers.size(), 1u);
  EXPECT_EQ(heartbeat->down_peers[0].down_seconds, 30);
}

}  // namespace
}  // namespace pd::server
