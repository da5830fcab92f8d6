// Acceptance of client/ (region cache, request sender, raw client) against
// REAL stores and a REAL PD on the simulator (tests/client/raw_cluster.h):
// every raw operation across regions, forced splits that PD does not know
// yet (EpochNotMatch with current_regions), leader transfers (NotLeader),
// a store down (send failures, the next peer), batches larger than a chunk.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/engine/checksum.h"
#include "tests/client/raw_cluster.h"

namespace client::testing {
namespace {

using rawkv::KvPair;
using rawkv::RawClient;

std::string Key(int i) {
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "k%04d", i);
  return buffer;
}

std::vector<KvPair> Pairs(int count, const std::string& tag) {
  std::vector<KvPair> pairs;
  for (int i = 0; i < count; ++i) pairs.push_back({Key(i), tag + Key(i)});
  return pairs;
}

class RawClusterTest : public ::testing::Test {
 protected:
  void SetUp() override { cluster_.Start(); }
  // Splits at each key (through the leader; PD is not told).
  void Split(const std::vector<std::string>& keys) {
    for (const std::string& key : keys) {
      auto answer = cluster_.stores().Split({key});
      ASSERT_FALSE(answer.header().has_error())
          << store::raftstore::testing::ErrorOf(answer);
    }
  }
  RawCluster cluster_{3};
};

TEST_F(RawClusterTest, PointOpsEmptyValuesAndMissingKeys) {
  ASSERT_TRUE(cluster_.Run([](RawClient& raw) {
    ASSERT_TRUE(raw.Put("a", "1").ok());
    ASSERT_TRUE(raw.Put("empty", "").ok());
    EXPECT_EQ(*raw.Get("a"), std::optional<std::string>("1"));
    EXPECT_EQ(*raw.Get("empty"), std::optional<std::string>(""));
    EXPECT_EQ(*raw.Get("missing"), std::nullopt);
    ASSERT_TRUE(raw.Delete("a").ok());
    EXPECT_EQ(*raw.Get("a"), std::nullopt);
    auto got = raw.BatchGet({"empty", "missing", "empty"});
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got,
              (std::vector<std::optional<std::string>>{"", std::nullopt, ""}));
  }));
}

// A split PD has not heard of: the first answer is EpochNotMatch, the cache
// takes current_regions (the region and its new sibling) and the request
// goes to the right region without asking PD.
TEST_F(RawClusterTest, EpochNotMatchAfterASplitPdDoesNotKnow) {
  ASSERT_TRUE(cluster_.Run([](RawClient& raw) {
    ASSERT_TRUE(raw.Put(Key(1), "warm").ok());  // region 1 cached whole
  }));
  Split({Key(100)});
  const uint64_t pd_loads = cluster_.cache().stats().pd_region_loads;
  ASSERT_TRUE(cluster_.Run([&](RawClient& raw) {
    ASSERT_TRUE(raw.Put(Key(2), "left").ok());
    ASSERT_TRUE(raw.Put(Key(200), "right").ok());
    EXPECT_EQ(*raw.Get(Key(1)), std::optional<std::string>("warm"));
    auto all = raw.Scan("", "", 100);
    ASSERT_TRUE(all.ok()) << all.status();
    EXPECT_EQ(all->size(), 3u);
  }));
  EXPECT_GT(cluster_.raw().sender().stats().region_errors, 0u);
  EXPECT_EQ(cluster_.cache().stats().pd_region_loads, pd_loads);
  EXPECT_EQ(cluster_.cache().size(), 2u);
}

// Batches and scans over five regions: chunks by region and by 256 keys,
// sent at once, answers in the caller's order.
TEST_F(RawClusterTest, BatchesAndScansAcrossRegions) {
  Split({Key(100), Key(200), Key(300), Key(400)});
  ASSERT_EQ(cluster_.Regions().size(), 5u);
  cluster_.ReportRegions();
  const std::vector<KvPair> pairs = Pairs(600, "v");
  ASSERT_TRUE(cluster_.Run([&](RawClient& raw) {
    absl::Status put = raw.BatchPut(pairs);
    ASSERT_TRUE(put.ok()) << put;
    std::vector<std::string> keys;
    for (int i = 599; i >= 0; i -= 3) keys.push_back(Key(i));
    keys.push_back("zz-missing");
    auto got = raw.BatchGet(keys);
    ASSERT_TRUE(got.ok()) << got.status();
    for (size_t i = 0; i + 1 < keys.size(); ++i) {
      EXPECT_EQ((*got)[i], std::optional<std::string>("v" + keys[i]));
    }
    EXPECT_EQ(got->back(), std::nullopt);
    // Forward, across all five regions, limited, key-only.
    auto all = raw.Scan("", "", 10240);
    ASSERT_TRUE(all.ok()) << all.status();
    EXPECT_EQ(*all, pairs);
    auto some = raw.Scan(Key(95), Key(305), 7);
    ASSERT_TRUE(some.ok());
    ASSERT_EQ(some->size(), 7u);
    EXPECT_EQ(some->back().key, Key(101));
    auto keys_only = raw.Scan(Key(195), Key(205), 100, /*key_only=*/true);
    ASSERT_EQ(keys_only->size(), 10u);
    EXPECT_EQ((*keys_only)[5], (KvPair{Key(200), ""}));
    EXPECT_FALSE(raw.Scan("", "", 10241).ok());
    // Reverse: [end, start) downwards, across region boundaries.
    auto down = raw.ReverseScan(Key(205), Key(95), 1000);
    ASSERT_TRUE(down.ok()) << down.status();
    ASSERT_EQ(down->size(), 110u);
    EXPECT_EQ(down->front().key, Key(204));
    EXPECT_EQ(down->back().key, Key(95));
    auto tail = raw.ReverseScan("", "", 3);
    ASSERT_TRUE(tail.ok()) << tail.status();
    ASSERT_EQ(tail->size(), 3u);
    EXPECT_EQ(tail->front().key, Key(599));
  }));
  EXPECT_EQ(cluster_.cache().size(), 5u);
  // 600 pairs in 5 regions of 100 to 200 keys: at least one chunk each.
  EXPECT_GE(cluster_.raw().stats().requests, 5u);
}

// Chunks: at most 256 keys, and for BatchPut at most 16 KiB of keys and
// values, per request.
TEST_F(RawClusterTest, BatchesAreChunkedByKeysAndBytes) {
  ASSERT_TRUE(cluster_.Run([](RawClient& raw) {
    uint64_t before = raw.stats().requests;
    ASSERT_TRUE(raw.BatchPut(Pairs(600, "s")).ok());
    EXPECT_EQ(raw.stats().requests - before, 3u);  // 256 + 256 + 88
    std::vector<KvPair> big;
    for (int i = 0; i < 40; ++i)
      big.push_back({Key(i), std::string(1000, 'b')});
    before = raw.stats().requests;
    ASSERT_TRUE(raw.BatchPut(big).ok());
    EXPECT_EQ(raw.stats().requests - before, 3u);  // 16 * 1005 bytes fit
    std::vector<std::string> keys;
    for (int i = 0; i < 600; ++i) keys.push_back(Key(i));
    before = raw.stats().requests;
    auto got = raw.BatchGet(keys);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(raw.stats().requests - before, 3u);
    EXPECT_EQ((*got)[0], std::optional<std::string>(std::string(1000, 'b')));
    EXPECT_EQ((*got)[599], std::optional<std::string>("s" + Key(599)));
  }));
}

TEST_F(RawClusterTest, DeleteRangeBatchDeleteAndChecksumAcrossRegions) {
  Split({Key(50), Key(150)});
  cluster_.ReportRegions();  // PD knows this time
  const std::vector<KvPair> pairs = Pairs(200, "c");
  ASSERT_TRUE(cluster_.Run([&](RawClient& raw) {
    ASSERT_TRUE(raw.BatchPut(pairs).ok());
    auto sum = raw.Checksum("", "");
    ASSERT_TRUE(sum.ok()) << sum.status();
    EXPECT_EQ(sum->total_kvs, 200u);
    uint64_t bytes = 0;
    uint64_t crc = 0;
    for (const KvPair& pair : pairs) {
      bytes += pair.key.size() + pair.value.size();
      crc ^= core::engine::Crc64Ecma(pair.value,
                                     core::engine::Crc64Ecma(pair.key));
    }
    EXPECT_EQ(sum->total_bytes, bytes);
    EXPECT_EQ(sum->crc64_xor, crc);
    ASSERT_TRUE(raw.Put(Key(7), "changed").ok());
    EXPECT_NE(raw.Checksum("", "")->crc64_xor, crc);
    ASSERT_TRUE(raw.DeleteRange(Key(40), Key(160)).ok());
    EXPECT_EQ(raw.Scan("", "", 1000)->size(), 80u);
    ASSERT_TRUE(raw.BatchDelete({Key(0), Key(170), Key(199)}).ok());
    EXPECT_EQ(raw.Scan("", "", 1000)->size(), 77u);
    EXPECT_EQ(*raw.Get(Key(170)), std::nullopt);
    EXPECT_EQ(raw.Checksum("", "")->total_kvs, 77u);
  }));
  // PD was told: no region error was needed.
  EXPECT_EQ(cluster_.raw().sender().stats().region_errors, 0u)
      << "PD's view should have routed every request";
}

TEST_F(RawClusterTest, CompareAndSwapAndTtl) {
  ASSERT_TRUE(cluster_.Run([](RawClient& raw) {
    auto first = raw.CompareAndSwap("cas", std::nullopt, "1");
    ASSERT_TRUE(first.ok()) << first.status();
    EXPECT_TRUE(first->succeeded);
    EXPECT_EQ(first->previous, std::nullopt);
    auto wrong = raw.CompareAndSwap("cas", std::string("0"), "2");
    EXPECT_FALSE(wrong->succeeded);
    EXPECT_EQ(wrong->previous, std::optional<std::string>("1"));
    auto right = raw.CompareAndSwap("cas", std::string("1"), "2");
    EXPECT_TRUE(right->succeeded);
    EXPECT_EQ(*raw.Get("cas"), std::optional<std::string>("2"));
    ASSERT_TRUE(raw.Put("ttl", "v", 100).ok());
    ASSERT_TRUE(raw.Put("forever", "v").ok());
    auto ttl = raw.GetKeyTTL("ttl");
    ASSERT_TRUE(ttl.ok()) << ttl.status();
    ASSERT_TRUE(ttl->has_value());
    EXPECT_GT(**ttl, 90u);
    EXPECT_LE(**ttl, 100u);
    EXPECT_EQ(*raw.GetKeyTTL("forever"), std::optional<uint64_t>(0));
    EXPECT_EQ(*raw.GetKeyTTL("nothing"), std::nullopt);
    ASSERT_TRUE(raw.BatchPut({{"t1", "a"}, {"t2", "b"}}, 50).ok());
    EXPECT_TRUE(raw.GetKeyTTL("t2")->has_value());
    EXPECT_GT(raw.GetKeyTTL("t2")->value(), 0u);
  }));
}

// Leadership moves under a cached leader: NotLeader with the new leader,
// and the cache follows it.
TEST_F(RawClusterTest, LeaderTransfersAreFollowed) {
  ASSERT_TRUE(cluster_.Run(
      [](RawClient& raw) { ASSERT_TRUE(raw.Put("k", "0").ok()); }));
  for (uint64_t target : {1, 2, 3, 1}) {
    ASSERT_TRUE(cluster_.TransferLeader(1, target)) << target;
    ASSERT_TRUE(cluster_.Run([&](RawClient& raw) {
      ASSERT_TRUE(raw.Put("k", std::to_string(target)).ok());
      EXPECT_EQ(*raw.Get("k"),
                std::optional<std::string>(std::to_string(target)));
    }));
    EXPECT_EQ(cluster_.cache().TargetStore(1), target);
  }
}

// The leader's store goes down: sends fail, the client moves to the next
// peer, is told the new leader, and carries on; and back after a restart.
TEST_F(RawClusterTest, AStoreDownIsRoutedAround) {
  Split({Key(100)});
  ASSERT_TRUE(cluster_.Run([&](RawClient& raw) {
    ASSERT_TRUE(raw.BatchPut(Pairs(200, "d")).ok());
  }));
  const uint64_t down = cluster_.stores().WaitForLeader(1);
  cluster_.stores().Crash(down);
  ASSERT_TRUE(cluster_.Run([&](RawClient& raw) {
    EXPECT_EQ(*raw.Get(Key(5)), std::optional<std::string>("d" + Key(5)));
    ASSERT_TRUE(raw.Put(Key(5), "after").ok());
    auto all = raw.Scan("", "", 1000);
    ASSERT_TRUE(all.ok()) << all.status();
    EXPECT_EQ(all->size(), 200u);
  }));
  EXPECT_GT(cluster_.raw().sender().stats().send_failures, 0u);
  EXPECT_NE(cluster_.cache().TargetStore(1), down);
  cluster_.stores().Restart(down);
  // A fresh client (PD's stale view: region 1 whole, the old leader) too.
  rawkv::RawClient& fresh = cluster_.NewRawClient();
  ASSERT_TRUE(cluster_.Run([&](RawClient&) {
    EXPECT_EQ(*fresh.Get(Key(5)), std::optional<std::string>("after"));
    EXPECT_EQ(*fresh.Get(Key(150)), std::optional<std::string>("d" + Key(150)));
  }));
}

}  // namespace
}  // namespace client::testing
