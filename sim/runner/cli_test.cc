// The runner's command-line checks (issue 22): every numeric setting is
// refused outside its range with a message naming the flag, the value and
// the range; seeds and seed ranges stop at the seed type's limit; a range
// is walked without wrapping at 2^64 - 1; the determinism sample is spread
// over the range as it always was. (The same cases against the binary:
// bad_input_test.sh.)
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "sim/runner/cli.h"
#include "sim/runner/run_flags.h"
#include "sim/runner/seed_range.h"

namespace sim::runner {
namespace {

constexpr uint64_t kMaxSeed = std::numeric_limits<uint64_t>::max();

Cli OneRun() {
  Cli cli;
  cli.seed = 7;
  return cli;
}

std::string ErrorOf(const Cli& cli) {
  const absl::Status status = ValidateCli(cli);
  return status.ok() ? "<ok>" : std::string(status.message());
}

TEST(CliTest, DefaultsAreValid) {
  EXPECT_EQ(ErrorOf(OneRun()), "<ok>");
  Cli sweep;
  sweep.seeds = SeedRange{1, 10};
  sweep.pool.workers = kMaxWorkers;
  sweep.determinism_sample = kMaxDeterminismSample;
  EXPECT_EQ(ErrorOf(sweep), "<ok>");
}

// Issue 22: --workers=0 or -1 aborted on a CHECK (exit 134).
TEST(CliTest, WorkersOutOfRangeAreRefused) {
  for (int workers : {0, -1, kMaxWorkers + 1}) {
    Cli cli = OneRun();
    cli.pool.workers = workers;
    EXPECT_EQ(ErrorOf(cli), "--workers: got '" + std::to_string(workers) +
                                "', want a count in [1, 1024]");
  }
}

TEST(CliTest, EveryNumericFlagHasARange) {
  Cli cli = OneRun();
  for (double timeout : {0.0, -1.0, 1e7, std::nan(""),
                         std::numeric_limits<double>::infinity()}) {
    cli.pool.timeout_seconds = timeout;
    EXPECT_NE(ErrorOf(cli).find("--run_timeout_seconds: got '"),
              std::string::npos)
        << timeout;
  }
  cli = OneRun();
  cli.determinism_sample = -1;
  EXPECT_EQ(ErrorOf(cli),
            "--determinism_sample: got '-1', want a count in [0, 1000000]");
  cli = OneRun();
  cli.expect_shrunk_percent_at_most = 101;
  EXPECT_EQ(ErrorOf(cli),
            "--expect_shrunk_percent_at_most: got '101', want -1 (off) or a "
            "percentage in [0, 100]");
  cli = OneRun();
  cli.flags.safety_seconds = -1;
  EXPECT_EQ(ErrorOf(cli),
            "--safety_seconds: got '-1', want whole seconds in [0, 1000000]");
  cli = OneRun();
  cli.flags.liveness_seconds = kMaxRunSeconds + 1;
  EXPECT_NE(ErrorOf(cli).find("--liveness_seconds: got '1000001'"),
            std::string::npos);
  cli = OneRun();
  cli.flags.nodes = 10;
  EXPECT_EQ(ErrorOf(cli),
            "--nodes: got '10', want 0 (drawn per seed) or a group size in "
            "[1, 9]");
  cli = OneRun();
  cli.flags.faults = "network,\x01";
  EXPECT_NE(ErrorOf(cli).find("--faults: got 'network,\\x01', want swarm"),
            std::string::npos);
}

TEST(CliTest, CommandIsOneOfSeedAndSeeds) {
  Cli neither;
  EXPECT_EQ(ErrorOf(neither), "give --seed=N or --seeds=A..B (see --help)");
  Cli both = OneRun();
  both.seeds = SeedRange{1, 2};
  EXPECT_EQ(ErrorOf(both), "give --seed=N or --seeds=A..B, not both");
}

// Issue 22: --history_out with a sweep was silently ignored.
TEST(CliTest, HistoryOutIsForOneRunOnly) {
  Cli sweep;
  sweep.seeds = SeedRange{1, 2};
  sweep.history_out = "h.jsonl";
  EXPECT_NE(ErrorOf(sweep).find("--history_out records one run"),
            std::string::npos);
  Cli shrink = OneRun();
  shrink.shrink = true;
  shrink.history_out = "h.jsonl";
  EXPECT_NE(ErrorOf(shrink).find("--history_out records one run"),
            std::string::npos);
}

TEST(SeedRangeTest, ParsesSeedsUpToTheTypeLimit) {
  EXPECT_EQ(*ParseSeed("0"), 0u);
  EXPECT_EQ(*ParseSeed("18446744073709551615"), kMaxSeed);
  for (const char* bad : {"", "-1", "+1", "18446744073709551616", "1e3", "x"}) {
    const auto seed = ParseSeed(bad);
    ASSERT_FALSE(seed.ok()) << bad;
    EXPECT_EQ(seed.status().message(),
              std::string("--seed: got '") + bad +
                  "', want a seed in [0, 18446744073709551615]");
  }
}

// Issue 22: a range past the 64-bit limit was accepted and swept forever.
TEST(SeedRangeTest, RangesPastTheLimitAreRefused) {
  const auto range = ParseSeedRange("5..18446744073709551615");
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(range->size(), kMaxSeed - 4);
  EXPECT_EQ(ParseSeedRange("1..18446744073709551616").status().message(),
            "--seeds: got '1..18446744073709551616', want A..B with A and B "
            "in [0, 18446744073709551615]");
  EXPECT_EQ(ParseSeedRange("10..1").status().message(),
            "--seeds: got '10..1', want A..B with A <= B");
  EXPECT_EQ(ParseSeedRange("7").status().message(),
            "--seeds: got '7', want A..B (inclusive)");
  EXPECT_FALSE(ParseSeedRange("0..18446744073709551615").ok());
  EXPECT_FALSE(ParseSeedRange("-1..5").ok());
  EXPECT_FALSE(ParseSeedRange("1...5").ok());
  EXPECT_EQ(ParseSeedRange("3..3")->size(), 1u);
}

TEST(SeedRangeTest, CursorStopsAtTheLastSeedWithoutWrapping) {
  SeedCursor top(SeedRange{kMaxSeed - 2, kMaxSeed});
  EXPECT_EQ(top.Next(), kMaxSeed - 2);
  EXPECT_EQ(top.Next(), kMaxSeed - 1);
  EXPECT_EQ(top.Next(), kMaxSeed);
  EXPECT_EQ(top.Next(), std::nullopt);
  EXPECT_EQ(top.Next(), std::nullopt);
  SeedCursor one(SeedRange{4, 4});
  EXPECT_EQ(one.Next(), 4u);
  EXPECT_EQ(one.Next(), std::nullopt);
}

// The sample a sweep reruns: the same seeds as when the sweep indexed every
// run seed (seeds[i * size / n]), now chosen without listing them.
TEST(SeedRangeTest, SpreadSampleIsEvenAndBounded) {
  EXPECT_EQ(SpreadSample(SeedRange{1, 2000}, 4),
            (std::vector<uint64_t>{1, 501, 1001, 1501}));
  EXPECT_EQ(SpreadSample(SeedRange{10, 12}, 100),
            (std::vector<uint64_t>{10, 11, 12}));
  EXPECT_TRUE(SpreadSample(SeedRange{1, 5}, 0).empty());
  const std::vector<uint64_t> huge = SpreadSample(SeedRange{1, kMaxSeed}, 3);
  ASSERT_EQ(huge.size(), 3u);
  EXPECT_EQ(huge[0], 1u);
  EXPECT_EQ(huge[2], 1 + 2 * ((kMaxSeed) / 3));
}

}  // namespace
}  // namespace sim::runner
