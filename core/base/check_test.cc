// CHECK must stay on in every build mode and must say what failed.
#include "core/base/check.h"

#include <gtest/gtest.h>

namespace core::base {
namespace {

TEST(CheckDeathTest, FailingCheckAbortsWithExpressionAndContext) {
  int replicas = 2;
  EXPECT_DEATH(CHECK(replicas == 3) << "region " << 7,
               "CHECK failed: replicas == 3 region 7");
}

TEST(CheckDeathTest, ComparisonChecksPrintBothOperands) {
  uint64_t commit_ts = 5;
  uint64_t start_ts = 9;
  EXPECT_DEATH(CHECK_GT(commit_ts, start_ts),
               "commit_ts > start_ts \\(5 vs 9\\)");
}

TEST(CheckTest, PassingCheckDoesNotEvaluateItsMessage) {
  int evaluations = 0;
  auto count = [&] { return ++evaluations; };
  CHECK(true) << count();
  CHECK_EQ(1, 1) << count();
  EXPECT_EQ(evaluations, 0);
}

TEST(CheckDeathTest, UnreachableAborts) {
  EXPECT_DEATH(UNREACHABLE(), "unreachable");
}

}  // namespace
}  // namespace core::base
