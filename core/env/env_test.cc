// The value types and deterministic pieces of the env seam.
#include <gtest/gtest.h>

#include "core/env/engine.h"
#include "core/env/random.h"

namespace core::env {
namespace {

TEST(CfTest, NamesMatchTikv) {
  EXPECT_EQ(CfName(Cf::kDefault), "default");
  EXPECT_EQ(CfName(Cf::kLock), "lock");
  EXPECT_EQ(CfName(Cf::kWrite), "write");
  EXPECT_EQ(CfName(Cf::kRaft), "raft");
}

TEST(WriteBatchTest, KeepsOrderAndCountsBytes) {
  WriteBatch batch;
  batch.Put(Cf::kDefault, "k1", "value");
  batch.Delete(Cf::kLock, "k2");
  batch.DeleteRange(Cf::kWrite, "a", "c");
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(batch.ops()[0].kind, WriteBatch::OpKind::kPut);
  EXPECT_EQ(batch.ops()[1].cf, Cf::kLock);
  EXPECT_EQ(batch.ops()[2].value, "c");
  EXPECT_EQ(batch.ApproximateBytes(), 2u + 5u + 2u + 1u + 1u);
  WriteBatch other;
  other.Append(batch);
  other.Append(batch);
  EXPECT_EQ(other.size(), 6u);
  other.Clear();
  EXPECT_TRUE(other.empty());
  EXPECT_EQ(other.ApproximateBytes(), 0u);
}

TEST(WriteBatchDeathTest, ReversedRangeIsABug) {
  WriteBatch batch;
  EXPECT_DEATH(batch.DeleteRange(Cf::kDefault, "z", "a"), "reversed");
}

TEST(SeededRandomTest, DeterministicAndMatchesPrng) {
  SeededRandom random(5);
  base::Prng prng(5);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(random.NextU64(), prng.NextU64());
  SeededRandom a(11), b(11);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(a.Uniform(7), b.Uniform(7));
}

}  // namespace
}  // namespace core::env
