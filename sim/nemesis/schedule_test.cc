// Fault schedules in their text form: generated ones round-trip through
// it, every kind parses, malformed text is a clear error. (Generation
// itself: generator_test.cc.)
#include "sim/nemesis/schedule.h"

#include "sim/nemesis/generator.h"

#include <gtest/gtest.h>

#include <set>

namespace sim::nemesis {
namespace {

using core::base::Duration;

Schedule Generate(uint64_t seed, const FaultOptions& options) {
  core::base::Prng prng(seed);
  return GenerateSchedule(options, prng);
}

TEST(ScheduleTest, TextRoundTrips) {
  FaultOptions options;
  options.nodes = 5;
  options.corruptible_nodes = 2;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const Schedule schedule = Generate(seed, options);
    for (const char* separator : {"\n", "; "}) {
      auto parsed = ParseSchedule(FormatSchedule(schedule, separator), 5);
      ASSERT_TRUE(parsed.ok()) << parsed.status();
      EXPECT_EQ(*parsed, schedule);
    }
  }
}

TEST(ScheduleTest, ParsesEveryKind) {
  auto parsed = ParseSchedule(
      "@1ms crash 2; @2ms restart 2; @3ms pause 1 300ms; "
      "@4ms partition 1,2|3; @5ms oneway 1->2,3; @6ms block 1-3; "
      "@7ms clog 2 800ms; @8ms heal; @9ms drift 2 -80; @10ms jump 2 -500ms; "
      "@11ms disk 3 2000ms 5000; @12ms corrupt 3 500ms\n# a comment\n"
      "@13ms crash leader 800ms; @14ms isolate leader; @15ms pause leader 5ms;"
      "@16ms crash next-leader+20ms 500ms; @17ms isolate next-leader",
      3);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 17u);
  EXPECT_EQ((*parsed)[15].node, kNextLeaderNode);
  EXPECT_EQ((*parsed)[15].after, Duration::Milliseconds(20));
  EXPECT_EQ((*parsed)[16].after, Duration::Zero());
  EXPECT_EQ((*parsed)[12].node, kLeaderNode);
  EXPECT_EQ((*parsed)[12].duration, Duration::Milliseconds(800));
  EXPECT_EQ((*parsed)[13].kind, FaultKind::kIsolate);
  EXPECT_EQ((*parsed)[3].groups, (std::vector<std::vector<int>>{{1, 2}, {3}}));
  EXPECT_EQ((*parsed)[4].groups, (std::vector<std::vector<int>>{{1}, {2, 3}}));
  EXPECT_EQ((*parsed)[8].amount, -80);
  EXPECT_EQ((*parsed)[9].duration, Duration::Milliseconds(-500));
  EXPECT_EQ((*parsed)[10].amount, 5000);
}

TEST(ScheduleTest, ParsesSwizzleAndMessageWindows) {
  const char* text =
      "@1ms swizzle 100ms; @2ms drop 20000 500ms; @3ms delay 40ms 500ms";
  auto parsed = ParseSchedule(text, 3);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 3u);
  EXPECT_EQ((*parsed)[0].kind, FaultKind::kSwizzle);
  EXPECT_EQ((*parsed)[0].duration, Duration::Milliseconds(100));
  EXPECT_EQ((*parsed)[1].amount, 20000);
  EXPECT_EQ((*parsed)[2].after, Duration::Milliseconds(40));
  EXPECT_EQ(FormatSchedule(*parsed, "; "), text);
  for (const char* bad : {"@1ms swizzle 0ms", "@1ms drop 2000000 5ms",
                          "@1ms delay -4ms 5ms", "@1ms drop 5"}) {
    EXPECT_FALSE(ParseSchedule(bad, 3).ok()) << bad;
  }
}

TEST(ScheduleTest, MalformedTextIsAnError) {
  for (const char* bad :
       {"crash 2", "@1ms explode 2", "@1ms crash 4", "@1ms crash 0",
        "@xms crash 1", "@1ms pause 1", "@1ms pause 1 -5ms",
        "@1ms partition 1,2", "@1ms oneway 1,2", "@1ms block 1-2-3",
        "@1ms disk 1 5ms 2000000", "@1ms heal now", "@1ms restart leader",
        "@1ms drift leader 5", "@1ms crash 1 0ms", "@1ms pause next-leader 5ms",
        "@1ms crash next-leader+x 5ms"}) {
    auto parsed = ParseSchedule(bad, 3);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
}

}  // namespace
}  // namespace sim::nemesis
