// Acceptance of client/txnkv on the whole simulated cluster (sim/cluster:
// 3 PD members, 3 stores booted through PD, PD workers heartbeating): the
// transactional client (PdOracle -> TSO, CodecRegionSource -> the region
// cache, RegionRequestSender -> the stores) on a process of its own.
// Forced splits at transactional keys (the stores encode them) leave the
// cache stale; a client stopping after prewrite leaves locks a reader
// resolves; async commit and 1PC; pessimistic lock waits; heartbeats; a
// bank invariant under a leader's store crashing.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/locate/region_cache.h"
#include "client/locate/region_request.h"
#include "client/locate/region_source.h"
#include "client/pd/pd_client.h"
#include "client/txnkv/codec_region_source.h"
#include "client/txnkv/oracle.h"
#include "client/txnkv/txn_client.h"
#include "client/txnkv/txn_error.h"
#include "core/base/status_macros.h"
#include "core/env/random.h"
#include "proto/kvrpcpb.pb.h"
#include "sim/cluster/cluster.h"

namespace client::testing {
namespace {

using core::base::Duration;
using txnkv::KvPair;
using txnkv::Transaction;
using txnkv::TxnClient;
using txnkv::TxnError;
using txnkv::TxnErrorOf;

constexpr Duration kLimit = Duration::Seconds(300);

std::string Key(int i) {
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "k%04d", i);
  return buffer;
}

class TxnSimClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::Simulation& sim = cluster_.sim();
    process_ = sim.AddNode({.host = "txnclient", .clock = sim::ClockOptions{}});
    cluster_.Start();
    ASSERT_TRUE(cluster_.RunUntil(
        [&] {
          auto region = cluster_.RegionForKey("");
          if (!region.has_value() || region->peers.size() != 3) return false;
          for (const auto& peer : region->peers) {
            if (peer.role != core::region::PeerRole::kVoter) return false;
          }
          return cluster_.LeaderOf(region->id) != 0;
        },
        kLimit))
        << "the first region did not reach 3 replicas";
    sim::SimLoop& loop = sim.loop();
    pd::PdClientOptions pd_options;
    for (int m = 1; m <= cluster_.pd().size(); ++m) {
      pd_options.members.push_back(sim::pdsim::PdCluster::ClientAddress(m));
    }
    pd_ = std::make_unique<pd::PdClient>(
        loop.executor(process_), loop.clock(process_),
        sim.network().endpoint(process_), pd_options);
    pd_source_ = std::make_unique<locate::PdRegionSource>(*pd_);
    source_ = std::make_unique<txnkv::CodecRegionSource>(*pd_source_);
    oracle_ = std::make_unique<txnkv::PdOracle>(*pd_, loop.clock(process_));
    transport_ = std::make_unique<locate::RpcStoreTransport>(
        loop.executor(process_), loop.clock(process_),
        sim.network().endpoint(process_));
    cache_ = std::make_unique<locate::RegionCache>(*source_);
    sender_ =
        std::make_unique<locate::RegionRequestSender>(*cache_, *transport_);
    client_ = std::make_unique<TxnClient>(loop.executor(process_),
                                          loop.clock(process_), random_,
                                          *oracle_, *cache_, *transport_);
  }
  void TearDown() override {
    cluster_.sim().loop().Shutdown();
    client_.reset();
    sender_.reset();
    cache_.reset();
    transport_.reset();
    oracle_.reset();
    pd_.reset();
  }
  bool Run(const std::function<void()>& body) {
    auto done = std::make_shared<bool>(false);
    cluster_.sim().loop().executor(process_).Spawn("txn", [body, done] {
      body();
      *done = true;
    });
    return cluster_.RunUntil([&] { return *done; }, kLimit);
  }
  std::unique_ptr<Transaction> Begin() {
    auto txn = client_->Begin();
    EXPECT_TRUE(txn.ok()) << txn.status();
    return txn.ok() ? std::move(*txn) : nullptr;
  }
  // Commits `pairs` in one transaction.
  absl::Status Write(const std::vector<KvPair>& pairs) {
    std::unique_ptr<Transaction> txn = Begin();
    if (txn == nullptr) return absl::InternalError("no txn");
    for (const KvPair& pair : pairs)
      RETURN_IF_ERROR(txn->Set(pair.key, pair.value));
    return txn->Commit();
  }
  std::optional<std::string> Read(const std::string& key) {
    std::unique_ptr<Transaction> txn = Begin();
    auto got = txn->Get(key);
    EXPECT_TRUE(got.ok()) << got.status();
    return got.ok() ? *got : std::nullopt;
  }
  // tikvpb SplitRegion at the transactional key `key`.
  void SplitRegion(const std::string& key) {
    retry::Backoffer bo(cluster_.sim().loop().executor(process_),
                        retry::kRawkvMaxBackoff, 3);
    for (;;) {
      auto location = cache_->LocateKey(bo, key);
      ASSERT_TRUE(location.ok()) << location.status();
      kvrpcpb::SplitRegionRequest request;
      request.add_split_keys(key);
      auto response = sender_->SendReq<kvrpcpb::SplitRegionResponse>(
          bo, "/tikvpb.Tikv/SplitRegion", request, location->region);
      ASSERT_TRUE(response.ok()) << response.status();
      if (!response->has_region_error()) {
        ASSERT_EQ(response->regions_size(), 2);
        return;
      }
      ASSERT_TRUE(
          bo.Backoff(retry::kBoRegionMiss, absl::UnavailableError("split"))
              .ok());
    }
  }

  sim::cluster::Cluster cluster_{sim::cluster::ClusterOptions{.seed = 5}};
  sim::ProcessId process_ = 0;
  core::env::SeededRandom random_{23};
  std::unique_ptr<pd::PdClient> pd_;
  std::unique_ptr<locate::PdRegionSource> pd_source_;
  std::unique_ptr<txnkv::CodecRegionSource> source_;
  std::unique_ptr<txnkv::PdOracle> oracle_;
  std::unique_ptr<locate::RpcStoreTransport> transport_;
  std::unique_ptr<locate::RegionCache> cache_;
  std::unique_ptr<locate::RegionRequestSender> sender_;
  std::unique_ptr<TxnClient> client_;
};

// Writes, splits at transactional keys the client's cache does not know
// of (the stores encode them; the cache decodes EpochNotMatch's regions),
// and reads across the new regions.
TEST_F(TxnSimClusterTest, RoundTripsAcrossForcedSplits) {
  std::vector<KvPair> pairs;
  for (int i = 0; i < 300; ++i) pairs.push_back({Key(i), "v" + Key(i)});
  ASSERT_TRUE(Run([&] {
    ASSERT_TRUE(Write(pairs).ok());
    SplitRegion(Key(100));
    SplitRegion(Key(200));
    std::unique_ptr<Transaction> txn = Begin();
    std::vector<std::string> keys;
    for (const KvPair& pair : pairs) keys.push_back(pair.key);
    auto got = txn->BatchGet(keys);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->size(), 300u);
    EXPECT_EQ((*got)[Key(150)], "v" + Key(150));
    auto all = txn->Scan("", "", 1000);
    ASSERT_TRUE(all.ok()) << all.status();
    EXPECT_EQ(*all, pairs);
    auto part = txn->Scan(Key(50), Key(250), 1000);
    ASSERT_TRUE(part.ok()) << part.status();
    EXPECT_EQ(part->size(), 200u);
    // A txn over the three regions: delete across them, write new ones.
    std::unique_ptr<Transaction> writer = Begin();
    for (int i = 90; i < 210; ++i) ASSERT_TRUE(writer->Delete(Key(i)).ok());
    ASSERT_TRUE(writer->Set("zz", "end").ok());
    // Its own writes are seen before commit.
    EXPECT_EQ(writer->Scan("", "", 1000)->size(), 181u);
    ASSERT_TRUE(writer->Commit().ok());
    std::unique_ptr<Transaction> after = Begin();
    EXPECT_EQ(after->Scan("", "", 1000)->size(), 181u);
    EXPECT_EQ(*after->Get(Key(150)), std::nullopt);
    EXPECT_EQ(*after->Get("zz"), std::optional<std::string>("end"));
    // The old snapshot still reads at its start_ts.
    EXPECT_EQ(*txn->Get(Key(150)), std::optional<std::string>("v" + Key(150)));
  }));
  EXPECT_GT(client_->sender().stats().region_errors, 0u);
  EXPECT_EQ(cache_->size(), 3u);
}

// Two txns write one key: the second to commit fails with WriteConflict and
// leaves nothing; a retry from a fresh start_ts succeeds.
TEST_F(TxnSimClusterTest, WriteWriteConflictSurfaced) {
  ASSERT_TRUE(Run([&] {
    std::unique_ptr<Transaction> first = Begin();
    std::unique_ptr<Transaction> second = Begin();
    ASSERT_TRUE(first->Set("a", "first").ok());
    ASSERT_TRUE(second->Set("a", "second").ok());
    ASSERT_TRUE(second->Set("b", "second").ok());
    ASSERT_TRUE(first->Commit().ok());
    absl::Status lost = second->Commit();
    EXPECT_EQ(TxnErrorOf(lost), TxnError::kWriteConflict) << lost;
    EXPECT_EQ(Read("a"), std::optional<std::string>("first"));
    EXPECT_EQ(Read("b"), std::nullopt);
    // Insert of an existing key.
    std::unique_ptr<Transaction> insert = Begin();
    ASSERT_TRUE(insert->Insert("a", "again").ok());
    EXPECT_EQ(TxnErrorOf(insert->Commit()), TxnError::kKeyAlreadyExists);
    ASSERT_TRUE(Write({{"a", "third"}, {"b", "third"}}).ok());
    EXPECT_EQ(Read("b"), std::optional<std::string>("third"));
  }));
}

// A client stops after prewrite (its locks stay, their TTL runs out): a
// later reader's resolver rolls the txn back (CheckTxnStatus on the
// primary, ResolveLock on the secondaries' region), and the reader sees
// the values before it. Catches CLIENT_TXN_RESOLVER_COMMITS_ROLLED_BACK.
TEST_F(TxnSimClusterTest, CrashAfterPrewriteIsRolledBackByAReader) {
  ASSERT_TRUE(Run([&] {
    ASSERT_TRUE(Write({{Key(1), "old"}, {Key(150), "old"}}).ok());
    SplitRegion(Key(100));
    client_->options().after_prewrite = [](uint64_t) { return false; };
    std::unique_ptr<Transaction> crashed = Begin();
    ASSERT_TRUE(crashed->Set(Key(1), "new").ok());
    ASSERT_TRUE(crashed->Set(Key(150), "new").ok());
    EXPECT_FALSE(crashed->Commit().ok());
    client_->options().after_prewrite = nullptr;
    // While the locks live a reader pushes the primary's min_commit_ts and
    // reads past them (resolved_locks).
    EXPECT_EQ(Read(Key(150)), std::optional<std::string>("old"));
    EXPECT_FALSE(client_->resolver().Resolved(crashed->start_ts()).has_value());
    // Past their TTL (3 s) the txn is rolled back.
    cluster_.sim().loop().executor(process_).SleepFor(Duration::Seconds(4));
    // The secondary first: the reader meets its lock, asks the primary.
    EXPECT_EQ(Read(Key(150)), std::optional<std::string>("old"));
    EXPECT_EQ(Read(Key(1)), std::optional<std::string>("old"));
    auto status = client_->resolver().Resolved(crashed->start_ts());
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(status->IsRolledBack());
    // The crashed txn's keys are free for the next writer.
    ASSERT_TRUE(Write({{Key(1), "next"}, {Key(150), "next"}}).ok());
    EXPECT_EQ(Read(Key(150)), std::optional<std::string>("next"));
  }));
  EXPECT_GT(client_->resolver().stats().check_txn_status, 0u);
  EXPECT_GT(client_->resolver().stats().resolve_lock, 0u);
}

// A client stops after committing the primary: the txn is committed, and
// a reader meeting a secondary's lock rolls it forward (CheckTxnStatus
// says committed, ResolveLock commits the key at the primary's commit_ts).
TEST_F(TxnSimClusterTest, CrashAfterThePrimaryIsRolledForwardByAReader) {
  ASSERT_TRUE(Run([&] {
    SplitRegion(Key(100));
    client_->options().after_primary_commit = [](uint64_t) { return false; };
    std::unique_ptr<Transaction> crashed = Begin();
    ASSERT_TRUE(crashed->Set(Key(1), "new").ok());
    ASSERT_TRUE(crashed->Set(Key(150), "new").ok());
    ASSERT_TRUE(crashed->Commit().ok());
    client_->options().after_primary_commit = nullptr;
    EXPECT_EQ(Read(Key(150)), std::optional<std::string>("new"));
    auto status = client_->resolver().Resolved(crashed->start_ts());
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(status->commit_ts, crashed->commit_ts());
    EXPECT_EQ(Read(Key(1)), std::optional<std::string>("new"));
  }));
  EXPECT_EQ(client_->resolver().stats().check_txn_status, 1u);
  EXPECT_EQ(client_->resolver().stats().resolve_lock, 1u);
}

// Async commit across two regions and 1PC in one: both commit without a
// commit RPC of their own on the critical path, and read back.
TEST_F(TxnSimClusterTest, AsyncCommitAndOnePc) {
  ASSERT_TRUE(Run([&] {
    SplitRegion(Key(100));
    client_->options().enable_async_commit = true;
    std::unique_ptr<Transaction> async = Begin();
    ASSERT_TRUE(async->Set(Key(1), "async").ok());
    ASSERT_TRUE(async->Set(Key(150), "async").ok());
    ASSERT_TRUE(async->Commit().ok());
    EXPECT_TRUE(async->committer()->async_commit());
    EXPECT_GT(async->commit_ts(), async->start_ts());
    EXPECT_EQ(Read(Key(150)), std::optional<std::string>("async"));
    EXPECT_EQ(Read(Key(1)), std::optional<std::string>("async"));
    client_->options().enable_async_commit = false;
    client_->options().try_one_pc = true;
    std::unique_ptr<Transaction> one = Begin();
    ASSERT_TRUE(one->Set(Key(2), "1pc").ok());
    ASSERT_TRUE(one->Set(Key(3), "1pc").ok());
    ASSERT_TRUE(one->Commit().ok());
    EXPECT_TRUE(one->committer()->one_pc());
    EXPECT_EQ(Read(Key(3)), std::optional<std::string>("1pc"));
    // Over two regions 1PC falls back to 2PC.
    std::unique_ptr<Transaction> two = Begin();
    ASSERT_TRUE(two->Set(Key(4), "2pc").ok());
    ASSERT_TRUE(two->Set(Key(160), "2pc").ok());
    ASSERT_TRUE(two->Commit().ok());
    EXPECT_FALSE(two->committer()->one_pc());
    EXPECT_EQ(Read(Key(160)), std::optional<std::string>("2pc"));
  }));
}

// A pessimistic lock held by one txn: another's LockKeys waits it out up
// to lock_wait_timeout (LockWaitTimeout), then gets it once the holder
// committed; the holder's TTL manager keeps its lock alive past 20 s.
TEST_F(TxnSimClusterTest, PessimisticLockConflictAndHeartbeats) {
  ASSERT_TRUE(Run([&] {
    auto holder = client_->BeginPessimistic();
    ASSERT_TRUE(holder.ok());
    ASSERT_TRUE((*holder)->LockKeys({"p", "q"}).ok());
    EXPECT_EQ((*holder)->primary(), "p");
    client_->options().lock_wait_timeout = Duration::Milliseconds(500);
    auto waiter = client_->BeginPessimistic();
    ASSERT_TRUE(waiter.ok());
    absl::Status timed_out = (*waiter)->LockKeys({"q"});
    EXPECT_EQ(TxnErrorOf(timed_out), TxnError::kLockWaitTimeout) << timed_out;
    // Past the first 20 s TTL the holder's heartbeats extended it.
    cluster_.sim().loop().executor(process_).SleepFor(Duration::Seconds(25));
    EXPECT_GT((*holder)->ttl_manager().heartbeats(), 0u);
    retry::Backoffer bo(cluster_.sim().loop().executor(process_),
                        Duration::Seconds(20), 5);
    auto status = client_->resolver().GetTxnStatus(
        bo, (*holder)->start_ts(), "p", 0, *oracle_->GetTimestamp(), false,
        false, nullptr);
    ASSERT_TRUE(status.ok()) << status.status();
    EXPECT_GT(status->ttl_ms, 25000u);
    EXPECT_EQ(TxnErrorOf((*waiter)->LockKeys({"q"})),
              TxnError::kLockWaitTimeout);
    ASSERT_TRUE((*holder)->Set("q", "held").ok());
    ASSERT_TRUE((*holder)->Commit().ok());
    ASSERT_TRUE((*waiter)->Rollback().ok());
    auto next = client_->BeginPessimistic();
    ASSERT_TRUE((*next)->LockKeys({"q"}).ok());
    ASSERT_TRUE((*next)->Set("q", "next").ok());
    ASSERT_TRUE((*next)->Commit().ok());
    EXPECT_EQ(Read("q"), std::optional<std::string>("next"));
    // A rolled-back pessimistic txn leaves its keys free.
    auto dropped = client_->BeginPessimistic();
    ASSERT_TRUE((*dropped)->LockKeys({"p"}).ok());
    ASSERT_TRUE((*dropped)->Rollback().ok());
    auto after = client_->BeginPessimistic();
    client_->options().lock_wait_timeout = Duration::Zero();
    ASSERT_TRUE((*after)->LockKeys({"p"}).ok());
    ASSERT_TRUE((*after)->Rollback().ok());
  }));
}

// The bank: 6 accounts over 3 regions, 4 clients moving money between
// random pairs (conflicts counted, not retried), a reader summing every
// account in one snapshot, while the leader's store of an account's region
// crashes and comes back: every snapshot sums to the total, and transfers
// got through.
constexpr int kAccounts = 6;
constexpr int kInitial = 100;
constexpr int kBankClients = 4;

std::string Account(int i) { return "acct" + std::to_string(i); }

struct BankCounts {
  int committed = 0;
  int failed = 0;
  int conflicts = 0;
  int snapshots = 0;
  int clients_left = kBankClients;
  std::vector<std::string> broken;
};

// One client's transfers: read both accounts, move 1..10, commit.
void BankClient(TxnClient& client, uint64_t seed, BankCounts& counts) {
  core::env::SeededRandom pick(seed);
  for (int n = 0; n < 12; ++n) {
    const int from = static_cast<int>(pick.NextU64() % kAccounts);
    const int to =
        (from + 1 + static_cast<int>(pick.NextU64() % (kAccounts - 1))) %
        kAccounts;
    const int amount = 1 + static_cast<int>(pick.NextU64() % 10);
    auto txn = client.Begin();
    auto got =
        txn.ok()
            ? (*txn)->BatchGet({Account(from), Account(to)})
            : absl::StatusOr<std::map<std::string, std::string>>(txn.status());
    if (!got.ok() || got->size() != 2) {
      ++counts.failed;
      continue;
    }
    const int balance_from = std::stoi((*got)[Account(from)]);
    const int balance_to = std::stoi((*got)[Account(to)]);
    (void)(*txn)->Set(Account(from), std::to_string(balance_from - amount));
    (void)(*txn)->Set(Account(to), std::to_string(balance_to + amount));
    const absl::Status status = (*txn)->Commit();
    if (status.ok()) {
      ++counts.committed;
      continue;
    }
    ++counts.failed;
    if (TxnErrorOf(status) == TxnError::kWriteConflict) ++counts.conflicts;
  }
  --counts.clients_left;
}

// Sums every account in one snapshot until the clients are done.
void BankReader(TxnClient& client, BankCounts& counts) {
  while (counts.clients_left > 0) {
    auto txn = client.Begin();
    if (!txn.ok()) continue;
    auto all = (*txn)->Scan("acct", "acctz", 100);
    if (!all.ok()) continue;
    int sum = 0;
    for (const KvPair& pair : *all) sum += std::stoi(pair.value);
    if (all->size() != static_cast<size_t>(kAccounts) ||
        sum != kAccounts * kInitial) {
      counts.broken.push_back("ts " + std::to_string((*txn)->start_ts()) +
                              ": " + std::to_string(all->size()) +
                              " accounts, sum " + std::to_string(sum));
    }
    ++counts.snapshots;
  }
}

TEST_F(TxnSimClusterTest, BankInvariantUnderALeadersStoreCrash) {
  ASSERT_TRUE(Run([&] {
    std::vector<KvPair> pairs;
    for (int i = 0; i < kAccounts; ++i) {
      pairs.push_back({Account(i), std::to_string(kInitial)});
    }
    ASSERT_TRUE(Write(pairs).ok());
    SplitRegion(Account(2));
    SplitRegion(Account(4));
  }));
  core::env::Executor& executor = cluster_.sim().loop().executor(process_);
  auto counts = std::make_shared<BankCounts>();
  for (int c = 0; c < kBankClients; ++c) {
    executor.Spawn(
        "bank", [this, c, counts] { BankClient(*client_, 100 + c, *counts); });
  }
  executor.Spawn("bank-reader",
                 [this, counts] { BankReader(*client_, *counts); });
  cluster_.RunFor(Duration::Seconds(1));
  const uint64_t region =
      cluster_.RegionForKey(txnkv::EncodeRegionKey(Account(3)))->id;
  const int down = cluster_.LeaderOf(region);
  ASSERT_NE(down, 0);
  cluster_.CrashStore(down);
  cluster_.RunFor(Duration::Seconds(5));
  cluster_.RestartStore(down);
  ASSERT_TRUE(
      cluster_.RunUntil([&] { return counts->clients_left == 0; }, kLimit));
  EXPECT_TRUE(counts->broken.empty()) << counts->broken.front();
  EXPECT_GT(counts->committed, 10);
  EXPECT_GT(counts->snapshots, 5);
  std::cout << "bank: " << counts->committed << " committed, " << counts->failed
            << " failed (" << counts->conflicts << " write conflicts), "
            << counts->snapshots << " snapshots\n";
}

}  // namespace
}  // namespace client::testing
