// RawCluster: the acceptance harness of client/: real store Nodes
// (tests/server TikvCluster: raftstore + storage + tikvpb.Tikv over rpc/)
// and one real PD member (sim/pd PdHost: pd/server over gRPC) on one
// simulator, plus a client process running the real client stack
// (PdClient -> RegionCache -> RegionRequestSender -> RawClient over
// rpc::Channel). Nothing is faked: the client talks gRPC to both.
//
// The stores have no PD worker yet, so the harness plays its part where a
// test asks: Start bootstraps PD with the stores and region 1 (as the first
// store does), ReportRegions sends every region with its leader to PD on a
// RegionHeartbeat stream. Between reports PD's view is stale, which is what
// the client must cope with (EpochNotMatch, NotLeader). This harness should
// move onto sim/cluster once that boots stores through PD.
//
// Thread-affinity: the test's thread; Run bodies on the client's fibres.
#ifndef TESTS_CLIENT_RAW_CLUSTER_H_
#define TESTS_CLIENT_RAW_CLUSTER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "client/locate/region_cache.h"
#include "client/locate/region_source.h"
#include "client/pd/pd_client.h"
#include "client/rawkv/raw_client.h"
#include "core/env/random.h"
#include "sim/host/hosts.h"
#include "tests/server/tikv_cluster.h"

namespace client::testing {

using core::base::Duration;

class RawCluster {
 public:
  explicit RawCluster(uint64_t seed = 1);
  ~RawCluster();

  // Boots the stores (region 1 on all three) and the PD member, and
  // bootstraps PD with them.
  void Start();

  // Runs `body` on a client fibre until it returns; false after `limit`.
  bool Run(const std::function<void(rawkv::RawClient&)>& body,
           Duration limit = Duration::Seconds(120));
  // Tells PD every region and its leader as the stores know them.
  void ReportRegions();

  store::server::testing::TikvCluster& tikv() { return tikv_; }
  store::raftstore::testing::Cluster& stores() { return tikv_.raft(); }
  locate::RegionCache& cache() { return *cache_; }
  locate::StoreTransport& transport() { return *transport_; }
  pd::PdClient& pd() { return *pd_; }
  rawkv::RawClient& raw() { return *raw_; }
  // A second raw client of its own cache (a fresh process's view).
  rawkv::RawClient& NewRawClient();

  // The regions as the stores know them, in key order.
  std::vector<core::region::Region> Regions();
  // Moves `region_id`'s leadership to `store_id`; true once it moved.
  bool TransferLeader(uint64_t region_id, uint64_t store_id);

 private:
  void RunOnClient(const std::function<void()>& body);

  store::server::testing::TikvCluster tikv_;
  sim::host::Hosts hosts_;
  sim::ProcessId client_ = 0;
  core::env::SeededRandom random_;
  std::unique_ptr<pd::PdClient> pd_;
  std::unique_ptr<locate::PdRegionSource> source_;
  std::unique_ptr<locate::RpcStoreTransport> transport_;
  std::unique_ptr<locate::RegionCache> cache_;
  std::unique_ptr<rawkv::RawClient> raw_;
  std::vector<std::unique_ptr<locate::RegionCache>> extra_caches_;
  std::vector<std::unique_ptr<rawkv::RawClient>> extra_clients_;
};

}  // namespace client::testing

#endif  // TESTS_CLIENT_RAW_CLUSTER_H_
