// The split checker on a three-store cluster: writes past region-max-size
// (a few KiB here) make the leader's store split the region, with ids from
// its IdSource, until every region is within the limit; every key stays
// readable. Ref: TiKV tests/integrations/raftstore/test_split_region.rs
// (test_auto_split_region), the split-check worker.
#include <gtest/gtest.h>

#include <string>

#include "tests/raftstore/cluster.h"

namespace store::raftstore::testing {
namespace {

std::string Key(int i) { return "key" + std::to_string(1000 + i); }

TEST(SplitCheckTest, ARegionOverTheMaxSizeIsSplit) {
  ClusterOptions options;
  options.split_check = SplitCheckOptions{.tick_interval_ticks = 5,
                                          .region_max_size_bytes = 6 << 10,
                                          .region_split_size_bytes = 4 << 10};
  Cluster cluster(options);
  cluster.BootstrapFirstRegion({1, 2, 3});
  cluster.StartAll();
  ASSERT_NE(cluster.WaitForLeader(kFirstRegionId), 0u);
  // 100 keys of about 110 bytes: 11 KiB, about three regions' worth.
  for (int i = 0; i < 100; ++i) {
    auto answer = cluster.MustPut(Key(i), std::string(100, 'v'));
    ASSERT_FALSE(answer.header().has_error()) << ErrorOf(answer);
  }
  ASSERT_TRUE(cluster.RunUntil([&] {
    for (uint64_t id : cluster.store_ids()) {
      if (cluster.store(id)->Regions().size() < 2) return false;
    }
    return true;
  }));
  cluster.RunFor(Duration::Seconds(2));
  uint64_t proposed = 0;
  for (uint64_t id : cluster.store_ids()) {
    proposed += cluster.store(id)->stats().splits_proposed;
  }
  EXPECT_GE(proposed, 1u);
  // Every region is now within region-max-size; the first split was at
  // about region-split-size.
  for (const core::region::Region& region : cluster.store(1)->Regions()) {
    uint64_t bytes = 0;
    for (int i = 0; i < 100; ++i) {
      if (region.ContainsKey(Key(i))) bytes += 1 + Key(i).size() + 100;
    }
    EXPECT_LE(bytes, options.split_check->region_max_size_bytes)
        << "region " << region.id;
  }
  auto first = cluster.RegionForKey(Key(0));
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE(first->end_key.empty());
  EXPECT_GT(first->end_key, Key(20));
  EXPECT_LT(first->end_key, Key(60));
  for (int i = 0; i < 100; ++i) {
    for (uint64_t id : cluster.store_ids()) {
      EXPECT_EQ(cluster.Get(id, Key(i)), std::string(100, 'v'));
    }
  }
  // A put still finds its region.
  EXPECT_FALSE(cluster.MustPut(Key(5), "after").header().has_error());
}

}  // namespace
}  // namespace store::raftstore::testing
