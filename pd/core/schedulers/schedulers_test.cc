// Scheduler tests over hand-built cluster views, in the style of tikv/pd's
// pkg/schedule/schedulers/*_test.go: build stores and regions, run one
// Schedule(), and check the operator (or its absence).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "pd/core/schedule/filters.h"
#include "pd/core/schedule/test_cluster.h"
#include "pd/core/schedulers/scheduler.h"

namespace pd::schedulers {
namespace {

using operators::AddLearner;
using operators::Operator;
using operators::RemovePeer;
using operators::TransferLeader;
using schedule::kMiB;
using schedule::TestCluster;

template <typename T>
const T& StepAs(const Operator& op, size_t index) {
  EXPECT_LT(index, op.steps().size()) << op.ToString();
  return std::get<T>(op.steps().at(index));
}

// Runs the scheduler and adds each operator until it returns none or
// `limit` operators were added; returns them.
std::vector<Operator> ScheduleAll(TestCluster& tc, Scheduler& scheduler,
                                  int limit) {
  std::vector<Operator> ops;
  auto ctx = tc.Context();
  for (int i = 0; i < limit; ++i) {
    auto op = scheduler.Schedule(ctx);
    if (!op) break;
    EXPECT_TRUE(tc.controller().AddOperator(*op, tc.view(), tc.now_ms()).ok())
        << op->ToString();
    ops.push_back(*op);
  }
  return ops;
}

// Ref: PD balance_leader_test.go TestBalanceLimit-like: leaders 4/0/0 over
// the same three stores.
TEST(BalanceLeaderSchedulerTest, MovesLeadersFromTheMostToTheLeastLoaded) {
  TestCluster tc;
  tc.AddStores(3);
  tc.AddLeaderRegions(1, 4, 1, {2, 3});
  auto scheduler = NewBalanceLeaderScheduler();
  auto ctx = tc.Context();
  auto op = scheduler->Schedule(ctx);
  ASSERT_TRUE(op.has_value());
  EXPECT_EQ(op->kinds(), operators::kOpLeader);
  EXPECT_EQ(StepAs<TransferLeader>(*op, 0).from_store, 1u);
  EXPECT_EQ(StepAs<TransferLeader>(*op, 0).to_store, 2u);
}

TEST(BalanceLeaderSchedulerTest, StopsAtBalanceCountingPendingOperators) {
  TestCluster tc;
  tc.AddStores(3);
  tc.AddLeaderRegions(1, 6, 1, {2, 3});
  auto scheduler = NewBalanceLeaderScheduler();
  std::vector<Operator> ops = ScheduleAll(tc, *scheduler, 10);
  // 6/0/0 -> 2/2/2 takes four transfers, two to each store.
  ASSERT_EQ(ops.size(), 4u);
  std::map<StoreId, int> to;
  for (const Operator& op : ops) ++to[StepAs<TransferLeader>(op, 0).to_store];
  EXPECT_EQ(to[2], 2);
  EXPECT_EQ(to[3], 2);
}

TEST(BalanceLeaderSchedulerTest, BalancedClusterNeedsNothing) {
  TestCluster tc;
  tc.AddStores(3);
  tc.AddLeaderRegions(1, 2, 1, {2, 3});
  tc.AddLeaderRegions(3, 2, 2, {1, 3});
  tc.AddLeaderRegions(5, 1, 3, {1, 2});
  auto scheduler = NewBalanceLeaderScheduler();
  auto ctx = tc.Context();
  EXPECT_FALSE(scheduler->Schedule(ctx).has_value());
}

TEST(BalanceLeaderSchedulerTest, SkipsUnhealthyRegionsAndDownTargets) {
  TestCluster tc;
  tc.AddStores(3);
  tc.AddLeaderRegions(1, 4, 1, {2, 3});
  for (schedule::RegionId id = 1; id <= 4; ++id) {
    tc.Update(id, [](cluster::RegionHeartbeat& beat) {
      beat.pending_peers.push_back(beat.region.peers[1]);
    });
  }
  auto scheduler = NewBalanceLeaderScheduler();
  auto ctx = tc.Context();
  EXPECT_FALSE(scheduler->Schedule(ctx).has_value());
  TestCluster down;
  down.AddStores(3);
  down.AddLeaderRegions(1, 4, 1, {2, 3});
  down.MakeStoreDown(2);
  down.MakeStoreDown(3);
  auto down_ctx = down.Context();
  EXPECT_FALSE(scheduler->Schedule(down_ctx).has_value());
}

TEST(BalanceLeaderSchedulerTest, RespectsLeaderBlockedStores) {
  TestCluster tc;
  tc.AddStores(3);
  tc.AddLeaderRegions(1, 4, 1, {2, 3});
  tc.config().leader_blocked_stores = {2};
  auto scheduler = NewBalanceLeaderScheduler();
  auto ctx = tc.Context();
  auto op = scheduler->Schedule(ctx);
  ASSERT_TRUE(op.has_value());
  EXPECT_EQ(StepAs<TransferLeader>(*op, 0).to_store, 3u);
}

// Ref: PD balance_region_test.go: stores with 6/6/6/0 regions; the new store
// receives peers.
TEST(BalanceRegionSchedulerTest, MovesPeersToTheEmptyStore) {
  TestCluster tc;
  tc.AddStores(4);
  tc.AddLeaderRegions(1, 6, 1, {2, 3});
  auto scheduler = NewBalanceRegionScheduler();
  auto ctx = tc.Context();
  auto op = scheduler->Schedule(ctx);
  ASSERT_TRUE(op.has_value());
  EXPECT_EQ(op->kinds(), operators::kOpRegion);
  // A follower moves, so no leader transfer is needed.
  EXPECT_EQ(StepAs<AddLearner>(*op, 0).to_store, 4u);
  EXPECT_NE(StepAs<RemovePeer>(*op, 2).from_store, 1u);
}

TEST(BalanceRegionSchedulerTest, ConvergesWithPendingInfluence) {
  TestCluster tc;
  tc.AddStores(4);
  tc.AddLeaderRegions(1, 8, 1, {2, 3});
  auto scheduler = NewBalanceRegionScheduler();
  std::vector<Operator> ops = ScheduleAll(tc, *scheduler, 20);
  // 8/8/8/0 -> six moves, all to the new store, followers first. Store 1
  // can then only give to store 4, so the result is within the gap of 2.
  ASSERT_EQ(ops.size(), 6u);
  int leader_moves = 0;
  for (const Operator& op : ops) {
    const bool moves_leader =
        std::holds_alternative<TransferLeader>(op.steps()[0]);
    leader_moves += moves_leader ? 1 : 0;
    EXPECT_EQ(StepAs<AddLearner>(op, moves_leader ? 1 : 0).to_store, 4u);
  }
  EXPECT_LE(leader_moves, 2);
  auto ctx = tc.Context();
  const schedule::StoreScores scores = schedule::ComputeScores(ctx);
  int64_t low = 100;
  int64_t high = 0;
  for (StoreId id = 1; id <= 4; ++id) {
    low = std::min(low, scores.region_count.at(id));
    high = std::max(high, scores.region_count.at(id));
  }
  EXPECT_LE(high - low, 2);
  EXPECT_EQ(scores.region_count.at(4), 6);
}

TEST(BalanceRegionSchedulerTest, HonoursStoreLimitAndLowSpace) {
  TestCluster tc;
  tc.controller() = operators::OperatorController([] {
    operators::ControllerOptions options;
    options.store_limit_add_peer = 2;
    return options;
  }());
  tc.AddStores(4);
  tc.AddLeaderRegions(1, 8, 1, {2, 3});
  auto scheduler = NewBalanceRegionScheduler();
  EXPECT_EQ(ScheduleAll(tc, *scheduler, 20).size(), 2u);
  TestCluster full;
  full.AddStores(4);
  full.AddLeaderRegions(1, 8, 1, {2, 3});
  full.SetStoreUsage(4, 100, 95);
  auto ctx = full.Context();
  EXPECT_FALSE(scheduler->Schedule(ctx).has_value());
}

TEST(HotRegionSchedulerTest, MovesAHotWrittenPeerOffTheHottestStore) {
  TestCluster tc;
  tc.AddStores(4);
  tc.AddLeaderRegions(1, 3, 1, {2, 3});
  for (schedule::RegionId id = 1; id <= 2; ++id) {
    tc.Update(id, [](cluster::RegionHeartbeat& beat) {
      beat.bytes_written = 4 * kMiB * 60;  // 4 MiB/s over 60 s
      beat.interval_ms = 60'000;
    });
  }
  auto scheduler = NewHotRegionScheduler();
  auto ctx = tc.Context();
  auto op = scheduler->Schedule(ctx);
  ASSERT_TRUE(op.has_value());
  EXPECT_EQ(op->kinds() & operators::kOpHotRegion, operators::kOpHotRegion);
  EXPECT_EQ(op->desc(), "move-hot-write-peer");
  EXPECT_EQ(StepAs<AddLearner>(*op, op->steps().size() == 4 ? 1 : 0).to_store,
            4u);
}

TEST(HotRegionSchedulerTest, MovesAHotReadLeader) {
  TestCluster tc;
  tc.AddStores(3);
  tc.AddLeaderRegions(1, 2, 1, {2, 3});
  for (schedule::RegionId id = 1; id <= 2; ++id) {
    tc.Update(id, [](cluster::RegionHeartbeat& beat) {
      beat.bytes_read = 10 * kMiB * 60;
      beat.interval_ms = 60'000;
    });
  }
  auto scheduler = NewHotRegionScheduler();
  auto ctx = tc.Context();
  auto op = scheduler->Schedule(ctx);
  ASSERT_TRUE(op.has_value());
  EXPECT_EQ(op->desc(), "transfer-hot-read-leader");
  EXPECT_EQ(StepAs<TransferLeader>(*op, 0).to_store, 2u);
}

TEST(HotRegionSchedulerTest, ColdOrBalancedClusterNeedsNothing) {
  TestCluster tc;
  tc.AddStores(3);
  tc.AddLeaderRegions(1, 3, 1, {2, 3});
  auto scheduler = NewHotRegionScheduler();
  auto ctx = tc.Context();
  EXPECT_FALSE(scheduler->Schedule(ctx).has_value());
  // One hot region on every store: moving it cannot help.
  tc.Update(1, [](cluster::RegionHeartbeat& beat) {
    beat.bytes_written = 4 * kMiB * 60;
    beat.interval_ms = 60'000;
  });
  EXPECT_FALSE(scheduler->Schedule(ctx).has_value());
}

TEST(EvictLeaderSchedulerTest, MovesEveryLeaderOff) {
  TestCluster tc;
  tc.AddStores(3);
  tc.AddLeaderRegions(1, 3, 1, {2, 3});
  tc.config().leader_blocked_stores = {1};
  auto scheduler = NewEvictLeaderScheduler({1});
  std::vector<Operator> ops = ScheduleAll(tc, *scheduler, 10);
  ASSERT_EQ(ops.size(), 3u);
  std::map<StoreId, int> to;
  for (const Operator& op : ops) {
    EXPECT_EQ(StepAs<TransferLeader>(op, 0).from_store, 1u);
    ++to[StepAs<TransferLeader>(op, 0).to_store];
  }
  EXPECT_EQ(to[2] + to[3], 3);
  EXPECT_GE(to[2], 1);
  EXPECT_GE(to[3], 1);
}

TEST(ShuffleSchedulerTest, ShuffleLeaderAndRegionProduceValidRandomOperators) {
  TestCluster tc;
  tc.AddStores(5);
  tc.AddLeaderRegions(1, 10, 1, {2, 3});
  tc.AddLeaderRegions(11, 10, 4, {5, 2});
  auto shuffle_leader = NewShuffleLeaderScheduler();
  auto shuffle_region = NewShuffleRegionScheduler();
  std::set<StoreId> leader_targets;
  std::set<StoreId> region_targets;
  for (int i = 0; i < 40; ++i) {
    auto ctx = tc.Context();
    if (auto op = shuffle_leader->Schedule(ctx)) {
      leader_targets.insert(StepAs<TransferLeader>(*op, 0).to_store);
    }
    if (auto op = shuffle_region->Schedule(ctx)) {
      const size_t add_index =
          std::holds_alternative<TransferLeader>(op->steps()[0]) ? 1 : 0;
      const StoreId target = StepAs<AddLearner>(*op, add_index).to_store;
      EXPECT_EQ(tc.view()
                    .GetRegion(op->region_id())
                    ->region()
                    .FindPeerOnStore(target),
                nullptr);
      region_targets.insert(target);
    }
  }
  // Randomness spreads the choices over several stores.
  EXPECT_GE(leader_targets.size(), 3u);
  EXPECT_GE(region_targets.size(), 3u);
}

}  // namespace
}  // namespace pd::schedulers
