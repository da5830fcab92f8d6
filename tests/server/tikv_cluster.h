// TikvCluster: store::server Nodes (raftstore + RaftKv + Storage +
// tikvpb.Tikv on rpc/) on the raftstore scenario Cluster's simulated stores,
// plus a client process that calls them over rpc::Channel. The client side
// is a small test helper, not a client library: it routes a request by the
// stores' own view of the regions (as PD would answer), retries on region
// errors, and exposes the raw answers so tests can look at them. Ref: TiKV
// components/test_raftstore (Cluster with a ServerCluster simulator) and
// tests/integrations/server/kv_service.rs.
#ifndef TESTS_SERVER_TIKV_CLUSTER_H_
#define TESTS_SERVER_TIKV_CLUSTER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "proto/kvrpcpb.pb.h"
#include "proto/tikvpb.pb.h"
#include "rpc/channel.h"
#include "store/server/node.h"
#include "tests/raftstore/cluster.h"

namespace store::server::testing {

using core::base::Duration;
using raftstore::testing::Cluster;
using raftstore::testing::ClusterOptions;

// Ids for splits, shared by every node (PD's AllocID).
class CounterIdAllocator final : public IdAllocator {
 public:
  absl::StatusOr<uint64_t> AllocId() override { return next_++; }

 private:
  uint64_t next_ = 10000;
};

class TikvCluster {
 public:
  explicit TikvCluster(ClusterOptions options = {});
  ~TikvCluster();

  Cluster& raft() { return *cluster_; }
  // nullptr while the store is down.
  Node* node(uint64_t store_id);
  // Bootstraps region 1 on every store and starts them; waits for a leader.
  void StartAll();

  // Runs `body` on a fibre of the client process; false when it did not
  // finish within `limit` of simulated time.
  bool RunClient(const std::function<void()>& body,
                 Duration limit = Duration::Seconds(60));
  // The client's channel to a store's tikvpb.Tikv (client fibres only).
  rpc::Channel& channel(uint64_t store_id);
  void Sleep(Duration duration);

  // The context reaching `region`'s peer on `store_id`.
  kvrpcpb::Context ContextFor(const core::region::Region& region,
                              uint64_t store_id) const;
  // The region holding `region_key` (a raw key, or an encoded txn key) and
  // the store of its leader; waits up to a few seconds for a leader.
  std::optional<std::pair<core::region::Region, uint64_t>> Route(
      const std::string& region_key);

  // Calls `method` with `request`'s context set for `region_key`, retrying
  // on region errors and transport failures (up to `attempts`); the last
  // answer, or nullopt when no call got through.
  template <typename Request, typename Response>
  std::optional<Response> Call(const std::string& method, Request request,
                               const std::string& region_key,
                               int attempts = 30);

 private:
  std::unique_ptr<Cluster> cluster_;
  CounterIdAllocator ids_;
  sim::ProcessId client_ = 0;
  std::map<uint64_t, std::unique_ptr<rpc::Channel>> channels_;
  // The store and node each store's process booted last (dangling once the
  // process is gone: node() compares the store with the live one first).
  std::map<uint64_t, std::pair<const raftstore::Store*, Node*>> nodes_;
};

// The address of store `store_id`'s tikvpb.Tikv.
core::env::Address TikvAddress(uint64_t store_id);

template <typename Request, typename Response>
std::optional<Response> TikvCluster::Call(const std::string& method,
                                          Request request,
                                          const std::string& region_key,
                                          int attempts) {
  std::optional<Response> last;
  for (int i = 0; i < attempts; ++i) {
    if (i > 0) Sleep(Duration::Milliseconds(50));
    auto route = Route(region_key);
    if (!route.has_value()) continue;
    *request.mutable_context() = ContextFor(route->first, route->second);
    absl::StatusOr<Response> response =
        rpc::Unary<Response>(channel(route->second), method, request,
                             {.timeout = Duration::Seconds(10)});
    if (!response.ok()) continue;
    last = *std::move(response);
    if (!last->has_region_error()) return last;
  }
  return last;
}

}  // namespace store::server::testing

#endif  // TESTS_SERVER_TIKV_CLUSTER_H_
