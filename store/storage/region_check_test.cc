// Which keys and ranges a request may touch in a region: every key inside
// [start_key, end_key), a write range inside it, and a scan starting inside
// it with its other bound clamped (Ref: tikv raftstore util.rs
// check_key_in_region; RegionSnapshot iterators bounded by the region).
#include <gtest/gtest.h>

#include "core/mvcc/key.h"

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
  EXPECT_EQ(CheckInRegion(region, {"b", "lzz"}, std::nullopt, KeySpace::kRaw),
            std::nullopt);
  EXPECT_EQ(CheckInRegion(region, {"c", "m"}, std::nullopt, KeySpace::kRaw),
            NotIn("m"));
  EXPECT_EQ(CheckInRegion(region, {"a"}, std::nullopt, KeySpace::kRaw),
            NotIn("a"));
  EXPECT_EQ(CheckInRegion(region, {}, KeyRange{"c", "m"}, KeySpace::kRaw),
            std::nullopt);
  EXPECT_EQ(CheckInRegion(region, {}, KeyRange{"c", ""}, KeySpace::kRaw),
            std::nullopt);
  EXPECT_EQ(CheckInRegion(region, {}, KeyRange{"c", "n"}, KeySpace::kRaw),
            NotIn("n"));
  EXPECT_EQ(CheckInRegion(region, {}, KeyRange{"a", "c"}, KeySpace::kRaw),
            NotIn("a"));
  Region everything;
  EXPECT_EQ(
      CheckInRegion(everything, {"", "\xff"}, KeyRange{"", ""}, KeySpace::kRaw),
      std::nullopt);
}

TEST(RegionCheckTest, ScansStartInsideAndAreClamped) {
  const Region region = Bounded();
  auto range = [&](const Bytes& start, const Bytes& end, bool reverse) {
    auto got = ScanRangeInRegion(region, start, end, reverse, KeySpace::kRaw);
    EXPECT_TRUE(got.ok());
    return got.ok() ? *got : KeyRange{};
  };
  auto error = [&](const Bytes& start, const Bytes& end, bool reverse) {
    auto got = ScanRangeInRegion(region, start, end, reverse, KeySpace::kRaw);
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
  auto all = ScanRangeInRegion(everything, "", "", true, KeySpace::kRaw);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->start_key, "");
  EXPECT_EQ(all->end_key, "");
}

// API V1: a transactional request's keys are checked by their memcomparable
// encoding against a region whose bounds are encoded keys (client-go's
// CodecPDClient splits there); raw keys as they are. Ref: TiKV
// src/storage/mod.rs check_key_ranges / raftstore check_key_in_region.
Region EncodedBounded() {
  Region region;
  region.id = 4;
  region.start_key = core::mvcc::Key::FromRaw("b").encoded();
  region.end_key = core::mvcc::Key::FromRaw("m").encoded();
  return region;
}

TEST(RegionCheckTest, TxnKeysAreCheckedByTheirEncoding) {
  const Region region = EncodedBounded();
  EXPECT_EQ(CheckInRegion(region, {"b", "lzz"}, std::nullopt, KeySpace::kTxn),
            std::nullopt);
  const Bytes m = RegionKeyOf(KeySpace::kTxn, "m");
  EXPECT_EQ(m, core::mvcc::Key::FromRaw("m").encoded());
  EXPECT_EQ(CheckInRegion(region, {"m"}, std::nullopt, KeySpace::kTxn),
            (KeyNotInRegion{m, 4, region.start_key, region.end_key}));
  EXPECT_EQ(CheckInRegion(region, {}, KeyRange{"c", "m"}, KeySpace::kTxn),
            std::nullopt);
  EXPECT_NE(CheckInRegion(region, {}, KeyRange{"a", "c"}, KeySpace::kTxn),
            std::nullopt);
  // The same user keys as raw keys are all outside: "b" < encoded "b".
  EXPECT_NE(CheckInRegion(region, {"b"}, std::nullopt, KeySpace::kRaw),
            std::nullopt);
}

TEST(RegionCheckTest, TxnScansAreClampedToTheDecodedBounds) {
  const Region region = EncodedBounded();
  auto forward = ScanRangeInRegion(region, "c", "", false, KeySpace::kTxn);
  ASSERT_TRUE(forward.ok());
  EXPECT_EQ(forward->start_key, "c");
  EXPECT_EQ(forward->end_key, "m");
  auto reverse = ScanRangeInRegion(region, "m", "", true, KeySpace::kTxn);
  ASSERT_TRUE(reverse.ok());
  EXPECT_EQ(reverse->start_key, "b");
  EXPECT_EQ(reverse->end_key, "m");
  auto outside = ScanRangeInRegion(region, "a", "", false, KeySpace::kTxn);
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(std::get<KeyNotInRegion>(std::get<RegionError>(outside.error())),
            (KeyNotInRegion{RegionKeyOf(KeySpace::kTxn, "a"), 4,
                            region.start_key, region.end_key}));
  // A region split at a raw key holds raw data: a txn scan there is refused
  // as bad input, not clamped somewhere arbitrary.
  Region raw_split;
  raw_split.start_key = "m";
  auto refused = ScanRangeInRegion(raw_split, "n", "", false, KeySpace::kTxn);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(std::holds_alternative<core::mvcc::Error>(refused.error()));
}

}  // namespace
}  // namespace store::storage
