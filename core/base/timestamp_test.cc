// TimeStamp's layout (physical_ms << 18 | logical) and its ordering: the
// layout is persisted in every MVCC key suffix and handed out by the TSO.
#include "core/base/timestamp.h"

#include <gtest/gtest.h>

namespace core::base {
namespace {

// DO NOT CHANGE: persisted. Ref: tikv txn_types/src/timestamp.rs.
TEST(TimeStampTest, PhysicalAndLogicalParts) {
  const TimeStamp ts = TimeStamp::Compose(1'600'000'000'000, 7);
  EXPECT_EQ(ts.value(), (uint64_t{1'600'000'000'000} << 18) | 7);
  EXPECT_EQ(ts.physical_ms(), 1'600'000'000'000u);
  EXPECT_EQ(ts.logical(), 7u);
  EXPECT_EQ(TimeStamp(ts.value()), ts);
  EXPECT_EQ(TimeStamp::kMaxLogical, uint64_t{1} << 18);
}

// A timestamp's order is its physical part first, then its logical part:
// the greatest logical value of one millisecond sorts below the next one.
TEST(TimeStampTest, OrdersByPhysicalThenLogical) {
  EXPECT_LT(TimeStamp(3), TimeStamp(4));
  EXPECT_LT(TimeStamp::Compose(5, TimeStamp::kMaxLogical - 1),
            TimeStamp::Compose(6, 0));
  EXPECT_LT(TimeStamp::Compose(5, 1), TimeStamp::Compose(5, 2));
  EXPECT_EQ(TimeStamp::Compose(5, TimeStamp::kMaxLogical - 1).Next(),
            TimeStamp::Compose(6, 0));
}

TEST(TimeStampTest, NextAndPrevSaturateAtTheEnds) {
  EXPECT_EQ(TimeStamp(7).Next(), TimeStamp(8));
  EXPECT_EQ(TimeStamp(7).Prev(), TimeStamp(6));
  EXPECT_EQ(TimeStamp::Max().Next(), TimeStamp::Max());
  EXPECT_EQ(TimeStamp::Zero().Prev(), TimeStamp::Zero());
  EXPECT_TRUE(TimeStamp().IsZero());
  EXPECT_TRUE(TimeStamp::Max().IsMax());
}

TEST(TimeStampDeathTest, ComposeRejectsOverflowingParts) {
  EXPECT_DEATH(TimeStamp::Compose(1, TimeStamp::kMaxLogical), "logical");
  EXPECT_DEATH(TimeStamp::Compose(TimeStamp::kMaxPhysicalMs, 0), "physical");
}

}  // namespace
}  // namespace core::base
