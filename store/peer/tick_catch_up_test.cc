// TickCatchUp: late timers count their missed ticks; long gaps are capped.
#include "store/peer/tick_catch_up.h"

#include <gtest/gtest.h>

namespace store {
namespace {

using core::base::Duration;
using core::base::Instant;

TEST(TickCatchUpTest, CountsWholeIntervalsAndKeepsTheRemainder) {
  TickCatchUp ticks(Duration::Milliseconds(10), 50);
  const Instant start = Instant::FromNanoseconds(1'000'000'000);
  ticks.Start(start);
  EXPECT_EQ(ticks.Due(start), 0);
  EXPECT_EQ(ticks.Due(start + Duration::Milliseconds(9)), 0);
  // A timer 15 ms late: one tick due, the 5 ms remainder is kept...
  EXPECT_EQ(ticks.Due(start + Duration::Milliseconds(15)), 1);
  // ...so 5 ms later the second tick is due.
  EXPECT_EQ(ticks.Due(start + Duration::Milliseconds(20)), 1);
  EXPECT_EQ(ticks.Due(start + Duration::Milliseconds(20)), 0);
  // A 35 ms stall: three ticks at once.
  EXPECT_EQ(ticks.Due(start + Duration::Milliseconds(55)), 3);
}

TEST(TickCatchUpTest, LongPausesAreCappedAndTheRestDropped) {
  TickCatchUp ticks(Duration::Milliseconds(10), 50);
  const Instant start = Instant::FromNanoseconds(0);
  ticks.Start(start);
  // A 10 s pause: 1,000 ticks missed, 50 replayed, the rest dropped.
  const Instant after = start + Duration::Seconds(10);
  EXPECT_EQ(ticks.Due(after), 50);
  EXPECT_EQ(ticks.Due(after + Duration::Milliseconds(9)), 0);
  EXPECT_EQ(ticks.Due(after + Duration::Milliseconds(10)), 1);
}

TEST(TickCatchUpTest, AClockThatDidNotMoveOrWentBackOwesNothing) {
  TickCatchUp ticks(Duration::Milliseconds(10), 50);
  const Instant start = Instant::FromNanoseconds(5'000'000'000);
  ticks.Start(start);
  EXPECT_EQ(ticks.Due(start - Duration::Milliseconds(100)), 0);
  EXPECT_EQ(ticks.Due(start + Duration::Milliseconds(10)), 1);
}

}  // namespace
}  // namespace store
