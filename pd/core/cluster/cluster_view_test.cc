// The cluster view: store liveness states, stale-heartbeat rejection, overlap
// replacement after split and merge, and per-store aggregates.
// Ref: PD pkg/core/region_test.go, store_test.go (behaviour, not code).
#include "pd/core/cluster/cluster_view.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "core/region/split_merge.h"
#include "pd/core/invariants/invariants.h"

namespace pd::cluster {
namespace {

using core::region::PeerRole;

constexpr int64_t kSecond = 1000;

Region MakeRegion(RegionId id, const char* start, const char* end,
                  uint64_t version, std::vector<StoreId> stores,
                  uint64_t conf_ver = 1) {
  Region region;
  region.id = id;
  region.start_key = start;
  region.end_key = end;
  region.epoch = {.conf_ver = conf_ver, .version = version};
  for (StoreId store : stores) {
    region.peers.push_back({id * 100 + store, store, PeerRole::kVoter});
  }
  return region;
}

RegionHeartbeat Beat(const Region& region, uint64_t size = 10) {
  RegionHeartbeat heartbeat;
  heartbeat.region = region;
  heartbeat.leader = region.peers.front();
  heartbeat.approximate_size_bytes = size;
  return heartbeat;
}

ClusterView ThreeStores() {
  ClusterView view(ClusterOptions{});
  for (StoreId id : {1, 2, 3}) {
    EXPECT_TRUE(view.PutStore(id, "store" + std::to_string(id), {}, 0).ok());
  }
  return view;
}

// Ref: reference/tikv.md §4.6: disconnected after 20 s, down after
// max-store-down-time.
TEST(ClusterViewTest, StoreStatusFollowsHeartbeats) {
  ClusterView view = ThreeStores();
  EXPECT_EQ(view.Status(1, 0), StoreStatus::kUp);
  ASSERT_TRUE(view.HandleStoreHeartbeat(1, {}, 10 * kSecond).ok());
  EXPECT_EQ(view.Status(1, 30 * kSecond), StoreStatus::kUp);
  EXPECT_EQ(view.Status(1, 31 * kSecond), StoreStatus::kDisconnected);
  EXPECT_EQ(view.Status(1, 10 * kSecond + 30 * 60 * kSecond),
            StoreStatus::kDisconnected);
  EXPECT_EQ(view.Status(1, 11 * kSecond + 30 * 60 * kSecond),
            StoreStatus::kDown);
  ASSERT_TRUE(view.HandleStoreHeartbeat(1, {}, 40 * 60 * kSecond).ok());
  EXPECT_EQ(view.Status(1, 40 * 60 * kSecond), StoreStatus::kUp);
}

TEST(ClusterViewTest, OfflineAndTombstone) {
  ClusterView view = ThreeStores();
  ASSERT_TRUE(
      view.HandleRegionHeartbeat(Beat(MakeRegion(1, "", "", 1, {1, 2})), 0)
          .ok());
  EXPECT_FALSE(view.BuryStore(1).ok());  // still Up
  ASSERT_TRUE(view.SetStoreOffline(1).ok());
  EXPECT_EQ(view.Status(1, 0), StoreStatus::kOffline);
  auto busy = view.BuryStore(1);
  ASSERT_FALSE(busy.ok());
  EXPECT_NE(ErrorToString(busy.error()).find("still holds 1 regions"),
            std::string::npos);
  // The region moves away; now the store can be buried.
  Region moved = MakeRegion(1, "", "", 1, {2, 3}, 3);
  ASSERT_TRUE(view.HandleRegionHeartbeat(Beat(moved), 0).ok());
  ASSERT_TRUE(view.BuryStore(1).ok());
  EXPECT_EQ(view.Status(1, 0), StoreStatus::kTombstone);
  EXPECT_TRUE(std::holds_alternative<StoreIsTombstone>(
      view.HandleStoreHeartbeat(1, {}, 0).error()));
  EXPECT_FALSE(view.PutStore(1, "again", {}, 0).ok());
  EXPECT_FALSE(view.SetStoreUp(1).ok());
  EXPECT_TRUE(std::holds_alternative<UnknownStore>(
      view.HandleStoreHeartbeat(9, {}, 0).error()));
}

TEST(ClusterViewTest, RejectsStaleHeartbeats) {
  ClusterView view = ThreeStores();
  ASSERT_TRUE(view.HandleRegionHeartbeat(
                      Beat(MakeRegion(1, "a", "z", 5, {1, 2, 3}, 4)), 0)
                  .ok());
  // Same id, older conf_ver or version.
  auto stale = view.HandleRegionHeartbeat(
      Beat(MakeRegion(1, "a", "z", 5, {1, 2, 3}, 3)), 0);
  ASSERT_FALSE(stale.ok());
  EXPECT_TRUE(std::holds_alternative<StaleRegion>(stale.error()));
  EXPECT_FALSE(view.HandleRegionHeartbeat(
                       Beat(MakeRegion(1, "a", "z", 4, {1, 2, 3}, 4)), 0)
                   .ok());
  // Another id overlapping with an older version.
  auto overlap =
      view.HandleRegionHeartbeat(Beat(MakeRegion(2, "m", "", 4, {1, 2, 3})), 0);
  ASSERT_FALSE(overlap.ok());
  EXPECT_NE(ErrorToString(overlap.error()).find("PD knows region 1"),
            std::string::npos);
  // Nothing changed.
  EXPECT_EQ(view.regions().size(), 1u);
  EXPECT_EQ(view.GetRegion(1)->region().epoch, (RegionEpoch{4, 5}));
}

TEST(ClusterViewTest, RejectsMalformedHeartbeats) {
  ClusterView view = ThreeStores();
  RegionHeartbeat bad = Beat(MakeRegion(1, "z", "a", 1, {1, 2, 3}));
  EXPECT_TRUE(std::holds_alternative<InvalidHeartbeat>(
      view.HandleRegionHeartbeat(bad, 0).error()));
  RegionHeartbeat no_leader = Beat(MakeRegion(1, "a", "z", 1, {1, 2, 3}));
  no_leader.leader = Peer{999, 9, PeerRole::kVoter};
  EXPECT_FALSE(view.HandleRegionHeartbeat(no_leader, 0).ok());
  RegionHeartbeat learner_leader = Beat(MakeRegion(1, "a", "z", 1, {1, 2, 3}));
  learner_leader.region.peers[0].role = PeerRole::kLearner;
  learner_leader.leader = learner_leader.region.peers[0];
  EXPECT_FALSE(view.HandleRegionHeartbeat(learner_leader, 0).ok());
}

// After a split the new left region may report first; it replaces the parent
// (older version) and the parent's own heartbeat later fills the right part.
TEST(ClusterViewTest, SplitHeartbeatsInEitherOrder) {
  ClusterView view = ThreeStores();
  ASSERT_TRUE(
      view.HandleRegionHeartbeat(Beat(MakeRegion(1, "", "", 1, {1, 2, 3})), 0)
          .ok());
  auto left =
      view.HandleRegionHeartbeat(Beat(MakeRegion(2, "", "m", 2, {1, 2, 3})), 0);
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left.value().is_new);
  EXPECT_EQ(left.value().removed_overlaps, (std::vector<RegionId>{1}));
  EXPECT_EQ(view.GetRegionByKey("x"), nullptr);  // the right part is unknown
  auto right =
      view.HandleRegionHeartbeat(Beat(MakeRegion(1, "m", "", 2, {1, 2, 3})), 0);
  ASSERT_TRUE(right.ok());
  EXPECT_TRUE(right.value().is_new);
  EXPECT_EQ(view.GetRegionByKey("x")->region().id, 1u);
  EXPECT_EQ(view.GetRegionByKey("a")->region().id, 2u);
  EXPECT_EQ(view.NextRegion(view.GetRegion(2)->region())->region().id, 1u);
  EXPECT_EQ(view.PrevRegion(view.GetRegion(1)->region())->region().id, 2u);
  EXPECT_EQ(view.PrevRegion(view.GetRegion(2)->region()), nullptr);
  // The parent's pre-split heartbeat is now stale.
  EXPECT_FALSE(
      view.HandleRegionHeartbeat(Beat(MakeRegion(1, "", "", 1, {1, 2, 3})), 0)
          .ok());
}

TEST(ClusterViewTest, MergeReplacesBothSides) {
  ClusterView view = ThreeStores();
  ASSERT_TRUE(
      view.HandleRegionHeartbeat(Beat(MakeRegion(2, "", "m", 2, {1, 2, 3})), 0)
          .ok());
  ASSERT_TRUE(
      view.HandleRegionHeartbeat(Beat(MakeRegion(1, "m", "", 2, {1, 2, 3})), 0)
          .ok());
  auto merged =
      view.HandleRegionHeartbeat(Beat(MakeRegion(1, "", "", 3, {1, 2, 3})), 0);
  ASSERT_TRUE(merged.ok());
  EXPECT_FALSE(merged.value().is_new);
  EXPECT_TRUE(merged.value().epoch_changed);
  EXPECT_EQ(merged.value().removed_overlaps, (std::vector<RegionId>{2}));
  EXPECT_EQ(view.regions().size(), 1u);
  EXPECT_EQ(view.RegionStatsOf(1).region_count, 1u);
}

TEST(ClusterViewTest, PerStoreAggregates) {
  ClusterView view = ThreeStores();
  RegionHeartbeat a = Beat(MakeRegion(1, "", "m", 1, {1, 2}), 100);
  RegionHeartbeat b = Beat(MakeRegion(2, "m", "", 1, {2, 3}), 50);
  ASSERT_TRUE(view.HandleRegionHeartbeat(a, 0).ok());
  ASSERT_TRUE(view.HandleRegionHeartbeat(b, 0).ok());
  EXPECT_EQ(view.RegionStatsOf(2).region_count, 2u);
  EXPECT_EQ(view.RegionStatsOf(2).leader_count, 1u);  // leader of region 2
  EXPECT_EQ(view.RegionStatsOf(2).region_size_bytes, 150u);
  EXPECT_EQ(view.RegionStatsOf(1).leader_size_bytes, 100u);
  EXPECT_EQ(view.RegionStatsOf(3).leader_count, 0u);
  // Leader moves from store 1 to store 2 in region 1.
  a.leader = a.region.peers[1];
  auto moved = view.HandleRegionHeartbeat(a, 0);
  ASSERT_TRUE(moved.ok());
  EXPECT_TRUE(moved.value().leader_changed);
  EXPECT_EQ(view.RegionStatsOf(1).leader_count, 0u);
  EXPECT_EQ(view.RegionStatsOf(2).leader_count, 2u);
  EXPECT_EQ(view.LeadersOnStore(2), (std::set<RegionId>{1, 2}));
  EXPECT_EQ(view.RegionsOnStore(3), (std::set<RegionId>{2}));
  EXPECT_TRUE(view.RegionsOnStore(7).empty());
  auto scan = view.ScanRegions("n", 0);
  ASSERT_EQ(scan.size(), 1u);
  EXPECT_EQ(scan[0]->region().id, 2u);
  EXPECT_EQ(view.ScanRegions("", 1).size(), 1u);
}

// Property: a true region set evolves by splits and merges; heartbeats from
// every past and present state are delivered in random order (old ones
// included). The view stays RangesDisjoint and EpochMonotonic, and once the
// current heartbeats are delivered it equals the truth.
RC_GTEST_PROP(ClusterViewProperty, ConvergesToTheTruthDespiteStaleHeartbeats,
              ()) {
  std::vector<Region> truth = {MakeRegion(1, "", "", 1, {1, 2, 3})};
  std::vector<Region> pool = truth;
  RegionId next_id = 10;
  const int steps = *rc::gen::inRange(1, 25);
  for (int step = 0; step < steps; ++step) {
    const size_t index = *rc::gen::inRange<size_t>(0, truth.size());
    const Region current = truth[index];
    if (*rc::gen::arbitrary<bool>()) {
      const std::string key = *rc::gen::nonEmpty(
          rc::gen::container<std::string>(rc::gen::inRange('a', 'z')));
      core::region::SplitRequest request;
      request.epoch = current.epoch;
      request.split_keys = {key};
      request.new_ids = {
          {next_id, {next_id * 100 + 1, next_id * 100 + 2, next_id * 100 + 3}}};
      auto parts = core::region::Split(current, request);
      if (!parts.ok()) continue;
      ++next_id;
      truth.erase(truth.begin() + index);
      for (const Region& part : parts.value()) truth.push_back(part);
    } else {
      auto right =
          std::find_if(truth.begin(), truth.end(), [&](const Region& r) {
            return !current.end_key.empty() && r.start_key == current.end_key;
          });
      if (right == truth.end()) continue;
      Region target = *right;
      target.peers = current.peers;  // aligned, as PD arranges before a merge
      auto merged =
          core::region::Merge(current, target, {current.epoch, target.epoch});
      RC_ASSERT(merged.ok());
      truth.erase(right);
      truth.erase(std::find(truth.begin(), truth.end(), current));
      truth.push_back(merged.value());
    }
    for (const Region& region : truth) pool.push_back(region);
  }
  ClusterView view = ThreeStores();
  const auto order = *rc::gen::container<std::vector<size_t>>(
      pool.size() * 2, rc::gen::inRange<size_t>(0, pool.size()));
  for (size_t pick : order) {
    const std::vector<Region> before = view.RegionMetas();
    (void)core::base::Ignore(view.HandleRegionHeartbeat(Beat(pool[pick]), 0));
    const std::vector<Region> after = view.RegionMetas();
    RC_ASSERT(invariants::RangesDisjoint(after).ok());
    auto monotonic = invariants::EpochMonotonic(before, after);
    RC_ASSERT(monotonic.ok());
  }
  for (const Region& region : truth) {
    RC_ASSERT(view.HandleRegionHeartbeat(Beat(region), 0).ok());
  }
  std::vector<Region> seen = view.RegionMetas();
  auto by_id = [](const Region& a, const Region& b) { return a.id < b.id; };
  std::sort(seen.begin(), seen.end(), by_id);
  std::sort(truth.begin(), truth.end(), by_id);
  RC_ASSERT(seen == truth);
}

}  // namespace
}  // namespace pd::cluster
