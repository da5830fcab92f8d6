// client/txnkv's LockResolver against a scripted PD and scripted stores:
// every branch of the CheckTxnStatus decision table, as client-go v2.0.4
// txnkv/txnlock/lock_resolver.go (getTxnStatusFromLock, getTxnStatus,
// resolveLocks, resolveLock, resolvePessimisticLock, resolveLockAsync /
// checkAllSecondaries): committed, rolled back, alive, TTL expired,
// min_commit_ts pushed, pessimistic locks, TxnNotFound with the lock alive
// or expired (rollback_if_not_exist), TTL-0 locks, async-commit primaries
// (alive, all secondaries locked, one missing, one committed, a
// non-async secondary), big txns resolved per region once, the resolved
// cache, region errors.
#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "client/locate/region_cache.h"
#include "client/locate/region_request.h"
#include "client/retry/backoff.h"
#include "client/txnkv/lock_resolver.h"
#include "proto/kvrpcpb.pb.h"
#include "sim/simulation/simulation.h"
#include "tests/client/scripted_pd.h"
#include "tests/client/scripted_txn_store.h"

namespace client::txnkv {
namespace {

using core::base::Duration;
using core::base::Instant;
using locate::testing::MakeRegion;
using locate::testing::ScriptedPd;
using testing::FakeOracle;
using testing::ScriptedTxnStore;
using testing::TsAt;

constexpr char kCts[] = "KvCheckTxnStatus";
constexpr char kResolve[] = "KvResolveLock";
constexpr char kPessRollback[] = "KVPessimisticRollback";
constexpr char kCheckSecondaries[] = "KvCheckSecondaryLocks";

// The locking txn started at 1000 ms; the reader at 5000 ms.
const uint64_t kTxn = TsAt(1000);
const uint64_t kReader = TsAt(5000);

Lock MakeLock(const std::string& key, const std::string& primary,
              uint64_t ttl_ms, kvrpcpb::Op type = kvrpcpb::Put) {
  Lock lock;
  lock.key = key;
  lock.primary = primary;
  lock.txn_id = kTxn;
  lock.ttl_ms = ttl_ms;
  lock.txn_size = 1;
  lock.lock_type = type;
  return lock;
}

kvrpcpb::CheckTxnStatusResponse Committed(uint64_t commit_ts) {
  kvrpcpb::CheckTxnStatusResponse r;
  r.set_commit_version(commit_ts);
  return r;
}
kvrpcpb::CheckTxnStatusResponse RolledBack(kvrpcpb::Action action) {
  kvrpcpb::CheckTxnStatusResponse r;
  r.set_action(action);
  return r;
}
kvrpcpb::CheckTxnStatusResponse Alive(uint64_t ttl_ms, kvrpcpb::Action action) {
  kvrpcpb::CheckTxnStatusResponse r;
  r.set_lock_ttl(ttl_ms);
  r.set_action(action);
  return r;
}
kvrpcpb::CheckTxnStatusResponse NotFound() {
  kvrpcpb::CheckTxnStatusResponse r;
  r.mutable_error()->mutable_txn_not_found()->set_start_ts(kTxn);
  return r;
}
// An async-commit primary lock with `secondaries`, TTL 3 s.
kvrpcpb::CheckTxnStatusResponse AsyncPrimary(
    std::vector<std::string> secondaries, uint64_t ttl_ms = 3000) {
  kvrpcpb::CheckTxnStatusResponse r;
  r.set_lock_ttl(ttl_ms);
  kvrpcpb::LockInfo* info = r.mutable_lock_info();
  info->set_primary_lock("a");
  info->set_lock_version(kTxn);
  info->set_key("a");
  info->set_lock_ttl(ttl_ms);
  info->set_use_async_commit(true);
  for (auto& s : secondaries) info->add_secondaries(s);
  return r;
}
kvrpcpb::CheckSecondaryLocksResponse Secondaries(
    const std::vector<std::pair<std::string, uint64_t>>& locks,
    uint64_t commit_ts = 0, bool async = true) {
  kvrpcpb::CheckSecondaryLocksResponse r;
  for (const auto& [key, min_commit_ts] : locks) {
    kvrpcpb::LockInfo* info = r.add_locks();
    info->set_key(key);
    info->set_lock_version(kTxn);
    info->set_use_async_commit(async);
    info->set_min_commit_ts(min_commit_ts);
  }
  r.set_commit_ts(commit_ts);
  return r;
}

class LockResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pd_.AddStore(1);
    // [ "", "m" ) id 2, [ "m", "" ) id 3.
    pd_.SetRegion(MakeRegion(2, "", "m", 5, {1}), 1);
    pd_.SetRegion(MakeRegion(3, "m", "", 5, {1}), 1);
    oracle_.now_ms = 5000;
  }
  void TearDown() override { sim_.loop().Shutdown(); }
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
  // ResolveLocks of `locks` for `caller` on a fibre.
  ResolveResult Resolve(const std::vector<Lock>& locks,
                        uint64_t caller = kReader) {
    ResolveResult result;
    Run([&] {
      retry::Backoffer bo(sim_.loop().executor(node_), Duration::Seconds(20),
                          7);
      auto r = resolver_.ResolveLocks(bo, caller, locks);
      ASSERT_TRUE(r.ok()) << r.status();
      result = *r;
    });
    return result;
  }
  std::vector<kvrpcpb::CheckTxnStatusRequest> Cts() const {
    return store_.Requests<kvrpcpb::CheckTxnStatusRequest>(kCts);
  }
  std::vector<kvrpcpb::ResolveLockRequest> Resolves() const {
    return store_.Requests<kvrpcpb::ResolveLockRequest>(kResolve);
  }

  sim::Simulation sim_{sim::SimulationOptions{.seed = 3}};
  sim::ProcessId node_ = sim_.AddNode({.host = "client"});
  ScriptedPd pd_;
  ScriptedTxnStore store_;
  locate::RegionCache cache_{pd_};
  locate::RegionRequestSender sender_{cache_, store_};
  FakeOracle oracle_;
  LockResolver resolver_{sender_, oracle_};
};

// getTxnStatus: lock_ttl 0 with a commit_version: committed; resolveLock
// commits the key (lite: one key) at that ts; the status is cached.
TEST_F(LockResolverTest, CommittedIsResolvedAtItsCommitTsAndCached) {
  store_.Answer(kCts, Committed(TsAt(1500)));
  ResolveResult r = Resolve({MakeLock("b", "a", 3000)});
  EXPECT_EQ(r.ms_before_txn_expired, 0);
  ASSERT_EQ(Cts().size(), 1u);
  EXPECT_EQ(Cts()[0].primary_key(), "a");
  EXPECT_EQ(Cts()[0].lock_ts(), kTxn);
  EXPECT_EQ(Cts()[0].caller_start_ts(), kReader);
  EXPECT_EQ(Cts()[0].current_ts() >> 18, 5000u);  // from the oracle
  EXPECT_FALSE(Cts()[0].rollback_if_not_exist());
  ASSERT_EQ(Resolves().size(), 1u);
  EXPECT_EQ(Resolves()[0].start_version(), kTxn);
  EXPECT_EQ(Resolves()[0].commit_version(), TsAt(1500));
  ASSERT_EQ(Resolves()[0].keys_size(), 1);
  EXPECT_EQ(Resolves()[0].keys(0), "b");
  ASSERT_TRUE(resolver_.Resolved(kTxn).has_value());
  EXPECT_TRUE(resolver_.Resolved(kTxn)->IsCommitted());
  // The next lock of the txn: no CheckTxnStatus (cache).
  Resolve({MakeLock("n", "a", 3000)});
  EXPECT_EQ(Cts().size(), 1u);
  EXPECT_EQ(resolver_.stats().cache_hits, 1u);
  EXPECT_EQ(Resolves().size(), 2u);
}

// lock_ttl 0, commit_version 0: rolled back (the store's TTLExpireRollback
// or LockNotExistRollback); resolveLock with commit_version 0. Catches
// CLIENT_TXN_RESOLVER_COMMITS_ROLLED_BACK.
TEST_F(LockResolverTest, RolledBackIsResolvedWithCommitVersionZero) {
  for (kvrpcpb::Action action :
       {kvrpcpb::TTLExpireRollback, kvrpcpb::LockNotExistRollback}) {
    store_.sent.clear();
    LockResolver resolver(sender_, oracle_);
    store_.Answer(kCts, RolledBack(action));
    Run([&] {
      retry::Backoffer bo(sim_.loop().executor(node_), Duration::Seconds(20),
                          7);
      ASSERT_TRUE(
          resolver.ResolveLocks(bo, kReader, {MakeLock("b", "a", 10)}).ok());
    });
    ASSERT_EQ(Resolves().size(), 1u);
    EXPECT_EQ(Resolves()[0].commit_version(), 0u);
    EXPECT_TRUE(resolver.Resolved(kTxn)->IsRolledBack());
  }
}

// lock_ttl != 0: alive; nothing resolved, the time left reported (lock at
// 1000 ms + 6000 ms TTL, now 5000 ms: 2000 ms); NoAction: not pushed.
TEST_F(LockResolverTest, AliveLockIsWaitedFor) {
  store_.Answer(kCts, Alive(6000, kvrpcpb::NoAction));
  ResolveResult r = Resolve({MakeLock("b", "a", 6000)});
  EXPECT_EQ(r.ms_before_txn_expired, 2000);
  EXPECT_TRUE(r.pushed.empty());
  EXPECT_TRUE(Resolves().empty());
  EXPECT_FALSE(resolver_.Resolved(kTxn).has_value());
}

// MinCommitTsPushed on a live lock: a reader may read past it (pushed);
// a writer (caller_start_ts 0) is never pushed.
TEST_F(LockResolverTest, MinCommitTsPushedForAReaderOnly) {
  store_.Answer(kCts, Alive(6000, kvrpcpb::MinCommitTSPushed));
  ResolveResult r = Resolve({MakeLock("b", "a", 6000)});
  EXPECT_EQ(r.pushed, std::vector<uint64_t>{kTxn});
  EXPECT_GT(r.ms_before_txn_expired, 0);
  store_.Answer(kCts, Alive(6000, kvrpcpb::MinCommitTSPushed));
  ResolveResult writer = Resolve({MakeLock("b", "a", 6000)}, /*caller=*/0);
  EXPECT_TRUE(writer.pushed.empty());
  EXPECT_EQ(Cts().back().caller_start_ts(), 0u);
  // One lock not pushed spoils the lot (client-go's pushFail).
  store_.Answer(kCts, Alive(6000, kvrpcpb::MinCommitTSPushed));
  store_.Answer(kCts, Alive(6000, kvrpcpb::NoAction));
  Lock other = MakeLock("c", "c", 6000);
  other.txn_id = TsAt(1100);
  ResolveResult mixed = Resolve({MakeLock("b", "a", 6000), other});
  EXPECT_TRUE(mixed.pushed.empty());
}

// A pessimistic lock whose txn is decided is rolled back with
// KVPessimisticRollback (its key, its for_update_ts), never ResolveLock;
// CheckTxnStatus says resolving_pessimistic_lock.
TEST_F(LockResolverTest, DecidedPessimisticLockIsPessimisticRolledBack) {
  store_.Answer(kCts, RolledBack(kvrpcpb::TTLExpirePessimisticRollback));
  Lock lock = MakeLock("b", "a", 10, kvrpcpb::PessimisticLock);
  lock.lock_for_update_ts = TsAt(1200);
  Resolve({lock});
  EXPECT_TRUE(Cts()[0].resolving_pessimistic_lock());
  EXPECT_TRUE(Resolves().empty());
  auto rollbacks =
      store_.Requests<kvrpcpb::PessimisticRollbackRequest>(kPessRollback);
  ASSERT_EQ(rollbacks.size(), 1u);
  EXPECT_EQ(rollbacks[0].start_version(), kTxn);
  EXPECT_EQ(rollbacks[0].for_update_ts(), TsAt(1200));
  ASSERT_EQ(rollbacks[0].keys_size(), 1);
  EXPECT_EQ(rollbacks[0].keys(0), "b");
  // Without a for_update_ts: u64 max.
  store_.Answer(kCts, RolledBack(kvrpcpb::TTLExpirePessimisticRollback));
  lock.txn_id = TsAt(1300);
  lock.lock_for_update_ts = 0;
  Resolve({lock});
  EXPECT_EQ(store_.Requests<kvrpcpb::PessimisticRollbackRequest>(kPessRollback)
                .back()
                .for_update_ts(),
            std::numeric_limits<uint64_t>::max());
}

// TxnNotFound while the lock's TTL lasts (lock 1000 ms + 10 s, now 5 s):
// back off kBoTxnNotFound and ask again, rollback_if_not_exist false.
TEST_F(LockResolverTest, NotFoundWhileTheLockLivesAsksAgain) {
  store_.Answer(kCts, NotFound());
  store_.Answer(kCts, Committed(TsAt(1600)));
  Resolve({MakeLock("b", "a", 10000)});
  ASSERT_EQ(Cts().size(), 2u);
  EXPECT_FALSE(Cts()[0].rollback_if_not_exist());
  EXPECT_FALSE(Cts()[1].rollback_if_not_exist());
  EXPECT_EQ(Resolves().back().commit_version(), TsAt(1600));
}

// TxnNotFound once the lock expired (lock 1000 ms + 100 ms): ask again with
// rollback_if_not_exist; the store writes a rollback (LockNotExistRollback).
TEST_F(LockResolverTest, NotFoundAfterTheLockExpiredRollsBack) {
  store_.Answer(kCts, NotFound());
  store_.Answer(kCts, RolledBack(kvrpcpb::LockNotExistRollback));
  Resolve({MakeLock("b", "a", 100)});
  ASSERT_EQ(Cts().size(), 2u);
  EXPECT_FALSE(Cts()[0].rollback_if_not_exist());
  EXPECT_TRUE(Cts()[1].rollback_if_not_exist());
  EXPECT_EQ(Resolves().back().commit_version(), 0u);
}

// TxnNotFound for a pessimistic lock: alive while its TTL lasts (no second
// ask); once expired, rolled back without asking again.
TEST_F(LockResolverTest, NotFoundPessimisticLock) {
  store_.Answer(kCts, NotFound());
  ResolveResult alive =
      Resolve({MakeLock("b", "a", 10000, kvrpcpb::PessimisticLock)});
  EXPECT_GT(alive.ms_before_txn_expired, 0);
  EXPECT_EQ(Cts().size(), 1u);
  EXPECT_EQ(store_.Count(kPessRollback), 0);
  store_.Answer(kCts, NotFound());
  Resolve({MakeLock("b", "a", 100, kvrpcpb::PessimisticLock)});
  EXPECT_EQ(Cts().size(), 2u);
  EXPECT_EQ(store_.Count(kPessRollback), 1);
}

// A TTL-0 lock (a pessimistic prewrite met it): current_ts u64 max, so the
// store decides at once.
TEST_F(LockResolverTest, TtlZeroLockAsksWithMaxCurrentTs) {
  store_.Answer(kCts, RolledBack(kvrpcpb::TTLExpireRollback));
  Resolve({MakeLock("b", "a", 0)});
  EXPECT_EQ(Cts()[0].current_ts(), std::numeric_limits<uint64_t>::max());
}

// An async-commit primary whose TTL lasts (lock 1000 ms + 6000 ms): alive,
// no secondaries checked.
TEST_F(LockResolverTest, AsyncCommitPrimaryAlive) {
  store_.Answer(kCts, AsyncPrimary({"b", "n"}, 6000));
  ResolveResult r = Resolve({MakeLock("b", "a", 6000)});
  EXPECT_GT(r.ms_before_txn_expired, 0);
  EXPECT_EQ(store_.Count(kCheckSecondaries), 0);
  EXPECT_TRUE(Resolves().empty());
}

// Expired async-commit primary, every key still locked: committed at the
// largest min_commit_ts; every region's keys resolved at it.
TEST_F(LockResolverTest, AsyncCommitAllLockedCommitsAtMaxMinCommitTs) {
  store_.Answer(kCts, AsyncPrimary({"b", "n"}));
  // Regions in key order: [a, b] in region 2, [n] in region 3.
  store_.Answer(kCheckSecondaries,
                Secondaries({{"a", TsAt(1100)}, {"b", TsAt(1300)}}));
  store_.Answer(kCheckSecondaries, Secondaries({{"n", TsAt(1200)}}));
  Resolve({MakeLock("b", "a", 3000)});
  EXPECT_EQ(store_.Count(kCheckSecondaries), 2);
  ASSERT_EQ(Resolves().size(), 2u);
  for (const auto& request : Resolves()) {
    EXPECT_EQ(request.commit_version(), TsAt(1300));
  }
  EXPECT_EQ(resolver_.Resolved(kTxn)->commit_ts, TsAt(1300));
}

// A key without a lock and no commit_ts: the txn was rolled back there.
TEST_F(LockResolverTest, AsyncCommitMissingLockRollsBack) {
  store_.Answer(kCts, AsyncPrimary({"b", "n"}));
  store_.Answer(kCheckSecondaries,
                Secondaries({{"a", TsAt(1100)}, {"b", TsAt(1300)}}));
  store_.Answer(kCheckSecondaries, Secondaries({}));
  Resolve({MakeLock("b", "a", 3000)});
  for (const auto& request : Resolves()) {
    EXPECT_EQ(request.commit_version(), 0u);
  }
  EXPECT_TRUE(resolver_.Resolved(kTxn)->IsRolledBack());
}

// A key already committed: its commit_ts decides.
TEST_F(LockResolverTest, AsyncCommitCommittedKeyDecides) {
  store_.Answer(kCts, AsyncPrimary({"b", "n"}));
  store_.Answer(kCheckSecondaries,
                Secondaries({{"a", TsAt(1100)}}, TsAt(1400)));
  store_.Answer(kCheckSecondaries, Secondaries({{"n", TsAt(1200)}}));
  Resolve({MakeLock("b", "a", 3000)});
  for (const auto& request : Resolves()) {
    EXPECT_EQ(request.commit_version(), TsAt(1400));
  }
}

// A secondary that is no async-commit lock: CheckTxnStatus again with
// force_sync_commit, then a plain resolve.
TEST_F(LockResolverTest, AsyncCommitNonAsyncSecondaryFallsBack) {
  store_.Answer(kCts, AsyncPrimary({"b", "n"}));
  store_.Answer(kCheckSecondaries,
                Secondaries({{"a", TsAt(1100)}, {"b", 0}}, 0, /*async=*/false));
  store_.Answer(kCts, Committed(TsAt(1500)));
  Resolve({MakeLock("b", "a", 3000)});
  ASSERT_EQ(Cts().size(), 2u);
  EXPECT_FALSE(Cts()[0].force_sync_commit());
  EXPECT_TRUE(Cts()[1].force_sync_commit());
  ASSERT_EQ(Resolves().size(), 1u);
  EXPECT_EQ(Resolves()[0].commit_version(), TsAt(1500));
}

// A big txn (txn_size >= 16): ResolveLock of the whole region (no keys),
// once per region for the txn's locks.
TEST_F(LockResolverTest, BigTxnResolvesEachRegionOnce) {
  store_.Answer(kCts, Committed(TsAt(1500)));
  std::vector<Lock> locks;
  for (const char* key : {"b", "c", "n"}) {
    locks.push_back(MakeLock(key, "a", 3000));
    locks.back().txn_size = 20;
  }
  Resolve(locks);
  ASSERT_EQ(Resolves().size(), 2u);  // regions 2 and 3
  EXPECT_EQ(Resolves()[0].keys_size(), 0);
  EXPECT_EQ(Cts().size(), 1u);
}

// A region error on CheckTxnStatus: back off, locate again, ask again.
TEST_F(LockResolverTest, RegionErrorIsRetried) {
  kvrpcpb::CheckTxnStatusResponse moved;
  moved.mutable_region_error()->mutable_region_not_found()->set_region_id(2);
  store_.Answer(kCts, moved);
  store_.Answer(kCts, Committed(TsAt(1500)));
  Resolve({MakeLock("b", "a", 3000)});
  EXPECT_EQ(Cts().size(), 2u);
  EXPECT_EQ(Resolves().size(), 1u);
}

}  // namespace
}  // namespace client::txnkv
