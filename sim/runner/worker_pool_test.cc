// RunJobs over a lazy JobSource: every job runs once, and the source is
// asked for a job only when a worker is free, so a sweep never holds more
// than `workers` jobs (issue 22: a huge --seeds range built every job
// first). Runs /bin/true as the worker binary.
#include "sim/runner/worker_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace sim::runner {
namespace {

TEST(WorkerPoolTest, JobSourceIsPulledOnlyWhenAWorkerIsFree) {
  constexpr uint64_t kJobs = 40;
  PoolOptions options;
  options.workers = 3;
  uint64_t pulled = 0, done = 0, most_ahead = 0;
  std::set<uint64_t> finished;
  const JobSource source = [&]() -> std::optional<Job> {
    if (pulled == kJobs) return std::nullopt;
    most_ahead = std::max(most_ahead, ++pulled - done);
    return Job{pulled, {}};
  };
  RunJobs("/bin/true", source, options, [&](const JobResult& r) {
    ++done;
    EXPECT_TRUE(r.exited);
    EXPECT_EQ(r.exit_code, 0);
    finished.insert(r.id);
  });
  EXPECT_EQ(done, kJobs);
  EXPECT_EQ(finished.size(), kJobs);
  // The first three are pulled before any ends, and never more after.
  EXPECT_EQ(most_ahead, 3u);
}

TEST(WorkerPoolTest, StopEndsTheSourceEarly) {
  PoolOptions options;
  options.workers = 2;
  uint64_t pulled = 0, done = 0;
  const JobSource endless = [&]() -> std::optional<Job> {
    return Job{++pulled, {}};
  };
  RunJobs(
      "/bin/true", endless, options, [&](const JobResult&) { ++done; },
      [&] { return done >= 5; });
  EXPECT_GE(done, 5u);
  EXPECT_EQ(done, pulled) << "every pulled job ran to its end";
  EXPECT_LE(pulled, 6u);
}

}  // namespace
}  // namespace sim::runner
