// Each known bug, compiled into the core behind MUTANT(RAFT_<NAME>), must be
// caught: with that mutant on (BUILD: each mutant_test runs this binary
// with a --gtest_filter for its cases), a case passes iff the explorer (or a
// seeded random walk over the same model, for bugs deeper than the
// exhaustive bounds) finds the invariant violation the bug causes. Over the
// real core every case fails.
#include <gtest/gtest.h>

#include <cstdio>
#include <utility>
#include <vector>

#include "core/base/prng.h"
#include "core/raft/testing/fault_sim.h"
#include "core/raft/testing/scenarios.h"
#include "spec/raft/raft_model.h"

namespace spec::raft {
namespace {

void PrintViolation(const spec::explorer::Violation& v) {
  std::printf("caught %s: %s\n", v.invariant.c_str(), v.detail.c_str());
  for (const std::string& step : v.trace) std::printf("  %s\n", step.c_str());
}

// A vote sent before it is durable is forgotten by a crash: the voter can
// grant a second candidate the same term, so two leaders share a term.
TEST(RaftMutantTest, VoteBeforePersistIsCaughtByExplorer) {
  Bounds bounds;
  bounds.max_term = 1;
  bounds.max_proposals = 0;
  bounds.max_crashes = 1;
  bounds.max_duplicates = 0;
  bounds.max_in_flight = 3;
  auto report = ExploreModel(MakeModel(bounds), {});
  std::printf("%s\n", report.Summary().c_str());
  ASSERT_TRUE(report.violation.has_value()) << "mutant not caught";
  PrintViolation(*report.violation);
  EXPECT_EQ(report.violation->invariant, "ElectionSafety");
}

// A lease read without check-quorum: a deposed leader that does not know it
// serves a read older than what the new leader already committed.
TEST(RaftMutantTest, LeaseWithoutCheckQuorumIsCaughtByExplorer) {
  Bounds bounds;
  bounds.max_term = 2;
  bounds.max_proposals = 0;
  bounds.max_reads = 1;
  bounds.max_crashes = 0;
  bounds.max_duplicates = 0;
  bounds.max_in_flight = 2;
  bounds.lease_reads = true;
  auto report = ExploreModel(MakeModel(bounds), {});
  std::printf("%s\n", report.Summary().c_str());
  ASSERT_TRUE(report.violation.has_value()) << "mutant not caught";
  PrintViolation(*report.violation);
  EXPECT_EQ(report.violation->invariant, "LinearizableRead");
}

// Committing an old-term entry by counting replicas (Raft paper Figure 8):
// a later leader overwrites an entry that was reported committed. The
// counterexample needs four terms and about thirty steps, beyond an
// exhaustive bound that fits a unit test, so this runs the random fault
// schedules of the property test (core/raft/raft_property_test.cc) over the
// mutant, from fixed seeds, until one breaks an invariant.
// Schedules are seeded independently (schedule i uses SplitMix64(i)). Run
// from schedule 0 (--copt=-DFIGURE8_FIRST_SCHEDULE=0
// --copt=-DFIGURE8_SCHEDULES=5000), the first schedule to catch the mutant
// is schedule 300 (README.md); the test starts a little before it to stay
// fast.
#ifndef FIGURE8_FIRST_SCHEDULE
#define FIGURE8_FIRST_SCHEDULE 290
#define FIGURE8_SCHEDULES 20
#endif
TEST(RaftMutantTest, Figure8IsCaughtByRandomFaultSchedules) {
  constexpr int kVoters = 3;
  constexpr int kOps = 1000;
  constexpr uint64_t kFirstSchedule = FIGURE8_FIRST_SCHEDULE;
  constexpr int kSchedules = FIGURE8_SCHEDULES;
  // Op codes of FaultSim restricted to elections, replication and faults:
  // (table index, weight) for tick-all, tick-one, deliver, drop, propose,
  // restart.
  const std::vector<std::pair<uint32_t, int>> kinds = {
      {0, 10}, {2, 10}, {3, 45}, {8, 15}, {10, 12}, {13, 8}};
  constexpr uint32_t kTableSize = 18;
  core::base::Prng prng(0);
  auto next_code = [&](uint32_t nodes) {
    uint64_t roll = prng.Uniform(100);
    uint32_t kind = 0;
    for (const auto& [index, weight] : kinds) {
      if (roll < static_cast<uint64_t>(weight)) {
        kind = index;
        break;
      }
      roll -= weight;
    }
    const uint32_t node = static_cast<uint32_t>(prng.Uniform(nodes));
    const uint32_t pick = static_cast<uint32_t>(prng.Uniform(1024));
    return kind + kTableSize * (node + nodes * pick);
  };
  int schedules = 0;
  uint64_t schedule = kFirstSchedule;
  std::optional<core::raft::invariants::Violation> caught;
  for (; schedules < kSchedules && !caught; ++schedules, ++schedule) {
    uint64_t mix = schedule;
    prng = core::base::Prng(core::base::SplitMix64(&mix));
    core::raft::testing::FaultSimOptions options;
    options.voters = kVoters;
    options.spares = 0;
    options.config.election_timeout_ticks = 4;
    options.config.max_size_per_msg_bytes = 0;  // one entry per MsgApp
    options.config.max_inflight_msgs = 2;
    options.seed = prng.NextU64();
    core::raft::testing::FaultSim sim(options);
    for (int op = 0; op < kOps && !sim.violation(); ++op) {
      sim.Run(next_code(kVoters));
    }
    caught = sim.violation();
  }
  std::printf("%d fault schedules run, up to schedule %lu\n", schedules,
              schedule - 1);
  ASSERT_TRUE(caught.has_value()) << "mutant not caught";
  std::printf("caught %s: %s\n", caught->invariant.c_str(),
              caught->detail.c_str());
}

// The scripted Figure 8 scenario (core/raft/testing/scenarios.h), which the
// real core passes, also catches the mutant.
TEST(RaftMutantTest, Figure8IsCaughtByTheScriptedScenario) {
  core::raft::testing::Figure8Outcome outcome =
      core::raft::testing::RunFigure8Scenario();
  EXPECT_TRUE(outcome.old_term_entry_committed);
  ASSERT_TRUE(outcome.violation.has_value()) << "mutant not caught";
  std::printf("caught %s: %s\n", outcome.violation->invariant.c_str(),
              outcome.violation->detail.c_str());
}

}  // namespace
}  // namespace spec::raft
