// The operator controller: one operator per region, kind and store limits,
// advancing on heartbeats, timeouts, replacement and merge pairs.
// Ref: PD pkg/schedule/operator/operator_controller_test.go (behaviour).
#include "pd/core/operators/controller.h"

#include <gtest/gtest.h>

#include "pd/core/operators/builder.h"

namespace pd::operators {
namespace {

using core::region::PeerRole;

class ControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (StoreId id = 1; id <= 5; ++id)
      ASSERT_TRUE(view_.PutStore(id, "", {}, 0).ok());
    // Regions 1..4 on stores 1,2,3 with leaders on store 1, adjacent ranges.
    const char* bounds[] = {"", "b", "c", "d", ""};
    for (RegionId id = 1; id <= 4; ++id) {
      cluster::RegionHeartbeat beat;
      beat.region.id = id;
      beat.region.start_key = bounds[id - 1];
      beat.region.end_key = bounds[id];
      beat.region.epoch = {1, 1};
      for (StoreId store = 1; store <= 3; ++store) {
        beat.region.peers.push_back({id * 10 + store, store, PeerRole::kVoter});
      }
      beat.leader = beat.region.peers[0];
      beat.approximate_size_bytes = 100;
      ASSERT_TRUE(view_.HandleRegionHeartbeat(beat, 0).ok());
    }
  }

  const RegionInfo& Info(RegionId id) { return *view_.GetRegion(id); }

  // Applies a change to the region in the view, as a new heartbeat would.
  void Report(RegionId id,
              const std::function<void(cluster::RegionHeartbeat&)>& change) {
    cluster::RegionHeartbeat beat = Info(id).heartbeat;
    change(beat);
    ASSERT_TRUE(view_.HandleRegionHeartbeat(beat, 0).ok());
  }

  Operator Move(RegionId id, StoreId from, StoreId to,
                uint32_t kinds = kOpRegion) {
    auto op = CreateMovePeerOperator("move", Info(id), from, to, 1000 + id,
                                     kinds, {}, 0);
    EXPECT_TRUE(op.ok());
    return op.value();
  }

  cluster::ClusterView view_{cluster::ClusterOptions{}};
};

TEST_F(ControllerTest, OneOperatorPerRegion) {
  OperatorController controller({});
  ASSERT_TRUE(controller.AddOperator(Move(1, 2, 4), view_, 0).ok());
  auto busy = controller.AddOperator(Move(1, 3, 5), view_, 0);
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().reason, RejectReason::kRegionBusy);
  // A replica repair replaces a balance operator.
  ASSERT_TRUE(controller.AddOperator(Move(1, 3, 5, kOpReplica), view_, 0).ok());
  EXPECT_EQ(controller.counters().ended.at(OpStatus::kReplaced), 1u);
  EXPECT_EQ(controller.GetOperator(1)->kinds(), kOpReplica);
}

TEST_F(ControllerTest, RejectsStaleEpochAndUnknownRegion) {
  OperatorController controller({});
  Operator op = Move(1, 2, 4);
  Report(1, [](cluster::RegionHeartbeat& beat) {
    beat.region.epoch.conf_ver += 1;
  });
  auto stale = controller.AddOperator(op, view_, 0);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().reason, RejectReason::kEpochStale);
  Operator unknown("x", 99, {1, 1}, kOpRegion, {TransferLeader{1, 2}}, 0);
  EXPECT_EQ(controller.AddOperator(unknown, view_, 0).error().reason,
            RejectReason::kRegionUnknown);
}

TEST_F(ControllerTest, KindLimit) {
  ControllerOptions options;
  options.leader_schedule_limit = 2;
  OperatorController controller(options);
  for (RegionId id = 1; id <= 2; ++id) {
    auto op = CreateTransferLeaderOperator("tl", Info(id), 2, kOpLeader, 0);
    ASSERT_TRUE(controller.AddOperator(op.value(), view_, 0).ok());
  }
  EXPECT_FALSE(controller.KindAllowed(kOpLeader));
  EXPECT_TRUE(controller.KindAllowed(kOpRegion));
  auto op = CreateTransferLeaderOperator("tl", Info(3), 2, kOpLeader, 0);
  EXPECT_EQ(controller.AddOperator(op.value(), view_, 0).error().reason,
            RejectReason::kKindLimit);
}

TEST_F(ControllerTest, StoreLimit) {
  ControllerOptions options;
  options.store_limit_add_peer = 2;
  OperatorController controller(options);
  ASSERT_TRUE(controller.AddOperator(Move(1, 2, 4), view_, 0).ok());
  ASSERT_TRUE(controller.AddOperator(Move(2, 2, 4), view_, 0).ok());
  auto limited = controller.AddOperator(Move(3, 2, 4), view_, 0);
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.error().reason, RejectReason::kStoreLimit);
  EXPECT_TRUE(controller.AddOperator(Move(3, 2, 5), view_, 0).ok());
  Influence influence = controller.PendingInfluence(view_);
  EXPECT_EQ(influence[4].region_count, 2);
  EXPECT_EQ(influence[2].region_count, -3);
  EXPECT_EQ(influence[4].region_size_bytes, 200);
}

// A move runs to completion as heartbeats report each step done.
TEST_F(ControllerTest, DispatchAdvancesOnHeartbeats) {
  OperatorController controller({});
  ASSERT_TRUE(controller.AddOperator(Move(1, 2, 4), view_, 0).ok());
  auto command = controller.Dispatch(Info(1), 10);
  ASSERT_TRUE(command.has_value());
  EXPECT_EQ(std::get<ChangePeerCommand>(*command).change.type,
            core::region::ConfChangeType::kAddLearnerNode);
  EXPECT_EQ(controller.GetOperator(1)->status(), OpStatus::kStarted);
  // Learner added but still pending: nothing to send.
  Report(1, [](cluster::RegionHeartbeat& beat) {
    beat.region.peers.push_back({1001, 4, PeerRole::kLearner});
    beat.region.epoch.conf_ver += 1;
    beat.pending_peers = {beat.region.peers.back()};
  });
  EXPECT_FALSE(controller.Dispatch(Info(1), 20).has_value());
  Report(1, [](cluster::RegionHeartbeat& beat) { beat.pending_peers.clear(); });
  command = controller.Dispatch(Info(1), 30);
  ASSERT_TRUE(command.has_value());
  EXPECT_EQ(std::get<ChangePeerCommand>(*command).change.type,
            core::region::ConfChangeType::kAddNode);
  Report(1, [](cluster::RegionHeartbeat& beat) {
    beat.region.peers.back().role = PeerRole::kVoter;
    beat.region.epoch.conf_ver += 1;
  });
  command = controller.Dispatch(Info(1), 40);
  ASSERT_TRUE(command.has_value());
  EXPECT_EQ(std::get<ChangePeerCommand>(*command).change.type,
            core::region::ConfChangeType::kRemoveNode);
  Report(1, [](cluster::RegionHeartbeat& beat) {
    beat.region.peers.erase(beat.region.peers.begin() + 1);
    beat.region.epoch.conf_ver += 1;
  });
  EXPECT_FALSE(controller.Dispatch(Info(1), 50).has_value());
  EXPECT_EQ(controller.GetOperator(1), nullptr);
  EXPECT_EQ(controller.counters().ended.at(OpStatus::kSuccess), 1u);
}

TEST_F(ControllerTest, ExpiresAndTimesOut) {
  OperatorController controller({});
  ASSERT_TRUE(controller.AddOperator(Move(1, 2, 4), view_, 0).ok());
  ASSERT_TRUE(controller.AddOperator(Move(2, 2, 5), view_, 0).ok());
  ASSERT_TRUE(controller.Dispatch(Info(2), 1'000).has_value());  // started
  controller.PruneTimedOut(3'500);  // region 1 never started: expired
  EXPECT_EQ(controller.GetOperator(1), nullptr);
  EXPECT_EQ(controller.counters().ended.at(OpStatus::kExpired), 1u);
  ASSERT_NE(controller.GetOperator(2), nullptr);
  controller.PruneTimedOut(1'000 + 10 * 60'000 +
                           1);  // AddLearner is slow: 10 min
  EXPECT_EQ(controller.GetOperator(2), nullptr);
  EXPECT_EQ(controller.counters().ended.at(OpStatus::kTimeout), 1u);
}

TEST_F(ControllerTest, CancelsWhenAStepBecomesImpossible) {
  OperatorController controller({});
  ASSERT_TRUE(controller.AddOperator(Move(1, 2, 4), view_, 0).ok());
  // Someone else put a different peer on store 4.
  Report(1, [](cluster::RegionHeartbeat& beat) {
    beat.region.peers.push_back({555, 4, PeerRole::kLearner});
    beat.region.epoch.conf_ver += 1;
  });
  EXPECT_FALSE(controller.Dispatch(Info(1), 10).has_value());
  EXPECT_EQ(controller.GetOperator(1), nullptr);
  EXPECT_EQ(controller.counters().ended.at(OpStatus::kCanceled), 1u);
}

TEST_F(ControllerTest, MergePairFinishesTogether) {
  OperatorController controller({});
  auto ops = CreateMergeOperators("merge", Info(1), Info(2), 0);
  ASSERT_TRUE(ops.ok());
  ASSERT_TRUE(
      controller.AddOperators({ops.value().first, ops.value().second}, view_, 0)
          .ok());
  auto command = controller.Dispatch(Info(1), 10);
  ASSERT_TRUE(command.has_value());
  EXPECT_EQ(std::get<MergeCommand>(*command).target.id, 2u);
  EXPECT_FALSE(controller.Dispatch(Info(2), 10).has_value());  // passive
  // The target reports the merged range; the view drops the source.
  cluster::RegionHeartbeat merged = Info(2).heartbeat;
  merged.region.start_key = "";
  merged.region.epoch.version = 2;
  auto outcome = view_.HandleRegionHeartbeat(merged, 20);
  ASSERT_TRUE(outcome.ok());
  ASSERT_EQ(outcome.value().removed_overlaps, (std::vector<RegionId>{1}));
  controller.OnRegionRemoved(1);
  EXPECT_FALSE(controller.Dispatch(Info(2), 20).has_value());
  EXPECT_TRUE(controller.operators().empty());
  EXPECT_EQ(controller.counters().ended.at(OpStatus::kSuccess), 2u);
}

TEST_F(ControllerTest, FailedMergeHalfCancelsThePartner) {
  OperatorController controller({});
  auto ops = CreateMergeOperators("merge", Info(1), Info(2), 0);
  ASSERT_TRUE(
      controller.AddOperators({ops.value().first, ops.value().second}, view_, 0)
          .ok());
  Report(1, [](cluster::RegionHeartbeat& beat) {
    beat.region.epoch.conf_ver += 1;
  });
  EXPECT_FALSE(controller.Dispatch(Info(1), 10).has_value());
  EXPECT_TRUE(controller.operators().empty());
  EXPECT_EQ(controller.counters().ended.at(OpStatus::kCanceled), 2u);
}

}  // namespace
}  // namespace pd::operators
