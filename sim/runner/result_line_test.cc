// A worker's RESULT line survives the trip through its output, among other
// lines, and a missing or malformed one is not mistaken for a result.
#include "sim/runner/result_line.h"

#include <gtest/gtest.h>

namespace sim::runner {
namespace {

TEST(ResultLineTest, RoundTripsAmongOtherOutput) {
  const ResultLine line{42,
                        "safety-violation",
                        0xdeadbeefcafeULL,
                        20040000000,
                        53280,
                        "ElectionSafety",
                        "node 1 and node 2\nboth lead"};
  const std::string output = "sim seed=42 ...\nlog line RESULT inside\n" +
                             FormatResultLine(line) + "\ntrailing\n";
  auto parsed = FindResultLine(output);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->seed, 42u);
  EXPECT_EQ(parsed->verdict, "safety-violation");
  EXPECT_EQ(parsed->trace_hash, 0xdeadbeefcafeULL);
  EXPECT_EQ(parsed->simulated_ns, 20040000000);
  EXPECT_EQ(parsed->events, 53280u);
  EXPECT_EQ(parsed->invariant, "ElectionSafety");
  EXPECT_EQ(parsed->detail, "node 1 and node 2 both lead");
}

TEST(ResultLineTest, MissingOrMalformedIsNothing) {
  EXPECT_FALSE(FindResultLine("no result here\n").has_value());
  EXPECT_FALSE(FindResultLine("RESULT verdict=pass\n").has_value());
  EXPECT_FALSE(FindResultLine("x RESULT seed=1 verdict=pass\n").has_value());
}

}  // namespace
}  // namespace sim::runner
