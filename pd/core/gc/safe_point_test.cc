// GC safe point and service safe points: never decreasing, bounded by the
// live service safe points, TTL expiry driven by `now_ms`.
// Ref: PD pkg/gc; reference/tikv.md §4.7.
#include "pd/core/gc/safe_point.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <vector>

#include "pd/core/invariants/invariants.h"

namespace pd::gc {
namespace {

TEST(SafePointTest, GcSafePointNeverDecreases) {
  SafePointManager manager;
  ASSERT_TRUE(manager.UpdateGcSafePoint(TimeStamp(100), 0).ok());
  auto regress = manager.UpdateGcSafePoint(TimeStamp(50), 0);
  ASSERT_FALSE(regress.ok());
  EXPECT_EQ(std::get<SafePointRegress>(regress.error()).current,
            TimeStamp(100));
  EXPECT_EQ(manager.gc_safe_point(), TimeStamp(100));
  EXPECT_EQ(manager.UpdateGcSafePoint(TimeStamp(100), 0).value().gc_safe_point,
            TimeStamp(100));
}

TEST(SafePointTest, ServiceSafePointBlocksGc) {
  SafePointManager manager;
  ASSERT_EQ(manager.UpdateServiceSafePoint("br", TimeStamp(80), 60, 0).value(),
            TimeStamp(80));
  auto update = manager.UpdateGcSafePoint(TimeStamp(200), 1'000);
  ASSERT_TRUE(update.ok());
  EXPECT_EQ(update.value().gc_safe_point, TimeStamp(80));
  EXPECT_EQ(update.value().blocked_by_service, "br");
  // A service may not go below the GC safe point.
  auto old = manager.UpdateServiceSafePoint("cdc", TimeStamp(70), 60, 1'000);
  ASSERT_FALSE(old.ok());
  EXPECT_TRUE(std::holds_alternative<ServiceSafePointTooOld>(old.error()));
  // The service moves forward; GC follows.
  ASSERT_TRUE(
      manager.UpdateServiceSafePoint("br", TimeStamp(150), 60, 2'000).ok());
  EXPECT_EQ(
      manager.UpdateGcSafePoint(TimeStamp(200), 2'000).value().gc_safe_point,
      TimeStamp(150));
}

TEST(SafePointTest, ServiceSafePointsExpire) {
  SafePointManager manager;
  ASSERT_TRUE(manager.UpdateServiceSafePoint("br", TimeStamp(80), 10, 0).ok());
  EXPECT_EQ(
      manager.UpdateGcSafePoint(TimeStamp(200), 9'999).value().gc_safe_point,
      TimeStamp(80));
  EXPECT_EQ(manager.LiveServices(9'999).size(), 1u);
  EXPECT_TRUE(manager.LiveServices(10'000).empty());
  auto update = manager.UpdateGcSafePoint(TimeStamp(200), 10'000);
  EXPECT_EQ(update.value().gc_safe_point, TimeStamp(200));
  EXPECT_FALSE(update.value().blocked_by_service.has_value());
}

TEST(SafePointTest, RemoveAndValidate) {
  SafePointManager manager;
  ASSERT_TRUE(manager.UpdateServiceSafePoint("br", TimeStamp(80), 10, 0).ok());
  EXPECT_EQ(manager.UpdateServiceSafePoint("br", TimeStamp(0), 0, 0).value(),
            TimeStamp(0));  // removed
  EXPECT_FALSE(manager.MinServiceSafePoint(0).has_value());
  EXPECT_FALSE(manager.UpdateServiceSafePoint("", TimeStamp(10), 10, 0).ok());
  // A huge TTL does not overflow.
  ASSERT_TRUE(
      manager.UpdateServiceSafePoint("gc_worker", TimeStamp(5), INT64_MAX, 0)
          .ok());
  EXPECT_TRUE(manager.MinServiceSafePoint(INT64_MAX - 1).has_value());
}

// A restored manager behaves as the one it was saved from: the same GC safe
// point, the same services (expired ones dropped at the next update), and
// the same clamping of later updates.
TEST(SafePointTest, RestoreContinuesWhereTheSavedManagerStopped) {
  SafePointManager saved;
  ASSERT_TRUE(saved.UpdateServiceSafePoint("br", TimeStamp(80), 60, 0).ok());
  ASSERT_TRUE(saved.UpdateServiceSafePoint("cdc", TimeStamp(90), 1, 0).ok());
  ASSERT_TRUE(saved.UpdateGcSafePoint(TimeStamp(50), 0).ok());
  SafePointManager restored =
      SafePointManager::Restore(saved.gc_safe_point(), saved.services());
  EXPECT_EQ(restored.gc_safe_point(), TimeStamp(50));
  EXPECT_EQ(restored.services().size(), 2u);
  // At 2 s "cdc" has expired; "br" still holds GC at 80.
  auto update = restored.UpdateGcSafePoint(TimeStamp(200), 2'000);
  ASSERT_TRUE(update.ok());
  EXPECT_EQ(update.value().gc_safe_point, TimeStamp(80));
  EXPECT_EQ(update.value().blocked_by_service, "br");
  EXPECT_EQ(restored.services().count("cdc"), 0u);
  // The GC safe point restored still refuses to go back.
  EXPECT_FALSE(restored.UpdateGcSafePoint(TimeStamp(10), 2'000).ok());
}

// Property: under any sequence of GC and service updates with a moving
// clock, SafePointMonotonic and GcSafePointBounded hold.
RC_GTEST_PROP(SafePointProperty, InvariantsHold, ()) {
  SafePointManager manager;
  std::vector<TimeStamp> history = {manager.gc_safe_point()};
  int64_t now_ms = 0;
  const int steps = *rc::gen::inRange(1, 60);
  for (int i = 0; i < steps; ++i) {
    now_ms += *rc::gen::inRange<int64_t>(0, 5'000);
    const TimeStamp ts(*rc::gen::inRange<uint64_t>(0, 500));
    if (*rc::gen::arbitrary<bool>()) {
      (void)core::base::Ignore(manager.UpdateGcSafePoint(ts, now_ms));
    } else {
      const std::string service =
          *rc::gen::element<std::string>("br", "cdc", "lightning");
      const int64_t ttl = *rc::gen::inRange<int64_t>(-1, 20);
      (void)core::base::Ignore(
          manager.UpdateServiceSafePoint(service, ts, ttl, now_ms));
    }
    history.push_back(manager.gc_safe_point());
    RC_ASSERT(invariants::SafePointMonotonic(history).ok());
    std::vector<TimeStamp> live;
    for (const auto& [id, service] : manager.LiveServices(now_ms)) {
      live.push_back(service.safe_point);
    }
    RC_ASSERT(
        invariants::GcSafePointBounded(manager.gc_safe_point(), live).ok());
  }
}

}  // namespace
}  // namespace pd::gc
