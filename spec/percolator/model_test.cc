// Model-based property test: random transactions (optimistic, pessimistic,
// async commit, 1PC, read-only) over random keys, their steps interleaved at
// random, clients that crash mid-commit, and resolvers (other clients)
// deciding and resolving their locks at random moments, all on the real
// actions (random_run.h). After every step every invariant of README.md must
// hold. At the end every client stops, resolvers drain all locks, and the
// outcome must be snapshot isolation: atomic transactions, no lost commits,
// and the history the clients observed (si_history.h) must pass the
// Elle-style checker (//jepsen/elle, rw-register) under snapshot isolation,
// and under strong SI (real-time order respected).
//
// Ref: Percolator §2.2; Elle (VLDB 2020) §3.4; Adya §4.3 (PL-SI).
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/base/testing/rapidcheck_gtest.h"
#include "core/mvcc/key.h"
#include "core/mvcc/lock.h"
#include "core/mvcc/write.h"
#include "jepsen/history/history.h"
#include "spec/percolator/random_run.h"
#include "spec/percolator/si_history.h"
#include "spec/percolator/world.h"

namespace spec::percolator {
namespace {

using core::env::Cf;

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
  size_t history_ok = 0;  // :ok transactions judged by the SI checker
  size_t history_fail = 0;
  size_t history_info = 0;
  size_t allowed_lost_updates = 0;  // see si_history.h LateLock
};
Coverage g_coverage;

void CountOutcomes(const jepsen::history::History& history) {
  for (const jepsen::history::Op& op : history.ops) {
    g_coverage.history_ok += op.type == jepsen::history::OpType::kOk;
    g_coverage.history_fail += op.type == jepsen::history::OpType::kFail;
    g_coverage.history_info += op.type == jepsen::history::OpType::kInfo;
  }
}

void AssertVerdict(const SiVerdict& verdict, const CaseResult& run) {
  if (verdict.valid) return;
  std::ostringstream out;
  out << verdict.explanation << "\nhistory:\n"
      << FormatHistory(run.history) << "trace:\n";
  for (const std::string& step : run.trace) out << "  " << step << "\n";
  out << Describe(run.world);
  RC_FAIL(out.str());
}

void RandomInterleavingsAreSnapshotIsolated();

TEST(PercolatorModelProperty, RandomInterleavingsAreSnapshotIsolated) {
  core::base::testing::CheckGTestWithParams(
      &RandomInterleavingsAreSnapshotIsolated, 300, 100);
  std::cout << "[percolator model] " << g_coverage.steps << " steps, "
            << g_coverage.acknowledged << " commits acknowledged, "
            << g_coverage.decided << " fates decided by resolvers, "
            << g_coverage.reads << " reads checked; SI checker judged "
            << g_coverage.history_ok << " :ok, " << g_coverage.history_fail
            << " :fail, " << g_coverage.history_info << " :info transactions ("
            << g_coverage.allowed_lost_updates
            << " lost updates through late pessimistic locks allowed)"
            << std::endl;
  EXPECT_GT(g_coverage.acknowledged, 100u);
  EXPECT_GT(g_coverage.decided, 100u);
  EXPECT_GT(g_coverage.reads, 100u);
  EXPECT_GT(g_coverage.history_ok, 300u);
  EXPECT_GT(g_coverage.history_fail, 30u);
  EXPECT_GT(g_coverage.history_info, 30u);
}

void RandomInterleavingsAreSnapshotIsolated() {
  // Workload and schedule come from one seed; on failure the trace, the
  // history and the state are printed, and RC_PARAMS=reproduce=... replays
  // it.
  const CaseResult run = RunCase(*rc::gen::arbitrary<uint64_t>());
  if (!run.violation.empty()) {
    std::ostringstream out;
    out << run.violation << "\ntrace:\n";
    for (const std::string& step : run.trace) out << "  " << step << "\n";
    out << Describe(run.world);
    RC_FAIL(out.str());
  }
  const World& world = run.world;
  RC_ASSERT(world.store.table(Cf::kLock).empty());
  AssertAtomicOutcome(world);
  const SiVerdict si = CheckSnapshotIsolation(run.history, run.late_locks);
  AssertVerdict(si, run);
  AssertVerdict(CheckStrongSnapshotIsolation(run.history, run.late_locks), run);
  g_coverage.allowed_lost_updates += si.allowed_lost_updates;
  g_coverage.steps += run.trace.size();
  g_coverage.acknowledged += world.ghost.acknowledged.size();
  g_coverage.decided += world.ghost.decisions.size();
  g_coverage.reads += world.ghost.reads.size();
  CountOutcomes(run.history);
}

}  // namespace
}  // namespace spec::percolator
