// client/retry: client-go's backoff kinds (base, cap, jitter), the total
// budget per operation and its error, Fork, seeded replay.
#include "client/retry/backoff.h"

#include <gtest/gtest.h>

#include "core/base/prng.h"
#include "core/base/time.h"
#include "sim/simulation/simulation.h"

namespace client::retry {
namespace {

using core::base::Duration;
using core::base::Instant;

class BackoffTest : public ::testing::Test {
 protected:
  core::env::Executor& executor() { return sim_.loop().executor(node_); }
  sim::Simulation sim_{sim::SimulationOptions{.seed = 5}};
  sim::ProcessId node_ = sim_.AddNode({.host = "client"});
};

TEST(JitteredSleep, NoJitterDoublesUpToTheCap) {
  core::base::Prng prng(1);
  std::vector<int64_t> ms;
  BackoffFn fn(kBoRegionMiss.base, kBoRegionMiss.cap, Jitter::kNone);
  for (int i = 0; i < 10; ++i) ms.push_back(fn.Next(prng).milliseconds());
  EXPECT_EQ(ms,
            (std::vector<int64_t>{2, 4, 8, 16, 32, 64, 128, 256, 500, 500}));
}

TEST(JitteredSleep, EqualJitterStaysInHalfToAll) {
  core::base::Prng prng(2);
  for (int attempt = 0; attempt < 8; ++attempt) {
    const Duration expo =
        std::min(kBoTiKVRPC.cap, kBoTiKVRPC.base * (int64_t{1} << attempt));
    bool below_all = false;
    for (int i = 0; i < 50; ++i) {
      const Duration sleep =
          JitteredSleep(kBoTiKVRPC.base, kBoTiKVRPC.cap, Jitter::kEqual,
                        attempt, Duration::Zero(), prng);
      EXPECT_GE(sleep, expo / 2);
      EXPECT_LE(sleep, expo);
      below_all |= sleep < expo;
    }
    EXPECT_TRUE(below_all) << "no jitter at attempt " << attempt;
  }
}

TEST(JitteredSleep, FullAndDecorrelatedJitterStayInRange) {
  core::base::Prng prng(3);
  const Duration base = Duration::Milliseconds(10);
  const Duration cap = Duration::Milliseconds(1000);
  BackoffFn decorrelated(base, cap, Jitter::kDecorrelated);
  for (int i = 0; i < 200; ++i) {
    const Duration full =
        JitteredSleep(base, cap, Jitter::kFull, i % 10, base, prng);
    EXPECT_GE(full, Duration::Zero());
    EXPECT_LE(full, std::min(cap, base * (int64_t{1} << (i % 10))));
    const Duration d = decorrelated.Next(prng);
    EXPECT_GE(d, base);
    EXPECT_LE(d, cap);
  }
}

TEST(JitteredSleep, TheSameSeedReplaysTheSameSleeps) {
  auto draw = [](uint64_t seed) {
    core::base::Prng prng(seed);
    std::vector<int64_t> out;
    for (int i = 0; i < 20; ++i) {
      out.push_back(JitteredSleep(kBoPDRPC.base, kBoPDRPC.cap, Jitter::kEqual,
                                  i % 4, Duration::Zero(), prng)
                        .nanoseconds());
    }
    return out;
  };
  EXPECT_EQ(draw(7), draw(7));
  EXPECT_NE(draw(7), draw(8));
}

TEST_F(BackoffTest, KindsCountTheirAttemptsSeparately) {
  Backoffer bo(executor(), Duration::Zero(), 1);
  EXPECT_EQ(*bo.NextSleep(kBoRegionMiss, absl::UnavailableError("a")),
            Duration::Milliseconds(2));
  EXPECT_EQ(*bo.NextSleep(kBoRegionMiss, absl::UnavailableError("b")),
            Duration::Milliseconds(4));
  EXPECT_EQ(*bo.NextSleep(kBoStaleCmd, absl::UnavailableError("c")),
            Duration::Milliseconds(2));
  EXPECT_EQ(bo.attempts(kBoRegionMiss), 2);
  EXPECT_EQ(bo.attempts(kBoStaleCmd), 1);
  EXPECT_EQ(bo.attempts(kBoTiKVRPC), 0);
  EXPECT_EQ(bo.total_sleep(), Duration::Milliseconds(8));
}

// The budget: sleeps until the total reaches it, then fails with the
// longest-sleeping kind's error naming the last error.
TEST_F(BackoffTest, TheBudgetEndsWithTheLongestKindAndTheLastError) {
  Backoffer bo(executor(), Duration::Milliseconds(1000), 9);
  int sleeps = 0;
  absl::Status last;
  for (int i = 0; i < 100; ++i) {
    const BackoffConfig& kind = i % 3 == 0 ? kBoTiKVRPC : kBoRegionMiss;
    auto sleep = bo.NextSleep(
        kind, absl::UnavailableError("attempt " + std::to_string(i)));
    if (!sleep.ok()) {
      last = sleep.status();
      break;
    }
    ++sleeps;
  }
  ASSERT_FALSE(last.ok());
  EXPECT_GE(bo.total_sleep(), Duration::Milliseconds(1000));
  EXPECT_GT(sleeps, 3);
  EXPECT_EQ(last.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(last.message().find("backoffer.maxSleep 1000ms is exceeded"),
            std::string::npos)
      << last;
  EXPECT_NE(last.message().find("attempt " + std::to_string(sleeps)),
            std::string::npos)
      << last;
  // Spent stays spent.
  EXPECT_FALSE(bo.NextSleep(kBoRegionMiss, absl::UnavailableError("x")).ok());
}

TEST_F(BackoffTest, ServerBusyNamesItselfWhenItSleptLongest) {
  Backoffer bo(executor(), Duration::Milliseconds(3000), 4);
  ASSERT_TRUE(bo.NextSleep(kBoRegionMiss, absl::UnavailableError("m")).ok());
  absl::Status status;
  while (status.ok()) {
    status = bo.NextSleep(kBoTiKVServerBusy, absl::UnavailableError("busy"))
                 .status();
  }
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  EXPECT_NE(status.message().find("tikv server is busy"), std::string::npos);
}

TEST_F(BackoffTest, ForkSharesTheBudgetSpentSoFar) {
  Backoffer bo(executor(), Duration::Milliseconds(100), 4);
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(bo.NextSleep(kBoRegionMiss, absl::UnavailableError("m")).ok());
  }
  Backoffer child = bo.Fork();
  EXPECT_EQ(child.total_sleep(), bo.total_sleep());
  EXPECT_EQ(child.attempts(kBoRegionMiss), 0);
  EXPECT_FALSE(
      child.NextSleep(kBoRegionMiss, absl::UnavailableError("m")).ok());
}

TEST_F(BackoffTest, BackoffSleepsOnTheExecutor) {
  bool done = false;
  Instant before, after;
  sim_.loop().executor(node_).Spawn("bo", [&] {
    Backoffer bo(executor(), Duration::Zero(), 1);
    before = sim_.loop().clock(node_).NowMonotonic();
    ASSERT_TRUE(bo.Backoff(kBoRegionMiss, absl::UnavailableError("m")).ok());
    ASSERT_TRUE(bo.Backoff(kBoRegionMiss, absl::UnavailableError("m")).ok());
    after = sim_.loop().clock(node_).NowMonotonic();
    done = true;
  });
  sim_.loop().RunFor(Duration::Seconds(1));
  ASSERT_TRUE(done);
  EXPECT_GE(after - before, Duration::Milliseconds(6));
  sim_.loop().Shutdown();
}

}  // namespace
}  // namespace client::retry
