// Buggify behind the FAULT_POINT macros of a simulation build
// (SIM_BUGGIFY_ENABLED): per-site activation is per run and independent of
// evaluation order, active sites fire at the configured rate, and everything
// is a function of the seed. The macros' runtime form (constant false, the
// context never evaluated) is core/env's fault_points_disabled_test.
#include "sim/buggify/buggify.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace sim {
namespace {

BuggifyOptions Always() {
  BuggifyOptions options;
  options.activation_probability = 1.0;
  options.fire_probability = 1.0;
  return options;
}

#if !defined(SIM_BUGGIFY_ENABLED)
#error "this test checks the simulation build of the fault-point macros"
#endif

TEST(BuggifyTest, MacrosReachTheContext) {
  Buggify always(1, Always());
  EXPECT_TRUE(FAULT_POINT(always));
  EXPECT_FALSE(FAULT_POINT_WITH_PROB(always, 0.0));
  EXPECT_TRUE(FAULT_POINT_WITH_PROB(always, 1.0));
  ASSERT_EQ(always.Sites().size(), 3u) << "each line is its own site";
  EXPECT_EQ(always.Sites()[0].evaluations, 1u);
}

// Drivers see Buggify only as core::env::FaultPoints.
TEST(BuggifyTest, IsTheDriversFaultPoints) {
  Buggify always(1, Always());
  core::env::FaultPoints& faults = always;
  EXPECT_TRUE(FAULT_POINT(faults));
  EXPECT_FALSE(FAULT_POINT_WITH_PROB(faults, 0.0));
  always.SetFiring(false);
  EXPECT_FALSE(FAULT_POINT(faults));
  ASSERT_EQ(always.Sites().size(), 3u);
  EXPECT_TRUE(always.Sites()[2].active) << "not firing is not inactive";
}

TEST(BuggifyTest, DisabledRunHasNoActiveSite) {
  BuggifyOptions options = Always();
  options.enabled = false;
  Buggify off(1, options);
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(FAULT_POINT(off));
}

// Ref: FDB flow/Buggify.h: sites activate with p = 0.25 per run, then fire
// with p = 0.25 per evaluation.
TEST(BuggifyTest, ActivationAndFireRatesMatchTheOptions) {
  Buggify buggify(42, BuggifyOptions{});
  int active = 0;
  constexpr int kSites = 2000;
  for (int line = 1; line <= kSites; ++line) {
    if (buggify.IsActive("synthetic.cc", line)) ++active;
  }
  EXPECT_NEAR(active / static_cast<double>(kSites), 0.25, 0.04);
  // An active site fires about a quarter of the time; an inactive never.
  int active_line = 1, inactive_line = 1;
  while (!buggify.IsActive("synthetic.cc", active_line)) ++active_line;
  while (buggify.IsActive("synthetic.cc", inactive_line)) ++inactive_line;
  int fires = 0;
  for (int i = 0; i < 4000; ++i) {
    if (buggify.Fire("synthetic.cc", active_line, -1)) ++fires;
    EXPECT_FALSE(buggify.Fire("synthetic.cc", inactive_line, 1.0));
  }
  EXPECT_NEAR(fires / 4000.0, 0.25, 0.03);
}

TEST(BuggifyTest, ActivationDependsOnTheSeedNotOnEvaluationOrder) {
  Buggify forward(7, BuggifyOptions{});
  Buggify backward(7, BuggifyOptions{});
  std::vector<bool> a, b(100);
  for (int line = 0; line < 100; ++line) {
    a.push_back(forward.IsActive("x.cc", line));
  }
  for (int line = 99; line >= 0; --line) {
    b[line] = backward.IsActive("x.cc", line);
  }
  EXPECT_EQ(a, b);
  // Another seed activates another set of sites.
  Buggify other(8, BuggifyOptions{});
  std::vector<bool> c;
  for (int line = 0; line < 100; ++line)
    c.push_back(other.IsActive("x.cc", line));
  EXPECT_NE(a, c);
}

TEST(BuggifyTest, FireSequenceIsDeterministicAndObserved) {
  auto run = [](uint64_t seed) {
    Buggify buggify(seed, BuggifyOptions{.enabled = true,
                                         .activation_probability = 1.0,
                                         .fire_probability = 0.5});
    std::vector<int> fired_lines;
    buggify.SetFireObserver(
        [&](std::string_view, int line) { fired_lines.push_back(line); });
    for (int i = 0; i < 200; ++i) buggify.Fire("y.cc", i % 7, -1);
    return fired_lines;
  };
  EXPECT_EQ(run(3), run(3));
  EXPECT_NE(run(3), run(4));
  EXPECT_NEAR(run(3).size(), 100u, 30u);
}

}  // namespace
}  // namespace sim
