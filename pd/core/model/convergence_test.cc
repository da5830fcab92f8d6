// A smaller convergence run (6 stores, 200 regions): every
// phase reaches balance within the stated tolerance (max - min <= 5% of mean
// + 2 for peer and leader counts) in a bounded number of rounds, a dead
// store's replicas are restored elsewhere, a new store fills up, an offline
// store is drained and buried, no
// invariant is violated in any round, and a run is determined by its seed.
#include "pd/core/model/convergence.h"

#include <gtest/gtest.h>

namespace pd::model {
namespace {

ConvergenceOptions Small(uint64_t seed, bool joint) {
  ConvergenceOptions options;
  options.seed = seed;
  options.stores = 6;
  options.regions = 200;
  options.max_rounds_per_phase = 300;
  options.use_joint_consensus = joint;
  return options;
}

void ExpectConverges(const ConvergenceResult& result) {
  ASSERT_FALSE(result.violation.has_value()) << result.violation->ToString();
  ASSERT_EQ(result.phases.size(), 4u);
  for (const PhaseResult& phase : result.phases) {
    EXPECT_TRUE(phase.reached)
        << phase.name << " not balanced after " << phase.rounds
        << " rounds: peer spread " << phase.region_spread << ", leader spread "
        << phase.leader_spread;
    EXPECT_LE(phase.region_spread, phase.region_tolerance) << phase.name;
    EXPECT_LE(phase.leader_spread, phase.leader_tolerance) << phase.name;
  }
  // The store-down phase needed the replica checker; the new store was
  // filled by balance-region.
  EXPECT_GT(result.phases[1].operators_added.at("replica-checker"), 50);
  EXPECT_GT(result.phases[2].operators_added.at("balance-region"), 20);
  // The offline store was drained by the replica checker.
  EXPECT_GT(result.phases[3].operators_added.at("replica-checker"), 20);
  // Splits and merges happened, so RangesDisjoint and EpochMonotonic were
  // exercised across both.
  EXPECT_GT(result.phases[0].operators_added.at("split-checker"), 0);
  EXPECT_GT(result.phases[0].operators_added.at("merge-checker"), 0);
}

TEST(ConvergenceTest, BalancesRestoresAndFillsSimpleMembershipChanges) {
  ExpectConverges(RunConvergence(Small(1, false)));
}

TEST(ConvergenceTest, BalancesRestoresAndFillsJointConsensus) {
  ExpectConverges(RunConvergence(Small(2, true)));
}

TEST(ConvergenceTest, RunIsDeterminedBySeed) {
  const ConvergenceResult a = RunConvergence(Small(3, false));
  const ConvergenceResult b = RunConvergence(Small(3, false));
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  const ConvergenceResult c = RunConvergence(Small(4, false));
  EXPECT_NE(a.trace_hash, c.trace_hash);
}

}  // namespace
}  // namespace pd::model
