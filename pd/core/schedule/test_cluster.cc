#include "pd/core/schedule/test_cluster.h"

#include "core/base/bytes.h"
#include "core/base/check.h"

namespace pd::schedule {

namespace {

core::base::Bytes Key(uint64_t n) {
  core::base::Bytes key;
  core::base::PutFixed64BigEndian(&key, n);
  return key;
}

}  // namespace

TestCluster::TestCluster()
    : view_(cluster::ClusterOptions{}),
      controller_(operators::ControllerOptions{}) {
  config_.split_merge_interval_ms = 0;
}

void TestCluster::AddStore(StoreId id) {
  CHECK(view_.PutStore(id, "store" + std::to_string(id), {}, now_ms_).ok());
  CHECK(view_.HandleStoreHeartbeat(id, {}, now_ms_).ok());
}

void TestCluster::AddStores(StoreId count) {
  for (StoreId id = 1; id <= count; ++id) AddStore(id);
}

void TestCluster::MakeStoreDown(StoreId id) {
  down_.insert(id);
  now_ms_ += view_.options().max_store_down_time_ms + 1;
  for (const auto& [other, store] : view_.stores()) {
    if (down_.count(other) == 0 &&
        store.state != cluster::StoreState::kTombstone) {
      CHECK(view_.HandleStoreHeartbeat(other, store.stats, now_ms_).ok());
    }
  }
}

void TestCluster::MakeStoreOffline(StoreId id) {
  CHECK(view_.SetStoreOffline(id).ok());
}

void TestCluster::SetStoreUsage(StoreId id, uint64_t capacity_bytes,
                                uint64_t used_bytes) {
  cluster::StoreStats stats;
  stats.capacity_bytes = capacity_bytes;
  stats.used_bytes = used_bytes;
  stats.available_bytes = capacity_bytes - used_bytes;
  CHECK(view_.HandleStoreHeartbeat(id, stats, now_ms_).ok());
}

const RegionInfo& TestCluster::AddRegion(RegionId id,
                                         std::vector<StoreId> stores,
                                         uint64_t size_bytes) {
  cluster::RegionHeartbeat beat;
  beat.region.id = id;
  beat.region.start_key = Key(id);
  beat.region.end_key = Key(id + 1);
  beat.region.epoch = {1, 1};
  for (StoreId store : stores) {
    beat.region.peers.push_back(
        {id * 100 + store, store, core::region::PeerRole::kVoter});
  }
  beat.leader = beat.region.peers.front();
  beat.approximate_size_bytes = size_bytes;
  beat.approximate_keys = size_bytes / 1024;
  auto result = view_.HandleRegionHeartbeat(beat, now_ms_);
  CHECK(result.ok()) << ErrorToString(result.error());
  // Make the region old enough for merging.
  return *view_.GetRegion(id);
}

const RegionInfo& TestCluster::Update(
    RegionId id, const std::function<void(cluster::RegionHeartbeat&)>& change) {
  cluster::RegionHeartbeat beat = view_.GetRegion(id)->heartbeat;
  change(beat);
  auto result = view_.HandleRegionHeartbeat(beat, now_ms_);
  CHECK(result.ok()) << ErrorToString(result.error());
  return *view_.GetRegion(id);
}

void TestCluster::AddLeaderRegions(RegionId first_id, int count,
                                   StoreId leader_store,
                                   std::vector<StoreId> follower_stores) {
  std::vector<StoreId> stores = {leader_store};
  stores.insert(stores.end(), follower_stores.begin(), follower_stores.end());
  for (int i = 0; i < count; ++i) AddRegion(first_id + i, stores);
}

ScheduleContext TestCluster::Context() {
  return ScheduleContext{view_,   controller_,
                         config_, now_ms_,
                         prng_,   [this]() { return next_peer_id_++; }};
}

}  // namespace pd::schedule
