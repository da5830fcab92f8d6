// A three-store cluster of store::raftstore on the simulator: writes to one
// region and to fifty are acknowledged after they are applied, on every
// replica; the fifty regions' Readies are group-committed (one write and at
// most one sync per ReadyLoop iteration, many regions per iteration); a
// restarted store recovers every region. Ref: TiKV
// tests/integrations/raftstore/test_multi.rs (put on a cluster, restart),
// components/raftstore/src/store/fsm/store.rs (RaftPoller's one write per
// poll round).
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/raftstore/cluster.h"

namespace store::raftstore::testing {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.BootstrapFirstRegion({1, 2, 3});
    cluster_.StartAll();
    ASSERT_NE(cluster_.WaitForLeader(kFirstRegionId), 0u);
  }

  // Split keys cutting the key space into `regions` regions: "k01", ....
  static std::vector<std::string> SplitKeys(int regions) {
    std::vector<std::string> keys;
    for (int i = 1; i < regions; ++i) keys.push_back(RegionKey(i));
    return keys;
  }
  static std::string RegionKey(int i) {
    return "k" + std::string(i < 10 ? "0" : "") + std::to_string(i);
  }

  Cluster cluster_;
};

// Ref: test_multi.rs test_multi_base: a put is answered once applied, and
// every replica applies it.
TEST_F(StoreTest, AWriteIsAnsweredAfterApplyOnEveryReplica) {
  for (int i = 0; i < 20; ++i) {
    const std::string key = "key" + std::to_string(i);
    auto answer = cluster_.MustPut(key, "v" + std::to_string(i));
    ASSERT_FALSE(answer.header().has_error()) << ErrorOf(answer);
    ASSERT_EQ(answer.responses_size(), 1);
    EXPECT_EQ(answer.responses(0).cmd_type(), raft_cmdpb::Put);
    // Answered after apply: the leader's engine has it already.
    EXPECT_EQ(cluster_.Get(cluster_.LeaderStore(kFirstRegionId), key),
              "v" + std::to_string(i));
  }
  ASSERT_TRUE(cluster_.RunUntil([&] {
    for (uint64_t id : cluster_.store_ids()) {
      if (cluster_.Get(id, "key19") != "v19") return false;
    }
    return true;
  }));
}

// Splits the first region into `regions` regions at once (one BatchSplit),
// then waits until every store hosts all of them with a leader.
void SplitInto(Cluster& cluster, int regions,
               const std::vector<std::string>& split_keys) {
  auto answer = cluster.Split(split_keys);
  ASSERT_FALSE(answer.header().has_error()) << ErrorOf(answer);
  ASSERT_EQ(answer.admin_response().splits().regions_size(), regions);
  ASSERT_TRUE(cluster.RunUntil([&] {
    for (uint64_t id : cluster.store_ids()) {
      if (cluster.store(id)->Regions().size() != static_cast<size_t>(regions)) {
        return false;
      }
    }
    for (const auto& region : cluster.store(1)->Regions()) {
      if (cluster.LeaderStore(region.id) == 0) return false;
    }
    return true;
  }));
}

// Fifty regions: a write to each is answered after apply. The writes are
// proposed at once on the leaders' store, so the fifty regions' Readies
// meet in the same ReadyLoop iterations: each iteration makes one engine
// write and at most one sync, for many regions.
TEST_F(StoreTest, FiftyRegionsGroupCommitTheirWrites) {
  constexpr int kRegions = 50;
  SplitInto(cluster_, kRegions, SplitKeys(kRegions));
  // The parent's leader campaigned for every new region.
  const uint64_t leader = cluster_.LeaderStore(kFirstRegionId);
  std::vector<raft_cmdpb::RaftCmdRequest> puts;
  for (int i = 0; i < kRegions; ++i) {
    auto region = cluster_.RegionForKey(RegionKey(i) + "x");
    ASSERT_TRUE(region.has_value());
    ASSERT_EQ(cluster_.LeaderStore(region->id), leader);
    puts.push_back(cluster_.PutCommand(*region, leader, RegionKey(i) + "x",
                                       "v" + std::to_string(i)));
  }
  std::map<uint64_t, ReadyLoopStats> before;
  for (uint64_t id : cluster_.store_ids()) {
    before[id] = cluster_.store(id)->ready_loop_stats();
  }
  std::vector<raft_cmdpb::RaftCmdResponse> answers;
  ASSERT_TRUE(cluster_.CallAll(leader, puts, &answers));
  for (int i = 0; i < kRegions; ++i) {
    ASSERT_FALSE(answers[i].header().has_error()) << ErrorOf(answers[i]);
    EXPECT_EQ(cluster_.Get(leader, RegionKey(i) + "x"),
              "v" + std::to_string(i));
  }
  // Answered once a quorum applied; the third store may be a little behind.
  ASSERT_TRUE(cluster_.RunUntil([&] {
    for (uint64_t id : cluster_.store_ids()) {
      for (int i = 0; i < kRegions; ++i) {
        if (!cluster_.Get(id, RegionKey(i) + "x").has_value()) return false;
      }
    }
    return true;
  }));
  for (uint64_t id : cluster_.store_ids()) {
    const ReadyLoopStats& after = cluster_.store(id)->ready_loop_stats();
    const uint64_t iterations = after.iterations - before[id].iterations;
    const uint64_t readies = after.readies - before[id].readies;
    const uint64_t syncs = after.syncs - before[id].syncs;
    const uint64_t writes = after.writes - before[id].writes;
    std::cout << "store " << id << ": " << readies << " readies in "
              << iterations << " iterations, " << writes << " writes, " << syncs
              << " syncs\n";
    EXPECT_LE(syncs, iterations) << "store " << id;
    EXPECT_LE(writes, iterations) << "store " << id;
    // Fifty regions' entries travelled in a few iterations, not fifty.
    EXPECT_GE(readies, static_cast<uint64_t>(kRegions)) << "store " << id;
    EXPECT_LE(syncs * 5, readies)
        << "store " << id << ": " << syncs << " syncs for " << readies
        << " readies in " << iterations << " iterations";
  }
}

// Ref: test_multi.rs test_multi_cluster_restart: a store that crashed comes
// back with every region it hosted, and catches up.
TEST_F(StoreTest, ARestartedStoreRecoversEveryRegion) {
  constexpr int kRegions = 50;
  SplitInto(cluster_, kRegions, SplitKeys(kRegions));
  for (int i = 0; i < kRegions; i += 7) {
    ASSERT_FALSE(
        cluster_.MustPut(RegionKey(i) + "a", "before").header().has_error());
  }
  const uint64_t victim = cluster_.LeaderStore(kFirstRegionId) == 3 ? 2 : 3;
  cluster_.Crash(victim);
  for (int i = 0; i < kRegions; i += 7) {
    ASSERT_FALSE(cluster_.MustPut(RegionKey(i) + "b", "while down")
                     .header()
                     .has_error());
  }
  cluster_.Restart(victim);
  ASSERT_TRUE(cluster_.RunUntil([&] {
    Store* store = cluster_.store(victim);
    return store != nullptr && store->started();
  }));
  EXPECT_EQ(cluster_.store(victim)->Regions().size(),
            static_cast<size_t>(kRegions));
  EXPECT_TRUE(cluster_.store(victim)->stats().peers_created == 0)
      << "every peer was recovered, none recreated";
  ASSERT_TRUE(cluster_.RunUntil([&] {
    for (int i = 0; i < kRegions; i += 7) {
      if (cluster_.Get(victim, RegionKey(i) + "b") != "while down")
        return false;
    }
    return true;
  }));
  EXPECT_EQ(cluster_.Get(victim, RegionKey(0) + "a"), "before");
}

}  // namespace
}  // namespace store::raftstore::testing
