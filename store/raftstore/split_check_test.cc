// The split checker's key choice over a MemEngine. Ref: TiKV
// components/raftstore/src/coprocessor/split_check/size.rs tests
// (test_split_check: the split key is where the running size reaches
// region-split-size, once the region exceeds region-max-size).
#include "store/raftstore/split_check.h"

#include <gtest/gtest.h>

#include <string>

#include "core/engine/mem_engine.h"
#include "store/raftstore/keys.h"

namespace store::raftstore {
namespace {

using core::env::Cf;
using core::region::Region;

std::string Key(int i) { return "k" + std::to_string(100 + i); }

class SplitCheckTest : public ::testing::Test {
 protected:
  // 100 keys of 1 + 4 + 95 = 100 bytes each in CF default, every tenth also
  // in CF write.
  void SetUp() override {
    core::env::WriteBatch batch;
    for (int i = 0; i < 100; ++i) {
      batch.Put(Cf::kDefault, DataKey(Key(i)), std::string(95, 'v'));
      if (i % 10 == 0) batch.Put(Cf::kWrite, DataKey(Key(i)), "");
    }
    ASSERT_TRUE(engine_.Write(batch, {}).ok());
  }
  core::engine::MemEngine engine_;
  Region region_{.id = 1};
  SplitCheckOptions options_{.region_max_size_bytes = 8000,
                             .region_split_size_bytes = 5000,
                             .region_max_keys = 1000,
                             .region_split_keys = 1000};
};

TEST_F(SplitCheckTest, SplitsWhereTheRunningSizeReachesTheSplitSize) {
  auto size = RegionApproximateSize(engine_, region_);
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(size->keys, 110u);
  EXPECT_EQ(size->bytes, 100u * 100 + 10 * 5);
  EXPECT_TRUE(OverSplitLimits(*size, options_));
  auto key = FindSplitKey(*engine_.NewSnapshot(), region_, options_);
  ASSERT_TRUE(key.ok());
  // Keys 0..49 hold 5000 bytes plus five CF write keys (25 bytes): the
  // running size reaches 5000 after key 49's default entry; k150 is next.
  EXPECT_EQ(*key, Key(50));
}

TEST_F(SplitCheckTest, ARegionUnderTheLimitsIsNotSplit) {
  options_.region_max_size_bytes = 20000;
  auto size = RegionApproximateSize(engine_, region_);
  ASSERT_TRUE(size.ok());
  EXPECT_FALSE(OverSplitLimits(*size, options_));
  auto key = FindSplitKey(*engine_.NewSnapshot(), region_, options_);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*key, std::nullopt);
}

TEST_F(SplitCheckTest, TheKeyCountLimitSplitsToo) {
  options_.region_max_size_bytes = 1 << 20;
  options_.region_max_keys = 100;
  options_.region_split_keys = 30;
  auto key = FindSplitKey(*engine_.NewSnapshot(), region_, options_);
  ASSERT_TRUE(key.ok());
  // 30 entries: keys 0..26 and the CF write keys of 0, 10, 20.
  EXPECT_EQ(*key, Key(27));
}

TEST_F(SplitCheckTest, TheSplitKeyLiesInsideTheRegion) {
  region_.start_key = Key(90);
  options_.region_max_size_bytes = 500;
  options_.region_split_size_bytes = 0;
  auto key = FindSplitKey(*engine_.NewSnapshot(), region_, options_);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*key, Key(91)) << "never the region's start key";
}

}  // namespace
}  // namespace store::raftstore
