// ddmin over synthetic failures: it finds the failure-inducing events
// exactly (a single one, a pair far apart, none at all), the result is
// 1-minimal, and batch order decides between equally good candidates.
#include "sim/runner/shrink.h"

#include <gtest/gtest.h>

#include <set>

namespace sim::runner {
namespace {

// A run "fails" when every event of `culprits` is kept.
BatchTest FailsWith(std::set<size_t> culprits, size_t* runs = nullptr) {
  return [culprits, runs](const std::vector<Candidate>& batch) {
    std::vector<bool> out;
    for (const Candidate& c : batch) {
      if (runs != nullptr) ++*runs;
      bool all = true;
      for (size_t x : culprits) {
        all = all && std::find(c.begin(), c.end(), x) != c.end();
      }
      out.push_back(all);
    }
    return out;
  };
}

TEST(ShrinkTest, FindsASingleCulprit) {
  EXPECT_EQ(ShrinkFailingSet(100, FailsWith({37})), (Candidate{37}));
}

TEST(ShrinkTest, FindsAPairFarApart) {
  ShrinkStats stats;
  EXPECT_EQ(ShrinkFailingSet(64, FailsWith({3, 60}), &stats),
            (Candidate{3, 60}));
  EXPECT_LT(stats.runs, 200u);
}

TEST(ShrinkTest, AFailureWithoutFaultsShrinksToNothing) {
  EXPECT_TRUE(ShrinkFailingSet(10, FailsWith({})).empty());
}

TEST(ShrinkTest, ResultIsOneMinimal) {
  // Fails when at least 3 of the events in [10, 20) are kept.
  BatchTest test = [](const std::vector<Candidate>& batch) {
    std::vector<bool> out;
    for (const Candidate& c : batch) {
      out.push_back(std::count_if(c.begin(), c.end(), [](size_t x) {
                      return x >= 10 && x < 20;
                    }) >= 3);
    }
    return out;
  };
  const Candidate result = ShrinkFailingSet(40, test);
  ASSERT_EQ(result.size(), 3u);
  for (size_t i = 0; i < result.size(); ++i) {
    Candidate smaller = result;
    smaller.erase(smaller.begin() + static_cast<ptrdiff_t>(i));
    EXPECT_FALSE(test({smaller})[0]);
  }
}

}  // namespace
}  // namespace sim::runner
