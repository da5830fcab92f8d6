// txn_bench: Percolator action throughput and read latency on MemEngine and
// RocksEngine, each next to a baseline measured in the same run on the same
// engine (plain engine writes/reads of the same keys and values, i.e. what
// the MVCC layer costs on top of the engine).
//
//   prewrite+commit, 1-key txns   one prewrite batch + one commit batch per txn
//   prewrite+commit, 10-key txns  one 10-key prewrite batch + one commit batch
//   point get                     TxnGet (max_ts, lock check, CF_WRITE seek,
//                                 short value) on a loaded store: mean/p50/p99
//
//   bazel run --config=opt //tests/txn:txn_bench -- [--quick] [--txns=N]
//       [--engine=mem|rocks|all] [--dir=PATH]
//
// Single-threaded; no Raft, no network: the numbers are the cost of the
// transaction layer and the engine alone.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "core/base/check.h"
#include "core/base/prng.h"
#include "core/engine/mem_engine.h"
#include "core/mvcc/mvcc_txn.h"
#include "core/mvcc/reader.h"
#include "core/txn/actions/commit.h"
#include "core/txn/actions/prewrite.h"
#include "core/txn/concurrency_manager.h"
#include "core/txn/txn_read.h"
#include "runtime/storage/rocks_engine.h"

ABSL_FLAG(bool, quick, false, "Small run for CI (a few seconds at most).");
ABSL_FLAG(int64_t, txns, 50000, "Transactions per phase (ignored by --quick).");
ABSL_FLAG(std::string, engine, "all", "mem, rocks or all");
ABSL_FLAG(std::string, dir, "",
          "Parent directory for the RocksDB scratch dir.");

namespace tests::txn {
namespace {

namespace actions = core::txn::actions;
namespace mvcc = core::mvcc;
using Clock = std::chrono::steady_clock;

constexpr size_t kValueBytes = 100;

std::string KeyOf(uint64_t i) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "key%012llu",
                static_cast<unsigned long long>(i));
  return buffer;
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A store: an engine, its concurrency manager and a TSO.
struct Store {
  core::env::Engine& engine;
  core::txn::ConcurrencyManager cm;
  uint64_t tso = 0;

  core::base::TimeStamp NextTs() { return core::base::TimeStamp(++tso); }
  void Apply(mvcc::MvccTxn& txn) {
    CHECK(engine.Write(txn.ToWriteBatch(), {}).ok());
    actions::ReleaseMemoryLocks(txn, cm);
  }
};

// One Percolator transaction writing `keys`: prewrite batch, commit batch.
void RunTxn(Store& store, const std::vector<std::string>& keys,
            const std::string& value) {
  actions::PrewriteRequest request;
  request.props.start_ts = store.NextTs();
  request.props.primary = keys.front();
  request.props.lock_ttl = 3000;
  request.props.txn_size = keys.size();
  for (const std::string& key : keys) {
    request.mutations.push_back({actions::MutationOp::kPut, key, value});
  }
  {
    mvcc::MvccReader reader(store.engine.NewSnapshot());
    mvcc::MvccTxn txn(request.props.start_ts);
    auto result = actions::PrewriteKeys(txn, reader, store.cm, request);
    CHECK(result.ok() && result->locks.empty()) << "prewrite failed";
    store.Apply(txn);
  }
  const actions::CommitArgs args{request.props.start_ts, store.NextTs()};
  mvcc::MvccReader reader(store.engine.NewSnapshot());
  mvcc::MvccTxn txn(args.start_ts);
  CHECK(actions::CommitKeys(txn, reader, keys, args).ok()) << "commit failed";
  store.Apply(txn);
}

void ReportRate(const std::string& engine, const char* what, int64_t txns,
                double seconds, double baseline_seconds) {
  std::printf(
      "%-6s %-36s %10.0f txn/s  (baseline, same batches as raw puts: %10.0f/s; "
      "%.1fx)\n",
      engine.c_str(), what, txns / seconds, txns / baseline_seconds,
      seconds / baseline_seconds);
}

// Baseline: the same keys and values as plain engine puts, one batch per
// prewrite-sized group and one per commit-sized group (two batches per txn).
double BaselinePuts(core::env::Engine& engine, int64_t txns,
                    size_t keys_per_txn, uint64_t first_key,
                    const std::string& value) {
  const auto start = Clock::now();
  for (int64_t t = 0; t < txns; ++t) {
    for (int round = 0; round < 2; ++round) {
      core::env::WriteBatch batch;
      for (size_t k = 0; k < keys_per_txn; ++k) {
        batch.Put(core::env::Cf::kDefault,
                  "raw" + KeyOf(first_key + t * keys_per_txn + k), value);
      }
      CHECK(engine.Write(batch, {}).ok());
    }
  }
  return SecondsSince(start);
}

double TxnPhase(Store& store, int64_t txns, size_t keys_per_txn,
                uint64_t first_key, const std::string& value) {
  const auto start = Clock::now();
  for (int64_t t = 0; t < txns; ++t) {
    std::vector<std::string> keys;
    for (size_t k = 0; k < keys_per_txn; ++k) {
      keys.push_back(KeyOf(first_key + t * keys_per_txn + k));
    }
    RunTxn(store, keys, value);
  }
  return SecondsSince(start);
}

struct Latency {
  double mean_us = 0, p50_us = 0, p99_us = 0;
};

Latency Summarize(std::vector<double>& samples_us) {
  std::sort(samples_us.begin(), samples_us.end());
  Latency latency;
  for (double sample : samples_us) latency.mean_us += sample;
  latency.mean_us /= samples_us.size();
  latency.p50_us = samples_us[samples_us.size() / 2];
  latency.p99_us = samples_us[samples_us.size() * 99 / 100];
  return latency;
}

// Point gets of random committed keys at a fresh read ts, each through its
// own snapshot (as a KvGet is served), against raw engine Gets.
void GetPhase(const std::string& name, Store& store, int64_t gets,
              uint64_t key_count) {
  core::base::Prng prng(42);
  std::vector<double> txn_us, raw_us;
  for (int64_t i = 0; i < gets; ++i) {
    const std::string key = KeyOf(prng.Uniform(key_count));
    const core::base::TimeStamp read_ts = store.NextTs();
    auto start = Clock::now();
    {
      mvcc::MvccReader reader(store.engine.NewSnapshot());
      auto value = core::txn::TxnGet(store.cm, reader, key, read_ts, {});
      CHECK(value.ok() && value->has_value()) << "missing " << key;
    }
    txn_us.push_back(SecondsSince(start) * 1e6);
    start = Clock::now();
    {
      auto snapshot = store.engine.NewSnapshot();
      auto value = snapshot->Get(core::env::Cf::kDefault, "raw" + key);
      CHECK(value.ok() && value->has_value());
    }
    raw_us.push_back(SecondsSince(start) * 1e6);
  }
  const Latency txn = Summarize(txn_us);
  const Latency raw = Summarize(raw_us);
  std::printf(
      "%-6s %-36s mean %6.2f us  p50 %6.2f us  p99 %6.2f us  (baseline raw "
      "get mean %5.2f p50 %5.2f p99 %5.2f us)\n",
      name.c_str(), "point get (TxnGet, fresh snapshot)", txn.mean_us,
      txn.p50_us, txn.p99_us, raw.mean_us, raw.p50_us, raw.p99_us);
}

void RunAll(const std::string& name, core::env::Engine& engine, int64_t txns) {
  Store store{engine, core::txn::ConcurrencyManager(), 0};
  const std::string value(kValueBytes, 'v');
  uint64_t next_key = 0;
  for (size_t keys_per_txn : {size_t{1}, size_t{10}}) {
    const int64_t count = keys_per_txn == 1 ? txns : txns / 10;
    const double baseline =
        BaselinePuts(engine, count, keys_per_txn, next_key, value);
    const double seconds =
        TxnPhase(store, count, keys_per_txn, next_key, value);
    next_key += count * keys_per_txn;
    ReportRate(name,
               keys_per_txn == 1 ? "prewrite+commit, 1-key txns"
                                 : "prewrite+commit, 10-key txns",
               count, seconds, baseline);
  }
  GetPhase(name, store, txns, next_key);
}

}  // namespace
}  // namespace tests::txn

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const bool quick = absl::GetFlag(FLAGS_quick);
  const int64_t txns = quick ? 2000 : absl::GetFlag(FLAGS_txns);
  const std::string which = absl::GetFlag(FLAGS_engine);
  std::printf(
      "txn_bench: %lld txns per phase (10-key phase: %lld txns), "
      "%zu-byte values, single thread\n",
      static_cast<long long>(txns), static_cast<long long>(txns / 10),
      tests::txn::kValueBytes);
  if (which == "mem" || which == "all") {
    core::engine::MemEngine engine;
    tests::txn::RunAll("mem", engine, txns);
  }
  if (which == "rocks" || which == "all") {
    std::string parent = absl::GetFlag(FLAGS_dir);
    if (parent.empty())
      parent = std::filesystem::temp_directory_path().string();
    const std::filesystem::path dir =
        std::filesystem::path(parent) /
        ("txn_bench_" +
         std::to_string(
             std::chrono::steady_clock::now().time_since_epoch().count()));
    {
      auto engine = runtime::storage::RocksEngine::Open(dir.string(), {});
      CHECK(engine.ok()) << engine.status();
      tests::txn::RunAll("rocks", **engine, txns);
    }
    std::filesystem::remove_all(dir);
  }
  return 0;
}
