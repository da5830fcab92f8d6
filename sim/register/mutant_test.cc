// Mutant test: built (BUILD, tools/build_defs/mutant.bzl) with
// MUTANT_SIM_ACK_BEFORE_SYNC (a follower acknowledges entries, and a voter
// its vote, before the sync that makes them durable). The test passes iff
// a short seed sweep finds a safety violation; the recorded first failing
// seed of a sweep from 1 is seed 1 (CommittedIsDurable).
#include <gtest/gtest.h>

#include "sim/register/register_sim.h"

namespace sim::register_kv {
namespace {

TEST(AckBeforeSyncMutantTest, TheOraclesCatchIt) {
  bool caught = false;
  for (uint64_t seed = 1; seed <= 10 && !caught; ++seed) {
    RegisterRunOptions options = RegisterRunOptions::Swarm(seed);
    options.safety_duration = core::base::Duration::Seconds(5);
    options.faults.duration = options.safety_duration;
    const runner::WorkloadResult result = RunRegister(options);
    if (result.verdict == Verdict::kSafetyViolation) {
      caught = true;
      EXPECT_TRUE(result.invariant == "CommittedIsDurable" ||
                  result.invariant == "VotesAreDurable")
          << result.invariant << ": " << result.detail;
    }
  }
  EXPECT_TRUE(caught) << "MUTANT_SIM_ACK_BEFORE_SYNC escaped 10 seeds";
}

}  // namespace
}  // namespace sim::register_kv
