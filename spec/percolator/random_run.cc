#include "spec/percolator/random_run.h"

#include <algorithm>
#include <set>
#include <utility>

#include "spec/percolator/invariants.h"
#include "spec/percolator/si_history.h"

namespace spec::percolator {
namespace {

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

struct Option {
  std::string label;
  World next;
};

// Steps of live clients (unless resolvers_only) and of resolvers.
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

// Takes `option`; false when the run must stop at an invariant violation.
bool Take(Option& option, const CaseOptions& options, CaseResult& run,
          HistoryRecorder& recorder) {
  run.trace.push_back(std::move(option.label));
  run.world = std::move(option.next);
  recorder.Observe(run.world);
  if (!options.check_invariants) return true;
  std::string detail;
  const std::string violated = FirstViolation(run.world, &detail);
  if (violated.empty()) return true;
  run.violation = violated + ": " + detail;
  return false;
}

}  // namespace

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
      if (prng.OneIn(2)) {  // read-modify-write
        for (const std::string& key : spec.write_keys) {
          if (std::find(spec.read_keys.begin(), spec.read_keys.end(), key) ==
              spec.read_keys.end())
            spec.read_keys.push_back(key);
        }
      }
    } else if (spec.read_keys.empty()) {
      spec.read_keys = {pool[prng.Uniform(3)]};
    }
    config->txns.push_back(spec);
  }
  config->max_tso = 400;
  config->lock_ttl_ms = prng.Uniform(4);
  return config;
}

CaseResult RunCase(uint64_t seed, const CaseOptions& options) {
  core::base::Prng prng(seed);
  CaseResult run;
  run.world = World::Initial(GenConfig(prng));
  HistoryRecorder recorder(run.world.txns.size());
  recorder.Observe(run.world);
  std::set<uint32_t> crashed;
  const uint64_t steps = prng.Uniform(options.max_steps);
  for (uint64_t step = 0; step < steps; ++step) {
    if (prng.OneIn(options.crash_one_in)) {
      const uint32_t txn = prng.Uniform(run.world.txns.size());
      crashed.insert(txn);
      recorder.Crash(txn);
    }
    std::vector<Option> enabled = Enabled(run.world, crashed, false);
    if (enabled.empty()) break;
    if (!Take(enabled[prng.Uniform(enabled.size())], options, run, recorder)) {
      run.history = recorder.history();
      run.late_locks = recorder.late_locks();
      return run;
    }
  }
  // Recovery: every client is gone; resolvers drain every lock.
  recorder.StopAll();
  for (int round = 0; round < 300; ++round) {
    std::vector<Option> enabled = Enabled(run.world, crashed, true);
    if (enabled.empty()) break;
    if (!Take(enabled.front(), options, run, recorder)) break;
  }
  run.history = recorder.history();
  run.late_locks = recorder.late_locks();
  return run;
}

}  // namespace spec::percolator
