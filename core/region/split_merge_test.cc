// Split and merge: examples of TiKV's epoch rules, clear errors for bad input,
// and a property that any split tiles the parent range exactly.
#include "core/region/split_merge.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <set>

namespace core::region {
namespace {

Region Parent() {
  return Region{.id = 10,
                .start_key = "b",
                .end_key = "x",
                .epoch = {.conf_ver = 5, .version = 7},
                .peers = {{101, 1, PeerRole::kVoter},
                          {102, 2, PeerRole::kVoter},
                          {103, 3, PeerRole::kLearner}}};
}

SplitRequest OneSplit(const Region& region, const char* key) {
  return SplitRequest{.epoch = region.epoch,
                      .split_keys = {key},
                      .new_ids = {{20, {201, 202, 203}}}};
}

// Ref: TiKV exec_batch_split with right_derive: the parent keeps the right
// part; both sides get version + 1.
TEST(SplitTest, SplitBumpsVersionOnBothSides) {
  auto result = Split(Parent(), OneSplit(Parent(), "k"));
  ASSERT_TRUE(result.ok()) << ErrorToString(result.error());
  const std::vector<Region>& parts = result.value();
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].id, 20u);
  EXPECT_EQ(parts[0].start_key, "b");
  EXPECT_EQ(parts[0].end_key, "k");
  EXPECT_EQ(parts[1].id, 10u);
  EXPECT_EQ(parts[1].start_key, "k");
  EXPECT_EQ(parts[1].end_key, "x");
  for (const Region& part : parts) {
    EXPECT_EQ(part.epoch, (RegionEpoch{.conf_ver = 5, .version = 8}));
    EXPECT_EQ(part.StoreIds(), (std::vector<StoreId>{1, 2, 3}));
  }
  EXPECT_EQ(parts[0].peers[0], (Peer{201, 1, PeerRole::kVoter}));
  EXPECT_EQ(parts[0].peers[2], (Peer{203, 3, PeerRole::kLearner}));
  EXPECT_EQ(parts[1].peers, Parent().peers);
}

TEST(SplitTest, LeftDeriveKeepsTheParentOnTheLeft) {
  SplitRequest request = OneSplit(Parent(), "k");
  request.right_derive = false;
  auto result = Split(Parent(), request);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value()[0].id, 10u);
  EXPECT_EQ(result.value()[1].id, 20u);
}

// A batch split with n keys bumps the version by n on every part.
TEST(SplitTest, BatchSplitBumpsVersionPerNewRegion) {
  Region parent = Parent();
  parent.start_key = "";
  parent.end_key = "";
  SplitRequest request{
      .epoch = parent.epoch,
      .split_keys = {"c", "f", "p"},
      .new_ids = {{20, {1, 2, 3}}, {21, {4, 5, 6}}, {22, {7, 8, 9}}}};
  auto result = Split(parent, request);
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result.value().size(), 4u);
  EXPECT_EQ(result.value()[0].start_key, "");
  EXPECT_EQ(result.value()[3].end_key, "");
  EXPECT_EQ(result.value()[3].id, 10u);
  for (const Region& part : result.value()) EXPECT_EQ(part.epoch.version, 10u);
}

TEST(SplitTest, RejectsKeysOutsideTheRange) {
  for (const char* key : {"a", "b", "x", "y", ""}) {
    auto result = Split(Parent(), OneSplit(Parent(), key));
    ASSERT_FALSE(result.ok()) << key;
    EXPECT_TRUE(std::holds_alternative<InvalidSplitKey>(result.error())) << key;
  }
}

TEST(SplitTest, RejectsUnsortedOrDuplicateKeys) {
  SplitRequest request{.epoch = Parent().epoch,
                       .split_keys = {"k", "k"},
                       .new_ids = {{20, {1, 2, 3}}, {21, {4, 5, 6}}}};
  auto result = Split(Parent(), request);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(ErrorToString(result.error()).find("previous split key"),
            std::string::npos);
}

TEST(SplitTest, RejectsStaleEpoch) {
  SplitRequest request = OneSplit(Parent(), "k");
  request.epoch.version -= 1;
  auto result = Split(Parent(), request);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(std::holds_alternative<EpochNotMatch>(result.error()));
}

TEST(SplitTest, RejectsWrongIdCounts) {
  SplitRequest request = OneSplit(Parent(), "k");
  request.new_ids[0].peer_ids.pop_back();
  auto result = Split(Parent(), request);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(std::holds_alternative<InvalidArgument>(result.error()));
  request.new_ids.clear();
  EXPECT_FALSE(Split(Parent(), request).ok());
}

Region Left() {
  return Region{
      .id = 1,
      .start_key = "a",
      .end_key = "f",
      .epoch = {.conf_ver = 2, .version = 9},
      .peers = {{11, 1, PeerRole::kVoter}, {12, 2, PeerRole::kVoter}}};
}

Region Right() {
  return Region{
      .id = 2,
      .start_key = "f",
      .end_key = "",
      .epoch = {.conf_ver = 4, .version = 3},
      .peers = {{21, 2, PeerRole::kVoter}, {22, 1, PeerRole::kVoter}}};
}

// Ref: TiKV exec_commit_merge: version = max(source, target) + 1.
TEST(MergeTest, MergeIntoRightNeighbour) {
  auto result = Merge(Left(), Right(), {Left().epoch, Right().epoch});
  ASSERT_TRUE(result.ok()) << ErrorToString(result.error());
  const Region& merged = result.value();
  EXPECT_EQ(merged.id, 2u);
  EXPECT_EQ(merged.start_key, "a");
  EXPECT_EQ(merged.end_key, "");
  EXPECT_EQ(merged.epoch, (RegionEpoch{.conf_ver = 4, .version = 10}));
  EXPECT_EQ(merged.peers, Right().peers);
}

TEST(MergeTest, MergeIntoLeftNeighbour) {
  auto result = Merge(Right(), Left(), {Right().epoch, Left().epoch});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value().id, 1u);
  EXPECT_EQ(result.value().start_key, "a");
  EXPECT_EQ(result.value().end_key, "");
  EXPECT_EQ(result.value().epoch.version, 10u);
}

TEST(MergeTest, RejectsNonAdjacent) {
  Region right = Right();
  right.start_key = "g";
  auto result = Merge(Left(), right, {Left().epoch, right.epoch});
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(std::holds_alternative<NotAdjacent>(result.error()));
}

TEST(MergeTest, RejectsMisalignedPeers) {
  Region right = Right();
  right.peers[1].store_id = 3;
  auto result = Merge(Left(), right, {Left().epoch, right.epoch});
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(std::holds_alternative<PeersNotAligned>(result.error()));
  right = Right();
  right.peers[1].role = PeerRole::kLearner;
  EXPECT_FALSE(Merge(Left(), right, {Left().epoch, right.epoch}).ok());
}

TEST(MergeTest, RejectsStaleEpochOnEitherSide) {
  RegionEpoch stale = Left().epoch;
  stale.conf_ver -= 1;
  auto result = Merge(Left(), Right(), {stale, Right().epoch});
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(std::holds_alternative<EpochNotMatch>(result.error()));
  stale = Right().epoch;
  stale.version += 1;
  EXPECT_FALSE(Merge(Left(), Right(), {Left().epoch, stale}).ok());
  EXPECT_FALSE(Merge(Left(), Left(), {Left().epoch, Left().epoch}).ok());
}

// Property: any valid split tiles the parent: parts are in key order, touch
// end to start, start at the parent's start and end at its end; ids are
// unique; every part has version = parent + number of keys.
RC_GTEST_PROP(SplitProperty, PartsTileTheParent, ()) {
  const auto raw = *rc::gen::nonEmpty(
      rc::gen::container<std::set<std::string>>(rc::gen::nonEmpty(
          rc::gen::container<std::string>(rc::gen::inRange('a', 'e')))));
  std::vector<std::string> keys(raw.begin(), raw.end());
  if (keys.size() > 12) keys.resize(12);
  Region parent = Parent();
  parent.start_key = "";
  parent.end_key = "";
  SplitRequest request{.epoch = parent.epoch,
                       .split_keys = {keys.begin(), keys.end()},
                       .new_ids = {},
                       .right_derive = *rc::gen::arbitrary<bool>()};
  for (size_t i = 0; i < keys.size(); ++i) {
    request.new_ids.push_back(
        {100 + i, {1000 + 3 * i, 1001 + 3 * i, 1002 + 3 * i}});
  }
  auto result = Split(parent, request);
  RC_ASSERT(result.ok());
  const std::vector<Region>& parts = result.value();
  RC_ASSERT(parts.size() == keys.size() + 1);
  RC_ASSERT(parts.front().start_key == parent.start_key);
  RC_ASSERT(parts.back().end_key == parent.end_key);
  std::set<RegionId> ids;
  for (size_t i = 0; i < parts.size(); ++i) {
    RC_ASSERT(Validate(parts[i]).ok());
    RC_ASSERT(parts[i].epoch.version == parent.epoch.version + keys.size());
    RC_ASSERT(parts[i].epoch.conf_ver == parent.epoch.conf_ver);
    RC_ASSERT(ids.insert(parts[i].id).second);
    if (i + 1 < parts.size())
      RC_ASSERT(parts[i].end_key == parts[i + 1].start_key);
  }
  RC_ASSERT(ids.count(parent.id) == 1u);
}

// Property: merging two halves of a split gives back the parent's range with
// a version above both halves.
RC_GTEST_PROP(SplitProperty, MergeUndoesSplitRange, ()) {
  const std::string key = *rc::gen::nonEmpty(
      rc::gen::container<std::string>(rc::gen::inRange('c', 'w')));
  Region parent = Parent();
  auto split = Split(parent, OneSplit(parent, key.c_str()));
  RC_PRE(split.ok());
  Region left = split.value()[0];
  Region right = split.value()[1];
  // Align the peers (as PD would before merging): same stores and roles.
  auto merged = Merge(left, right, {left.epoch, right.epoch});
  RC_ASSERT(merged.ok());
  RC_ASSERT(merged.value().start_key == parent.start_key);
  RC_ASSERT(merged.value().end_key == parent.end_key);
  RC_ASSERT(merged.value().epoch.version > left.epoch.version);
}

}  // namespace
}  // namespace core::region
