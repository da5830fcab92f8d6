// engine_bench: throughput of both env::Engine implementations, each next to
// a baseline doing the same work in the same run:
//   mem    MemEngine    vs a std::map: what multi-versioning, checksums,
//                          snapshots and crash bookkeeping cost
//   rocks  RocksEngine  vs the plain RocksDB API opened with the same options
//                          (ToRocksOptions): what the wrapper costs
// Phases: puts (one-op batches), synced puts, point gets, point gets after a
// flush (RocksDB only: from SST files), scans (100 keys per seek, keys/s)
// and snapshots (take one, read a key through it, release it; a std::map has
// no snapshot, so its baseline is the read alone).
//
//   bazel run --config=opt //tests/engine:engine_bench -- [--quick]
//       [--ops=N] [--engine=mem|rocks|all]
//
// RocksDB databases live in fresh directories under $TEST_TMPDIR or the
// system temp directory and are deleted afterwards. Keys come from a seeded
// PRNG, so runs are comparable. A benchmark binary, not a library: it reads
// the wall clock (absl::Now).
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/base/check.h"
#include "core/base/prng.h"
#include "core/engine/mem_engine.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "runtime/storage/rocks_engine.h"
#include "runtime/storage/scratch_dir.h"

ABSL_FLAG(bool, quick, false, "Small run for CI (a few seconds per engine).");
ABSL_FLAG(int64_t, ops, 200000, "Operations per phase (ignored by --quick).");
ABSL_FLAG(std::string, engine, "all", "Engines to run: mem, rocks or all.");

namespace tests::engine {
namespace {

using core::env::Cf;

constexpr size_t kValueBytes = 100;
constexpr int kScanLength = 100;

// One side of a comparison: an engine or its baseline, doing each phase's
// unit of work. Both sides pay the same virtual call.
class Target {
 public:
  virtual ~Target() = default;
  virtual void Put(const std::string& key, const std::string& value) = 0;
  virtual void SyncedPut(const std::string& key, const std::string& value) = 0;
  virtual bool Get(const std::string& key) = 0;
  // Moves everything to on-disk tables; false when the target has none.
  virtual bool Flush() = 0;
  // Reads up to `count` entries from the first key >= `start` in one
  // consistent view; returns the value bytes read.
  virtual size_t Scan(const std::string& start, int count) = 0;
  // Takes a snapshot, reads `key` through it, releases it.
  virtual bool SnapshotGet(const std::string& key) = 0;
};

class EngineTarget final : public Target {
 public:
  // `rocks` is the same engine when it is a RocksEngine (for Flush).
  EngineTarget(core::env::Engine& engine, runtime::storage::RocksEngine* rocks)
      : engine_(engine), rocks_(rocks) {}

  void Put(const std::string& key, const std::string& value) override {
    Write(Cf::kDefault, key, value, /*sync=*/false);
  }
  void SyncedPut(const std::string& key, const std::string& value) override {
    Write(Cf::kRaft, key, value, /*sync=*/true);
  }
  bool Get(const std::string& key) override {
    auto got = engine_.Get(Cf::kDefault, key);
    CHECK(got.ok()) << got.status();
    return got->has_value();
  }
  bool Flush() override {
    if (rocks_ == nullptr) return false;
    CHECK(rocks_->Flush().ok());
    return true;
  }
  size_t Scan(const std::string& start, int count) override {
    auto it = engine_.NewSnapshot()->NewIterator(Cf::kDefault, {});
    size_t bytes = 0;
    it->Seek(start);
    for (int n = 0; n < count && it->Valid(); ++n, it->Next()) {
      bytes += it->value().size();
    }
    return bytes;
  }
  bool SnapshotGet(const std::string& key) override {
    auto got = engine_.NewSnapshot()->Get(Cf::kDefault, key);
    CHECK(got.ok()) << got.status();
    return got->has_value();
  }

 private:
  void Write(Cf cf, const std::string& key, const std::string& value,
             bool sync) {
    core::env::WriteBatch batch;
    batch.Put(cf, key, value);
    CHECK(engine_.Write(batch, {.sync = sync}).ok());
  }

  core::env::Engine& engine_;
  runtime::storage::RocksEngine* rocks_;
};

class MapTarget final : public Target {
 public:
  void Put(const std::string& key, const std::string& value) override {
    map_.insert_or_assign(key, value);
  }
  void SyncedPut(const std::string& key, const std::string& value) override {
    map_.insert_or_assign("sync" + key, value);
  }
  bool Get(const std::string& key) override { return map_.count(key) > 0; }
  bool Flush() override { return false; }
  size_t Scan(const std::string& start, int count) override {
    size_t bytes = 0;
    auto it = map_.lower_bound(start);
    for (int n = 0; n < count && it != map_.end(); ++n, ++it) {
      bytes += it->second.size();
    }
    return bytes;
  }
  bool SnapshotGet(const std::string& key) override { return Get(key); }

 private:
  std::map<std::string, std::string, std::less<>> map_;
};

// The plain RocksDB API on the default column family (the synced puts too:
// sync cost does not depend on the column family).
class RawRocksTarget final : public Target {
 public:
  explicit RawRocksTarget(const std::string& path) {
    rocksdb::DB* raw = nullptr;
    const rocksdb::Status status =
        rocksdb::DB::Open(runtime::storage::ToRocksOptions({}), path, &raw);
    CHECK(status.ok()) << status.ToString();
    db_.reset(raw);
    synced_.sync = true;
  }
  ~RawRocksTarget() override { CHECK(db_->Close().ok()); }

  void Put(const std::string& key, const std::string& value) override {
    CHECK(db_->Put(rocksdb::WriteOptions(), key, value).ok());
  }
  void SyncedPut(const std::string& key, const std::string& value) override {
    CHECK(db_->Put(synced_, "sync" + key, value).ok());
  }
  bool Get(const std::string& key) override {
    return Read(rocksdb::ReadOptions(), key);
  }
  bool Flush() override {
    CHECK(db_->Flush(rocksdb::FlushOptions()).ok());
    return true;
  }
  size_t Scan(const std::string& start, int count) override {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions()));
    size_t bytes = 0;
    it->Seek(start);
    for (int n = 0; n < count && it->Valid(); ++n, it->Next()) {
      bytes += it->value().size();
    }
    return bytes;
  }
  bool SnapshotGet(const std::string& key) override {
    rocksdb::ReadOptions options;
    options.snapshot = db_->GetSnapshot();
    const bool found = Read(options, key);
    db_->ReleaseSnapshot(options.snapshot);
    return found;
  }

 private:
  bool Read(const rocksdb::ReadOptions& options, const std::string& key) {
    const rocksdb::Status status = db_->Get(options, key, &value_);
    CHECK(status.ok() || status.IsNotFound()) << status.ToString();
    return status.ok();
  }

  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::WriteOptions synced_;
  std::string value_;
};

class Timer {
 public:
  Timer() : start_(absl::Now()) {}
  double Seconds() const { return absl::ToDoubleSeconds(absl::Now() - start_); }

 private:
  absl::Time start_;
};

// Seconds per phase; get_after_flush is unset when the target has no flush.
struct Timings {
  double put = 0;
  double synced_put = 0;
  double get = 0;
  std::optional<double> get_after_flush;
  double scan = 0;
  double snapshot = 0;
};

double TimeGets(Target& target, const std::vector<std::string>& keys) {
  Timer timer;
  size_t found = 0;
  for (const std::string& key : keys) found += target.Get(key) ? 1 : 0;
  const double seconds = timer.Seconds();
  CHECK_EQ(found, keys.size());
  return seconds;
}

Timings RunPhases(Target& target, const std::vector<std::string>& keys,
                  size_t synced_ops, const std::string& value) {
  Timings t;
  Timer put;
  for (const std::string& key : keys) target.Put(key, value);
  t.put = put.Seconds();
  Timer synced_put;
  for (size_t i = 0; i < synced_ops; ++i) target.SyncedPut(keys[i], value);
  t.synced_put = synced_put.Seconds();
  t.get = TimeGets(target, keys);
  if (target.Flush()) t.get_after_flush = TimeGets(target, keys);
  size_t scanned = 0;
  Timer scan;
  for (size_t i = 0; i < keys.size(); i += kScanLength) {
    scanned += target.Scan(keys[i], kScanLength);
  }
  t.scan = scan.Seconds();
  CHECK_GT(scanned, 0u);
  size_t found = 0;
  Timer snapshot;
  for (const std::string& key : keys) found += target.SnapshotGet(key) ? 1 : 0;
  t.snapshot = snapshot.Seconds();
  CHECK_EQ(found, keys.size());
  return t;
}

void PrintHeader() {
  std::printf("%-6s %-30s %14s %14s %7s  %s\n", "engine", "phase",
              "engine ops/s", "baseline ops/s", "ratio", "baseline");
}

void PrintRow(const char* engine, const char* phase, size_t ops, double seconds,
              double baseline_seconds, const char* baseline) {
  const double rate = static_cast<double>(ops) / seconds;
  const double baseline_rate = static_cast<double>(ops) / baseline_seconds;
  std::printf("%-6s %-30s %14.0f %14.0f %7.2f  %s\n", engine, phase, rate,
              baseline_rate, rate / baseline_rate, baseline);
}

void PrintRows(const char* engine, const Timings& e, const Timings& b,
               const char* baseline, size_t ops, size_t synced_ops) {
  PrintRow(engine, "put (1-op batch)", ops, e.put, b.put, baseline);
  PrintRow(engine, "synced put", synced_ops, e.synced_put, b.synced_put,
           baseline);
  PrintRow(engine, "point get", ops, e.get, b.get, baseline);
  if (e.get_after_flush && b.get_after_flush) {
    PrintRow(engine, "point get after flush (sst)", ops, *e.get_after_flush,
             *b.get_after_flush, baseline);
  }
  PrintRow(engine, "scan (keys/s, 100 per seek)", ops, e.scan, b.scan,
           baseline);
  PrintRow(engine, "snapshot + get + release", ops, e.snapshot, b.snapshot,
           baseline);
}

void RunMem(const std::vector<std::string>& keys, size_t synced_ops,
            const std::string& value) {
  MapTarget map;
  const Timings baseline = RunPhases(map, keys, synced_ops, value);
  core::engine::MemEngine engine;
  EngineTarget target(engine, nullptr);
  const Timings timings = RunPhases(target, keys, synced_ops, value);
  PrintRows("mem", timings, baseline, "std::map", keys.size(), synced_ops);
}

void RunRocks(const std::vector<std::string>& keys, size_t synced_ops,
              const std::string& value) {
  Timings baseline, timings;
  {
    const runtime::storage::ScratchDir dir("engine_bench_raw_rocksdb");
    RawRocksTarget raw(dir.path());
    baseline = RunPhases(raw, keys, synced_ops, value);
  }
  {
    const runtime::storage::ScratchDir dir("engine_bench_rocks_engine");
    auto opened = runtime::storage::RocksEngine::Open(dir.path(), {});
    CHECK(opened.ok()) << opened.status();
    EngineTarget target(**opened, opened->get());
    timings = RunPhases(target, keys, synced_ops, value);
  }
  PrintRows("rocks", timings, baseline, "raw rocksdb", keys.size(), synced_ops);
}

// Random keys in [0, 2 * ops): about one overwrite per two puts.
std::vector<std::string> RandomKeys(int64_t ops, uint64_t seed) {
  core::base::Prng prng(seed);
  std::vector<std::string> keys;
  keys.reserve(ops);
  for (int64_t i = 0; i < ops; ++i) {
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "key%012llu",
                  static_cast<unsigned long long>(prng.Uniform(2 * ops)));
    keys.push_back(buffer);
  }
  return keys;
}

}  // namespace
}  // namespace tests::engine

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const bool quick = absl::GetFlag(FLAGS_quick);
  const std::string engines = absl::GetFlag(FLAGS_engine);
  if (engines != "mem" && engines != "rocks" && engines != "all") {
    std::fprintf(stderr, "engine_bench: --engine must be mem, rocks or all\n");
    return 2;
  }
  const int64_t ops = quick ? 20000 : absl::GetFlag(FLAGS_ops);
  const size_t synced_ops = std::min<int64_t>(ops, quick ? 50 : 500);
  std::printf(
      "engine_bench: %lld ops per phase (%zu synced puts), %zu-byte values\n",
      static_cast<long long>(ops), synced_ops, tests::engine::kValueBytes);
  const std::vector<std::string> keys = tests::engine::RandomKeys(ops, 42);
  const std::string value(tests::engine::kValueBytes, 'v');
  tests::engine::PrintHeader();
  if (engines != "rocks") tests::engine::RunMem(keys, synced_ops, value);
  if (engines != "mem") tests::engine::RunRocks(keys, synced_ops, value);
  return 0;
}
