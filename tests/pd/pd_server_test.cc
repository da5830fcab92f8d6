// pd/server on the simulator: 1 and 3 PD members on simulated hosts, their
// clients over the simulated network (sim/pd). Each scenario says what it
// checks; together they cover the brief's list: a leader is elected and
// serves; a follower answers with the leader; bootstrap twice is refused; a
// wrong cluster id is refused; timestamps strictly increase across a leader
// kill in the middle of a TSO stream and across a backwards clock jump; IDs
// are unique across failover; an acknowledged safe point and etcd key
// survive failover; stores, regions, heartbeats and splits answer from the
// cluster view; bad input gets a clear error.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/base/timestamp.h"
#include "sim/pd/pd_cluster.h"
#include "tests/pd/pd_test_util.h"

namespace sim::pdsim {
namespace {

using core::base::Duration;
using core::base::TimeStamp;

// One member elects itself, draws a cluster id and serves GetMembers (full
// URLs), TSO and IDs.
TEST_F(PdScenario, OneMemberLeadsAndServes) {
  Boot(1);
  Run([](PdClient& c) {
    ASSERT_TRUE(c.UpdateMembers(c.Now() + kCallDeadline).ok());
    auto members = At<pdpb::GetMembersResponse>(c, 1, "/pdpb.PD/GetMembers",
                                                pdpb::GetMembersRequest());
    EXPECT_NE(members.header().cluster_id(), 0u);
    ASSERT_EQ(members.members_size(), 1);
    EXPECT_EQ(members.leader().client_urls(0), "http://pd1:2379");
    std::vector<TsoBatch> batches;
    for (uint32_t count : {1u, 10u, 100u, 1u}) {
      batches.push_back(Timestamps(c, count));
    }
    ExpectStrictlyIncreasing(batches);
    uint64_t previous = 0;
    for (int i = 0; i < 5; ++i) {
      auto id = Leader<pdpb::AllocIDResponse>(c, "/pdpb.PD/AllocID",
                                              pdpb::AllocIDRequest());
      EXPECT_GT(id.id(), previous);
      previous = id.id();
    }
  });
}

// With three members, one leads; a follower refuses PD calls naming the
// leader's URL, and answers GetMembers with the same leader.
TEST_F(PdScenario, AFollowerAnswersWithTheLeader) {
  Boot(3);
  const int leader = leader_;
  const int follower = leader % 3 + 1;
  Run([leader, follower](PdClient& c) {
    ASSERT_TRUE(c.UpdateMembers(c.Now() + kCallDeadline).ok());
    EXPECT_EQ(c.leader(), PdCluster::ClientAddress(leader));
    auto refused = At<pdpb::IsBootstrappedResponse>(
        c, follower, "/pdpb.PD/IsBootstrapped", pdpb::IsBootstrappedRequest());
    ASSERT_TRUE(refused.header().has_error());
    EXPECT_EQ(refused.header().error().message(),
              "not leader: the leader is " + PdCluster::Name(leader) +
                  " at http://" + PdCluster::ClientAddress(leader));
    EXPECT_EQ(refused.header().cluster_id(), c.cluster_id());
    auto members = At<pdpb::GetMembersResponse>(
        c, follower, "/pdpb.PD/GetMembers", pdpb::GetMembersRequest());
    EXPECT_FALSE(members.header().has_error());
    EXPECT_EQ(members.members_size(), 3);
    EXPECT_EQ(members.leader().member_id(), static_cast<uint64_t>(leader));
    EXPECT_EQ(members.leader().client_urls(0),
              "http://" + PdCluster::ClientAddress(leader));
    // The TSO stream refuses too.
    pdpb::TsoRequest tso;
    tso.mutable_header()->set_cluster_id(c.cluster_id());
    tso.set_count(1);
    auto answer =
        StreamOnce<pdpb::TsoResponse>(c, PdCluster::ClientAddress(follower),
                                      kTsoMethod, tso, Duration::Seconds(5));
    ASSERT_TRUE(answer.has_value());
    EXPECT_TRUE(::client::pd::IsNotLeaderHeader(answer->header()));
    EXPECT_EQ(answer->count(), 0u);
  });
}

// Bootstrap once: the second is refused (ALREADY_BOOTSTRAPPED), as is a
// malformed one; IsBootstrapped tells.
TEST_F(PdScenario, BootstrapTwiceIsRefused) {
  Boot(3);
  Run([](PdClient& c) {
    auto before = Leader<pdpb::IsBootstrappedResponse>(
        c, "/pdpb.PD/IsBootstrapped", pdpb::IsBootstrappedRequest());
    EXPECT_FALSE(before.bootstrapped());
    auto bad = BootstrapRequest(1, 2, 3);
    bad.mutable_region()->mutable_peers(0)->set_store_id(9);
    auto malformed =
        Leader<pdpb::BootstrapResponse>(c, "/pdpb.PD/Bootstrap", bad);
    EXPECT_EQ(malformed.header().error().type(), pdpb::INVALID_VALUE);
    Bootstrap(c);
    auto again = Leader<pdpb::BootstrapResponse>(c, "/pdpb.PD/Bootstrap",
                                                 BootstrapRequest(4, 5, 6));
    EXPECT_EQ(again.header().error().type(), pdpb::ALREADY_BOOTSTRAPPED);
    auto after = Leader<pdpb::IsBootstrappedResponse>(
        c, "/pdpb.PD/IsBootstrapped", pdpb::IsBootstrappedRequest());
    EXPECT_TRUE(after.bootstrapped());
    auto store4 = pdpb::GetStoreRequest();
    store4.set_store_id(4);
    auto missing =
        Leader<pdpb::GetStoreResponse>(c, "/pdpb.PD/GetStore", store4);
    EXPECT_TRUE(missing.header().has_error());
  });
}

// A request naming another cluster is refused with both ids, and the header
// still carries this cluster's id.
TEST_F(PdScenario, AWrongClusterIdIsRefused) {
  Boot(3);
  const int leader = leader_;
  Run([leader](PdClient& c) {
    ASSERT_TRUE(c.UpdateMembers(c.Now() + kCallDeadline).ok());
    const uint64_t cluster_id = c.cluster_id();
    for (uint64_t wrong : {cluster_id + 1, uint64_t{0}}) {
      pdpb::AllocIDRequest request;
      request.mutable_header()->set_cluster_id(wrong);
      auto called =
          CallAt<pdpb::AllocIDResponse>(c, leader, "/pdpb.PD/AllocID", request);
      ASSERT_TRUE(called.ok()) << called.status();
      const pdpb::AllocIDResponse& response = *called;
      EXPECT_EQ(response.header().error().message(),
                "mismatch cluster id, need " + std::to_string(cluster_id) +
                    " but got " + std::to_string(wrong));
      EXPECT_EQ(response.header().cluster_id(), cluster_id);
      EXPECT_EQ(response.id(), 0u);
    }
  });
}

// The leader is killed while a client streams TSO requests: the client
// follows the new leader, and every timestamp it got, before and after, is
// above the previous one.
TEST_F(PdScenario, TsoStrictlyIncreasesAcrossALeaderKill) {
  Boot(3);
  auto batches = std::make_shared<std::vector<TsoBatch>>();
  auto stop = std::make_shared<bool>(false);
  auto done = cluster_->SpawnClient(*client_, [batches, stop](PdClient& c) {
    while (!*stop) {
      batches->push_back(
          Timestamps(c, 1 + static_cast<uint32_t>(batches->size() % 7)));
    }
  });
  cluster_->loop().RunFor(Duration::Seconds(5));
  const size_t before = batches->size();
  ASSERT_GT(before, 10u);
  const int old_leader = cluster_->Leader();
  cluster_->Crash(old_leader);
  cluster_->loop().RunFor(Duration::Seconds(10));
  const int new_leader = cluster_->Leader();
  EXPECT_NE(new_leader, 0);
  EXPECT_NE(new_leader, old_leader);
  cluster_->Restart(old_leader);
  cluster_->loop().RunFor(Duration::Seconds(5));
  *stop = true;
  cluster_->loop().RunFor(Duration::Seconds(20));
  ASSERT_TRUE(*done);
  EXPECT_GT(batches->size(), before + 10) << "no timestamps after failover";
  ExpectStrictlyIncreasing(*batches);
  EXPECT_GT(client_->stats().retries, 0u)
      << "the client never had to fail over";
}

// The leader's wall clock jumps back 10 s: the TSO keeps handing out
// increasing timestamps (physical time holds still until the clock catches
// up with the saved window).
TEST_F(PdScenario, TsoStrictlyIncreasesAcrossABackwardsClockJump) {
  Boot(3);
  std::vector<TsoBatch> batches;
  Run([&batches](PdClient& c) {
    for (int i = 0; i < 20; ++i) batches.push_back(Timestamps(c, 3));
  });
  const uint64_t physical_before = batches.back().last.physical_ms();
  cluster_->clock(leader_).JumpRealtime(Duration::Seconds(-10));
  Run([&batches](PdClient& c) {
    for (int i = 0; i < 200; ++i) {
      batches.push_back(Timestamps(c, 5));
      // 200 x 100 ms: the clock catches up with where it was.
      c.SleepFor(Duration::Milliseconds(100));
    }
  });
  EXPECT_EQ(cluster_->Leader(), leader_) << "the jump should not fail over";
  ExpectStrictlyIncreasing(batches);
  EXPECT_GE(batches.back().last.physical_ms(), physical_before);
}

// IDs handed out before and after the leader is killed are all distinct,
// and the new leader's are above every earlier one (it starts above the
// persisted window end).
TEST_F(PdScenario, AllocIdIsUniqueAcrossFailover) {
  Boot(3);
  std::vector<uint64_t> before, after;
  Run([&before](PdClient& c) {
    for (int i = 0; i < 50; ++i) {
      before.push_back(Leader<pdpb::AllocIDResponse>(c, "/pdpb.PD/AllocID",
                                                     pdpb::AllocIDRequest())
                           .id());
    }
  });
  cluster_->Crash(leader_);
  Run([&after](PdClient& c) {
    for (int i = 0; i < 50; ++i) {
      after.push_back(Leader<pdpb::AllocIDResponse>(c, "/pdpb.PD/AllocID",
                                                    pdpb::AllocIDRequest())
                          .id());
    }
  });
  std::set<uint64_t> all(before.begin(), before.end());
  all.insert(after.begin(), after.end());
  EXPECT_EQ(all.size(), 100u);
  EXPECT_EQ(all.count(0), 0u);
  EXPECT_GT(*std::min_element(after.begin(), after.end()),
            *std::max_element(before.begin(), before.end()));
}

// An acknowledged GC safe point and service safe point survive the leader's
// death: the new leader answers with them, and still refuses to go back.
TEST_F(PdScenario, SafePointsAreDurableAcrossFailover) {
  Boot(3);
  Run([](PdClient& c) {
    Bootstrap(c);
    pdpb::UpdateServiceGCSafePointRequest service;
    service.set_service_id("br");
    service.set_safe_point(500);
    service.set_ttl(3600);
    auto held = Leader<pdpb::UpdateServiceGCSafePointResponse>(
        c, "/pdpb.PD/UpdateServiceGCSafePoint", service);
    EXPECT_EQ(held.min_safe_point(), 500u);
    EXPECT_EQ(held.service_id(), "br");
    pdpb::UpdateGCSafePointRequest gc;
    gc.set_safe_point(300);
    auto updated = Leader<pdpb::UpdateGCSafePointResponse>(
        c, "/pdpb.PD/UpdateGCSafePoint", gc);
    EXPECT_EQ(updated.new_safe_point(), 300u);
  });
  cluster_->Crash(leader_);
  Run([](PdClient& c) {
    auto read = Leader<pdpb::GetGCSafePointResponse>(
        c, "/pdpb.PD/GetGCSafePoint", pdpb::GetGCSafePointRequest());
    EXPECT_FALSE(read.header().has_error());
    EXPECT_EQ(read.safe_point(), 300u);
    // The service safe point still holds GC at 500.
    pdpb::UpdateGCSafePointRequest gc;
    gc.set_safe_point(900);
    auto clamped = Leader<pdpb::UpdateGCSafePointResponse>(
        c, "/pdpb.PD/UpdateGCSafePoint", gc);
    EXPECT_EQ(clamped.new_safe_point(), 500u);
    gc.set_safe_point(100);
    auto back = Leader<pdpb::UpdateGCSafePointResponse>(
        c, "/pdpb.PD/UpdateGCSafePoint", gc);
    EXPECT_EQ(back.new_safe_point(), 500u);
  });
}

// client-go's txnkv reads /tidb/store/gcworker/saved_safe_point through
// etcd's Range: empty at first (an empty RangeResponse, which means safe
// point 0), then the value written, also after the leader died.
TEST_F(PdScenario, EtcdRangeOfTheSavedSafePoint) {
  Boot(3);
  const std::string key = "/tidb/store/gcworker/saved_safe_point";
  etcdserverpb::RangeRequest range;
  range.set_key(key);
  Run([&](PdClient& c) {
    auto empty =
        Leader<etcdserverpb::RangeResponse>(c, "/etcdserverpb.KV/Range", range);
    EXPECT_EQ(empty.kvs_size(), 0);
    EXPECT_EQ(empty.count(), 0);
    EXPECT_NE(empty.header().cluster_id(), 0u);
    etcdserverpb::PutRequest put;
    put.set_key(key);
    put.set_value("434243313423040512");
    auto written =
        Leader<etcdserverpb::PutResponse>(c, "/etcdserverpb.KV/Put", put);
    EXPECT_EQ(written.header().revision(), 1);
  });
  cluster_->Crash(leader_);
  Run([&](PdClient& c) {
    auto set =
        Leader<etcdserverpb::RangeResponse>(c, "/etcdserverpb.KV/Range", range);
    ASSERT_EQ(set.kvs_size(), 1);
    EXPECT_EQ(set.kvs(0).key(), key);
    EXPECT_EQ(set.kvs(0).value(), "434243313423040512");
    EXPECT_EQ(set.kvs(0).version(), 1);
    // A prefix range and a delete, and the member list.
    etcdserverpb::RangeRequest prefix;
    prefix.set_key("/tidb/");
    prefix.set_range_end("/tidb0");
    prefix.set_keys_only(true);
    auto listed = Leader<etcdserverpb::RangeResponse>(
        c, "/etcdserverpb.KV/Range", prefix);
    ASSERT_EQ(listed.kvs_size(), 1);
    EXPECT_TRUE(listed.kvs(0).value().empty());
    etcdserverpb::DeleteRangeRequest remove;
    remove.set_key(key);
    auto removed = Leader<etcdserverpb::DeleteRangeResponse>(
        c, "/etcdserverpb.KV/DeleteRange", remove);
    EXPECT_EQ(removed.deleted(), 1);
    auto members = Leader<etcdserverpb::MemberListResponse>(
        c, "/etcdserverpb.Cluster/MemberList",
        etcdserverpb::MemberListRequest());
    EXPECT_EQ(members.members_size(), 3);
    EXPECT_EQ(members.members(0).clienturls(0), "http://pd1:2379");
  });
}

}  // namespace
}  // namespace sim::pdsim
