// Model-based property test: random transactions (optimistic, pessimistic,
// async commit, 1PC, read-only) over random keys, their steps interleaved at
// random, clients that crash mid-commit, and resolvers (other clients)
// deciding and resolving their locks at random moments, all on the real
// actions. After every step every invariant of README.md must hold. At the
// end every client stops, resolvers drain all locks, and the outcome must be
// snapshot isolation: atomic transactions, no lost commits, first committer
// wins, and every read equal to the committed snapshot at its start_ts.
//
// The Elle-style SI checker (jepsen/) will later be fed the same histories.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/base/prng.h"
#include "core/mvcc/key.h"
#include "core/mvcc/lock.h"
#include "core/mvcc/write.h"
#include "spec/percolator/invariants.h"
#include "spec/percolator/rc_params.h"
#include "spec/percolator/world.h"

namespace spec::percolator {
namespace {

using core::env::Cf;

std::vector<std::string> PickKeys(core::base::Prng& prng,
                                  const std::vector<std::string>& pool,
                                  uint64_t max_count) {
  std::vector<std::string> keys;
  for (uint64_t n = prng.Uniform(max_count + 1); n > 0; --n) {
    const std::string& key = pool[prng.Uniform(pool.size())];
    if (std::find(keys.begin(), keys.end(), key) == keys.end())
      keys.push_back(key);
  }
  return keys;
}

// Random workload: 3..8 transactions over 3 keys, every kind, some long
// values, a random lock TTL (0: every lock is immediately resolvable).
std::shared_ptr<const WorldConfig> GenConfig(core::base::Prng& prng) {
  auto config = std::make_shared<WorldConfig>();
  const std::vector<std::string> pool = {"a", "b", "c"};
  const std::vector<TxnKind> kinds = {
      TxnKind::kOptimistic, TxnKind::kPessimistic, TxnKind::kAsyncCommit,
      TxnKind::kOnePc, TxnKind::kReadOnly};
  for (uint64_t i = 3 + prng.Uniform(6); i > 0; --i) {
    TxnSpec spec;
    spec.kind = kinds[prng.Uniform(kinds.size())];
    spec.read_keys = PickKeys(prng, pool, 2);
    if (spec.kind != TxnKind::kReadOnly) {
      spec.write_keys = PickKeys(prng, pool, 3);
      if (spec.write_keys.empty()) spec.write_keys = {pool[prng.Uniform(3)]};
      spec.long_values = prng.OneIn(4);
    } else if (spec.read_keys.empty()) {
      spec.read_keys = {pool[prng.Uniform(3)]};
    }
    config->txns.push_back(spec);
  }
  config->max_tso = 400;
  config->lock_ttl_ms = prng.Uniform(4);
  return config;
}

struct Option {
  std::string label;
  World next;
};

std::vector<Option> Enabled(const World& world,
                            const std::set<uint32_t>& crashed,
                            bool resolvers_only) {
  std::vector<Option> options;
  Successors(world, [&](std::string label, World next) {
    if (label.rfind("R ", 0) != 0) {
      if (resolvers_only) return;
      const uint32_t txn = std::stoul(label.substr(1)) - 1;
      if (crashed.contains(txn)) return;
    }
    options.push_back(Option{std::move(label), std::move(next)});
  });
  return options;
}

void AssertInvariants(const World& world,
                      const std::vector<std::string>& trace) {
  std::string detail;
  const std::string violated = FirstViolation(world, &detail);
  if (violated.empty()) return;
  std::ostringstream out;
  out << violated << ": " << detail << "\ntrace:\n";
  for (const std::string& step : trace) out << "  " << step << "\n";
  out << Describe(world);
  RC_FAIL(out.str());
}

// Every transaction is committed on all of its keys or on none; an
// acknowledged one on all, at the acknowledged commit_ts.
void AssertAtomicOutcome(const World& world) {
  std::map<std::pair<uint64_t, std::string>, uint64_t>
      commit_of;  // (start, key)
  for (const auto& [version_key, bytes] : world.store.table(Cf::kWrite)) {
    auto split = core::mvcc::Key::SplitVersionKey(version_key);
    auto write = core::mvcc::Write::Parse(bytes);
    RC_ASSERT(split.ok() && write.ok());
    if (write->write_type == core::mvcc::WriteType::kRollback) continue;
    commit_of[{write->start_ts.value(), *split->first.ToRaw()}] =
        split->second.value();
  }
  for (uint32_t i = 0; i < world.txns.size(); ++i) {
    const TxnSpec& spec = world.spec(i);
    size_t committed = 0;
    for (const std::string& key : spec.write_keys) {
      committed += commit_of.contains({world.txns[i].start_ts, key});
    }
    RC_ASSERT(committed == 0 || committed == spec.write_keys.size());
    if (auto ack = world.ghost.acknowledged.find(i);
        ack != world.ghost.acknowledged.end()) {
      RC_ASSERT(committed == spec.write_keys.size());
      for (const std::string& key : spec.write_keys) {
        RC_ASSERT(commit_of.at({world.txns[i].start_ts, key}) == ack->second);
      }
    }
  }
}

// What the runs exercised, so that a vacuous property is noticed.
struct Coverage {
  size_t steps = 0;
  size_t acknowledged = 0;
  size_t decided = 0;
  size_t reads = 0;
};
Coverage g_coverage;

void RandomInterleavingsAreSnapshotIsolated();

TEST(PercolatorModelProperty, RandomInterleavingsAreSnapshotIsolated) {
  CheckWithParams(&RandomInterleavingsAreSnapshotIsolated, 300, 100);
  std::cout << "[percolator model] " << g_coverage.steps << " steps, "
            << g_coverage.acknowledged << " commits acknowledged, "
            << g_coverage.decided << " fates decided by resolvers, "
            << g_coverage.reads << " reads checked" << std::endl;
  EXPECT_GT(g_coverage.acknowledged, 100u);
  EXPECT_GT(g_coverage.decided, 100u);
  EXPECT_GT(g_coverage.reads, 100u);
}

void RandomInterleavingsAreSnapshotIsolated() {
  // Workload and schedule come from one seed; on failure the trace and the
  // state are printed, and RC_PARAMS=reproduce=... replays it.
  core::base::Prng prng(*rc::gen::arbitrary<uint64_t>());
  const auto config = GenConfig(prng);
  World world = World::Initial(config);
  std::set<uint32_t> crashed;
  std::vector<std::string> trace;
  const uint64_t steps = prng.Uniform(200);
  for (uint64_t step = 0; step < steps; ++step) {
    if (prng.OneIn(60)) crashed.insert(prng.Uniform(world.txns.size()));
    std::vector<Option> options = Enabled(world, crashed, false);
    if (options.empty()) break;
    Option& pick = options[prng.Uniform(options.size())];
    trace.push_back(pick.label);
    world = std::move(pick.next);
    AssertInvariants(world, trace);
  }
  // Recovery: every client is gone; resolvers drain every lock.
  for (int round = 0; round < 300; ++round) {
    std::vector<Option> options = Enabled(world, crashed, true);
    if (options.empty()) break;
    trace.push_back(options.front().label);
    world = std::move(options.front().next);
    AssertInvariants(world, trace);
  }
  RC_ASSERT(world.store.table(Cf::kLock).empty());
  AssertAtomicOutcome(world);
  g_coverage.steps += trace.size();
  g_coverage.acknowledged += world.ghost.acknowledged.size();
  g_coverage.decided += world.ghost.decisions.size();
  g_coverage.reads += world.ghost.reads.size();
}

}  // namespace
}  // namespace spec::percolator
