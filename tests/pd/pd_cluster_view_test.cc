// pd/server's stores, regions and scheduling on the simulator: stores
// register and heartbeat; region heartbeats on a stream feed the cluster
// view (stale epochs refused); GetRegion, GetPrevRegion, GetRegionByID and
// ScanRegions answer from it, also after a failover (region metadata is
// persisted); AskBatchSplit hands out fresh ids; the coordinator's
// operators come back in heartbeat responses, among them the replica
// checker's replacement of a store that went Down; bad input is refused
// with a clear error; health checks answer.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "tests/pd/pd_test_util.h"

namespace sim::pdsim {
namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;

metapb::Region Region(uint64_t id, const std::string& start,
                      const std::string& end, uint64_t version,
                      std::vector<std::pair<uint64_t, uint64_t>> peers) {
  metapb::Region region;
  region.set_id(id);
  region.set_start_key(start);
  region.set_end_key(end);
  region.mutable_region_epoch()->set_conf_ver(1);
  region.mutable_region_epoch()->set_version(version);
  for (const auto& [peer_id, store_id] : peers) {
    metapb::Peer* peer = region.add_peers();
    peer->set_id(peer_id);
    peer->set_store_id(store_id);
  }
  return region;
}

void PutStore(PdClient& c, uint64_t id) {
  pdpb::PutStoreRequest request;
  request.mutable_store()->set_id(id);
  request.mutable_store()->set_address("tikv" + std::to_string(id) + ":20160");
  auto response =
      Leader<pdpb::PutStoreResponse>(c, "/pdpb.PD/PutStore", request);
  EXPECT_FALSE(response.header().has_error())
      << response.header().error().message();
}

pdpb::StoreHeartbeatResponse StoreHeartbeat(PdClient& c, uint64_t id) {
  pdpb::StoreHeartbeatRequest request;
  request.mutable_stats()->set_store_id(id);
  request.mutable_stats()->set_capacity(100 * kGiB);
  request.mutable_stats()->set_available(90 * kGiB);
  request.mutable_stats()->set_used_size(10 * kGiB);
  return Leader<pdpb::StoreHeartbeatResponse>(c, "/pdpb.PD/StoreHeartbeat",
                                              request);
}

// A region heartbeat on the client's heartbeat stream to the leader; the
// response when PD answered.
std::optional<pdpb::RegionHeartbeatResponse> RegionHeartbeat(
    PdClient& c, const metapb::Region& region, uint64_t leader_peer) {
  pdpb::RegionHeartbeatRequest request;
  request.mutable_header()->set_cluster_id(c.cluster_id());
  *request.mutable_region() = region;
  for (const metapb::Peer& peer : region.peers()) {
    if (peer.id() == leader_peer) *request.mutable_leader() = peer;
  }
  request.set_approximate_size(1 << 20);
  EXPECT_FALSE(c.leader().empty());
  return StreamOnce<pdpb::RegionHeartbeatResponse>(
      c, c.leader(), kRegionHeartbeatMethod, request,
      Duration::Milliseconds(500));
}

pdpb::GetRegionResponse GetRegion(PdClient& c, const std::string& key) {
  pdpb::GetRegionRequest request;
  request.set_region_key(key);
  return Leader<pdpb::GetRegionResponse>(c, "/pdpb.PD/GetRegion", request);
}

// Stores register and heartbeat; unknown stores and bad input are refused.
TEST_F(PdScenario, StoresRegisterAndHeartbeat) {
  Boot(3);
  Run([](PdClient& c) {
    pdpb::PutStoreRequest early;
    early.mutable_store()->set_id(4);
    early.mutable_store()->set_address("tikv4:20160");
    auto refused =
        Leader<pdpb::PutStoreResponse>(c, "/pdpb.PD/PutStore", early);
    EXPECT_EQ(refused.header().error().type(), pdpb::NOT_BOOTSTRAPPED);
    Bootstrap(c);
    PutStore(c, 4);
    PutStore(c, 5);
    pdpb::PutStoreRequest duplicate = early;
    duplicate.mutable_store()->set_id(6);
    auto dup =
        Leader<pdpb::PutStoreResponse>(c, "/pdpb.PD/PutStore", duplicate);
    EXPECT_NE(dup.header().error().message().find("duplicated store address"),
              std::string::npos);
    pdpb::PutStoreRequest no_id;
    no_id.mutable_store()->set_address("tikv7:20160");
    EXPECT_EQ(Leader<pdpb::PutStoreResponse>(c, "/pdpb.PD/PutStore", no_id)
                  .header()
                  .error()
                  .type(),
              pdpb::INVALID_VALUE);
    auto all = Leader<pdpb::GetAllStoresResponse>(c, "/pdpb.PD/GetAllStores",
                                                  pdpb::GetAllStoresRequest());
    EXPECT_EQ(all.stores_size(), 3);
    EXPECT_FALSE(StoreHeartbeat(c, 4).header().has_error());
    EXPECT_EQ(StoreHeartbeat(c, 9).header().error().message(),
              "store 9 not found");
    pdpb::GetStoreRequest get;
    get.set_store_id(4);
    auto store = Leader<pdpb::GetStoreResponse>(c, "/pdpb.PD/GetStore", get);
    EXPECT_EQ(store.store().address(), "tikv4:20160");
    EXPECT_EQ(store.store().node_state(), metapb::Serving);
    EXPECT_EQ(store.stats().capacity(), 100 * kGiB);
  });
}

// Region heartbeats build the routing table: after a split both halves
// answer; a stale or malformed heartbeat is refused; after the leader dies
// the new one still routes (region metadata is persisted).
TEST_F(PdScenario, RegionHeartbeatsRouteAndSurviveFailover) {
  Boot(3);
  uint64_t new_region = 0;
  Run([&new_region](PdClient& c) {
    Bootstrap(c);
    ASSERT_TRUE(c.UpdateMembers(c.Now() + kCallDeadline).ok());
    EXPECT_EQ(GetRegion(c, "k").region().id(), 2u);
    pdpb::AskBatchSplitRequest ask;
    *ask.mutable_region() = Region(2, "", "", 1, {{3, 1}});
    ask.set_split_count(1);
    auto ids =
        Leader<pdpb::AskBatchSplitResponse>(c, "/pdpb.PD/AskBatchSplit", ask);
    ASSERT_EQ(ids.ids_size(), 1);
    ASSERT_EQ(ids.ids(0).new_peer_ids_size(), 1);
    new_region = ids.ids(0).new_region_id();
    const uint64_t new_peer = ids.ids(0).new_peer_ids(0);
    EXPECT_NE(new_region, new_peer);
    // The split: [, m) stays region 2, [m, ) is the new one.
    RegionHeartbeat(c, Region(2, "", "m", 2, {{3, 1}}), 3);
    RegionHeartbeat(c, Region(new_region, "m", "", 2, {{new_peer, 1}}),
                    new_peer);
    EXPECT_EQ(GetRegion(c, "a").region().end_key(), "m");
    EXPECT_EQ(GetRegion(c, "z").region().id(), new_region);
    EXPECT_EQ(GetRegion(c, "z").leader().id(), new_peer);
    pdpb::GetRegionRequest prev;
    prev.set_region_key("z");
    EXPECT_EQ(Leader<pdpb::GetRegionResponse>(c, "/pdpb.PD/GetPrevRegion", prev)
                  .region()
                  .id(),
              2u);
    pdpb::ScanRegionsRequest scan;
    auto scanned =
        Leader<pdpb::ScanRegionsResponse>(c, "/pdpb.PD/ScanRegions", scan);
    EXPECT_EQ(scanned.regions_size(), 2);
    EXPECT_EQ(scanned.region_metas_size(), 2);
    // The pre-split region, late: stale. A leader not in the region: bad.
    auto stale = RegionHeartbeat(c, Region(2, "", "", 1, {{3, 1}}), 3);
    ASSERT_TRUE(stale.has_value());
    EXPECT_NE(stale->header().error().message().find("stale"),
              std::string::npos)
        << stale->header().error().message();
    auto malformed = RegionHeartbeat(c, Region(2, "", "m", 2, {{3, 1}}), 99);
    ASSERT_TRUE(malformed.has_value());
    EXPECT_TRUE(malformed->header().has_error());
    ask.set_split_count(0);
    EXPECT_EQ(
        Leader<pdpb::AskBatchSplitResponse>(c, "/pdpb.PD/AskBatchSplit", ask)
            .header()
            .error()
            .type(),
        pdpb::INVALID_VALUE);
  });
  cluster_->Crash(leader_);
  Run([new_region](PdClient& c) {
    EXPECT_EQ(GetRegion(c, "z").region().id(), new_region);
    EXPECT_EQ(GetRegion(c, "a").region().end_key(), "m");
    pdpb::GetRegionByIDRequest by_id;
    by_id.set_region_id(new_region);
    EXPECT_EQ(
        Leader<pdpb::GetRegionResponse>(c, "/pdpb.PD/GetRegionByID", by_id)
            .region()
            .start_key(),
        "m");
  });
}

// Six stores; regions 2 [, m) and 6 [m, ) were both born on stores 1-3.
// Registers and heartbeats them (ids: region 2 peers 3/4/5, region 6 peers
// 7/8/9, leaders on store 1).
void SixStoresTwoRegions(PdClient& c) {
  auto bootstrap = BootstrapRequest(1, 2, 3);
  *bootstrap.mutable_region() = Region(2, "", "", 1, {{3, 1}, {4, 2}, {5, 3}});
  auto done =
      Leader<pdpb::BootstrapResponse>(c, "/pdpb.PD/Bootstrap", bootstrap);
  ASSERT_FALSE(done.header().has_error()) << done.header().error().message();
  ASSERT_TRUE(c.UpdateMembers(c.Now() + kCallDeadline).ok());
  for (uint64_t store = 2; store <= 6; ++store) PutStore(c, store);
  for (uint64_t store = 1; store <= 6; ++store) StoreHeartbeat(c, store);
  RegionHeartbeat(c, Region(2, "", "m", 2, {{3, 1}, {4, 2}, {5, 3}}), 3);
  RegionHeartbeat(c, Region(6, "m", "", 2, {{7, 1}, {8, 2}, {9, 3}}), 7);
}

// ScatterRegion (client-go's ScatterRegions, TiDB's SPLIT TABLE ...
// SCATTER): the first region of a group stays, the second moves to the
// stores the group has not used; the operator reaches its leader.
TEST_F(PdScenario, ScatterRegionSpreadsTheRegionsOfAGroup) {
  Boot(1);
  Run([](PdClient& c) {
    SixStoresTwoRegions(c);
    pdpb::ScatterRegionRequest scatter;
    scatter.add_regions_id(2);
    scatter.add_regions_id(6);
    scatter.set_group("table-42");
    auto scattered = Leader<pdpb::ScatterRegionResponse>(
        c, "/pdpb.PD/ScatterRegion", scatter);
    ASSERT_FALSE(scattered.header().has_error())
        << scattered.header().error().message();
    EXPECT_EQ(scattered.finished_percentage(), 100u);
    auto command =
        RegionHeartbeat(c, Region(6, "m", "", 2, {{7, 1}, {8, 2}, {9, 3}}), 7);
    ASSERT_TRUE(command.has_value() && command->has_change_peer());
    EXPECT_EQ(command->change_peer().change_type(), eraftpb::AddLearnerNode);
    EXPECT_GE(command->change_peer().peer().store_id(), 4u);
    pdpb::GetOperatorRequest op;
    op.set_region_id(6);
    EXPECT_EQ(
        Leader<pdpb::GetOperatorResponse>(c, "/pdpb.PD/GetOperator", op).desc(),
        "scatter-region");
    // Bad input: nothing to scatter, an unknown region.
    pdpb::ScatterRegionRequest empty;
    EXPECT_EQ(
        Leader<pdpb::ScatterRegionResponse>(c, "/pdpb.PD/ScatterRegion", empty)
            .header()
            .error()
            .type(),
        pdpb::INVALID_VALUE);
    pdpb::ScatterRegionRequest unknown;
    unknown.set_region_id(99);
    EXPECT_NE(Leader<pdpb::ScatterRegionResponse>(c, "/pdpb.PD/ScatterRegion",
                                                  unknown)
                  .header()
                  .error()
                  .message()
                  .find("unknown"),
              std::string::npos);
  });
}

// SplitRegions: PD sends the split to the region leader with its next
// heartbeat and answers once the store reported the new regions.
TEST_F(PdScenario, SplitRegionsWaitsForTheStoreToSplit) {
  Boot(1);
  Run([](PdClient& c) { SixStoresTwoRegions(c); });
  // The store side: region 2's leader heartbeats until PD asks it to split
  // at "c", then reports [, c) and the new region 10 [c, m).
  std::vector<std::string> asked_keys;
  PdClient& store = cluster_->AddClient();
  std::shared_ptr<bool> store_done =
      cluster_->SpawnClient(store, [&asked_keys](PdClient& s) {
        ASSERT_TRUE(s.UpdateMembers(s.Now() + kCallDeadline).ok());
        const metapb::Region region =
            Region(2, "", "m", 2, {{3, 1}, {4, 2}, {5, 3}});
        for (int i = 0; i < 50 && asked_keys.empty(); ++i) {
          auto response = RegionHeartbeat(s, region, 3);
          if (response.has_value() && response->has_split_region()) {
            asked_keys.assign(response->split_region().keys().begin(),
                              response->split_region().keys().end());
          }
          s.SleepFor(Duration::Milliseconds(200));
        }
        RegionHeartbeat(s, Region(2, "", "c", 3, {{3, 1}, {4, 2}, {5, 3}}), 3);
        RegionHeartbeat(s, Region(10, "c", "m", 3, {{11, 1}, {12, 2}, {13, 3}}),
                        11);
      });
  pdpb::SplitRegionsResponse split;
  Run([&split](PdClient& c) {
    pdpb::SplitRegionsRequest request;
    request.add_split_keys("c");
    split =
        Leader<pdpb::SplitRegionsResponse>(c, "/pdpb.PD/SplitRegions", request);
  });
  // The store's last heartbeat answer may still be on its way.
  Run([](PdClient& c) { c.SleepFor(Duration::Seconds(1)); });
  EXPECT_TRUE(*store_done);
  EXPECT_EQ(asked_keys, std::vector<std::string>{"c"});
  ASSERT_FALSE(split.header().has_error()) << split.header().error().message();
  EXPECT_EQ(split.finished_percentage(), 100u);
  EXPECT_EQ(std::vector<uint64_t>(split.regions_id().begin(),
                                  split.regions_id().end()),
            std::vector<uint64_t>{10});
}

// A store stops heartbeating; once it has been silent longer than
// max-store-down-time it is Down, and the replica checker's operator to
// replace its peer reaches the region leader in a heartbeat response (the
// new peer goes to the spare store 4).
TEST_F(PdScenario, ADownStoresReplicaIsReplaced) {
  PdClusterOptions options = Options(3);
  options.member.coordinator.cluster.store_disconnect_ms = 3'000;
  options.member.coordinator.cluster.max_store_down_time_ms = 10'000;
  Boot(options);
  std::optional<pdpb::RegionHeartbeatResponse> command;
  int at_second = 0;
  std::string desc;
  Run([&command, &at_second, &desc](PdClient& c) {
    auto bootstrap = BootstrapRequest(1, 2, 3);
    *bootstrap.mutable_region() =
        Region(2, "", "", 1, {{3, 1}, {4, 2}, {5, 3}});
    auto done =
        Leader<pdpb::BootstrapResponse>(c, "/pdpb.PD/Bootstrap", bootstrap);
    ASSERT_FALSE(done.header().has_error()) << done.header().error().message();
    ASSERT_TRUE(c.UpdateMembers(c.Now() + kCallDeadline).ok());
    for (uint64_t store : {2, 3, 4}) PutStore(c, store);
    const metapb::Region region =
        Region(2, "", "", 1, {{3, 1}, {4, 2}, {5, 3}});
    // Store 3 goes silent; the others and the region keep reporting (each
    // round takes a second and the wait for a heartbeat answer).
    const core::base::Instant start = c.Now();
    for (int round = 0; round < 30 && !command.has_value(); ++round) {
      const int second = static_cast<int>((c.Now() - start).seconds());
      for (uint64_t store : {1, 2, 4}) StoreHeartbeat(c, store);
      if (second < 2) StoreHeartbeat(c, 3);
      auto response = RegionHeartbeat(c, region, 3);
      if (response.has_value() && response->has_change_peer()) {
        command = response;
        at_second = second;
      }
      c.SleepFor(Duration::Seconds(1));
    }
    pdpb::GetOperatorRequest op;
    op.set_region_id(2);
    desc =
        Leader<pdpb::GetOperatorResponse>(c, "/pdpb.PD/GetOperator", op).desc();
  });
  ASSERT_TRUE(command.has_value()) << "no operator for the down peer";
  // Only once store 3 has been silent for max-store-down-time (it last
  // reported at second 1), and from the replica checker.
  EXPECT_GE(at_second, 11);
  EXPECT_EQ(desc, "replace-down-replica");
  EXPECT_EQ(command->region_id(), 2u);
  EXPECT_EQ(command->target_peer().id(), 3u);
  EXPECT_EQ(command->change_peer().change_type(), eraftpb::AddLearnerNode);
  EXPECT_EQ(command->change_peer().peer().store_id(), 4u);
}

// Every member answers health checks; an unknown service is NotFound.
TEST_F(PdScenario, HealthChecksAnswer) {
  Boot(3);
  const int follower = leader_ % 3 + 1;
  Run([follower](PdClient& c) {
    using grpc::health::v1::HealthCheckResponse;
    grpc::health::v1::HealthCheckRequest request;
    auto response = CallAt<HealthCheckResponse>(
        c, follower, "/grpc.health.v1.Health/Check", request);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->status(), HealthCheckResponse::SERVING);
    request.set_service("nope");
    EXPECT_TRUE(absl::IsNotFound(
        CallAt<HealthCheckResponse>(c, follower, "/grpc.health.v1.Health/Check",
                                    request)
            .status()));
    EXPECT_TRUE(absl::IsUnimplemented(
        CallAt<HealthCheckResponse>(c, follower, "/pdpb.PD/GetClusterInfo",
                                    request)
            .status()));
  });
}

}  // namespace
}  // namespace sim::pdsim
