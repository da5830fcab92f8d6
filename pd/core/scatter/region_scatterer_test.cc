// RegionScatterer: the cases of PD's region_scatterer_test.go
// (TestScatterRegions: 6 stores, regions born on stores 1-3, peers and
// leaders even per group afterwards; regions on the right stores untouched;
// a down store's peer moved away).
#include "pd/core/scatter/region_scatterer.h"

#include <algorithm>
#include <set>
#include <string>
#include <variant>

#include <gtest/gtest.h>

#include "pd/core/schedule/test_cluster.h"

namespace pd::scatter {
namespace {

using operators::Operator;
using schedule::TestCluster;

// The voter stores and leader store once `op` has run on `region`.
struct Final {
  std::set<StoreId> voters;
  StoreId leader = 0;
};

Final Apply(const cluster::RegionInfo& info, const Operator& op) {
  Final out;
  for (const auto& peer : info.region().IncomingVoters()) {
    out.voters.insert(peer.store_id);
  }
  out.leader = info.leader().store_id;
  for (const operators::OpStep& step : op.steps()) {
    if (const auto* add = std::get_if<operators::PromoteLearner>(&step)) {
      EXPECT_TRUE(out.voters.insert(add->to_store).second);
    } else if (const auto* rm = std::get_if<operators::RemovePeer>(&step)) {
      EXPECT_NE(rm->from_store, out.leader) << "removes the leader's peer";
      EXPECT_EQ(out.voters.erase(rm->from_store), 1u);
    } else if (const auto* tl = std::get_if<operators::TransferLeader>(&step)) {
      EXPECT_EQ(tl->from_store, out.leader);
      EXPECT_TRUE(out.voters.contains(tl->to_store));
      out.leader = tl->to_store;
    }
  }
  return out;
}

TEST(RegionScattererTest, SpreadsPeersAndLeadersOfAGroupEvenly) {
  TestCluster c;
  c.AddStores(6);
  constexpr int kRegions = 12;
  for (int id = 1; id <= kRegions; ++id) c.AddRegion(id, {1, 2, 3});
  RegionScatterer scatterer;
  std::map<StoreId, int> peers, leaders;
  for (int id = 1; id <= kRegions; ++id) {
    auto op = scatterer.Scatter(c.Context(), id, "table-1");
    ASSERT_TRUE(op.ok()) << op.error().ToString();
    Final final{{1, 2, 3}, 1};
    if (op->has_value()) final = Apply(*c.view().GetRegion(id), **op);
    EXPECT_EQ(final.voters.size(), 3u);
    for (StoreId s : final.voters) ++peers[s];
    ++leaders[final.leader];
  }
  // 36 peers and 12 leaders over 6 stores.
  for (StoreId s = 1; s <= 6; ++s) {
    EXPECT_EQ(peers[s], 6) << "store " << s;
    EXPECT_EQ(leaders[s], 2) << "store " << s;
    EXPECT_EQ(scatterer.PeersPlaced("table-1", s), 6);
    EXPECT_EQ(scatterer.LeadersPlaced("table-1", s), 2);
  }
  // Another group starts from zero.
  EXPECT_EQ(scatterer.PeersPlaced("table-2", 1), 0);
}

TEST(RegionScattererTest, ARegionAlreadyPlacedGetsNoOperator) {
  TestCluster c;
  c.AddStores(3);
  c.AddRegion(1, {1, 2, 3});
  RegionScatterer scatterer;
  auto op = scatterer.Scatter(c.Context(), 1, "");
  ASSERT_TRUE(op.ok()) << op.error().ToString();
  EXPECT_FALSE(op->has_value());
}

TEST(RegionScattererTest, StepsAddBeforeTheyRemoveAndAreAdminKind) {
  TestCluster c;
  c.AddStores(6);
  c.AddRegion(1, {1, 2, 3});
  c.AddRegion(2, {1, 2, 3});
  RegionScatterer scatterer;
  ASSERT_TRUE(scatterer.Scatter(c.Context(), 1, "g").ok());
  auto op = scatterer.Scatter(c.Context(), 2, "g");
  ASSERT_TRUE(op.ok() && op->has_value());
  const Operator& scatter = **op;
  EXPECT_TRUE(scatter.kinds() & operators::kOpAdmin);
  EXPECT_EQ(scatter.desc(), "scatter-region");
  bool removed = false;
  for (const operators::OpStep& step : scatter.steps()) {
    const bool adds = std::holds_alternative<operators::AddLearner>(step) ||
                      std::holds_alternative<operators::PromoteLearner>(step);
    EXPECT_FALSE(removed && adds) << "a peer added after one was removed";
    removed |= std::holds_alternative<operators::RemovePeer>(step);
  }
  // The second region of the group goes to the three unused stores.
  EXPECT_EQ(Apply(*c.view().GetRegion(2), scatter).voters,
            (std::set<StoreId>{4, 5, 6}));
}

TEST(RegionScattererTest, APeerOnADownStoreIsRefused) {
  TestCluster c;
  c.AddStores(4);
  c.AddRegion(1, {1, 2, 3});
  c.MakeStoreDown(3);
  RegionScatterer scatterer;
  auto op = scatterer.Scatter(c.Context(), 1, "");
  ASSERT_FALSE(op.ok());
  EXPECT_NE(op.error().ToString().find("down"), std::string::npos);
}

TEST(RegionScattererTest, UnknownRegionsAndTooFewStoresAreErrors) {
  TestCluster c;
  c.AddStores(3);
  c.AddRegion(1, {1, 2, 3});
  c.MakeStoreOffline(3);
  RegionScatterer scatterer;
  EXPECT_FALSE(scatterer.Scatter(c.Context(), 9, "").ok());
  auto op = scatterer.Scatter(c.Context(), 1, "");
  ASSERT_FALSE(op.ok());
  EXPECT_NE(op.error().ToString().find("too few stores"), std::string::npos);
}

}  // namespace
}  // namespace pd::scatter
