// Helpers of the PD scenarios: a cluster per test, calls that must be
// delivered, the bootstrap request, the timestamp order check.
#ifndef TESTS_PD_PD_TEST_UTIL_H_
#define TESTS_PD_PD_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/timestamp.h"
#include "pd/server/pd_grpc.h"
#include "rpc/channel.h"
#include "sim/pd/pd_cluster.h"

namespace sim::pdsim {

using ::client::pd::TsoBatch;
using core::base::Duration;
using core::base::TimeStamp;
using ::pd::server::kRegionHeartbeatMethod;
using ::pd::server::kTsoMethod;

inline constexpr Duration kCallDeadline = Duration::Seconds(15);

inline PdClusterOptions Options(int members, uint64_t seed = 1) {
  PdClusterOptions options;
  options.members = members;
  options.simulation = PdClusterOptions::QuietSimulation(seed);
  return options;
}

// A call to the leader that must succeed (the header may carry an error).
template <typename Response, typename Request>
Response Leader(PdClient& client, std::string_view method,
                const Request& request) {
  auto response = client.CallLeader<Request, Response>(
      method, request, client.Now() + kCallDeadline);
  EXPECT_TRUE(response.ok()) << method << ": " << response.status();
  return response.ok() ? *response : Response();
}

// A call to one member (no retry, no header checks).
template <typename Response, typename Request>
absl::StatusOr<Response> CallAt(PdClient& client, int member,
                                std::string_view method,
                                const Request& request) {
  return client.CallMember<Response>(PdCluster::ClientAddress(member), method,
                                     request, kCallDeadline);
}

// A call to one member, which must be delivered.
template <typename Response, typename Request>
Response At(PdClient& client, int member, std::string_view method,
            Request request) {
  request.mutable_header()->set_cluster_id(client.cluster_id());
  absl::StatusOr<Response> response =
      CallAt<Response>(client, member, method, request);
  EXPECT_TRUE(response.ok()) << method << ": " << response.status();
  return response.ok() ? *response : Response();
}

// One message on a new bidi stream to `address`: the first response, or
// none within `wait` (a RegionHeartbeat without an operator step).
template <typename Response, typename Request>
std::optional<Response> StreamOnce(PdClient& client,
                                   const core::env::Address& address,
                                   std::string_view method,
                                   const Request& request, Duration wait) {
  auto stream = rpc::OpenBidiStream<Request, Response>(
      client.channel(address), method, {.timeout = wait});
  if (!stream.Write(request)) return std::nullopt;
  std::optional<Response> response = stream.Read();
  stream.Cancel();
  return response;
}

// `count` timestamps, which must be handed out.
inline TsoBatch Timestamps(PdClient& client, uint32_t count) {
  auto batch = client.GetTimestamps(count, client.Now() + kCallDeadline);
  EXPECT_TRUE(batch.ok()) << batch.status();
  if (!batch.ok()) return TsoBatch{};
  EXPECT_EQ(batch->last.value() - batch->first.value() + 1, count);
  return *batch;
}

// Checks that each batch starts above the previous batch's last timestamp.
inline void ExpectStrictlyIncreasing(const std::vector<TsoBatch>& batches) {
  TimeStamp previous;
  for (size_t i = 0; i < batches.size(); ++i) {
    ASSERT_GT(batches[i].first, previous) << "batch " << i << " goes back";
    ASSERT_GE(batches[i].last, batches[i].first) << "batch " << i;
    previous = batches[i].last;
  }
}

inline pdpb::BootstrapRequest BootstrapRequest(uint64_t store_id,
                                               uint64_t region_id,
                                               uint64_t peer_id) {
  pdpb::BootstrapRequest request;
  request.mutable_store()->set_id(store_id);
  request.mutable_store()->set_address("tikv" + std::to_string(store_id) +
                                       ":20160");
  metapb::Region* region = request.mutable_region();
  region->set_id(region_id);
  region->mutable_region_epoch()->set_conf_ver(1);
  region->mutable_region_epoch()->set_version(1);
  metapb::Peer* peer = region->add_peers();
  peer->set_id(peer_id);
  peer->set_store_id(store_id);
  return request;
}

inline void Bootstrap(PdClient& client) {
  auto response = Leader<pdpb::BootstrapResponse>(client, "/pdpb.PD/Bootstrap",
                                                  BootstrapRequest(1, 2, 3));
  ASSERT_FALSE(response.header().has_error())
      << response.header().error().message();
}

class PdScenario : public ::testing::Test {
 protected:
  void Boot(int members) { Boot(Options(members)); }
  void Boot(const PdClusterOptions& options) {
    cluster_ = std::make_unique<PdCluster>(options);
    cluster_->Start();
    leader_ = cluster_->WaitForLeader(Duration::Seconds(20));
    ASSERT_NE(leader_, 0) << "no PD leader elected";
    client_ = &cluster_->AddClient();
  }
  // Runs `body` on the client; it must finish within a minute.
  void Run(std::function<void(PdClient&)> body) {
    ASSERT_TRUE(
        cluster_->RunClient(*client_, std::move(body), Duration::Seconds(60)))
        << "the client did not finish";
  }

  std::unique_ptr<PdCluster> cluster_;
  int leader_ = 0;
  PdClient* client_ = nullptr;
};

}  // namespace sim::pdsim

#endif  // TESTS_PD_PD_TEST_UTIL_H_
