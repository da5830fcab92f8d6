// The explorer exhausts its default bound over the real core without a
// violation, and reports how much it explored.
#include <gtest/gtest.h>

#include <cstdio>

#include "spec/raft/raft_model.h"

namespace spec::raft {
namespace {

// The bounds these tests exhaust (README.md): 3 nodes, terms <= 1, message
// loss and reordering, at most 2 messages in flight; and either one client
// proposal (replication and commit) or one crash (a restart, or a crash in
// the middle of a Ready, between its immediate messages and persisting).
Bounds ReplicationBounds() {
  Bounds bounds;
  bounds.max_term = 1;
  bounds.max_proposals = 1;
  bounds.max_crashes = 0;
  bounds.max_duplicates = 0;
  bounds.max_in_flight = 2;
  return bounds;
}

Bounds CrashBounds() {
  Bounds bounds = ReplicationBounds();
  bounds.max_proposals = 0;
  bounds.max_crashes = 1;
  return bounds;
}

void ExpectExhaustedWithoutViolation(const Bounds& bounds) {
  auto report = ExploreModel(MakeModel(bounds), {});
  std::printf("bounds: %s\n%s\n", bounds.Describe().c_str(),
              report.Summary().c_str());
  ASSERT_FALSE(report.violation.has_value())
      << report.violation->invariant << ": " << report.violation->detail;
  EXPECT_TRUE(report.exhausted);
  EXPECT_GT(report.states_explored, 5000u);
}

TEST(RaftExplorerTest, ReplicationBoundIsExhaustedWithoutViolation) {
  ExpectExhaustedWithoutViolation(ReplicationBounds());
}

TEST(RaftExplorerTest, CrashBoundIsExhaustedWithoutViolation) {
  ExpectExhaustedWithoutViolation(CrashBounds());
}

}  // namespace
}  // namespace spec::raft
