// The transactional client on a scripted PD and scripted stores (two
// regions: [ "", "m" ) id 2 and [ "m", "" ) id 3, one store), for unit
// tests and the client's mutant checks: each scenario returns what the
// client sent, for the test to judge.
#ifndef TESTS_CLIENT_TXN_SCENARIOS_H_
#define TESTS_CLIENT_TXN_SCENARIOS_H_

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "client/locate/region_cache.h"
#include "client/txnkv/txn_client.h"
#include "core/env/random.h"
#include "proto/kvrpcpb.pb.h"
#include "sim/simulation/simulation.h"
#include "tests/client/scripted_pd.h"
#include "tests/client/scripted_txn_store.h"

namespace client::txnkv::testing {

class ScriptedTxnCluster {
 public:
  ScriptedTxnCluster() {
    pd.AddStore(1);
    pd.SetRegion(locate::testing::MakeRegion(2, "", "m", 5, {1}), 1);
    pd.SetRegion(locate::testing::MakeRegion(3, "m", "", 5, {1}), 1);
    oracle.now_ms = 5000;
  }
  ~ScriptedTxnCluster() { sim.loop().Shutdown(); }
  // Runs `body` on a fibre of the client's process (virtual time), and
  // the background fibres it left for `linger` more.
  bool Run(const std::function<void()>& body,
           core::base::Duration linger = core::base::Duration::Seconds(1)) {
    bool done = false;
    sim.loop().executor(node).Spawn("test", [&] {
      body();
      done = true;
    });
    const auto limit = sim.loop().Now() + core::base::Duration::Seconds(300);
    while (!done && sim.loop().Now() < limit) {
      sim.loop().RunFor(core::base::Duration::Milliseconds(10));
    }
    sim.loop().RunFor(linger);
    return done;
  }

  sim::Simulation sim{sim::SimulationOptions{.seed = 9}};
  sim::ProcessId node = sim.AddNode({.host = "client"});
  locate::testing::ScriptedPd pd;
  ScriptedTxnStore store;
  FakeOracle oracle;
  core::env::SeededRandom random{31};
  locate::RegionCache cache{pd};
  TxnClient client{sim.loop().executor(node),
                   sim.loop().clock(node),
                   random,
                   oracle,
                   cache,
                   store};
};

// A 2PC over both regions (primary "a"; "n" in the other region): the
// keys of each KvCommit, in the order sent.
inline std::vector<std::vector<std::string>> CommitOrder() {
  ScriptedTxnCluster c;
  EXPECT_TRUE(c.Run([&] {
    auto txn = c.client.Begin();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Set("n", "2").ok());
    ASSERT_TRUE((*txn)->Set("a", "1").ok());
    ASSERT_TRUE((*txn)->Commit().ok());
    EXPECT_EQ((*txn)->primary(), "");  // optimistic: chosen at commit
  }));
  std::vector<std::vector<std::string>> order;
  for (const auto& request :
       c.store.Requests<kvrpcpb::CommitRequest>("KvCommit")) {
    order.emplace_back(request.keys().begin(), request.keys().end());
  }
  return order;
}

// A reader meets a secondary lock of a txn CheckTxnStatus says is rolled
// back: the commit_version of each ResolveLock it sends.
inline std::vector<uint64_t> ResolveRolledBack() {
  ScriptedTxnCluster c;
  kvrpcpb::GetResponse locked;
  kvrpcpb::LockInfo* info = locked.mutable_error()->mutable_locked();
  info->set_primary_lock("a");
  info->set_key("n");
  info->set_lock_version(TsAt(1000));
  info->set_lock_ttl(100);
  info->set_txn_size(2);
  c.store.Answer("KvGet", locked);
  kvrpcpb::CheckTxnStatusResponse rolled_back;
  rolled_back.set_action(kvrpcpb::TTLExpireRollback);
  c.store.Answer("KvCheckTxnStatus", rolled_back);
  EXPECT_TRUE(c.Run([&] {
    auto txn = c.client.Begin();
    ASSERT_TRUE(txn.ok());
    auto got = (*txn)->Get("n");
    ASSERT_TRUE(got.ok()) << got.status();
  }));
  std::vector<uint64_t> commit_versions;
  for (const auto& request :
       c.store.Requests<kvrpcpb::ResolveLockRequest>("KvResolveLock")) {
    commit_versions.push_back(request.commit_version());
  }
  return commit_versions;
}

}  // namespace client::txnkv::testing

#endif  // TESTS_CLIENT_TXN_SCENARIOS_H_
