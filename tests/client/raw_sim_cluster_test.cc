// Acceptance of client/ on the whole simulated cluster (sim/cluster): 3 PD
// members and 3 stores booted from empty disks through PD, with their PD
// workers heartbeating, so PD learns splits and leaders by itself. The
// client stack (PdClient -> RegionCache -> RegionRequestSender ->
// RawClient) runs on a process of its own: forced splits (tikvpb
// SplitRegion, sent by the client) leave its cache stale (EpochNotMatch),
// and the leader's store going down makes sends fail.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/locate/region_cache.h"
#include "client/locate/region_request.h"
#include "client/locate/region_source.h"
#include "client/pd/pd_client.h"
#include "client/rawkv/raw_client.h"
#include "core/env/random.h"
#include "proto/kvrpcpb.pb.h"
#include "sim/cluster/cluster.h"

namespace client::testing {
namespace {

using core::base::Duration;
using rawkv::KvPair;
using rawkv::RawClient;

constexpr Duration kLimit = Duration::Seconds(120);

std::string Key(int i) {
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "k%04d", i);
  return buffer;
}

class RawSimClusterTest : public ::testing::Test {
 protected:
  explicit RawSimClusterTest(sim::cluster::ClusterOptions options =
                                 sim::cluster::ClusterOptions{.seed = 4})
      : cluster_(options) {}
  void SetUp() override {
    sim::Simulation& sim = cluster_.sim();
    process_ = sim.AddNode({.host = "rawclient", .clock = sim::ClockOptions{}});
    cluster_.Start();
    ASSERT_TRUE(cluster_.RunUntil(
        [&] {
          auto region = cluster_.RegionForKey("");
          if (!region.has_value() || region->peers.size() != 3) return false;
          for (const auto& peer : region->peers) {
            if (peer.role != core::region::PeerRole::kVoter) return false;
          }
          return cluster_.LeaderOf(region->id) != 0;
        },
        kLimit))
        << "the first region did not reach 3 replicas";
    sim::SimLoop& loop = sim.loop();
    pd::PdClientOptions pd_options;
    for (int m = 1; m <= cluster_.pd().size(); ++m) {
      pd_options.members.push_back(sim::pdsim::PdCluster::ClientAddress(m));
    }
    pd_ = std::make_unique<pd::PdClient>(
        loop.executor(process_), loop.clock(process_),
        sim.network().endpoint(process_), pd_options);
    source_ = std::make_unique<locate::PdRegionSource>(*pd_);
    transport_ = std::make_unique<locate::RpcStoreTransport>(
        loop.executor(process_), loop.clock(process_),
        sim.network().endpoint(process_));
    cache_ = std::make_unique<locate::RegionCache>(*source_);
    sender_ =
        std::make_unique<locate::RegionRequestSender>(*cache_, *transport_);
    raw_ = std::make_unique<RawClient>(loop.executor(process_), random_,
                                       *cache_, *transport_);
  }
  void TearDown() override {
    cluster_.sim().loop().Shutdown();
    raw_.reset();
    sender_.reset();
    cache_.reset();
    transport_.reset();
    pd_.reset();
  }
  bool Run(const std::function<void(RawClient&)>& body) {
    auto done = std::make_shared<bool>(false);
    cluster_.sim().loop().executor(process_).Spawn("raw", [this, body, done] {
      body(*raw_);
      *done = true;
    });
    return cluster_.RunUntil([&] { return *done; }, kLimit);
  }
  // tikvpb SplitRegion at `key`, sent as the client sends any request.
  void SplitRegion(const std::string& key) {
    retry::Backoffer bo(cluster_.sim().loop().executor(process_),
                        retry::kRawkvMaxBackoff, 3);
    for (;;) {
      auto location = cache_->LocateKey(bo, key);
      ASSERT_TRUE(location.ok()) << location.status();
      kvrpcpb::SplitRegionRequest request;
      request.add_split_keys(key);
      request.set_is_raw_kv(true);
      auto response = sender_->SendReq<kvrpcpb::SplitRegionResponse>(
          bo, "/tikvpb.Tikv/SplitRegion", request, location->region);
      ASSERT_TRUE(response.ok()) << response.status();
      if (!response->has_region_error()) {
        ASSERT_EQ(response->regions_size(), 2);
        return;
      }
      ASSERT_TRUE(
          bo.Backoff(retry::kBoRegionMiss, absl::UnavailableError("split"))
              .ok());
    }
  }

  sim::cluster::Cluster cluster_;
  sim::ProcessId process_ = 0;
  core::env::SeededRandom random_{17};
  std::unique_ptr<pd::PdClient> pd_;
  std::unique_ptr<locate::PdRegionSource> source_;
  std::unique_ptr<locate::RpcStoreTransport> transport_;
  std::unique_ptr<locate::RegionCache> cache_;
  std::unique_ptr<locate::RegionRequestSender> sender_;
  std::unique_ptr<RawClient> raw_;
};

// Writes, forced splits the cache does not know of, and reads across the
// new regions: EpochNotMatch corrects the cache; PD learns the regions
// from the stores' heartbeats, so a fresh cache finds them from PD.
TEST_F(RawSimClusterTest, RawOpsAcrossForcedSplits) {
  std::vector<KvPair> pairs;
  for (int i = 0; i < 300; ++i) pairs.push_back({Key(i), "v" + Key(i)});
  ASSERT_TRUE(Run([&](RawClient& raw) {
    ASSERT_TRUE(raw.BatchPut(pairs).ok());
    // Each split goes to the region the cache still has whole.
    SplitRegion(Key(100));
    SplitRegion(Key(200));
    std::vector<std::string> keys;
    for (const KvPair& pair : pairs) keys.push_back(pair.key);
    auto got = raw.BatchGet(keys);
    ASSERT_TRUE(got.ok()) << got.status();
    for (size_t i = 0; i < keys.size(); ++i) {
      EXPECT_EQ((*got)[i], std::optional<std::string>(pairs[i].value));
    }
    auto all = raw.Scan("", "", 1000);
    ASSERT_TRUE(all.ok()) << all.status();
    EXPECT_EQ(*all, pairs);
    auto down = raw.ReverseScan("", Key(50), 1000);
    ASSERT_TRUE(down.ok()) << down.status();
    EXPECT_EQ(down->size(), 250u);
    ASSERT_TRUE(raw.DeleteRange(Key(90), Key(210)).ok());
    EXPECT_EQ(raw.Scan("", "", 1000)->size(), 180u);
    EXPECT_EQ(raw.Checksum("", "")->total_kvs, 180u);
  }));
  EXPECT_GT(
      sender_->stats().region_errors + raw_->sender().stats().region_errors,
      0u);
  EXPECT_EQ(cache_->size(), 3u);
  // PD hears of the splits from the stores' heartbeats.
  locate::RegionCache fresh_cache(*source_);
  RawClient fresh(cluster_.sim().loop().executor(process_), random_,
                  fresh_cache, *transport_);
  ASSERT_TRUE(cluster_.RunUntil(
      [&] { return cluster_.RegionForKey(Key(150))->start_key == Key(100); },
      kLimit));
  cluster_.RunFor(Duration::Seconds(6));  // a region heartbeat interval
  ASSERT_TRUE(Run([&](RawClient&) {
    EXPECT_EQ(*fresh.Get(Key(250)), std::optional<std::string>("v" + Key(250)));
    EXPECT_EQ(*fresh.Get(Key(50)), std::optional<std::string>("v" + Key(50)));
    EXPECT_EQ(*fresh.Get(Key(150)), std::nullopt);
  }));
  // Three regions, each found with one PD call (no EpochNotMatch; a
  // NotLeader may come where a leader moved since its heartbeat).
  EXPECT_EQ(fresh_cache.size(), 3u);
  EXPECT_EQ(fresh_cache.stats().pd_region_loads, 3u);
}

// PD's merge checker may merge regions a second after they changed.
sim::cluster::ClusterOptions MergeOptions() {
  sim::cluster::ClusterOptions options{.seed = 4};
  options.pd_member.coordinator.schedule.split_merge_interval_ms = 1000;
  return options;
}

class RawSimClusterMergeTest : public RawSimClusterTest {
 protected:
  RawSimClusterMergeTest() : RawSimClusterTest(MergeOptions()) {}
};

// Two small regions after a forced split: PD's merge checker merges them
// (its operator reaches the source's leader through the PD worker, which
// proposes PrepareMerge; the raftstore commits it on the target), and the
// client, whose cache still has both, keeps reading and writing across.
TEST_F(RawSimClusterMergeTest, PdMergesTwoSmallRegionsUnderTheClient) {
  ASSERT_TRUE(Run([&](RawClient& raw) {
    ASSERT_TRUE(raw.Put(Key(1), "before").ok());
    SplitRegion(Key(100));
    ASSERT_TRUE(raw.Put(Key(150), "before").ok());
  }));
  EXPECT_EQ(cache_->size(), 2u);
  ASSERT_TRUE(cluster_.RunUntil(
      [&] {
        auto low = cluster_.RegionForKey(Key(1));
        auto high = cluster_.RegionForKey(Key(150));
        return low && high && low->id == high->id && low->start_key.empty() &&
               low->end_key.empty();
      },
      kLimit))
      << "PD did not merge the two regions";
  ASSERT_TRUE(Run([&](RawClient& raw) {
    EXPECT_EQ(*raw.Get(Key(1)), std::optional<std::string>("before"));
    EXPECT_EQ(*raw.Get(Key(150)), std::optional<std::string>("before"));
    ASSERT_TRUE(raw.Put(Key(2), "after").ok());
    ASSERT_TRUE(raw.Put(Key(151), "after").ok());
    auto all = raw.Scan("", "", 100);
    ASSERT_TRUE(all.ok()) << all.status();
    EXPECT_EQ(all->size(), 4u);
  }));
  EXPECT_EQ(cache_->size(), 1u) << "the merged-away region left the cache";
}

// The leader's store goes down: sends fail, the client tries the next
// peers, follows the new leader and carries on; the store comes back.
TEST_F(RawSimClusterTest, TheLeadersStoreDown) {
  ASSERT_TRUE(Run([&](RawClient& raw) {
    ASSERT_TRUE(raw.Put("a", "1").ok());
    ASSERT_TRUE(raw.Put("b", "").ok());
  }));
  // Every store applied the writes (so two can elect without the third).
  ASSERT_TRUE(cluster_.RunUntil(
      [&] {
        for (int s = 1; s <= cluster_.store_count(); ++s) {
          // (On disk a raw value carries its TTL encoding.)
          if (!cluster_.Get(s, "b").has_value()) return false;
        }
        return true;
      },
      kLimit));
  const uint64_t region = cluster_.RegionForKey("a")->id;
  const int down = cluster_.LeaderOf(region);
  ASSERT_NE(down, 0);
  cluster_.CrashStore(down);
  ASSERT_TRUE(Run([&](RawClient& raw) {
    auto got = raw.Get("a");
    ASSERT_TRUE(got.ok()) << got.status() << " leader now "
                          << cluster_.LeaderOf(region) << " down " << down
                          << " store ids " << cluster_.store_id(1) << ","
                          << cluster_.store_id(2) << ","
                          << cluster_.store_id(3);
    EXPECT_EQ(*got, std::optional<std::string>("1"));
    ASSERT_TRUE(raw.Put("a", "2").ok());
    EXPECT_EQ(*raw.Get("b"), std::optional<std::string>(""));
    auto cas = raw.CompareAndSwap("a", std::string("2"), "3");
    ASSERT_TRUE(cas.ok()) << cas.status();
    EXPECT_TRUE(cas->succeeded);
  }));
  EXPECT_GT(raw_->sender().stats().send_failures, 0u);
  EXPECT_NE(cache_->TargetStore(region), cluster_.store_id(down));
  cluster_.RestartStore(down);
  ASSERT_TRUE(Run([&](RawClient& raw) {
    EXPECT_EQ(*raw.Get("a"), std::optional<std::string>("3"));
  }));
}

}  // namespace
}  // namespace client::testing
