// BootstrapNode against three real PD members on the simulator (sim/pd),
// each store's engine a MemEngine driven from a fibre of the client
// process. Ref: TiKV src/server/node.rs (check_or_bootstrap_cluster) and
// tests/integrations/raftstore/test_bootstrap.rs.
#include "store/pd_worker/bootstrap.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <vector>

#include "core/engine/mem_engine.h"
#include "sim/pd/pd_cluster.h"
#include "store/raftstore/keys.h"
#include "store/raftstore/local_state.h"

namespace store::pd_worker {
namespace {

using core::base::Duration;
using sim::pdsim::PdClient;
using sim::pdsim::PdCluster;
using sim::pdsim::PdClusterOptions;

constexpr Duration kDeadline = Duration::Seconds(30);

metapb::Store StoreTemplate(int index) {
  metapb::Store store;
  store.set_address("tikv" + std::to_string(index) + ":20160");
  store.set_version("5.0.0");
  return store;
}

size_t RegionCount(core::env::Engine& engine) {
  auto states = raftstore::LoadRegionStates(engine);
  EXPECT_TRUE(states.ok()) << states.status();
  return states.ok() ? states->size() : 0;
}

bool HasPrepareKey(core::env::Engine& engine) {
  auto value =
      engine.Get(core::env::Cf::kRaft, raftstore::PrepareBootstrapKey());
  return value.ok() && value->has_value();
}

class BootstrapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PdClusterOptions options;
    options.members = 3;
    options.simulation = PdClusterOptions::QuietSimulation(11);
    pd_ = std::make_unique<PdCluster>(options);
    pd_->Start();
    ASSERT_NE(pd_->WaitForLeader(Duration::Seconds(20)), 0);
  }

  // Bootstraps every engine at once, each with a client of its own; engine
  // i is store "tikv<first_index + i>". The answers in engine order.
  std::vector<absl::StatusOr<BootstrapResult>> BootstrapAll(
      std::vector<core::engine::MemEngine*> engines, int first_index = 1) {
    std::vector<absl::StatusOr<BootstrapResult>> results(
        engines.size(), absl::UnknownError("not run"));
    std::vector<std::shared_ptr<bool>> done;
    for (size_t i = 0; i < engines.size(); ++i) {
      PdClient& client = pd_->AddClient();
      done.push_back(pd_->SpawnClient(client, [&, i](PdClient& c) {
        results[i] = BootstrapNode(
            c, *engines[i], StoreTemplate(first_index + static_cast<int>(i)),
            c.Now() + kDeadline);
      }));
    }
    const auto all_done = [&] {
      for (const auto& flag : done) {
        if (!*flag) return false;
      }
      return true;
    };
    for (int step = 0; step < 6000 && !all_done(); ++step) {
      pd_->loop().RunFor(Duration::Milliseconds(10));
    }
    EXPECT_TRUE(all_done()) << "a bootstrap did not finish";
    return results;
  }

  // PD's answer for the region holding the empty key.
  pdpb::GetRegionResponse FirstRegion() {
    pdpb::GetRegionResponse out;
    PdClient& client = pd_->AddClient();
    EXPECT_TRUE(pd_->RunClient(
        client,
        [&out](PdClient& c) {
          auto region = c.GetRegion("", c.Now() + kDeadline);
          ASSERT_TRUE(region.ok()) << region.status();
          out = *region;
        },
        kDeadline));
    return out;
  }

  std::vector<metapb::Store> Stores() {
    std::vector<metapb::Store> out;
    PdClient& client = pd_->AddClient();
    EXPECT_TRUE(pd_->RunClient(
        client,
        [&out](PdClient& c) {
          auto stores = c.GetAllStores(c.Now() + kDeadline);
          ASSERT_TRUE(stores.ok()) << stores.status();
          out = *stores;
        },
        kDeadline));
    return out;
  }

  std::unique_ptr<PdCluster> pd_;
};

// Two empty stores race to bootstrap: exactly one wins, the cluster has one
// first region (the winner's, with its one peer on the winner), the loser
// keeps no region and no prepare key, and PD knows both stores.
TEST_F(BootstrapTest, TwoStoresRaceExactlyOneRegion) {
  core::engine::MemEngine a, b;
  auto results = BootstrapAll({&a, &b});
  ASSERT_TRUE(results[0].ok()) << results[0].status();
  ASSERT_TRUE(results[1].ok()) << results[1].status();
  EXPECT_NE(results[0]->store_id, results[1]->store_id);
  EXPECT_NE(results[0]->bootstrapped_cluster, results[1]->bootstrapped_cluster);
  const size_t winner = results[0]->bootstrapped_cluster ? 0 : 1;
  core::engine::MemEngine& winner_engine = winner == 0 ? a : b;
  core::engine::MemEngine& loser_engine = winner == 0 ? b : a;
  EXPECT_EQ(RegionCount(winner_engine), 1u);
  EXPECT_EQ(RegionCount(loser_engine), 0u);
  EXPECT_FALSE(HasPrepareKey(winner_engine));
  EXPECT_FALSE(HasPrepareKey(loser_engine));

  const pdpb::GetRegionResponse first = FirstRegion();
  ASSERT_EQ(first.region().peers_size(), 1);
  EXPECT_EQ(first.region().peers(0).store_id(), results[winner]->store_id);
  auto local = raftstore::LoadRegionStates(winner_engine);
  ASSERT_TRUE(local.ok());
  EXPECT_EQ((*local)[0].region().id(), first.region().id());

  const std::vector<metapb::Store> stores = Stores();
  ASSERT_EQ(stores.size(), 2u);
  for (const metapb::Store& store : stores) {
    EXPECT_TRUE(store.id() == results[0]->store_id ||
                store.id() == results[1]->store_id)
        << store.id();
    EXPECT_FALSE(store.address().empty());
  }
}

// A restart finds the ident: the same store ids, no second bootstrap, the
// same single region.
TEST_F(BootstrapTest, RestartDoesNotBootstrapAgain) {
  core::engine::MemEngine a, b;
  auto first = BootstrapAll({&a, &b});
  ASSERT_TRUE(first[0].ok() && first[1].ok());
  const uint64_t region_id = FirstRegion().region().id();

  auto again = BootstrapAll({&a, &b});
  for (size_t i = 0; i < 2; ++i) {
    ASSERT_TRUE(again[i].ok()) << again[i].status();
    EXPECT_EQ(again[i]->store_id, first[i]->store_id);
    EXPECT_EQ(again[i]->cluster_id, first[i]->cluster_id);
    EXPECT_FALSE(again[i]->bootstrapped_cluster);
  }
  EXPECT_EQ(RegionCount(a) + RegionCount(b), 1u);
  EXPECT_EQ(FirstRegion().region().id(), region_id);
  EXPECT_EQ(Stores().size(), 2u);
}

// A store that crashed after preparing its first region, while another
// store bootstrapped the cluster, removes the prepared region at restart
// (and keeps its ident).
TEST_F(BootstrapTest, PreparedRegionOfALoserIsRemovedAtRestart) {
  core::engine::MemEngine a, b;
  auto first = BootstrapAll({&a});
  ASSERT_TRUE(first[0].ok() && first[0]->bootstrapped_cluster);

  // b prepared region 9999 (ident, prepare key, region) and crashed.
  const uint64_t b_store_id = 9998;
  ASSERT_TRUE(
      raftstore::BootstrapStore(b, first[0]->cluster_id, b_store_id).ok());
  metapb::Region prepared;
  prepared.set_id(9999);
  prepared.mutable_region_epoch()->set_conf_ver(1);
  prepared.mutable_region_epoch()->set_version(1);
  metapb::Peer* peer = prepared.add_peers();
  peer->set_id(9997);
  peer->set_store_id(b_store_id);
  core::env::WriteBatch batch;
  batch.Put(core::env::Cf::kRaft, raftstore::PrepareBootstrapKey(),
            prepared.SerializeAsString());
  ASSERT_TRUE(b.Write(batch, {.sync = true}).ok());
  ASSERT_TRUE(raftstore::BootstrapRegion(b, b_store_id, prepared).ok());
  ASSERT_EQ(RegionCount(b), 1u);

  auto restarted = BootstrapAll({&b}, 2);
  ASSERT_TRUE(restarted[0].ok()) << restarted[0].status();
  EXPECT_EQ(restarted[0]->store_id, b_store_id);
  EXPECT_FALSE(restarted[0]->bootstrapped_cluster);
  EXPECT_EQ(RegionCount(b), 0u);
  EXPECT_FALSE(HasPrepareKey(b));
  EXPECT_NE(FirstRegion().region().id(), prepared.id());
}

// An engine of another cluster is refused before anything is written.
TEST_F(BootstrapTest, EngineOfAnotherClusterIsRefused) {
  core::engine::MemEngine a;
  ASSERT_TRUE(raftstore::BootstrapStore(a, 12345, 1).ok());
  auto result = BootstrapAll({&a});
  EXPECT_TRUE(absl::IsFailedPrecondition(result[0].status()))
      << result[0].status();
  EXPECT_EQ(RegionCount(a), 0u);
}

}  // namespace
}  // namespace store::pd_worker
