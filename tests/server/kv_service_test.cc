// tikvpb.Tikv end to end on the simulator: a client calls three Nodes over
// rpc::Channel, raw and transactional commands, unary and through
// BatchCommands, across splits and leader changes. Ref: TiKV
// tests/integrations/server/kv_service.rs (test_rawkv, test_mvcc_basic,
// test_split_region, test_batch_commands) and raftstore
// test_replica_read.rs.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "tests/server/kv_client.h"

namespace store::server::testing {
namespace {

using raftstore::testing::kFirstRegionId;

TEST(KvServiceTest, RawKvThroughSplitsAndLeaderChanges) {
  TikvCluster c;
  c.StartAll();
  const std::vector<std::string> keys = {"a", "f", "k", "p", "u", "z"};
  ASSERT_TRUE(c.RunClient([&] {
    for (const auto& key : keys) {
      auto put = RawPut(c, key, "v-" + key);
      ASSERT_FALSE(put.has_region_error()) << put.region_error().message();
      ASSERT_EQ(put.error(), "");
    }
    auto split = Split(c, "m", /*is_raw_kv=*/true);
    ASSERT_FALSE(split.has_region_error()) << split.region_error().message();
    ASSERT_EQ(split.regions_size(), 2);
    EXPECT_EQ(split.regions(0).end_key(), "m");
    for (const auto& key : keys) EXPECT_EQ(RawGet(c, key), "v-" + key);
  }));
  // A leader change: the leader of the left half crashes.
  const uint64_t left = c.raft().RegionForKey("a")->id;
  const uint64_t old_leader = c.raft().LeaderStore(left);
  ASSERT_NE(old_leader, 0u);
  c.raft().Crash(old_leader);
  ASSERT_TRUE(c.RunClient([&] {
    for (const auto& key : keys) {
      ASSERT_FALSE(RawPut(c, key, "w-" + key).has_region_error());
    }
    for (const auto& key : keys) EXPECT_EQ(RawGet(c, key), "w-" + key);
  }));
  EXPECT_NE(c.raft().LeaderStore(left), old_leader);
  c.raft().Restart(old_leader);
  c.raft().RunFor(Duration::Seconds(2));
  ASSERT_TRUE(c.RunClient([&] {
    for (const auto& key : keys) EXPECT_EQ(RawGet(c, key), "w-" + key);
  }));
  // Reads on the leaders were served from their leases.
  uint64_t lease_reads = 0;
  for (uint64_t id : c.raft().store_ids()) {
    for (uint64_t region : {kFirstRegionId, left}) {
      const raftstore::PeerFsm* peer = c.raft().store(id)->FindPeer(region);
      if (peer != nullptr) lease_reads += peer->read_stats().lease_reads;
    }
  }
  EXPECT_GT(lease_reads, 0u);
}

using BatchStream = rpc::ClientReaderWriter<tikvpb::BatchCommandsRequest,
                                            tikvpb::BatchCommandsResponse>;

// Writes one batch and reads until every id of it is answered.
std::map<uint64_t, tikvpb::BatchCommandsResponse::Response> RoundTrip(
    BatchStream& stream, const tikvpb::BatchCommandsRequest& batch) {
  std::map<uint64_t, tikvpb::BatchCommandsResponse::Response> answers;
  EXPECT_TRUE(stream.Write(batch));
  while (answers.size() < static_cast<size_t>(batch.request_ids_size())) {
    auto response = stream.Read();
    if (!response.has_value()) break;
    EXPECT_EQ(response->responses_size(), response->request_ids_size());
    for (int i = 0; i < response->responses_size(); ++i) {
      EXPECT_TRUE(
          answers.emplace(response->request_ids(i), response->responses(i))
              .second)
          << "id " << response->request_ids(i) << " answered twice";
    }
  }
  return answers;
}

TEST(KvServiceTest, TxnOverBatchCommandsAnswersByRequestId) {
  TikvCluster c;
  c.StartAll();
  ASSERT_TRUE(c.RunClient([&] {
    auto route = c.Route(Encoded("k1"));
    ASSERT_TRUE(route.has_value());
    const kvrpcpb::Context ctx = c.ContextFor(route->first, route->second);
    auto stream = rpc::OpenBidiStream<tikvpb::BatchCommandsRequest,
                                      tikvpb::BatchCommandsResponse>(
        c.channel(route->second), "/tikvpb.Tikv/BatchCommands");
    tikvpb::BatchCommandsRequest prewrite;
    kvrpcpb::PrewriteRequest* p = prewrite.add_requests()->mutable_prewrite();
    *p->mutable_context() = ctx;
    for (const char* key : {"k1", "k2"}) {
      kvrpcpb::Mutation* m = p->add_mutations();
      m->set_op(kvrpcpb::Put);
      m->set_key(key);
      m->set_value(std::string("v-") + key);
    }
    p->set_primary_lock("k1");
    p->set_start_version(10);
    p->set_lock_ttl(3000);
    prewrite.add_request_ids(41);
    auto prewritten = RoundTrip(stream, prewrite);
    ASSERT_TRUE(prewritten.count(41));
    ASSERT_TRUE(prewritten[41].has_prewrite());
    EXPECT_EQ(prewritten[41].prewrite().errors_size(), 0);

    tikvpb::BatchCommandsRequest commit;
    kvrpcpb::CommitRequest* cm = commit.add_requests()->mutable_commit();
    *cm->mutable_context() = ctx;
    cm->add_keys("k1");
    cm->add_keys("k2");
    cm->set_start_version(10);
    cm->set_commit_version(11);
    commit.add_request_ids(42);
    auto committed = RoundTrip(stream, commit);
    ASSERT_TRUE(committed[42].has_commit());
    EXPECT_FALSE(committed[42].commit().has_error());

    // Several arms in one batch: answered in any grouping, each by its id
    // with its own arm.
    tikvpb::BatchCommandsRequest mixed;
    for (const char* key : {"k1", "k2", "k3"}) {
      kvrpcpb::GetRequest* get = mixed.add_requests()->mutable_get();
      *get->mutable_context() = ctx;
      get->set_key(key);
      get->set_version(20);
    }
    kvrpcpb::BatchGetRequest* batch_get =
        mixed.add_requests()->mutable_batchget();
    *batch_get->mutable_context() = ctx;
    batch_get->add_keys("k1");
    batch_get->add_keys("k2");
    batch_get->set_version(20);
    mixed.add_requests()->mutable_empty()->set_test_id(77);
    for (uint64_t id : {100, 99, 98, 97, 96}) mixed.add_request_ids(id);
    auto answers = RoundTrip(stream, mixed);
    ASSERT_EQ(answers.size(), 5u);
    EXPECT_EQ(answers[100].get().value(), "v-k1");
    EXPECT_EQ(answers[99].get().value(), "v-k2");
    EXPECT_TRUE(answers[98].get().not_found());
    ASSERT_TRUE(answers[97].has_batchget());
    EXPECT_EQ(answers[97].batchget().pairs_size(), 2);
    ASSERT_TRUE(answers[96].has_empty());
    EXPECT_EQ(answers[96].empty().test_id(), 77u);
    stream.WritesDone();
    EXPECT_TRUE(stream.Finish().ok());
  }));
}

TEST(KvServiceTest, RegionErrorsCarryTheirData) {
  TikvCluster c;
  c.StartAll();
  ASSERT_TRUE(c.RunClient([&] {
    ASSERT_FALSE(RawPut(c, "a", "1").has_region_error());
    auto route = c.Route("a");
    ASSERT_TRUE(route.has_value());
    const auto& [region, leader] = *route;
    kvrpcpb::RawGetRequest get;
    get.set_key("a");
    auto call = [&](uint64_t store, const kvrpcpb::Context& ctx) {
      *get.mutable_context() = ctx;
      auto response = rpc::Unary<kvrpcpb::RawGetResponse>(
          c.channel(store), "/tikvpb.Tikv/RawGet", get);
      EXPECT_TRUE(response.ok()) << response.status();
      return response.value_or(kvrpcpb::RawGetResponse());
    };
    // A follower names the leader.
    const uint64_t follower = leader % 3 + 1;
    auto not_leader = call(follower, c.ContextFor(region, follower));
    ASSERT_TRUE(not_leader.region_error().has_not_leader());
    EXPECT_EQ(not_leader.region_error().not_leader().leader().store_id(),
              leader);
    // A wrong store id.
    kvrpcpb::Context wrong_store = c.ContextFor(region, leader);
    wrong_store.mutable_peer()->set_store_id(99);
    auto store_not_match = call(leader, wrong_store);
    ASSERT_TRUE(store_not_match.region_error().has_store_not_match());
    EXPECT_EQ(
        store_not_match.region_error().store_not_match().actual_store_id(),
        leader);
    // After a split, the old epoch gets the current regions.
    ASSERT_EQ(Split(c, "m", true).regions_size(), 2);
    auto stale = call(leader, c.ContextFor(region, leader));
    ASSERT_TRUE(stale.region_error().has_epoch_not_match())
        << stale.region_error().message();
    EXPECT_EQ(stale.region_error().epoch_not_match().current_regions_size(), 2);
    // A key outside the (new) region.
    auto left = c.Route("a");
    ASSERT_TRUE(left.has_value());
    get.set_key("z");
    auto outside = call(left->second, c.ContextFor(left->first, left->second));
    EXPECT_TRUE(outside.region_error().has_key_not_in_region());
    // Bad input is a typed error and the node keeps serving.
    kvrpcpb::RawPutRequest huge;
    huge.set_key(std::string(9 << 10, 'a'));
    huge.set_value("v");
    auto too_long = c.Call<kvrpcpb::RawPutRequest, kvrpcpb::RawPutResponse>(
        "/tikvpb.Tikv/RawPut", huge, "a");
    ASSERT_TRUE(too_long.has_value());
    EXPECT_FALSE(too_long->has_region_error());
    EXPECT_NE(too_long->error(), "");
    kvrpcpb::GetRequest txn_get;
    txn_get.set_key(std::string(9 << 10, 'a'));
    txn_get.set_version(5);
    auto txn_too_long = c.Call<kvrpcpb::GetRequest, kvrpcpb::GetResponse>(
        "/tikvpb.Tikv/KvGet", txn_get, Encoded("a"));
    ASSERT_TRUE(txn_too_long.has_value());
    EXPECT_NE(txn_too_long->error().abort(), "");
    kvrpcpb::RawGetRequest bad_cf;
    bad_cf.set_key("a");
    bad_cf.set_cf("nope");
    auto unknown_cf = c.Call<kvrpcpb::RawGetRequest, kvrpcpb::RawGetResponse>(
        "/tikvpb.Tikv/RawGet", bad_cf, "a");
    ASSERT_TRUE(unknown_cf.has_value());
    EXPECT_NE(unknown_cf->error(), "");
    EXPECT_EQ(RawGet(c, "a"), "1");
  }));
}

TEST(KvServiceTest, ReplicaReadOnAFollowerSeesTheLatestWrite) {
  TikvCluster c;
  c.StartAll();
  ASSERT_TRUE(c.RunClient([&] {
    ASSERT_FALSE(RawPut(c, "r", "1").has_region_error());
    ASSERT_FALSE(RawPut(c, "r", "2").has_region_error());
    auto route = c.Route("r");
    ASSERT_TRUE(route.has_value());
    const uint64_t follower = route->second % 3 + 1;
    kvrpcpb::RawGetRequest get;
    get.set_key("r");
    *get.mutable_context() = c.ContextFor(route->first, follower);
    get.mutable_context()->set_replica_read(true);
    auto response = rpc::Unary<kvrpcpb::RawGetResponse>(
        c.channel(follower), "/tikvpb.Tikv/RawGet", get);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_FALSE(response->has_region_error())
        << response->region_error().message();
    EXPECT_EQ(response->value(), "2");
    EXPECT_GT(c.raft()
                  .store(follower)
                  ->FindPeer(kFirstRegionId)
                  ->read_stats()
                  .read_index_reads,
              0u);
  }));
}

}  // namespace
}  // namespace store::server::testing
