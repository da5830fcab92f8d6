// Which keys and ranges a request may touch in a region: every key inside
// [start_key, end_key), a write range inside it, and a scan starting inside
// it with its other bound clamped (Ref: tikv raftstore util.rs
// check_key_in_region; RegionSnapshot iterators bounded by the region).
#include <gtest/gtest.h>

#include "store/storage/region_error.h"
#include "store/storage/scheduler.h"

namespace store::storage {
namespace {

Region Bounded() {
  Region region;
  region.id = 4;
  region.start_key = "b";
  region.end_key = "m";
  return region;
}

KeyNotInRegion NotIn(const Bytes& key) {
  return KeyNotInRegion{key, 4, "b", "m"};
}

TEST(RegionCheckTest, KeysAndWriteRanges) {
  const Region region = Bounded();
  EXPECT_EQ(CheckInRegion(region, {"b", "lzz"}, std::nullopt), std::nullopt);
  EXPECT_EQ(CheckInRegion(region, {"c", "m"}, std::nullopt), NotIn("m"));
  EXPECT_EQ(CheckInRegion(region, {"a"}, std::nullopt), NotIn("a"));
  EXPECT_EQ(CheckInRegion(region, {}, KeyRange{"c", "m"}), std::nullopt);
  EXPECT_EQ(CheckInRegion(region, {}, KeyRange{"c", ""}), std::nullopt);
  EXPECT_EQ(CheckInRegion(region, {}, KeyRange{"c", "n"}), NotIn("n"));
  EXPECT_EQ(CheckInRegion(region, {}, KeyRange{"a", "c"}), NotIn("a"));
  Region everything;
  EXPECT_EQ(CheckInRegion(everything, {"", "\xff"}, KeyRange{"", ""}),
            std::nullopt);
}

TEST(RegionCheckTest, ScansStartInsideAndAreClamped) {
  const Region region = Bounded();
  auto range = [&](const Bytes& start, const Bytes& end, bool reverse) {
    auto got = ScanRangeInRegion(region, start, end, reverse);
    EXPECT_TRUE(got.ok());
    return got.ok() ? *got : KeyRange{};
  };
  auto error = [&](const Bytes& start, const Bytes& end, bool reverse) {
    auto got = ScanRangeInRegion(region, start, end, reverse);
    EXPECT_FALSE(got.ok());
    if (got.ok()) return KeyNotInRegion{};
    return std::get<KeyNotInRegion>(std::get<RegionError>(got.error()));
  };
  KeyRange c_to_m = range("c", "", false);
  EXPECT_EQ(c_to_m.start_key, "c");
  EXPECT_EQ(c_to_m.end_key, "m");
  EXPECT_EQ(range("c", "z", false).end_key, "m");
  EXPECT_EQ(range("c", "d", false).end_key, "d");
  EXPECT_EQ(error("a", "d", false), NotIn("a"));
  EXPECT_EQ(error("m", "", false), NotIn("m"));
  // Reverse: start_key is the exclusive upper bound.
  KeyRange reverse = range("m", "", true);
  EXPECT_EQ(reverse.start_key, "b");
  EXPECT_EQ(reverse.end_key, "m");
  EXPECT_EQ(range("d", "c", true).start_key, "c");
  EXPECT_EQ(error("", "c", true), NotIn(""));
  EXPECT_EQ(error("b", "", true), NotIn("b"));
  EXPECT_EQ(error("n", "", true), NotIn("n"));
  Region everything;
  auto all = ScanRangeInRegion(everything, "", "", true);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->start_key, "");
  EXPECT_EQ(all->end_key, "");
}

}  // namespace
}  // namespace store::storage
