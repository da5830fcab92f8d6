// Helpers of the PD scenarios: a cluster per test, calls that must be
// delivered, the bootstrap request, the timestamp order check.
#ifndef TESTS_PD_PD_TEST_UTIL_H_
#define TESTS_PD_PD_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/timestamp.h"
#include "sim/pd/pd_cluster.h"

namespace sim::pdsim {

using core::base::Duration;
using core::base::TimeStamp;

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

// A call to one member, which must be delivered.
template <typename Response, typename Request>
Response At(PdClient& client, int member, std::string_view method,
            Request request) {
  request.mutable_header()->set_cluster_id(client.cluster_id());
  Response response;
  absl::Status called =
      client.Call(PdCluster::ClientAddress(member), method, request, &response);
  EXPECT_TRUE(called.ok()) << method << ": " << called;
  return response;
}

inline TimeStamp Last(const pdpb::TsoResponse& response) {
  return TimeStamp::Compose(
      static_cast<uint64_t>(response.timestamp().physical()),
      static_cast<uint64_t>(response.timestamp().logical()));
}

// Checks that each batch starts above the previous batch's last timestamp:
// the batch is [last - count + 1, last] (Ref: pdpb.TsoResponse).
inline void ExpectStrictlyIncreasing(
    const std::vector<pdpb::TsoResponse>& batches) {
  TimeStamp previous;
  for (size_t i = 0; i < batches.size(); ++i) {
    const TimeStamp last = Last(batches[i]);
    const TimeStamp first(last.value() - batches[i].count() + 1);
    ASSERT_GT(first, previous) << "batch " << i << " goes back";
    previous = last;
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
