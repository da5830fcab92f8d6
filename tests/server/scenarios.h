// Scenarios shared by the tests and the mutant checks (mutant_test.cc): each
// reports what happened, and the test decides what it must be.
#ifndef TESTS_SERVER_SCENARIOS_H_
#define TESTS_SERVER_SCENARIOS_H_

#include <cstdint>
#include <string>

#include "proto/kvrpcpb.pb.h"

namespace store::server::testing {

struct PartitionedLeaderOutcome {
  // A new leader acknowledged a write while the isolated old leader still
  // believed it led (the window a stale lease read needs).
  bool window = false;
  // What a read of the key on the old leader answered then: "v1" is the
  // stale value, "v2" would be the new one, anything else an error.
  std::string old_leader_read;
};

// Ref: TiKV tests/integrations/raftstore/test_lease_read.rs
// (test_node_lease_expired / test_read_index_stale_in_suspect_lease): the
// leader of region 1 holds k=v1 and is cut off from the other stores (not
// from the client); a new leader is elected and writes k=v2; then the client
// reads k on the old leader.
PartitionedLeaderOutcome PartitionedLeaderRead(uint64_t seed);

// Ref: TiKV components/raftstore/src/store/worker/read.rs (LocalReader
// judges the lease by a monotonic clock, never by ticks alone): the leader
// of region 1 holds k=v1 and is paused (SIGSTOP); a new leader is elected
// and writes k=v2; the client's read of k reaches the old leader while it
// is paused and is answered when it resumes, maybe before its tick timer
// has run.
PartitionedLeaderOutcome PausedLeaderRead(uint64_t seed);

// A raw read carrying the region's epoch from before a split, to the
// leader; its answer (EpochNotMatch with the current regions, when epochs
// are checked).
kvrpcpb::RawGetResponse ReadWithPreSplitEpoch();

}  // namespace store::server::testing

#endif  // TESTS_SERVER_SCENARIOS_H_
