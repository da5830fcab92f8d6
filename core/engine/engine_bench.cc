// engine_bench: MemEngine throughput for point puts, point gets, scans and
// snapshots, next to a plain std::map doing the same work in the same run
// (the baseline: what a single-version memtable without checksums, snapshots
// or crash bookkeeping costs).
//
//   bazel run --config=opt //core/engine:engine_bench -- [--quick] [--ops=N]
//
// A benchmark binary, not a core library: it reads the wall clock (through
// absl::Now) to time itself. Keys are drawn from a seeded PRNG, so runs are
// comparable.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/base/check.h"
#include "core/base/prng.h"
#include "core/engine/mem_engine.h"

ABSL_FLAG(bool, quick, false, "Small run for CI (a few seconds at most).");
ABSL_FLAG(int64_t, ops, 200000, "Operations per phase (ignored by --quick).");

namespace core::engine {
namespace {

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
  if (baseline_seconds > 0) {
    const double baseline_rate = ops / baseline_seconds;
    std::printf(
        "%-26s %10.0f ops/s   baseline std::map %10.0f ops/s   "
        "ratio %.2f\n",
        name, rate, baseline_rate, rate / baseline_rate);
  } else {
    std::printf("%-26s %10.0f ops/s\n", name, rate);
  }
}

// Random keys in [0, 2 * ops): about one overwrite per two puts.
std::vector<std::string> RandomKeys(int64_t ops, uint64_t seed) {
  base::Prng prng(seed);
  std::vector<std::string> keys;
  keys.reserve(ops);
  for (int64_t i = 0; i < ops; ++i)
    keys.push_back(KeyOf(prng.Uniform(2 * ops)));
  return keys;
}

struct Phases {
  double put = 0;
  double get = 0;
  double scan = 0;
};

Phases RunBaseline(const std::vector<std::string>& keys,
                   const std::string& value) {
  Phases t;
  std::map<std::string, std::string, std::less<>> map;
  Timer put;
  for (const std::string& key : keys) map.insert_or_assign(key, value);
  t.put = put.Seconds();
  size_t found = 0;
  Timer get;
  for (const std::string& key : keys) found += map.count(key);
  t.get = get.Seconds();
  CHECK_EQ(found, keys.size());
  size_t scanned = 0;
  Timer scan;
  for (size_t i = 0; i < keys.size(); i += kScanLength) {
    auto it = map.lower_bound(keys[i]);
    for (int n = 0; n < kScanLength && it != map.end(); ++n, ++it) {
      scanned += it->second.size();
    }
  }
  t.scan = scan.Seconds();
  CHECK_GT(scanned, 0u);
  return t;
}

Phases RunMemEngine(MemEngine& engine, const std::vector<std::string>& keys,
                    const std::string& value) {
  Phases t;
  Timer put;
  for (const std::string& key : keys) {
    env::WriteBatch batch;
    batch.Put(env::Cf::kDefault, key, value);
    CHECK(engine.Write(batch, {}).ok());
  }
  t.put = put.Seconds();
  CHECK(engine.Sync().ok());
  size_t found = 0;
  Timer get;
  for (const std::string& key : keys) {
    found += engine.Get(env::Cf::kDefault, key)->has_value() ? 1 : 0;
  }
  t.get = get.Seconds();
  CHECK_EQ(found, keys.size());
  size_t scanned = 0;
  Timer scan;
  auto snapshot = engine.NewSnapshot();
  for (size_t i = 0; i < keys.size(); i += kScanLength) {
    auto it = snapshot->NewIterator(env::Cf::kDefault, {});
    it->Seek(keys[i]);
    for (int n = 0; n < kScanLength && it->Valid(); ++n, it->Next()) {
      scanned += it->value().size();
    }
  }
  t.scan = scan.Seconds();
  CHECK_GT(scanned, 0u);
  return t;
}

// Overwrites while snapshots come and go (the MVCC read pattern), then
// reports the versions retained once they are released.
void RunSnapshotChurn(MemEngine& engine, const std::vector<std::string>& keys,
                      const std::string& value) {
  Timer timer;
  std::shared_ptr<const env::Snapshot> held;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i % 64 == 0) held = engine.NewSnapshot();
    env::WriteBatch batch;
    batch.Put(env::Cf::kWrite, keys[i], value);
    CHECK(engine.Write(batch, {}).ok());
  }
  held.reset();
  Report("put with live snapshots", keys.size(), timer.Seconds(), 0);
  std::printf("%-26s %10zu versions in all CFs right after release\n", "",
              engine.VersionCountForTest());
}

}  // namespace
}  // namespace core::engine

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int64_t ops =
      absl::GetFlag(FLAGS_quick) ? 20000 : absl::GetFlag(FLAGS_ops);
  std::printf("engine_bench: MemEngine, %lld ops per phase, %zu-byte values\n",
              static_cast<long long>(ops), core::engine::kValueBytes);
  const std::vector<std::string> keys = core::engine::RandomKeys(ops, 42);
  const std::string value(core::engine::kValueBytes, 'v');

  const auto baseline = core::engine::RunBaseline(keys, value);
  core::engine::MemEngine engine;
  const auto mem = core::engine::RunMemEngine(engine, keys, value);
  core::engine::Report("point put (1-op batch)", ops, mem.put, baseline.put);
  core::engine::Report("point get", ops, mem.get, baseline.get);
  core::engine::Report("scan (keys/s, 100 per seek)", ops, mem.scan,
                       baseline.scan);
  core::engine::RunSnapshotChurn(engine, keys, value);
  return 0;
}
