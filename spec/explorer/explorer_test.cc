// The explorer must visit every reachable state exactly once, report the
// shortest trace to a violation, and say whether it exhausted the space.
#include "spec/explorer/explorer.h"

#include <gtest/gtest.h>

namespace spec::explorer {
namespace {

// Two counters, each may be incremented up to a bound: (bound+1)^2 states.
struct Counters {
  int a = 0;
  int b = 0;
};

Model<Counters> CounterModel(int bound) {
  Model<Counters> model;
  model.successors = [bound](const Counters& s, const EmitFn<Counters>& emit) {
    if (s.a < bound) emit("inc a", Counters{s.a + 1, s.b});
    if (s.b < bound) emit("inc b", Counters{s.a, s.b + 1});
  };
  model.fingerprint = [](const Counters& s) {
    return std::to_string(s.a) + "," + std::to_string(s.b);
  };
  return model;
}

TEST(ExplorerTest, ExhaustsBoundedSpaceVisitingEachStateOnce) {
  Model<Counters> model = CounterModel(4);
  model.invariants.push_back(
      {"BothBounded",
       [](const Counters& s, std::string*) { return s.a <= 4 && s.b <= 4; }});
  Report report = Explore(model);
  EXPECT_TRUE(report.exhausted);
  EXPECT_FALSE(report.violation.has_value());
  EXPECT_EQ(report.states_explored, 25u);
  EXPECT_EQ(report.max_depth_reached, 8u);
  EXPECT_NE(report.Summary().find("exhausted"), std::string::npos);
}

TEST(ExplorerTest, ReportsShortestTraceToViolation) {
  Model<Counters> model = CounterModel(4);
  model.invariants.push_back(
      {"SumBelowThree", [](const Counters& s, std::string* detail) {
         if (s.a + s.b < 3) return true;
         *detail = "sum is " + std::to_string(s.a + s.b);
         return false;
       }});
  Report report = Explore(model);
  ASSERT_TRUE(report.violation.has_value());
  EXPECT_FALSE(report.exhausted);
  EXPECT_EQ(report.violation->invariant, "SumBelowThree");
  EXPECT_EQ(report.violation->detail, "sum is 3");
  // init plus three increments: BFS finds a shortest path.
  EXPECT_EQ(report.violation->trace.size(), 4u);
  EXPECT_EQ(report.violation->trace.front(), "init");
}

TEST(ExplorerTest, BoundsStopSearchAndSayNotExhausted) {
  Model<Counters> model = CounterModel(10);
  Report by_depth = Explore(model, Options{.max_depth = 2});
  EXPECT_FALSE(by_depth.exhausted);
  EXPECT_EQ(by_depth.states_explored, 6u);  // depths 0, 1, 2: 1 + 2 + 3
  Report by_states = Explore(model, Options{.max_states = 10});
  EXPECT_FALSE(by_states.exhausted);
  EXPECT_LE(by_states.states_explored, 12u);
}

}  // namespace
}  // namespace spec::explorer
