// client/txnkv's Transaction and Committer against a scripted PD and
// scripted stores (tests/client/txn_scenarios.h): the primary committed
// before any secondary, the request fields of prewrite (primary, TTL,
// async commit's secondaries, 1PC), the undetermined commit, prewrite
// locks resolved, a rolled-back txn resolved with commit_version 0.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "client/txnkv/codec_region_source.h"
#include "client/txnkv/txn_error.h"
#include "proto/kvrpcpb.pb.h"
#include "tests/client/txn_scenarios.h"

namespace client::txnkv::testing {
namespace {

using core::base::Duration;

// client-go 2pc.go: the primary's batch is committed (and answered) before
// any secondary is sent. Catches CLIENT_TXN_SECONDARIES_BEFORE_PRIMARY.
TEST(TxnCommitterTest, PrimaryIsCommittedFirst) {
  std::vector<std::vector<std::string>> order = CommitOrder();
  ASSERT_EQ(order.size(), 2u);
  EXPECT_EQ(order[0], std::vector<std::string>{"a"});
  EXPECT_EQ(order[1], std::vector<std::string>{"n"});
}

TEST(TxnCommitterTest, RolledBackTxnIsResolvedWithCommitVersionZero) {
  EXPECT_EQ(ResolveRolledBack(), std::vector<uint64_t>{0});
}

// Prewrite: one request per region, the primary's first, each naming the
// primary (the smallest key), the txn's size and a 3 s TTL; commit_ts from
// the TSO after the prewrites.
TEST(TxnCommitterTest, PrewriteRequests) {
  ScriptedTxnCluster c;
  uint64_t start_ts = 0;
  uint64_t commit_ts = 0;
  ASSERT_TRUE(c.Run([&] {
    auto txn = c.client.Begin();
    ASSERT_TRUE(txn.ok());
    start_ts = (*txn)->start_ts();
    ASSERT_TRUE((*txn)->Set("b", "1").ok());
    ASSERT_TRUE((*txn)->Delete("c").ok());
    ASSERT_TRUE((*txn)->Set("x", "2").ok());
    ASSERT_TRUE((*txn)->Commit().ok());
    commit_ts = (*txn)->commit_ts();
  }));
  auto prewrites = c.store.Requests<kvrpcpb::PrewriteRequest>("KvPrewrite");
  ASSERT_EQ(prewrites.size(), 2u);
  EXPECT_EQ(prewrites[0].mutations_size(), 2);  // b, c: the primary's
  EXPECT_EQ(prewrites[0].mutations(1).op(), kvrpcpb::Del);
  for (const auto& p : prewrites) {
    EXPECT_EQ(p.primary_lock(), "b");
    EXPECT_EQ(p.start_version(), start_ts);
    EXPECT_EQ(p.txn_size(), 3u);
    EXPECT_GE(p.lock_ttl(), 3000u);
    EXPECT_FALSE(p.use_async_commit());
    EXPECT_FALSE(p.try_one_pc());
  }
  EXPECT_GT(commit_ts, start_ts);
  auto commits = c.store.Requests<kvrpcpb::CommitRequest>("KvCommit");
  ASSERT_EQ(commits.size(), 2u);
  EXPECT_EQ(commits[1].commit_version(), commit_ts);
}

// Async commit: the primary's prewrite lists the secondaries; the
// commit_ts is the largest min_commit_ts answered; no TSO call for it.
TEST(TxnCommitterTest, AsyncCommitTakesTheLargestMinCommitTs) {
  ScriptedTxnCluster c;
  c.client.options().enable_async_commit = true;
  kvrpcpb::PrewriteResponse low, high;
  low.set_min_commit_ts(TsAt(6000));
  high.set_min_commit_ts(TsAt(6001));
  c.store.Answer("KvPrewrite", low);
  c.store.Answer("KvPrewrite", high);
  uint64_t commit_ts = 0;
  ASSERT_TRUE(c.Run([&] {
    auto txn = c.client.Begin();
    ASSERT_TRUE((*txn)->Set("a", "1").ok());
    ASSERT_TRUE((*txn)->Set("n", "2").ok());
    ASSERT_TRUE((*txn)->Commit().ok());
    EXPECT_TRUE((*txn)->committer()->async_commit());
    commit_ts = (*txn)->commit_ts();
  }));
  EXPECT_EQ(commit_ts, TsAt(6001));
  EXPECT_EQ(c.oracle.calls, 1);  // start_ts only
  auto prewrites = c.store.Requests<kvrpcpb::PrewriteRequest>("KvPrewrite");
  ASSERT_EQ(prewrites.size(), 2u);
  EXPECT_TRUE(prewrites[0].use_async_commit());
  ASSERT_EQ(prewrites[0].secondaries_size(), 1);
  EXPECT_EQ(prewrites[0].secondaries(0), "n");
  EXPECT_EQ(prewrites[1].secondaries_size(), 0);
  EXPECT_GT(prewrites[0].max_commit_ts(), prewrites[0].start_version());
  // Both keys committed in the background at that ts.
  auto commits = c.store.Requests<kvrpcpb::CommitRequest>("KvCommit");
  ASSERT_EQ(commits.size(), 2u);
  EXPECT_EQ(commits[0].commit_version(), TsAt(6001));
}

// 1PC: one region, one prewrite with try_one_pc; its one_pc_commit_ts is
// the commit; no commit request. Over two regions it is not tried.
TEST(TxnCommitterTest, OnePcInOneRegionOnly) {
  ScriptedTxnCluster c;
  c.client.options().try_one_pc = true;
  kvrpcpb::PrewriteResponse one_pc;
  one_pc.set_one_pc_commit_ts(TsAt(6000));
  c.store.Answer("KvPrewrite", one_pc);
  ASSERT_TRUE(c.Run([&] {
    auto txn = c.client.Begin();
    ASSERT_TRUE((*txn)->Set("a", "1").ok());
    ASSERT_TRUE((*txn)->Set("b", "2").ok());
    ASSERT_TRUE((*txn)->Commit().ok());
    EXPECT_TRUE((*txn)->committer()->one_pc());
    EXPECT_EQ((*txn)->commit_ts(), TsAt(6000));
    auto two = c.client.Begin();
    ASSERT_TRUE((*two)->Set("a", "1").ok());
    ASSERT_TRUE((*two)->Set("n", "2").ok());
    ASSERT_TRUE((*two)->Commit().ok());
    EXPECT_FALSE((*two)->committer()->one_pc());
  }));
  auto prewrites = c.store.Requests<kvrpcpb::PrewriteRequest>("KvPrewrite");
  ASSERT_EQ(prewrites.size(), 3u);
  EXPECT_TRUE(prewrites[0].try_one_pc());
  EXPECT_FALSE(prewrites[1].try_one_pc());
  EXPECT_FALSE(prewrites[2].try_one_pc());
  EXPECT_EQ(c.store.Count("KvCommit"), 2);  // the second txn's only
}

// The primary's commit never answered (every send fails until the 41 s
// budget is spent): CommitResultUndetermined, not a plain error.
TEST(TxnCommitterTest, UnansweredPrimaryCommitIsUndetermined) {
  ScriptedTxnCluster c;
  c.store.always["KvCommit"] = [](std::string_view) {
    return absl::StatusOr<std::string>(absl::UnavailableError("timeout"));
  };
  absl::Status status;
  ASSERT_TRUE(c.Run([&] {
    auto txn = c.client.Begin();
    ASSERT_TRUE((*txn)->Set("a", "1").ok());
    status = (*txn)->Commit();
  }));
  EXPECT_EQ(TxnErrorOf(status), TxnError::kCommitResultUndetermined) << status;
}

// A prewrite meets another txn's lock: resolved as a writer (no push),
// then sent again.
TEST(TxnCommitterTest, PrewriteResolvesLocksThenRetries) {
  ScriptedTxnCluster c;
  kvrpcpb::PrewriteResponse locked;
  kvrpcpb::LockInfo* info = locked.add_errors()->mutable_locked();
  info->set_primary_lock("z");
  info->set_key("a");
  info->set_lock_version(TsAt(1000));
  info->set_lock_ttl(100);
  c.store.Answer("KvPrewrite", locked);
  kvrpcpb::CheckTxnStatusResponse rolled_back;
  rolled_back.set_action(kvrpcpb::TTLExpireRollback);
  c.store.Answer("KvCheckTxnStatus", rolled_back);
  ASSERT_TRUE(c.Run([&] {
    auto txn = c.client.Begin();
    ASSERT_TRUE((*txn)->Set("a", "1").ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }));
  EXPECT_EQ(c.store.Count("KvPrewrite"), 2);
  auto cts =
      c.store.Requests<kvrpcpb::CheckTxnStatusRequest>("KvCheckTxnStatus");
  ASSERT_EQ(cts.size(), 1u);
  EXPECT_EQ(cts[0].caller_start_ts(), 0u);
  EXPECT_EQ(c.store.Count("KvResolveLock"), 1);
}

// A write conflict in prewrite fails the commit as WriteConflict and
// rolls back what was prewritten.
TEST(TxnCommitterTest, WriteConflictRollsBack) {
  ScriptedTxnCluster c;
  kvrpcpb::PrewriteResponse conflict;
  conflict.add_errors()->mutable_conflict()->set_key("a");
  c.store.Answer("KvPrewrite", conflict);
  absl::Status status;
  ASSERT_TRUE(c.Run([&] {
    auto txn = c.client.Begin();
    ASSERT_TRUE((*txn)->Set("a", "1").ok());
    status = (*txn)->Commit();
  }));
  EXPECT_EQ(TxnErrorOf(status), TxnError::kWriteConflict) << status;
  EXPECT_EQ(c.store.Count("KvBatchRollback"), 1);
  EXPECT_EQ(c.store.Count("KvCommit"), 0);
}

// A commit that lasts (the hook stalls 15 s after prewrite) in a txn over
// ttl_refreshed_txn_size: the TTL manager heartbeats the primary every
// managed_lock_ttl / 2 (10 s) with a TTL past the time since Begin, and
// stops once the txn committed.
TEST(TxnCommitterTest, LongCommitHeartbeatsThePrimary) {
  ScriptedTxnCluster c;
  c.client.options().ttl_refreshed_txn_size = 0;
  c.client.options().after_prewrite = [&](uint64_t) {
    c.sim.loop().executor(c.node).SleepFor(Duration::Seconds(15));
    return true;
  };
  ASSERT_TRUE(c.Run(
      [&] {
        auto txn = c.client.Begin();
        ASSERT_TRUE((*txn)->Set("a", "1").ok());
        ASSERT_TRUE((*txn)->Set("n", "2").ok());
        ASSERT_TRUE((*txn)->Commit().ok());
      },
      Duration::Seconds(30)));
  auto beats = c.store.Requests<kvrpcpb::TxnHeartBeatRequest>("KvTxnHeartBeat");
  ASSERT_EQ(beats.size(), 1u);
  EXPECT_EQ(beats[0].primary_lock(), "a");
  EXPECT_GE(beats[0].advise_lock_ttl(), 30000u);
}

// LockKeys: a deadlock answer is kDeadlock, a write conflict
// kWriteConflict; the keys of the failed call are rolled back; a txn with
// no lock yet forgets its primary.
TEST(TxnCommitterTest, PessimisticLockErrorsSurface) {
  ScriptedTxnCluster c;
  kvrpcpb::PessimisticLockResponse deadlock;
  deadlock.add_errors()->mutable_deadlock()->set_lock_key("a");
  c.store.Answer("KvPessimisticLock", deadlock);
  kvrpcpb::PessimisticLockResponse conflict;
  conflict.add_errors()->mutable_conflict()->set_key("b");
  c.store.Answer("KvPessimisticLock", conflict);
  ASSERT_TRUE(c.Run([&] {
    auto txn = c.client.BeginPessimistic();
    EXPECT_EQ(TxnErrorOf((*txn)->LockKeys({"a"})), TxnError::kDeadlock);
    EXPECT_EQ((*txn)->primary(), "");
    EXPECT_EQ(TxnErrorOf((*txn)->LockKeys({"b"})), TxnError::kWriteConflict);
    ASSERT_TRUE((*txn)->LockKeys({"c", "n"}).ok());
    EXPECT_EQ((*txn)->primary(), "c");
    ASSERT_TRUE((*txn)->Set("n", "1").ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }));
  EXPECT_EQ(c.store.Count("KVPessimisticRollback"), 2);
  auto locks =
      c.store.Requests<kvrpcpb::PessimisticLockRequest>("KvPessimisticLock");
  ASSERT_EQ(locks.size(), 4u);  // a, b, then c (primary first), n
  EXPECT_EQ(locks[2].mutations(0).key(), "c");
  EXPECT_GE(locks[2].lock_ttl(), 20000u);
  EXPECT_GT(locks[2].for_update_ts(), locks[2].start_version());
  // The prewrite checks both locks: n written, c lock-only.
  auto prewrites = c.store.Requests<kvrpcpb::PrewriteRequest>("KvPrewrite");
  ASSERT_EQ(prewrites.size(), 2u);
  EXPECT_EQ(prewrites[0].mutations(0).op(), kvrpcpb::Lock);
  EXPECT_EQ(prewrites[0].pessimistic_actions(0),
            kvrpcpb::PrewriteRequest::DO_PESSIMISTIC_CHECK);
  EXPECT_EQ(prewrites[0].for_update_ts(), locks[2].for_update_ts());
}

// CodecRegionSource: PD's bounds are encoded keys; lookups by user key
// ask PD with the encoding and cache the decoded bounds, and EpochNotMatch
// regions are decoded too; a bound that is no encoded key fails.
TEST(CodecRegionSourceTest, EncodesKeysAndDecodesBounds) {
  locate::testing::ScriptedPd pd;
  pd.AddStore(1);
  pd.SetRegion(locate::testing::MakeRegion(2, "", EncodeRegionKey("m"), 5, {1}),
               1);
  pd.SetRegion(locate::testing::MakeRegion(3, EncodeRegionKey("m"), "", 5, {1}),
               1);
  CodecRegionSource codec(pd);
  auto found = codec.GetRegion("n");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->region().id(), 3u);
  EXPECT_EQ(found->region().start_key(), "m");
  EXPECT_EQ(found->region().end_key(), "");
  // "m\0" encodes above "m": PD must be asked with the encoding.
  EXPECT_EQ(codec.GetRegion(std::string("m\0", 2))->region().id(), 3u);
  EXPECT_EQ(codec.GetRegion("l")->region().id(), 2u);
  EXPECT_EQ(codec.GetPrevRegion("m")->region().id(), 2u);
  auto scanned = codec.ScanRegions("", "", 10);
  ASSERT_TRUE(scanned.ok());
  ASSERT_EQ(scanned->regions_size(), 2);
  EXPECT_EQ(scanned->regions(0).region().end_key(), "m");
  metapb::Region from_store = locate::testing::MakeRegion(
      4, EncodeRegionKey("a"), EncodeRegionKey("c"), 6, {1});
  ASSERT_TRUE(codec.DecodeRegion(from_store).ok());
  EXPECT_EQ(from_store.start_key(), "a");
  EXPECT_EQ(from_store.end_key(), "c");
  metapb::Region raw = locate::testing::MakeRegion(5, "a", "c", 6, {1});
  EXPECT_FALSE(codec.DecodeRegion(raw).ok());
}

}  // namespace
}  // namespace client::txnkv::testing
