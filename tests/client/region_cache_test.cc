// client/locate against a scripted PD (RegionSource) and scripted stores
// (StoreTransport): lookups and their PD loads, the sorted map's overlaps,
// and every branch of RegionRequestSender's region error and send failure
// handling. The acceptance runs against real stores and PD are in
// raw_cluster_test.cc.
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "client/locate/region_cache.h"
#include "client/locate/region_request.h"
#include "client/retry/backoff.h"
#include "core/base/status_macros.h"
#include "proto/kvrpcpb.pb.h"
#include "sim/simulation/simulation.h"
#include "tests/client/scripted_pd.h"

namespace client::locate {
namespace {

using testing::MakeRegion;
using testing::ScriptedPd;

using core::base::Duration;
using core::base::Instant;

// Stores as a script: answers to RawGet, in order (then "ok" values), and
// what each call carried.
class ScriptedStores final : public StoreTransport {
 public:
  struct Sent {
    std::string address;
    kvrpcpb::Context context;
  };
  absl::StatusOr<std::string> Call(const std::string& address,
                                   std::string_view method,
                                   std::string_view request,
                                   Duration timeout) override {
    kvrpcpb::RawGetRequest get;
    EXPECT_EQ(method, "/tikvpb.Tikv/RawGet");
    EXPECT_TRUE(get.ParseFromString(std::string(request)));
    sent.push_back({address, get.context()});
    if (answers.empty()) {
      kvrpcpb::RawGetResponse ok;
      ok.set_value("value-from-" + address);
      return ok.SerializeAsString();
    }
    absl::StatusOr<kvrpcpb::RawGetResponse> answer = answers.front();
    answers.pop_front();
    if (!answer.ok()) return answer.status();
    return answer->SerializeAsString();
  }
  void AnswerError(const errorpb::Error& error) {
    kvrpcpb::RawGetResponse response;
    *response.mutable_region_error() = error;
    answers.push_back(response);
  }
  std::deque<absl::StatusOr<kvrpcpb::RawGetResponse>> answers;
  std::vector<Sent> sent;
};

class RegionCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (uint64_t s : {1, 2, 3}) pd_.AddStore(s);
    // [ "", "b" ) id 2, [ "b", "d" ) id 3, [ "d", "" ) id 4; leaders on 1.
    pd_.SetRegion(MakeRegion(2, "", "b", 5, {1, 2, 3}), 1);
    pd_.SetRegion(MakeRegion(3, "b", "d", 5, {1, 2, 3}), 1);
    pd_.SetRegion(MakeRegion(4, "d", "", 5, {1, 2, 3}), 1);
  }
  void TearDown() override { sim_.loop().Shutdown(); }
  // Runs `body` on a fibre (backoffs sleep on virtual time).
  void Run(const std::function<void()>& body) {
    bool done = false;
    sim_.loop().executor(node_).Spawn("test", [&] {
      body();
      done = true;
    });
    const Instant limit = sim_.loop().Now() + Duration::Seconds(120);
    while (!done && sim_.loop().Now() < limit) {
      sim_.loop().RunFor(Duration::Milliseconds(10));
    }
    ASSERT_TRUE(done);
  }
  retry::Backoffer Bo(Duration budget = Duration::Seconds(20)) {
    return retry::Backoffer(sim_.loop().executor(node_), budget, 11);
  }
  Instant Now() { return sim_.loop().clock(node_).NowMonotonic(); }
  // RawGet of `key` through the sender.
  absl::StatusOr<kvrpcpb::RawGetResponse> Get(retry::Backoffer& bo,
                                              const std::string& key) {
    absl::StatusOr<KeyLocation> location = cache_.LocateKey(bo, key);
    if (!location.ok()) return location.status();
    kvrpcpb::RawGetRequest request;
    request.set_key(key);
    return sender_.SendReq<kvrpcpb::RawGetResponse>(bo, "/tikvpb.Tikv/RawGet",
                                                    request, location->region);
  }
  static errorpb::Error NotLeader(uint64_t region, uint64_t leader_store) {
    errorpb::Error error;
    error.mutable_not_leader()->set_region_id(region);
    if (leader_store != 0) {
      error.mutable_not_leader()->mutable_leader()->set_store_id(leader_store);
      error.mutable_not_leader()->mutable_leader()->set_id(region * 100 +
                                                           leader_store);
    }
    return error;
  }

  sim::Simulation sim_{sim::SimulationOptions{.seed = 2}};
  sim::ProcessId node_ = sim_.AddNode({.host = "client"});
  ScriptedPd pd_;
  ScriptedStores stores_;
  RegionCache cache_{pd_};
  RegionRequestSender sender_{cache_, stores_};
};

TEST_F(RegionCacheTest, LocateKeyLoadsOnceThenHits) {
  Run([&] {
    retry::Backoffer bo = Bo();
    EXPECT_EQ(cache_.LocateKey(bo, "a")->region.id, 2u);
    EXPECT_EQ(cache_.LocateKey(bo, "")->region.id, 2u);
    EXPECT_EQ(cache_.LocateKey(bo, "b")->region.id, 3u);
    EXPECT_EQ(cache_.LocateKey(bo, "c")->region.id, 3u);
    EXPECT_EQ(cache_.LocateKey(bo, "zz")->region.id, 4u);
    EXPECT_EQ(pd_.get_region_calls, 3);
    EXPECT_EQ(cache_.stats().hits, 2u);
    const KeyLocation c = *cache_.LocateKey(bo, "c");
    EXPECT_EQ(c.start_key, "b");
    EXPECT_EQ(c.end_key, "d");
    EXPECT_EQ(c.region, (RegionVerId{3, 1, 5}));
  });
}

TEST_F(RegionCacheTest, LocateEndKeyTakesThePreviousRegionAtAStart) {
  Run([&] {
    retry::Backoffer bo = Bo();
    // "d" as an exclusive end lies in [b, d).
    EXPECT_EQ(cache_.LocateEndKey(bo, "d")->region.id, 3u);
    EXPECT_EQ(pd_.get_prev_region_calls, 1);
    EXPECT_EQ(cache_.LocateEndKey(bo, "c")->region.id, 3u);  // cached
    EXPECT_EQ(cache_.LocateEndKey(bo, "d")->region.id, 3u);  // cached
    EXPECT_EQ(cache_.LocateEndKey(bo, "")->region.id, 4u);   // the last
    EXPECT_EQ(pd_.scan_regions_calls, 1);
    EXPECT_EQ(cache_.LocateEndKey(bo, "")->region.id, 4u);
    EXPECT_EQ(pd_.scan_regions_calls, 1);
  });
}

TEST_F(RegionCacheTest, PdErrorsAndMissingRegionsBackOffUntilTheBudget) {
  Run([&] {
    pd_.errors = {absl::UnavailableError("pd down"),
                  absl::UnavailableError("pd down")};
    retry::Backoffer bo = Bo();
    const Instant before = Now();
    EXPECT_EQ(cache_.LocateKey(bo, "a")->region.id, 2u);
    EXPECT_EQ(bo.attempts(retry::kBoPDRPC), 2);
    EXPECT_GE(Now() - before, Duration::Milliseconds(500));
    // No region for the key: BoRegionMiss until the budget is spent.
    pd_.regions.clear();
    retry::Backoffer small = Bo(Duration::Milliseconds(100));
    absl::StatusOr<KeyLocation> missing = cache_.LocateKey(small, "x");
    ASSERT_FALSE(missing.ok());
    EXPECT_GT(small.attempts(retry::kBoRegionMiss), 3);
    EXPECT_NE(missing.status().message().find("region not found for key"),
              std::string::npos)
        << missing.status();
  });
}

TEST_F(RegionCacheTest, InsertDropsWhatItOverlapsAndScanLoadsARange) {
  Run([&] {
    retry::Backoffer bo = Bo();
    auto all = cache_.LoadRegionsInRange(bo, "a", "", 0);
    ASSERT_TRUE(all.ok()) << all.status();
    ASSERT_EQ(all->size(), 3u);
    EXPECT_EQ(cache_.size(), 3u);
    // A merge of 3 and 4 into 3 at version 6 replaces both.
    pd_.regions.erase("d");
    pd_.SetRegion(MakeRegion(3, "b", "", 6, {1, 2, 3}), 1);
    cache_.InvalidateRegion({3, 1, 5});
    EXPECT_EQ(cache_.LocateKey(bo, "c")->region.version, 6u);
    EXPECT_EQ(cache_.size(), 2u);
    EXPECT_EQ(cache_.CachedRegion(4), nullptr);
    EXPECT_EQ(cache_.LocateKey(bo, "z")->region.id, 3u);
  });
}

TEST_F(RegionCacheTest, GroupKeysByRegionKeepsKeyOrderWithinGroups) {
  Run([&] {
    retry::Backoffer bo = Bo();
    auto groups = cache_.GroupKeysByRegion(bo, {"e", "a", "c", "f", "b", "a2"});
    ASSERT_TRUE(groups.ok());
    ASSERT_EQ(groups->size(), 3u);
    EXPECT_EQ((*groups)[0].location.region.id, 2u);
    EXPECT_EQ((*groups)[0].indexes, (std::vector<size_t>{1, 5}));
    EXPECT_EQ((*groups)[1].indexes, (std::vector<size_t>{2, 4}));
    EXPECT_EQ((*groups)[2].indexes, (std::vector<size_t>{0, 3}));
  });
}

TEST_F(RegionCacheTest, TheRequestCarriesTheRegionContext) {
  Run([&] {
    retry::Backoffer bo = Bo();
    auto response = Get(bo, "c");
    ASSERT_TRUE(response.ok());
    EXPECT_EQ(response->value(), "value-from-tikv1:20160");
    ASSERT_EQ(stores_.sent.size(), 1u);
    EXPECT_EQ(stores_.sent[0].context.region_id(), 3u);
    EXPECT_EQ(stores_.sent[0].context.region_epoch().version(), 5u);
    EXPECT_EQ(stores_.sent[0].context.peer().store_id(), 1u);
    EXPECT_EQ(stores_.sent[0].context.peer().id(), 301u);
    // The store's address is asked once.
    ASSERT_TRUE(Get(bo, "c").ok());
    EXPECT_EQ(pd_.get_store_calls[1], 1);
  });
}

TEST_F(RegionCacheTest, NotLeaderWithAHintSwitchesAtOnce) {
  Run([&] {
    stores_.AnswerError(NotLeader(3, 2));
    retry::Backoffer bo = Bo();
    auto response = Get(bo, "c");
    ASSERT_TRUE(response.ok());
    EXPECT_FALSE(response->has_region_error());
    ASSERT_EQ(stores_.sent.size(), 2u);
    EXPECT_EQ(stores_.sent[1].address, "tikv2:20160");
    EXPECT_EQ(cache_.TargetStore(3), 2u);
    EXPECT_EQ(bo.total_sleep(), Duration::Zero());
  });
}

TEST_F(RegionCacheTest, NotLeaderWithoutAHintTriesTheNextPeerAfterABackoff) {
  Run([&] {
    stores_.AnswerError(NotLeader(3, 0));
    stores_.AnswerError(NotLeader(3, 0));
    retry::Backoffer bo = Bo();
    auto response = Get(bo, "c");
    ASSERT_TRUE(response.ok());
    ASSERT_EQ(stores_.sent.size(), 3u);
    EXPECT_EQ(stores_.sent[1].address, "tikv2:20160");
    EXPECT_EQ(stores_.sent[2].address, "tikv3:20160");
    EXPECT_EQ(bo.attempts(retry::kBoRegionScheduling), 2);
  });
}

TEST_F(RegionCacheTest, EpochNotMatchReplacesTheRegionWithCurrentRegions) {
  Run([&] {
    errorpb::Error split;
    *split.mutable_epoch_not_match()->add_current_regions() =
        MakeRegion(3, "b", "c", 6, {1, 2, 3});
    *split.mutable_epoch_not_match()->add_current_regions() =
        MakeRegion(9, "c", "d", 6, {1, 2, 3});
    stores_.AnswerError(split);
    retry::Backoffer bo = Bo();
    auto response = Get(bo, "c");
    ASSERT_TRUE(response.ok());
    // Returned for the caller to locate again; no PD call needed for it.
    EXPECT_TRUE(response->region_error().has_epoch_not_match());
    const int pd_calls = pd_.get_region_calls;
    EXPECT_EQ(cache_.LocateKey(bo, "c")->region.id, 9u);
    EXPECT_EQ(cache_.LocateKey(bo, "b")->region.version, 6u);
    EXPECT_EQ(pd_.get_region_calls, pd_calls);
  });
}

TEST_F(RegionCacheTest, StaleOrEmptyEpochNotMatchDropsTheRegion) {
  Run([&] {
    retry::Backoffer bo = Bo();
    ASSERT_TRUE(Get(bo, "c").ok());
    errorpb::Error stale;
    *stale.mutable_epoch_not_match()->add_current_regions() =
        MakeRegion(3, "b", "d", 4, {1, 2, 3});
    stores_.AnswerError(stale);
    EXPECT_TRUE(Get(bo, "c")->has_region_error());
    EXPECT_EQ(cache_.CachedRegion(3), nullptr);
    ASSERT_TRUE(Get(bo, "c").ok());  // reloaded from PD
    stores_.AnswerError(errorpb::Error());
    stores_.answers.back()->mutable_region_error()->mutable_epoch_not_match();
    EXPECT_TRUE(Get(bo, "c")->has_region_error());
    EXPECT_EQ(cache_.CachedRegion(3), nullptr);
  });
}

TEST_F(RegionCacheTest, RegionNotFoundAndKeyNotInRegionDropTheRegion) {
  Run([&] {
    retry::Backoffer bo = Bo();
    errorpb::Error not_found;
    not_found.mutable_region_not_found()->set_region_id(3);
    errorpb::Error not_in;
    not_in.mutable_key_not_in_region()->set_key("c");
    for (const errorpb::Error& error : {not_found, not_in}) {
      stores_.AnswerError(error);
      auto response = Get(bo, "c");
      ASSERT_TRUE(response.ok());
      EXPECT_TRUE(response->has_region_error());
      EXPECT_EQ(cache_.CachedRegion(3), nullptr);
    }
    EXPECT_EQ(cache_.stats().invalidations, 2u);
  });
}

TEST_F(RegionCacheTest, StoreNotMatchDropsTheStoreAddressToo) {
  Run([&] {
    retry::Backoffer bo = Bo();
    ASSERT_TRUE(Get(bo, "c").ok());
    errorpb::Error error;
    error.mutable_store_not_match()->set_request_store_id(1);
    error.mutable_store_not_match()->set_actual_store_id(7);
    stores_.AnswerError(error);
    EXPECT_TRUE(Get(bo, "c")->has_region_error());
    pd_.stores[1].set_address("tikv1-moved:20160");
    ASSERT_TRUE(Get(bo, "c").ok());
    EXPECT_EQ(pd_.get_store_calls[1], 2);
    EXPECT_EQ(stores_.sent.back().address, "tikv1-moved:20160");
  });
}

TEST_F(RegionCacheTest, ServerIsBusyBacksOffAndRetriesTheSamePeer) {
  Run([&] {
    errorpb::Error busy;
    busy.mutable_server_is_busy()->set_reason("scheduler is busy");
    stores_.AnswerError(busy);
    retry::Backoffer bo = Bo();
    const Instant before = Now();
    auto response = Get(bo, "c");
    ASSERT_TRUE(response.ok());
    EXPECT_FALSE(response->has_region_error());
    EXPECT_GE(Now() - before, Duration::Seconds(1));
    EXPECT_EQ(bo.attempts(retry::kBoTiKVServerBusy), 1);
    ASSERT_EQ(stores_.sent.size(), 2u);
    EXPECT_EQ(stores_.sent[1].address, stores_.sent[0].address);
    // Busy for good: the budget's error says so.
    for (int i = 0; i < 20; ++i) stores_.AnswerError(busy);
    retry::Backoffer small = Bo(Duration::Seconds(5));
    auto gave_up = Get(small, "c");
    ASSERT_FALSE(gave_up.ok());
    EXPECT_EQ(gave_up.status().code(), absl::StatusCode::kResourceExhausted);
    EXPECT_NE(gave_up.status().message().find("scheduler is busy"),
              std::string::npos)
        << gave_up.status();
  });
}

TEST_F(RegionCacheTest, StaleCommandAndMaxTsNotSyncedRetryAfterABackoff) {
  Run([&] {
    errorpb::Error stale;
    stale.mutable_stale_command();
    errorpb::Error max_ts;
    max_ts.mutable_max_timestamp_not_synced();
    stores_.AnswerError(stale);
    stores_.AnswerError(max_ts);
    retry::Backoffer bo = Bo();
    auto response = Get(bo, "c");
    ASSERT_TRUE(response.ok());
    EXPECT_FALSE(response->has_region_error());
    EXPECT_EQ(bo.attempts(retry::kBoStaleCmd), 1);
    EXPECT_EQ(bo.attempts(retry::kBoMaxTsNotSynced), 1);
    EXPECT_EQ(cache_.TargetStore(3), 1u);
  });
}

TEST_F(RegionCacheTest, SendFailuresTryEachPeerThenDropTheRegion) {
  Run([&] {
    retry::Backoffer bo = Bo();
    stores_.answers.push_back(absl::UnavailableError("connection refused"));
    ASSERT_TRUE(Get(bo, "c").ok());
    EXPECT_EQ(stores_.sent[1].address, "tikv2:20160");
    EXPECT_EQ(bo.attempts(retry::kBoTiKVRPC), 1);
    // Every peer fails: the region goes, the caller gets a region error.
    for (int i = 0; i < 3; ++i) {
      stores_.answers.push_back(absl::DeadlineExceededError("timeout"));
    }
    auto response = Get(bo, "c");
    ASSERT_TRUE(response.ok());
    EXPECT_TRUE(response->has_region_error());
    EXPECT_EQ(cache_.CachedRegion(3), nullptr);
    EXPECT_EQ(sender_.stats().send_failures, 4u);
  });
}

TEST_F(RegionCacheTest, ARegionNoLongerCachedComesBackWithoutASend) {
  Run([&] {
    retry::Backoffer bo = Bo();
    const KeyLocation location = *cache_.LocateKey(bo, "c");
    cache_.InvalidateRegion(location.region);
    kvrpcpb::RawGetRequest request;
    auto response = sender_.SendReq<kvrpcpb::RawGetResponse>(
        bo, "/tikvpb.Tikv/RawGet", request, location.region);
    ASSERT_TRUE(response.ok());
    EXPECT_TRUE(response->region_error().has_epoch_not_match());
    EXPECT_TRUE(stores_.sent.empty());
  });
}

TEST_F(RegionCacheTest, ATombstoneOrUnknownStoreDropsTheRegion) {
  Run([&] {
    pd_.AddStore(1, metapb::Tombstone);
    retry::Backoffer bo = Bo();
    auto response = Get(bo, "c");
    ASSERT_TRUE(response.ok());
    EXPECT_TRUE(response->has_region_error());
    EXPECT_TRUE(stores_.sent.empty());
    EXPECT_EQ(cache_.CachedRegion(3), nullptr);
  });
}

// PD has not heard of a split the stores reported: its older region is not
// taken over the newer cached ones; the client waits for PD.
TEST_F(RegionCacheTest, APdAnswerOlderThanTheCacheIsNotTaken) {
  Run([&] {
    errorpb::Error split;
    *split.mutable_epoch_not_match()->add_current_regions() =
        MakeRegion(3, "b", "bb", 6, {1, 2, 3});
    *split.mutable_epoch_not_match()->add_current_regions() =
        MakeRegion(9, "bb", "c", 6, {1, 2, 3});
    stores_.AnswerError(split);
    retry::Backoffer bo = Bo();
    EXPECT_TRUE(Get(bo, "b")->has_region_error());
    // "c" is in a third new region PD does not know: [b, d) v5 is older.
    retry::Backoffer small = Bo(Duration::Milliseconds(50));
    EXPECT_FALSE(cache_.LocateKey(small, "c").ok());
    EXPECT_GT(cache_.stats().stale_pd_answers, 0u);
    EXPECT_EQ(cache_.CachedRegion(9)->region_epoch().version(), 6u);
    pd_.SetRegion(MakeRegion(10, "c", "d", 6, {1, 2, 3}), 2);
    retry::Backoffer again = Bo();
    EXPECT_EQ(cache_.LocateKey(again, "c")->region.id, 10u);
    EXPECT_EQ(cache_.TargetStore(10), 2u);
    EXPECT_EQ(cache_.size(), 3u);
  });
}

}  // namespace
}  // namespace client::locate
