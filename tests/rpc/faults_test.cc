// rpc/ under network faults, seed by seed (faults_workload.h): every call
// ends by its deadline with OK (and the right answer), DEADLINE_EXCEEDED or
// UNAVAILABLE; every call succeeds after the heal; a seed replays
// identically.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "tests/rpc/faults_workload.h"

namespace rpc::testing {
namespace {

TEST(RpcFaultsTest, CallsEndByTheirDeadlineAndRecoverAfterHeal) {
  std::map<absl::StatusCode, int> codes;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    RunResult result = RunFaultsSeed(seed);
    const std::vector<std::string> violations = FaultsViolations(result);
    EXPECT_TRUE(violations.empty())
        << "seed " << seed << ": " << result.header << "\n"
        << absl::StrJoin(violations, "\n");
    for (const Outcome& o : result.outcomes) ++codes[o.code];
    if (::testing::Test::HasFailure()) break;
  }
  for (const auto& [code, count] : codes) {
    std::cout << absl::StatusCodeToString(code) << ": " << count << "\n";
  }
  // The faults bit: calls failed both ways, and most still succeeded.
  EXPECT_GT(codes[absl::StatusCode::kDeadlineExceeded], 0);
  EXPECT_GT(codes[absl::StatusCode::kUnavailable], 0);
  EXPECT_GT(codes[absl::StatusCode::kOk],
            codes[absl::StatusCode::kDeadlineExceeded] +
                codes[absl::StatusCode::kUnavailable]);
}

TEST(RpcFaultsTest, ASeedIsDeterministic) {
  for (uint64_t seed : {3u, 8u}) {
    RunResult first = RunFaultsSeed(seed);
    RunResult second = RunFaultsSeed(seed);
    EXPECT_EQ(first.trace_hash, second.trace_hash) << "seed " << seed;
    EXPECT_TRUE(first.outcomes == second.outcomes) << "seed " << seed;
    EXPECT_GT(first.outcomes.size(), 100u);
  }
}

}  // namespace
}  // namespace rpc::testing
