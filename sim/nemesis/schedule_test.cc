// Fault schedules in their text form: generated ones round-trip through
// it, every kind parses, malformed text is a clear error naming the word
// and its range (issue 22: @99999999999999999ms once wrapped), and two
// properties: random bytes are refused cleanly, and whatever near-valid
// text is accepted has every field in range and round-trips. (Generation
// itself: generator_test.cc.)
#include "sim/nemesis/schedule.h"

#include "sim/nemesis/generator.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

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
      "@16ms crash next-leader+20ms 500ms; @17ms isolate next-leader;"
      "@18ms jump leader 1500ms; @19ms jump next-leader+5ms -1500ms",
      3);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 19u);
  EXPECT_EQ((*parsed)[17].node, kLeaderNode);
  EXPECT_EQ((*parsed)[17].duration, Duration::Milliseconds(1500));
  EXPECT_EQ((*parsed)[18].node, kNextLeaderNode);
  EXPECT_EQ((*parsed)[18].after, Duration::Milliseconds(5));
  EXPECT_EQ((*parsed)[18].duration, Duration::Milliseconds(-1500));
  EXPECT_EQ(FormatEvent((*parsed)[18]), "@19ms jump next-leader+5ms -1500ms");
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
        "@1ms crash next-leader+x 5ms", "@1ms jump next-leader",
        "@1ms jump next-leader+x 5ms"}) {
    auto parsed = ParseSchedule(bad, 3);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
}

std::string ErrorOf(std::string_view text) {
  auto parsed = ParseSchedule(text, 3);
  return parsed.ok() ? "<ok>" : std::string(parsed.status().message());
}

TEST(ScheduleTest, ErrorsNameTheWordAndItsRange) {
  EXPECT_EQ(ErrorOf("@99999999999999999ms crash 1"),
            "fault event '@99999999999999999ms crash 1': time "
            "'99999999999999999ms': want whole milliseconds in [0, "
            "1000000000000], written like 250ms");
  EXPECT_EQ(ErrorOf("@1ms crash 4"),
            "fault event '@1ms crash 4': '4': want a host in [1, 3], leader "
            "or next-leader[+<ms>ms] (usage: @<time>ms crash "
            "<host|leader|next-leader[+<ms>ms]> [<ms>ms])");
  EXPECT_EQ(ErrorOf("@1ms pause 1"),
            "fault event '@1ms pause 1': usage: @<time>ms pause <host|leader> "
            "<ms>ms");
  EXPECT_EQ(ErrorOf("@1ms explode 2"),
            "fault event '@1ms explode 2': unknown kind 'explode'");
  EXPECT_EQ(ErrorOf("@1ms drop 2000000 5ms"),
            "fault event '@1ms drop 2000000 5ms': '2000000': want ppm in [0, "
            "1000000] (usage: @<time>ms drop <ppm> <ms>ms)");
  EXPECT_EQ(ErrorOf("@1ms drift 1 1000000"),
            "fault event '@1ms drift 1 1000000': '1000000': want a drift in "
            "ppm in [-999999, 999999] (usage: @<time>ms drift <host> <ppm>)");
  EXPECT_EQ(ErrorOf("@1ms block 1-2-3"),
            "fault event '@1ms block 1-2-3': '1-2-3': want a pair "
            "<host>-<host> (usage: @<time>ms block "
            "<host>-<host>[,<host>-<host>...])");
  EXPECT_EQ(ErrorOf("crash 2"),
            "fault event 'crash 2': want @<time>ms <kind> ...");
}

TEST(ScheduleTest, TimesAndDurationsHaveLimits) {
  EXPECT_EQ(ErrorOf("@1000000000000ms jump 1 -1000000000000ms"), "<ok>");
  EXPECT_EQ(ErrorOf("@1ms clog 1 1000000000000ms"), "<ok>");
  for (const char* bad :
       {"@1000000000001ms heal", "@-1ms heal", "@1ms jump 1 -1000000000001ms",
        "@1ms pause 1 1000000000001ms", "@1ms delay 1000000000001ms 1ms",
        "@1ms crash next-leader+1000000000001ms", "@9223372036854775808ms heal",
        "@1ms disk 1 -5ms 10"}) {
    EXPECT_NE(ErrorOf(bad).find("want whole milliseconds in ["),
              std::string::npos)
        << bad << ": " << ErrorOf(bad);
  }
}

// Issue 22: a huge or binary item is quoted as a short escaped excerpt.
TEST(ScheduleTest, HugeOrBinaryItemsAreQuotedShort) {
  const std::string huge = "@1ms crash " + std::string(1 << 20, '9');
  EXPECT_LT(ErrorOf(huge).size(), 400u);
  const std::string binary("@1ms crash \x01\x00\xff", 14);
  const std::string error = ErrorOf(binary);
  EXPECT_NE(error.find("\\x01\\x00\\xff"), std::string::npos) << error;
  EXPECT_EQ(error.find('\0'), std::string::npos);
}

RC_GTEST_PROP(ScheduleProperty, RandomBytesAreRefusedCleanly,
              (const std::string& bytes)) {
  auto parsed = ParseSchedule(bytes, 3);
  if (!parsed.ok()) {
    RC_ASSERT(parsed.status().code() == absl::StatusCode::kInvalidArgument);
    RC_ASSERT(parsed.status().message().size() < 600u);
  }
}

// One word of the given shape: mostly valid, sometimes at a limit or just
// past one.
rc::Gen<std::string> GenWord(char shape) {
  switch (shape) {
    case 'h':  // a host or target
      return rc::gen::element<std::string>("1", "3", "leader", "2", "4", "0",
                                           "next-leader", "next-leader+5ms");
    case 'm':  // a duration
      return rc::gen::element<std::string>("0ms", "7ms", "1000000000000ms",
                                           "1ms", "1000000000001ms", "-1ms");
    case 's':  // a signed duration
      return rc::gen::element<std::string>("-1000000000000ms", "5ms",
                                           "-1000000000001ms");
    case 'p':  // parts per million
      return rc::gen::element<std::string>("0", "1000000", "20000", "1000001",
                                           "-1");
    case 'd':  // drift
      return rc::gen::element<std::string>("999999", "-999999", "-80",
                                           "1000000");
    default:  // groups
      return rc::gen::element<std::string>("1,2|3", "1->2,3", "1-3,2-3",
                                           "1,4|2", "1|");
  }
}

// An event of a random kind with words of the shapes it takes (now and
// then one word too many or too few).
rc::Gen<std::string> GenNearValidEvent() {
  return rc::gen::exec([] {
    using KindShapes = std::pair<std::string, std::string>;
    const auto [kind, shapes] =
        *rc::gen::elementOf(std::vector<KindShapes>{{"crash", "hm"},
                                                    {"crash", "h"},
                                                    {"restart", "h"},
                                                    {"pause", "hm"},
                                                    {"partition", "g"},
                                                    {"oneway", "g"},
                                                    {"block", "g"},
                                                    {"clog", "hm"},
                                                    {"heal", ""},
                                                    {"drift", "hd"},
                                                    {"jump", "hs"},
                                                    {"disk", "hmp"},
                                                    {"corrupt", "hm"},
                                                    {"isolate", "h"},
                                                    {"swizzle", "m"},
                                                    {"drop", "pm"},
                                                    {"delay", "mm"}});
    std::string event =
        "@" +
        *rc::gen::element<std::string>("0ms", "5ms", "1000000000000ms",
                                       "1000000000001ms") +
        " " + kind;
    for (char shape : shapes) event += " " + *GenWord(shape);
    if (*rc::gen::inRange(0, 10) == 0) event += " 1";
    return event;
  });
}

RC_GTEST_PROP(ScheduleProperty, AcceptedFieldsAreInRangeAndRoundTrip, ()) {
  const std::vector<std::string> events =
      *rc::gen::container<std::vector<std::string>>(*rc::gen::inRange(1, 3),
                                                    GenNearValidEvent());
  std::string text;
  for (const std::string& event : events) text += event + "\n";
  auto parsed = ParseSchedule(text, 3);
  RC_CLASSIFY(parsed.ok());
  if (!parsed.ok()) return;
  const Duration limit = Duration::Milliseconds(kMaxScheduleMs);
  for (const FaultEvent& e : *parsed) {
    RC_ASSERT(e.at >= Duration::Zero() && e.at <= limit);
    RC_ASSERT(e.duration >= Duration::Zero() - limit && e.duration <= limit);
    RC_ASSERT(e.after >= Duration::Zero() && e.after <= limit);
    RC_ASSERT(e.node >= kNextLeaderNode && e.node <= 3);
    RC_ASSERT(e.amount > -1000000 && e.amount <= 1000000);
  }
  auto again = ParseSchedule(FormatSchedule(*parsed), 3);
  RC_ASSERT(again.ok());
  RC_ASSERT(*again == *parsed);
}

}  // namespace
}  // namespace sim::nemesis
