#include "tests/server/scenarios.h"

#include <gtest/gtest.h>

#include "tests/server/kv_client.h"

namespace store::server::testing {
namespace {

using raftstore::testing::kFirstRegionId;

// A store other than `old_leader` whose peer of region 1 leads, or 0.
uint64_t NewLeader(TikvCluster& c, uint64_t old_leader) {
  for (uint64_t id : c.raft().store_ids()) {
    const raftstore::PeerFsm* peer =
        id == old_leader ? nullptr
                         : c.raft().store(id)->FindPeer(kFirstRegionId);
    if (peer != nullptr && peer->is_leader()) return id;
  }
  return 0;
}

bool StillLeads(TikvCluster& c, uint64_t store_id) {
  return c.raft().store(store_id)->FindPeer(kFirstRegionId)->is_leader();
}

// The answer of one RawPut / RawGet sent to exactly `store_id`.
std::string SendTo(TikvCluster& c, uint64_t store_id, const std::string& key,
                   const std::optional<std::string>& put_value) {
  const core::region::Region region =
      c.raft().store(store_id)->FindPeer(kFirstRegionId)->region();
  if (put_value.has_value()) {
    kvrpcpb::RawPutRequest put;
    *put.mutable_context() = c.ContextFor(region, store_id);
    put.set_key(key);
    put.set_value(*put_value);
    auto response = rpc::Unary<kvrpcpb::RawPutResponse>(
        c.channel(store_id), "/tikvpb.Tikv/RawPut", put,
        {.timeout = Duration::Seconds(5)});
    if (!response.ok()) return response.status().ToString();
    return response->has_region_error() ? response->region_error().message()
                                        : "ok";
  }
  kvrpcpb::RawGetRequest get;
  *get.mutable_context() = c.ContextFor(region, store_id);
  get.set_key(key);
  auto response = rpc::Unary<kvrpcpb::RawGetResponse>(
      c.channel(store_id), "/tikvpb.Tikv/RawGet", get,
      {.timeout = Duration::Seconds(5)});
  if (!response.ok()) return response.status().ToString();
  if (response->has_region_error()) return response->region_error().message();
  return response->value();
}

// Starts the cluster, writes k=v1 and reads it back; the store of region
// 1's leader.
uint64_t StartWithV1(TikvCluster& c) {
  c.StartAll();
  EXPECT_TRUE(c.RunClient([&] {
    EXPECT_EQ(RawPut(c, "k", "v1").region_error().message(), "");
    EXPECT_EQ(RawGet(c, "k"), "v1");
  }));
  return c.raft().LeaderStore(kFirstRegionId);
}

}  // namespace

PartitionedLeaderOutcome PartitionedLeaderRead(uint64_t seed) {
  PartitionedLeaderOutcome outcome;
  TikvCluster c(ClusterOptions{.seed = seed});
  const uint64_t old_leader = StartWithV1(c);
  c.raft().Isolate(old_leader);
  uint64_t new_leader = 0;
  c.raft().RunUntil(
      [&] { return (new_leader = NewLeader(c, old_leader)) != 0; },
      Duration::Seconds(5));
  if (new_leader == 0 || !StillLeads(c, old_leader)) return outcome;
  EXPECT_TRUE(c.RunClient([&] {
    std::string put;
    for (int i = 0; i < 20 && put != "ok"; ++i) {
      put = SendTo(c, new_leader, "k", "v2");
      if (put != "ok") c.Sleep(Duration::Milliseconds(5));
    }
    if (put != "ok" || !StillLeads(c, old_leader)) return;
    outcome.window = true;
    outcome.old_leader_read = SendTo(c, old_leader, "k", std::nullopt);
  }));
  return outcome;
}

PartitionedLeaderOutcome PausedLeaderRead(uint64_t seed) {
  PartitionedLeaderOutcome outcome;
  TikvCluster c(ClusterOptions{.seed = seed});
  const uint64_t old_leader = StartWithV1(c);
  // Long enough for an election and a write (ticks of 10 ms, elections
  // after 100-200 ms), short of the 50 ticks a late timer catches up.
  c.raft().Pause(old_leader, Duration::Milliseconds(400));
  EXPECT_TRUE(c.RunClient([&] {
    std::string put;
    uint64_t new_leader = 0;
    for (int i = 0; i < 60 && put != "ok"; ++i) {
      new_leader = NewLeader(c, old_leader);
      if (new_leader != 0) put = SendTo(c, new_leader, "k", "v2");
      if (put != "ok") c.Sleep(Duration::Milliseconds(5));
    }
    if (put != "ok" || !StillLeads(c, old_leader)) return;
    outcome.window = true;
    outcome.old_leader_read = SendTo(c, old_leader, "k", std::nullopt);
  }));
  return outcome;
}

kvrpcpb::RawGetResponse ReadWithPreSplitEpoch() {
  TikvCluster c;
  c.StartAll();
  kvrpcpb::RawGetResponse answer;
  EXPECT_TRUE(c.RunClient([&] {
    EXPECT_FALSE(RawPut(c, "a", "1").has_region_error());
    auto route = c.Route("a");
    EXPECT_TRUE(route.has_value());
    if (!route.has_value()) return;
    EXPECT_EQ(Split(c, "m", /*is_raw_kv=*/true).regions_size(), 2);
    kvrpcpb::RawGetRequest get;
    *get.mutable_context() = c.ContextFor(route->first, route->second);
    get.set_key("a");
    auto response = rpc::Unary<kvrpcpb::RawGetResponse>(
        c.channel(route->second), "/tikvpb.Tikv/RawGet", get);
    EXPECT_TRUE(response.ok()) << response.status();
    if (response.ok()) answer = *response;
  }));
  return answer;
}

}  // namespace store::server::testing
