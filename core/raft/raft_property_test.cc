// Model-free safety properties: random interleavings of ticks, proposals,
// reads, membership changes, message drops, duplicates and reorders, and
// crash/restarts (from persisted storage only, including crashes between
// sending a Ready's immediate messages and persisting it) never break an
// invariant of core/raft/invariants. A final fault-free phase checks that the
// cluster still makes progress.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "core/raft/raw_node.h"
#include "core/raft/testing/fault_sim.h"

namespace core::raft {
namespace {

using testing::FaultSim;
using testing::FaultSimOptions;

Config PropertyConfig(bool check_quorum, bool pre_vote, bool tiny_messages) {
  Config config;
  config.election_timeout_ticks = 4;
  config.heartbeat_interval_ticks = 1;
  config.check_quorum = check_quorum;
  config.pre_vote = pre_vote;
  config.max_size_per_msg_bytes = tiny_messages ? 0 : 1 << 20;
  config.max_inflight_msgs = tiny_messages ? 2 : 64;
  return config;
}

RC_GTEST_PROP(RaftProperty, RandomFaultsNeverBreakAnInvariant, ()) {
  const bool check_quorum = *rc::gen::arbitrary<bool>();
  const bool pre_vote = *rc::gen::arbitrary<bool>();
  const bool tiny = *rc::gen::arbitrary<bool>();
  const uint64_t seed = *rc::gen::arbitrary<uint64_t>();
  const auto ops =
      *rc::gen::resize(150, rc::gen::container<std::vector<uint32_t>>(
                                rc::gen::inRange<uint32_t>(0, 1u << 20)));
  FaultSimOptions options;
  options.config = PropertyConfig(check_quorum, pre_vote, tiny);
  options.seed = seed;
  FaultSim sim(options);
  for (uint32_t op : ops) {
    sim.Run(op);
    if (sim.violation()) break;
  }
  if (sim.violation()) {
    RC_FAIL(sim.violation()->invariant + ": " + sim.violation()->detail);
  }
  if (!sim.Converges()) RC_FAIL("no convergence:\n" + sim.Describe());
  if (sim.violation()) {
    RC_FAIL(sim.violation()->invariant + ": " + sim.violation()->detail);
  }
}

}  // namespace
}  // namespace core::raft
