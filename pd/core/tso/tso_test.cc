// The TSO state machine: window persistence before serving, failover above
// the persisted bound, backwards clock jumps and logical overflow.
// Ref: PD pkg/tso/tso.go; reference/tikv.md §4.2.
#include "pd/core/tso/tso.h"

#include <gtest/gtest.h>

#include "pd/core/tso/tso_cluster_model.h"

namespace pd::tso {
namespace {

TsoOptions SmallOptions() {
  TsoOptions options;
  options.save_interval_ms = 3000;
  options.persist_ahead_ms = 1000;
  options.max_logical = 16;
  return options;
}

// Makes `tso` leader at now_ms and acknowledges its first window.
void LeadAndPersist(Tso& tso, int64_t now_ms, int64_t bound_ms) {
  tso.BecomeLeader(now_ms, bound_ms);
  auto request = tso.TakePersistRequest();
  ASSERT_TRUE(request.has_value());
  tso.OnPersisted(*request);
}

TEST(TsoTest, DoesNotServeBeforeTheWindowIsPersisted) {
  Tso tso(SmallOptions());
  EXPECT_TRUE(std::holds_alternative<NotLeader>(tso.Allocate(1).error()));
  tso.BecomeLeader(10'000, 0);
  auto request = tso.TakePersistRequest();
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->bound_ms, 13'000);
  EXPECT_FALSE(tso.TakePersistRequest().has_value());  // handed out once
  auto early = tso.Allocate(1);
  ASSERT_FALSE(early.ok());
  EXPECT_TRUE(std::holds_alternative<WindowNotPersisted>(early.error()));
  tso.OnPersisted(*request);
  auto ts = tso.Allocate(3);
  ASSERT_TRUE(ts.ok());
  EXPECT_EQ(ts.value(), TimeStamp::Compose(10'000, 3));
  EXPECT_EQ(tso.Allocate(1).value(), TimeStamp::Compose(10'000, 4));
}

// Ref: PD syncTimestamp: the new leader starts above the saved bound even when
// its own clock is far behind.
TEST(TsoTest, NewLeaderStartsAboveThePersistedBound) {
  Tso tso(SmallOptions());
  LeadAndPersist(tso, /*now_ms=*/5'000, /*bound_ms=*/20'000);
  auto ts = tso.Allocate(1);
  ASSERT_TRUE(ts.ok());
  EXPECT_EQ(ts.value().physical_ms(), 20'001u);
  // With a clock ahead of the bound, the clock wins.
  Tso ahead(SmallOptions());
  LeadAndPersist(ahead, 50'000, 20'000);
  EXPECT_EQ(ahead.Allocate(1).value().physical_ms(), 50'000u);
}

TEST(TsoTest, BackwardsClockKeepsPhysicalAndBumpsLogical) {
  Tso tso(SmallOptions());
  LeadAndPersist(tso, 10'000, 0);
  TimeStamp first = tso.Allocate(1).value();
  tso.Tick(9'000);  // clock jumped back a second
  TimeStamp second = tso.Allocate(1).value();
  EXPECT_EQ(second.physical_ms(), first.physical_ms());
  EXPECT_GT(second, first);
}

TEST(TsoTest, LogicalOverflowWaitsForTheNextTick) {
  Tso tso(SmallOptions());
  LeadAndPersist(tso, 10'000, 0);
  EXPECT_TRUE(tso.Allocate(15).ok());  // logical 15 of 16
  auto full = tso.Allocate(1);
  ASSERT_FALSE(full.ok());
  EXPECT_TRUE(std::holds_alternative<LogicalExhausted>(full.error()));
  // The clock has not moved, but more than half the logical space is used:
  // physical advances by one millisecond.
  tso.Tick(10'000);
  TimeStamp next = tso.Allocate(1).value();
  EXPECT_EQ(next, TimeStamp::Compose(10'001, 1));
}

TEST(TsoTest, PhysicalNeverPassesThePersistedBound) {
  Tso tso(SmallOptions());
  LeadAndPersist(tso, 10'000, 0);  // durable bound 13'000
  tso.Tick(12'500);  // within 1 s of the bound: a new window is requested
  auto request = tso.TakePersistRequest();
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->bound_ms, 15'500);
  tso.Tick(14'000);  // beyond the durable bound: physical stays
  EXPECT_EQ(tso.physical_ms(), 12'500);
  EXPECT_EQ(tso.Allocate(1).value().physical_ms(), 12'500u);
  tso.OnPersisted(*request);
  tso.Tick(14'000);
  EXPECT_EQ(tso.Allocate(1).value().physical_ms(), 14'000u);
}

TEST(TsoTest, IgnoresStaleAcknowledgements) {
  Tso tso(SmallOptions());
  tso.BecomeLeader(10'000, 0);
  auto old_request = tso.TakePersistRequest();
  ASSERT_TRUE(old_request.has_value());
  tso.StepDown();
  tso.BecomeLeader(10'000, 0);  // a new leadership asks again
  auto new_request = tso.TakePersistRequest();
  ASSERT_TRUE(new_request.has_value());
  tso.OnPersisted(*old_request);
  EXPECT_FALSE(tso.Allocate(1).ok());
  tso.OnPersisted(*new_request);
  EXPECT_TRUE(tso.Allocate(1).ok());
}

TEST(TsoTest, FailedWriteIsRequestedAgain) {
  Tso tso(SmallOptions());
  tso.BecomeLeader(10'000, 0);
  auto request = tso.TakePersistRequest();
  ASSERT_TRUE(request.has_value());
  tso.OnPersistFailed(*request);
  auto again = tso.TakePersistRequest();
  ASSERT_TRUE(again.has_value());
  tso.OnPersisted(*again);
  EXPECT_TRUE(tso.Allocate(1).ok());
}

TEST(TsoTest, RejectsBadCounts) {
  Tso tso(SmallOptions());
  LeadAndPersist(tso, 10'000, 0);
  EXPECT_TRUE(std::holds_alternative<InvalidCount>(tso.Allocate(0).error()));
  EXPECT_TRUE(std::holds_alternative<InvalidCount>(tso.Allocate(16).error()));
}

// Spec: Tso.tla TsoStrictlyIncreasing, over many seeded runs with clock jumps,
// lost writes and failovers.
TEST(TsoClusterModelTest,
     TimestampsStrictlyIncreaseAcrossFailoverAndClockJumps) {
  TsoClusterModelResult total;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    TsoClusterModelResult result = RunTsoClusterModel({.seed = seed,
                                                       .steps = 1500,
                                                       .nodes = 3,
                                                       .max_skew_ms = 2000,
                                                       .max_logical = 64});
    ASSERT_FALSE(result.violation.has_value())
        << "seed " << seed << ": " << result.violation->ToString();
    total.issued += result.issued;
    total.failovers += result.failovers;
    total.clock_jumps_back += result.clock_jumps_back;
    total.writes_lost += result.writes_lost;
    total.not_persisted_errors += result.not_persisted_errors;
    total.logical_exhausted_errors += result.logical_exhausted_errors;
  }
  // The runs exercised every hazard.
  EXPECT_GT(total.issued, 5000);
  EXPECT_GT(total.failovers, 100);
  EXPECT_GT(total.clock_jumps_back, 100);
  EXPECT_GT(total.writes_lost, 50);
  EXPECT_GT(total.not_persisted_errors, 100);
  EXPECT_GT(total.logical_exhausted_errors, 10);
}

}  // namespace
}  // namespace pd::tso
