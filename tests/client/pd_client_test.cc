// client/pd against scripted PD members (rpc::Server on the simulator): TSO
// batching (concurrent callers share requests, handed out in order), leader
// discovery and following (a "not leader" header, a member that goes away),
// the cluster id check on every response, deadlines, member URLs.
#include "client/pd/pd_client.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/base/time.h"
#include "core/base/timestamp.h"
#include "proto/pdpb.pb.h"
#include "rpc/server.h"
#include "sim/simulation/simulation.h"

namespace client::pd {
namespace {

using core::base::Duration;
using core::base::Instant;
using core::base::TimeStamp;

// What the scripted members share: who leads, each one's cluster id, and
// what they were asked.
struct Script {
  std::vector<std::string> addresses;
  size_t leader = 0;
  std::vector<uint64_t> cluster_ids;
  // Answers carry this id when set (a member of another cluster that
  // GetMembers did not reveal).
  uint64_t answer_cluster_id = 0;
  Duration tso_delay = Duration::Milliseconds(5);
  std::vector<uint64_t> tso_requests;
  uint64_t logical = 0;
  uint64_t next_id = 100;
};

void FillHeader(const Script& script, size_t member,
                pdpb::ResponseHeader* header) {
  header->set_cluster_id(script.answer_cluster_id != 0
                             ? script.answer_cluster_id
                             : script.cluster_ids[member]);
  if (member != script.leader) {
    header->mutable_error()->set_type(pdpb::UNKNOWN);
    header->mutable_error()->set_message(
        "not leader: the leader is pd at http://" +
        script.addresses[script.leader]);
  }
}

std::shared_ptr<rpc::ServiceRegistry> FakeMember(
    std::shared_ptr<Script> script, size_t member,
    core::env::Executor& executor) {
  auto services = std::make_shared<rpc::ServiceRegistry>();
  services->AddUnary<pdpb::GetMembersRequest, pdpb::GetMembersResponse>(
      "/pdpb.PD/GetMembers",
      [script, member](rpc::ServerCall&, const pdpb::GetMembersRequest&)
          -> absl::StatusOr<pdpb::GetMembersResponse> {
        pdpb::GetMembersResponse response;
        response.mutable_header()->set_cluster_id(script->cluster_ids[member]);
        response.mutable_leader()->add_client_urls(
            "http://" + script->addresses[script->leader]);
        return response;
      });
  services->AddUnary<pdpb::AllocIDRequest, pdpb::AllocIDResponse>(
      "/pdpb.PD/AllocID",
      [script, member](rpc::ServerCall&, const pdpb::AllocIDRequest&)
          -> absl::StatusOr<pdpb::AllocIDResponse> {
        pdpb::AllocIDResponse response;
        FillHeader(*script, member, response.mutable_header());
        if (member == script->leader) response.set_id(++script->next_id);
        return response;
      });
  services->AddBidiStreaming<pdpb::TsoRequest, pdpb::TsoResponse>(
      "/pdpb.PD/Tso",
      [script, member, &executor](
          rpc::ServerCall&,
          rpc::ServerReaderWriter<pdpb::TsoRequest, pdpb::TsoResponse> stream) {
        while (auto request = stream.Read()) {
          ++script->tso_requests[member];
          executor.SleepFor(script->tso_delay);
          pdpb::TsoResponse response;
          FillHeader(*script, member, response.mutable_header());
          if (member == script->leader) {
            script->logical += request->count();
            response.set_count(request->count());
            response.mutable_timestamp()->set_physical(1000);
            response.mutable_timestamp()->set_logical(
                static_cast<int64_t>(script->logical));
          }
          if (!stream.Write(response)) break;
        }
        return absl::OkStatus();
      });
  return services;
}

class PdClientTest : public ::testing::Test {
 protected:
  void Boot(int members) {
    script_->addresses.clear();
    for (int m = 0; m < members; ++m) {
      const std::string host = "pd" + std::to_string(m + 1);
      script_->addresses.push_back(host + ":2379");
      script_->cluster_ids.push_back(7);
      script_->tso_requests.push_back(0);
      nodes_.push_back(sim_.AddNode({.host = host}));
      StartMember(m);
    }
    client_node_ = sim_.AddNode({.host = "client"});
    PdClientOptions options;
    for (const std::string& a : script_->addresses) {
      options.members.push_back("http://" + a);
    }
    client_ = std::make_unique<PdClient>(
        loop().executor(client_node_), loop().clock(client_node_),
        sim_.network().endpoint(client_node_), options);
  }
  void StartMember(int m) {
    auto server =
        rpc::Server::Start(loop().executor(nodes_[m]), loop().clock(nodes_[m]),
                           sim_.network().endpoint(nodes_[m]),
                           {.listen_address = script_->addresses[m]},
                           FakeMember(script_, m, loop().executor(nodes_[m])));
    ASSERT_TRUE(server.ok()) << server.status();
    servers_[m] = *std::move(server);
  }
  void TearDown() override {
    loop().Shutdown();
    client_.reset();
    servers_.clear();
  }
  sim::SimLoop& loop() { return sim_.loop(); }
  // Runs `body` on a client fibre and the loop until it returned.
  void Run(std::function<void(PdClient&)> body) {
    bool done = false;
    loop().executor(client_node_).Spawn("test", [&] {
      body(*client_);
      done = true;
    });
    const Instant limit = loop().Now() + Duration::Seconds(60);
    while (!done && loop().Now() < limit) {
      loop().RunFor(Duration::Milliseconds(10));
    }
    ASSERT_TRUE(done) << "the client body did not finish";
  }
  Instant Deadline(PdClient& c) { return c.Now() + Duration::Seconds(10); }

  sim::Simulation sim_{sim::SimulationOptions{.seed = 3}};
  std::shared_ptr<Script> script_ = std::make_shared<Script>();
  std::vector<sim::ProcessId> nodes_;
  sim::ProcessId client_node_ = 0;
  std::map<int, std::unique_ptr<rpc::Server>> servers_;
  std::unique_ptr<PdClient> client_;
};

TEST(ParseMemberUrl, TakesHttpUrlsAndAddresses) {
  EXPECT_EQ(*ParseMemberUrl("http://pd1:2379"), "pd1:2379");
  EXPECT_EQ(*ParseMemberUrl("http://10.0.0.1:2379/"), "10.0.0.1:2379");
  EXPECT_EQ(*ParseMemberUrl("pd1:2379"), "pd1:2379");
  for (const char* bad : {"https://pd1:2379", "http://pd1", "http://:2379",
                          "http://pd1:23x9", "http://pd1:2379/pd", ""}) {
    EXPECT_FALSE(ParseMemberUrl(bad).ok()) << bad;
  }
}

// Fifty callers at once: a handful of Tso requests (each caller waits for
// the one in flight, then all waiting go together), every timestamp
// distinct, and callers served in the order they asked.
TEST_F(PdClientTest, ConcurrentGetTimestampCallersShareRequests) {
  Boot(1);
  constexpr int kCallers = 50;
  // Timestamps in the order the callers asked (the simulator runs fibres
  // in a seeded order, not the order they were spawned in).
  auto results = std::make_shared<std::vector<TimeStamp>>(kCallers);
  auto asked = std::make_shared<int>(0);
  auto finished = std::make_shared<int>(0);
  for (int i = 0; i < kCallers; ++i) {
    loop()
        .executor(client_node_)
        .Spawn("caller", [this, results, asked, finished] {
          const size_t order = static_cast<size_t>((*asked)++);
          auto ts =
              client_->GetTimestamp(client_->Now() + Duration::Seconds(10));
          ASSERT_TRUE(ts.ok()) << ts.status();
          (*results)[order] = *ts;
          ++*finished;
        });
  }
  const Instant limit = loop().Now() + Duration::Seconds(30);
  while (*finished < kCallers && loop().Now() < limit) {
    loop().RunFor(Duration::Milliseconds(10));
  }
  ASSERT_EQ(*finished, kCallers);
  for (int i = 1; i < kCallers; ++i) {
    EXPECT_LT((*results)[i - 1], (*results)[i]) << "caller " << i;
  }
  EXPECT_EQ(client_->stats().tso_callers, static_cast<uint64_t>(kCallers));
  EXPECT_EQ(client_->stats().tso_requests, script_->tso_requests[0]);
  EXPECT_LE(script_->tso_requests[0], 3u) << "callers were not batched";
  EXPECT_EQ(script_->logical, static_cast<uint64_t>(kCallers));
  EXPECT_EQ(client_->stats().tso_streams, 1u);
}

// Callers that queue while a request is in flight go together in the next
// one, which is sliced in the order they asked, each slice contiguous.
TEST_F(PdClientTest, BatchedCountsAreSlicedInOrder) {
  Boot(1);
  script_->tso_delay = Duration::Milliseconds(50);
  int finished = 0;
  loop().executor(client_node_).Spawn("first", [&] {
    ASSERT_TRUE(client_->GetTimestamp(Deadline(*client_)).ok());
    ++finished;
  });
  loop().RunFor(Duration::Milliseconds(10));
  ASSERT_EQ(script_->tso_requests[0], 1u) << "the first request is in flight";
  std::vector<TsoBatch> batches(3);
  std::vector<uint32_t> counts(3);
  int asked = 0;
  const uint32_t kCounts[] = {5, 1, 10};
  for (int i = 0; i < 3; ++i) {
    loop().executor(client_node_).Spawn("caller", [&, i] {
      const size_t order = static_cast<size_t>(asked++);
      counts[order] = kCounts[i];
      auto batch = client_->GetTimestamps(kCounts[i], Deadline(*client_));
      ASSERT_TRUE(batch.ok()) << batch.status();
      batches[order] = *batch;
      ++finished;
    });
  }
  loop().RunFor(Duration::Seconds(5));
  ASSERT_EQ(finished, 4);
  EXPECT_EQ(script_->tso_requests[0], 2u);
  uint64_t next = TimeStamp::Compose(1000, 2).value();
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(batches[i].first.value(), next) << i;
    EXPECT_EQ(batches[i].last.value(), next + counts[i] - 1) << i;
    next += counts[i];
  }
}

// The leader moves from pd1 to pd2: pd1 answers "not leader", the client
// asks the members again and follows, for unary calls and the TSO stream.
TEST_F(PdClientTest, FollowsALeaderChange) {
  Boot(3);
  Run([this](PdClient& c) {
    ASSERT_TRUE(c.AllocID(Deadline(c)).ok());
    ASSERT_TRUE(c.GetTimestamp(Deadline(c)).ok());
    EXPECT_EQ(c.leader(), "pd1:2379");
    script_->leader = 1;
    auto id = c.AllocID(Deadline(c));
    ASSERT_TRUE(id.ok()) << id.status();
    EXPECT_EQ(c.leader(), "pd2:2379");
    auto ts = c.GetTimestamp(Deadline(c));
    ASSERT_TRUE(ts.ok()) << ts.status();
    EXPECT_EQ(script_->tso_requests[1], 1u);
    EXPECT_EQ(c.stats().leader_changes, 2u);
    EXPECT_GE(c.stats().retries, 1u);
    EXPECT_EQ(c.stats().tso_streams, 2u);
  });
}

// The leader goes away (its server closes): calls fail over to the member
// GetMembers names next.
TEST_F(PdClientTest, FollowsTheLeaderAfterItsServerGoesAway) {
  Boot(3);
  Run([this](PdClient& c) {
    ASSERT_TRUE(c.GetTimestamp(Deadline(c)).ok());
    servers_[0]->Close();
    script_->leader = 2;
    auto ts = c.GetTimestamp(Deadline(c));
    ASSERT_TRUE(ts.ok()) << ts.status();
    auto id = c.AllocID(Deadline(c));
    ASSERT_TRUE(id.ok()) << id.status();
    EXPECT_EQ(c.leader(), "pd3:2379");
  });
}

// Answers carrying another cluster id are refused (FAILED_PRECONDITION, no
// retry), on unary calls and on the TSO stream; a GetMembers answer of
// another cluster is skipped.
TEST_F(PdClientTest, RefusesAWrongClusterId) {
  Boot(2);
  Run([this](PdClient& c) {
    ASSERT_TRUE(c.AllocID(Deadline(c)).ok());
    EXPECT_EQ(c.cluster_id(), 7u);
    script_->answer_cluster_id = 8;
    auto id = c.AllocID(Deadline(c));
    EXPECT_TRUE(absl::IsFailedPrecondition(id.status())) << id.status();
    EXPECT_NE(id.status().message().find("mismatch cluster id"),
              std::string::npos);
    auto ts = c.GetTimestamp(Deadline(c));
    EXPECT_TRUE(absl::IsFailedPrecondition(ts.status())) << ts.status();
    script_->answer_cluster_id = 0;
    // pd1 now claims another cluster: skipped, pd2 answers.
    script_->cluster_ids[0] = 9;
    c.ForgetLeader();
    ASSERT_TRUE(c.UpdateMembers(Deadline(c)).ok());
    EXPECT_EQ(c.cluster_id(), 7u);
  });
}

// With no member reachable every call ends by its deadline.
TEST_F(PdClientTest, EveryCallEndsByItsDeadline) {
  Boot(2);
  servers_[0]->Close();
  servers_[1]->Close();
  Run([](PdClient& c) {
    const Instant start = c.Now();
    const Instant deadline = start + Duration::Seconds(2);
    EXPECT_FALSE(c.GetTimestamp(deadline).ok());
    EXPECT_LE(c.Now(), deadline + Duration::Milliseconds(1));
    EXPECT_FALSE(c.AllocID(c.Now() + Duration::Seconds(2)).ok());
    EXPECT_LE(c.Now(), start + Duration::Seconds(4) + Duration::Seconds(1));
    EXPECT_EQ(c.cluster_id(), 0u);
  });
}

}  // namespace
}  // namespace client::pd
