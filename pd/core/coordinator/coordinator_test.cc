// The coordinator end to end over a hand-fed cluster: heartbeats update the
// view and return commands; a round runs the checkers and schedulers within
// the controller's limits; evict-leader blocks leader moves back.
#include "pd/core/coordinator/coordinator.h"

#include <gtest/gtest.h>

#include "core/base/bytes.h"

namespace pd::coordinator {
namespace {

using core::region::PeerRole;
using schedule::RegionId;

core::base::Bytes Key(uint64_t n) {
  core::base::Bytes key;
  core::base::PutFixed64BigEndian(&key, n);
  return key;
}

class CoordinatorTest : public ::testing::Test {
 protected:
  CoordinatorTest()
      : coordinator_(Options(), prng_, [this] { return next_id_++; }) {}

  static CoordinatorOptions Options() {
    CoordinatorOptions options;
    options.enable_merge_checker = false;
    return options;
  }

  void AddStores(StoreId count) {
    for (StoreId id = 1; id <= count; ++id) {
      ASSERT_TRUE(
          coordinator_.mutable_view().PutStore(id, "", {}, now_ms_).ok());
      ASSERT_TRUE(coordinator_.OnStoreHeartbeat(id, {}, now_ms_).ok());
    }
  }

  cluster::RegionHeartbeat Beat(RegionId id, std::vector<StoreId> stores) {
    cluster::RegionHeartbeat beat;
    beat.region.id = id;
    beat.region.start_key = id == 1 ? "" : Key(id);
    beat.region.end_key = Key(id + 1);
    beat.region.epoch = {1, 1};
    for (StoreId store : stores) {
      beat.region.peers.push_back({id * 100 + store, store, PeerRole::kVoter});
    }
    beat.leader = beat.region.peers.front();
    beat.approximate_size_bytes = 10 * schedule::kMiB;
    return beat;
  }

  core::base::Prng prng_{7};
  uint64_t next_id_ = 1'000'000;
  int64_t now_ms_ = 1'000;
  Coordinator coordinator_;
};

TEST_F(CoordinatorTest, ReplicaCheckerRepairsAndHeartbeatsCarryTheCommands) {
  AddStores(4);
  auto first = coordinator_.OnRegionHeartbeat(Beat(1, {1, 2}), now_ms_);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first.value().has_value());  // no operator yet
  RoundStats stats = coordinator_.RunRound(now_ms_);
  EXPECT_EQ(stats.added["replica-checker"], 1);
  auto second = coordinator_.OnRegionHeartbeat(Beat(1, {1, 2}), now_ms_);
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(second.value().has_value());
  const auto& change =
      std::get<operators::ChangePeerCommand>(*second.value()).change;
  EXPECT_EQ(change.type, core::region::ConfChangeType::kAddLearnerNode);
  EXPECT_EQ(change.peer.id, 1'000'000u);
}

// The server pushes new operators' first steps without waiting for the
// leader's next heartbeat: a round's operator comes out of TakeNewCommands
// once, with the command a heartbeat would have carried.
TEST_F(CoordinatorTest, NewOperatorsFirstCommandsAreTakenOnce) {
  AddStores(3);
  ASSERT_TRUE(coordinator_.OnRegionHeartbeat(Beat(1, {1}), now_ms_).ok());
  EXPECT_TRUE(coordinator_.TakeNewCommands(now_ms_).empty());
  RoundStats stats = coordinator_.RunRound(now_ms_);
  ASSERT_EQ(stats.added["replica-checker"], 1);
  auto taken = coordinator_.TakeNewCommands(now_ms_);
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].first, 1u);
  const auto& change =
      std::get<operators::ChangePeerCommand>(taken[0].second).change;
  EXPECT_EQ(change.type, core::region::ConfChangeType::kAddLearnerNode);
  EXPECT_NE(change.peer.store_id, 1u);
  EXPECT_TRUE(coordinator_.TakeNewCommands(now_ms_).empty());
  // The operator stays: a heartbeat still gets the same step.
  auto beat = coordinator_.OnRegionHeartbeat(Beat(1, {1}), now_ms_);
  ASSERT_TRUE(beat.ok());
  EXPECT_TRUE(beat.value().has_value());
}

// Ref: reference/tikv.md §4.6: an offline store becomes a tombstone once its
// replicas have moved away.
TEST_F(CoordinatorTest, OfflineStoreIsDrainedThenBuried) {
  AddStores(4);
  ASSERT_TRUE(coordinator_.OnRegionHeartbeat(Beat(1, {1, 2, 3}), now_ms_).ok());
  ASSERT_TRUE(coordinator_.mutable_view().SetStoreOffline(3).ok());
  RoundStats stats = coordinator_.RunRound(now_ms_);
  EXPECT_EQ(stats.added["replica-checker"], 1);
  EXPECT_TRUE(stats.buried.empty());
  // The store has moved the replica to store 4.
  cluster::RegionHeartbeat moved = Beat(1, {1, 2, 4});
  moved.region.epoch = {4, 1};
  ASSERT_TRUE(coordinator_.OnRegionHeartbeat(moved, now_ms_).ok());
  stats = coordinator_.RunRound(now_ms_);
  EXPECT_EQ(stats.buried, (std::vector<StoreId>{3}));
  EXPECT_EQ(coordinator_.view().Status(3, now_ms_),
            cluster::StoreStatus::kTombstone);
}

TEST_F(CoordinatorTest, StaleHeartbeatIsRejected) {
  AddStores(3);
  cluster::RegionHeartbeat beat = Beat(1, {1, 2, 3});
  beat.region.epoch = {2, 2};
  ASSERT_TRUE(coordinator_.OnRegionHeartbeat(beat, now_ms_).ok());
  beat.region.epoch = {1, 2};
  auto stale = coordinator_.OnRegionHeartbeat(beat, now_ms_);
  ASSERT_FALSE(stale.ok());
  EXPECT_TRUE(std::holds_alternative<cluster::StaleRegion>(stale.error()));
}

TEST_F(CoordinatorTest, SchedulersRespectTheKindLimit) {
  AddStores(3);
  for (RegionId id = 1; id <= 10; ++id) {
    ASSERT_TRUE(
        coordinator_.OnRegionHeartbeat(Beat(id, {1, 2, 3}), now_ms_).ok());
  }
  coordinator_.AddScheduler(schedulers::NewBalanceLeaderScheduler());
  RoundStats stats = coordinator_.RunRound(now_ms_);
  // Ten leaders on store 1; the default leader-schedule-limit is 4.
  EXPECT_EQ(stats.added["balance-leader"], 4);
  EXPECT_EQ(coordinator_.controller().CountOfKind(operators::kOpLeader), 4u);
  EXPECT_EQ(coordinator_.RunRound(now_ms_).added.count("balance-leader"), 0u);
}

TEST_F(CoordinatorTest, EvictLeadersMovesLeadersAwayAndKeepsThemAway) {
  AddStores(3);
  for (RegionId id = 1; id <= 3; ++id) {
    ASSERT_TRUE(
        coordinator_.OnRegionHeartbeat(Beat(id, {1, 2, 3}), now_ms_).ok());
  }
  coordinator_.AddScheduler(schedulers::NewBalanceLeaderScheduler());
  coordinator_.EvictLeaders({1});
  RoundStats stats = coordinator_.RunRound(now_ms_);
  EXPECT_EQ(stats.added["evict-leader"] + stats.added["balance-leader"], 3);
  for (const auto& [id, op] : coordinator_.controller().operators()) {
    const auto& step = std::get<operators::TransferLeader>(op.steps()[0]);
    EXPECT_EQ(step.from_store, 1u);
    EXPECT_NE(step.to_store, 1u);
  }
  EXPECT_EQ(coordinator_.config().leader_blocked_stores,
            (std::set<StoreId>{1}));
}

}  // namespace
}  // namespace pd::coordinator
