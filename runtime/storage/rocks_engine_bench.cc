// rocks_engine_bench: RocksEngine throughput for point puts, synced puts,
// point gets (from memtables and, after a flush, from SST files) and scans,
// next to the same work done through the plain RocksDB API with the same
// options in the same run (the baseline: what our wrapper costs).
//
//   bazel run --config=opt //runtime/storage:rocks_engine_bench -- [--quick]
//       [--ops=N] [--dir=PATH]
//
// The database lives in a fresh directory under --dir (default: $TEST_TMPDIR
// or the system temp directory) and is deleted afterwards.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/base/check.h"
#include "core/base/prng.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/table.h"
#include "runtime/storage/rocks_engine.h"

ABSL_FLAG(bool, quick, false, "Small run for CI (a few seconds at most).");
ABSL_FLAG(int64_t, ops, 200000, "Operations per phase (ignored by --quick).");
ABSL_FLAG(std::string, dir, "", "Parent directory for the scratch database.");

namespace runtime::storage {
namespace {

using core::env::Cf;

constexpr size_t kValueBytes = 100;
constexpr int kScanLength = 100;

std::string KeyOf(uint64_t i) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "key%012llu",
                static_cast<unsigned long long>(i));
  return buffer;
}

class Timer {
 public:
  Timer() : start_(absl::Now()) {}
  double Seconds() const { return absl::ToDoubleSeconds(absl::Now() - start_); }

 private:
  absl::Time start_;
};

void Report(const char* name, int64_t ops, double seconds,
            double baseline_seconds) {
  const double rate = ops / seconds;
  const double baseline_rate = ops / baseline_seconds;
  std::printf(
      "%-28s %10.0f ops/s   baseline raw rocksdb %10.0f ops/s   "
      "ratio %.2f\n",
      name, rate, baseline_rate, rate / baseline_rate);
}

struct Phases {
  double put = 0;
  double sync_put = 0;
  double get_memtable = 0;
  double get_sst = 0;
  double scan = 0;
};

std::filesystem::path ScratchDir(const std::string& name) {
  std::filesystem::path parent = absl::GetFlag(FLAGS_dir);
  if (parent.empty()) {
    const char* tmp = std::getenv("TEST_TMPDIR");
    parent = tmp != nullptr ? tmp : std::filesystem::temp_directory_path();
  }
  const std::filesystem::path dir = parent / name;
  std::filesystem::remove_all(dir);
  return dir;
}

Phases RunEngine(const std::vector<std::string>& keys, int64_t sync_ops,
                 const std::string& value) {
  const std::filesystem::path dir = ScratchDir("rocks_engine_bench_engine");
  auto opened = RocksEngine::Open(dir.string(), {});
  CHECK(opened.ok()) << opened.status();
  RocksEngine& engine = **opened;
  Phases t;
  Timer put;
  for (const std::string& key : keys) {
    core::env::WriteBatch batch;
    batch.Put(Cf::kDefault, key, value);
    CHECK(engine.Write(batch, {}).ok());
  }
  t.put = put.Seconds();
  Timer sync_put;
  for (int64_t i = 0; i < sync_ops; ++i) {
    core::env::WriteBatch batch;
    batch.Put(Cf::kRaft, keys[i], value);
    CHECK(engine.Write(batch, {.sync = true}).ok());
  }
  t.sync_put = sync_put.Seconds();
  auto timed_gets = [&] {
    Timer get;
    for (const std::string& key : keys) {
      CHECK(engine.Get(Cf::kDefault, key)->has_value());
    }
    return get.Seconds();
  };
  t.get_memtable = timed_gets();
  CHECK(engine.Flush().ok());
  t.get_sst = timed_gets();
  Timer scan;
  auto snapshot = engine.NewSnapshot();
  size_t scanned = 0;
  for (size_t i = 0; i < keys.size(); i += kScanLength) {
    auto it = snapshot->NewIterator(Cf::kDefault, {});
    it->Seek(keys[i]);
    for (int n = 0; n < kScanLength && it->Valid(); ++n, it->Next()) {
      scanned += it->value().size();
    }
  }
  t.scan = scan.Seconds();
  CHECK_GT(scanned, 0u);
  snapshot.reset();
  opened->reset();
  std::filesystem::remove_all(dir);
  return t;
}

// The same phases through the plain RocksDB API on the default column
// family (raft for the synced puts would need handles; sync cost does not
// depend on the column family).
Phases RunBaseline(const std::vector<std::string>& keys, int64_t sync_ops,
                   const std::string& value) {
  const std::filesystem::path dir = ScratchDir("rocks_engine_bench_raw");
  // The options RocksEngine uses by default (rocks_engine.cc MakeOptions).
  const RocksEngineOptions defaults;
  rocksdb::Options options;
  options.create_if_missing = true;
  options.write_buffer_size = defaults.write_buffer_size_bytes;
  options.max_background_jobs = 2;
  options.paranoid_checks = true;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(defaults.block_cache_size_bytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::DB* raw = nullptr;
  CHECK(rocksdb::DB::Open(options, dir.string(), &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  Phases t;
  Timer put;
  for (const std::string& key : keys) {
    CHECK(db->Put(rocksdb::WriteOptions(), key, value).ok());
  }
  t.put = put.Seconds();
  rocksdb::WriteOptions synced;
  synced.sync = true;
  Timer sync_put;
  for (int64_t i = 0; i < sync_ops; ++i) {
    CHECK(db->Put(synced, "sync" + keys[i], value).ok());
  }
  t.sync_put = sync_put.Seconds();
  auto timed_gets = [&] {
    std::string out;
    Timer get;
    for (const std::string& key : keys) {
      CHECK(db->Get(rocksdb::ReadOptions(), key, &out).ok());
    }
    return get.Seconds();
  };
  t.get_memtable = timed_gets();
  CHECK(db->Flush(rocksdb::FlushOptions()).ok());
  t.get_sst = timed_gets();
  Timer scan;
  const rocksdb::Snapshot* snapshot = db->GetSnapshot();
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  size_t scanned = 0;
  for (size_t i = 0; i < keys.size(); i += kScanLength) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(read));
    it->Seek(keys[i]);
    for (int n = 0; n < kScanLength && it->Valid(); ++n, it->Next()) {
      scanned += it->value().size();
    }
  }
  t.scan = scan.Seconds();
  CHECK_GT(scanned, 0u);
  db->ReleaseSnapshot(snapshot);
  CHECK(db->Close().ok());
  db.reset();
  std::filesystem::remove_all(dir);
  return t;
}

}  // namespace
}  // namespace runtime::storage

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const bool quick = absl::GetFlag(FLAGS_quick);
  const int64_t ops = quick ? 20000 : absl::GetFlag(FLAGS_ops);
  const int64_t sync_ops = std::min<int64_t>(ops, quick ? 50 : 500);
  std::printf(
      "rocks_engine_bench: %lld ops per phase (%lld synced puts), "
      "%zu-byte values\n",
      static_cast<long long>(ops), static_cast<long long>(sync_ops),
      runtime::storage::kValueBytes);
  core::base::Prng prng(42);
  std::vector<std::string> keys;
  for (int64_t i = 0; i < ops; ++i) {
    keys.push_back(runtime::storage::KeyOf(prng.Uniform(2 * ops)));
  }
  const std::string value(runtime::storage::kValueBytes, 'v');
  const auto baseline = runtime::storage::RunBaseline(keys, sync_ops, value);
  const auto engine = runtime::storage::RunEngine(keys, sync_ops, value);
  using runtime::storage::Report;
  Report("point put (1-op batch)", ops, engine.put, baseline.put);
  Report("synced put", sync_ops, engine.sync_put, baseline.sync_put);
  Report("point get (memtable)", ops, engine.get_memtable,
         baseline.get_memtable);
  Report("point get (sst)", ops, engine.get_sst, baseline.get_sst);
  Report("scan (keys/s, 100 per seek)", ops, engine.scan, baseline.scan);
  return 0;
}
