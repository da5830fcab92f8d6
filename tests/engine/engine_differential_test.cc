// Differential property test: MemEngine (simulation) and RocksEngine
// (production) must be indistinguishable through env::Engine. RapidCheck
// drives both with the same random history: batches of puts, deletes and
// delete-ranges over all column families (synced or not), snapshots taken,
// read and released, point reads, full scans forward and reverse with random
// bounds, step-by-step iterator walks (Seek, SeekForPrev, Next, Prev), memtable
// flushes (RocksEngine only, so that reads also come from SST files and range
// tombstones), and reopens: RocksEngine closes and reopens its database,
// MemEngine simulates a crash after a sync (everything synced survives).
// Every read must return identical results from both engines.
//
// Most cases run RocksDB on its in-memory Env (rocksdb::NewMemEnv: the same
// WAL, manifest, SST and recovery code, without fsync latency, so the test
// stays fast on a loaded machine); a few run on the real file system.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/base/testing/rapidcheck_gtest.h"
#include "core/engine/engine_generators.h"
#include "core/engine/engine_model.h"
#include "core/engine/mem_engine.h"
#include "rocksdb/env.h"
#include "runtime/storage/rocks_engine.h"

namespace tests::engine {
namespace {

using core::engine::MemEngine;
using core::engine::testing::GenBatch;
using core::engine::testing::GenBounds;
using core::engine::testing::GenCf;
using core::engine::testing::GenKey;
using core::engine::testing::GenMove;
using core::engine::testing::IteratorMove;
using core::env::Cf;
using runtime::storage::RocksEngine;

// A fresh directory per property case.
std::string FreshDir() {
  static int counter = 0;
  const char* root = std::getenv("TEST_TMPDIR");
  const std::filesystem::path base =
      root != nullptr ? root : std::filesystem::temp_directory_path();
  const std::filesystem::path dir =
      base / ("differential_" + std::to_string(counter++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

// Fails the property with the status message when `status` is not OK.
void AssertOk(const absl::Status& status) {
  if (!status.ok()) RC_FAIL(status.ToString());
}

struct SnapshotPair {
  std::shared_ptr<const core::env::Snapshot> mem;
  std::shared_ptr<const core::env::Snapshot> rocks;
};

class Engines {
 public:
  explicit Engines(bool in_memory)
      : in_memory_env_(in_memory ? rocksdb::NewMemEnv(rocksdb::Env::Default())
                                 : nullptr),
        path_(in_memory ? "/differential" : FreshDir()) {
    Reopen();
  }
  ~Engines() {
    snapshots_.clear();
    rocks_.reset();
    if (in_memory_env_ == nullptr) std::filesystem::remove_all(path_);
  }

  void Write(const core::env::WriteBatch& batch, bool sync) {
    AssertOk(mem_.Write(batch, {.sync = sync}));
    AssertOk(rocks_->Write(batch, {.sync = sync}));
  }

  // Snapshots must go first: an open snapshot keeps the database open.
  void Reopen() {
    snapshots_.clear();
    AssertOk(mem_.Sync());
    core::base::Prng prng(0);
    const auto report = mem_.SimulateCrash(prng);
    RC_ASSERT(report.unsynced_batches == 0u);
    // RocksDB's in-memory Env cannot SyncWAL (NotSupported); a clean close
    // keeps everything there anyway. On disk, sync as the contract says.
    if (rocks_ != nullptr && in_memory_env_ == nullptr) {
      AssertOk(rocks_->Sync());
    }
    rocks_.reset();
    // Small memtables: cheap to open, and flushes happen on their own too.
    auto reopened =
        RocksEngine::Open(path_, {.write_buffer_size_bytes = 256 << 10,
                                  .block_cache_size_bytes = 1 << 20,
                                  .env = in_memory_env_.get()});
    AssertOk(reopened.status());
    rocks_ = std::move(*reopened);
  }

  void Flush() { AssertOk(rocks_->Flush()); }
  void TakeSnapshot() {
    snapshots_.push_back({mem_.NewSnapshot(), rocks_->NewSnapshot()});
  }
  void ReleaseSnapshot(size_t i) {
    snapshots_.erase(snapshots_.begin() + static_cast<ptrdiff_t>(i));
  }
  const std::vector<SnapshotPair>& snapshots() const { return snapshots_; }
  SnapshotPair Latest() { return {mem_.NewSnapshot(), rocks_->NewSnapshot()}; }

  void CheckLatestGet(Cf cf, const std::string& key) {
    auto mem = mem_.Get(cf, key);
    auto rocks = rocks_->Get(cf, key);
    RC_ASSERT(mem.ok() && rocks.ok());
    RC_ASSERT(*mem == *rocks);
  }

 private:
  // Declared first: destroyed after the database that uses it.
  std::unique_ptr<rocksdb::Env> in_memory_env_;
  std::string path_;
  MemEngine mem_;
  std::unique_ptr<RocksEngine> rocks_;
  std::vector<SnapshotPair> snapshots_;
};

void CheckScan(const SnapshotPair& pair) {
  const Cf cf = GenCf();
  const core::env::IteratorOptions bounds = GenBounds();
  const bool reverse = *rc::gen::arbitrary<bool>();
  auto mem = core::engine::testing::ScanAll(*pair.mem, cf, bounds, reverse);
  auto rocks = core::engine::testing::ScanAll(*pair.rocks, cf, bounds, reverse);
  RC_ASSERT(mem.status.ok() && rocks.status.ok());
  RC_ASSERT(mem.entries == rocks.entries);
  for (int i = 0; i < 2; ++i) {
    const std::string key = GenKey();
    auto mem_value = pair.mem->Get(cf, key);
    auto rocks_value = pair.rocks->Get(cf, key);
    RC_ASSERT(mem_value.ok() && rocks_value.ok());
    RC_ASSERT(*mem_value == *rocks_value);
  }
}

void CheckWalk(const SnapshotPair& pair) {
  const Cf cf = GenCf();
  const core::env::IteratorOptions bounds = GenBounds();
  auto mem = pair.mem->NewIterator(cf, bounds);
  auto rocks = pair.rocks->NewIterator(cf, bounds);
  const int moves = *rc::gen::inRange(1, 12);
  for (int i = 0; i < moves; ++i) {
    const IteratorMove move = GenMove(mem->Valid());
    const std::string target = GenKey();
    core::engine::testing::MoveIterator(*mem, move, target);
    core::engine::testing::MoveIterator(*rocks, move, target);
    RC_ASSERT(mem->status().ok() && rocks->status().ok());
    RC_ASSERT(mem->Valid() == rocks->Valid());
    if (mem->Valid()) {
      RC_ASSERT(mem->key() == rocks->key());
      RC_ASSERT(mem->value() == rocks->value());
    }
  }
}

const SnapshotPair& PickSnapshot(const std::vector<SnapshotPair>& snapshots) {
  return snapshots[*rc::gen::inRange<size_t>(0, snapshots.size())];
}

void RunHistory(bool in_memory) {
  Engines engines(in_memory);
  const int steps = *rc::gen::inRange(1, 50);
  for (int step = 0; step < steps; ++step) {
    const int action = *rc::gen::inRange(0, 20);
    if (action < 8) {
      engines.Write(GenBatch(5), *rc::gen::inRange(0, 4) == 0);
    } else if (action < 10) {
      engines.TakeSnapshot();
    } else if (action == 10 && !engines.snapshots().empty()) {
      engines.ReleaseSnapshot(
          *rc::gen::inRange<size_t>(0, engines.snapshots().size()));
    } else if (action == 11) {
      engines.Reopen();
    } else if (action == 12) {
      engines.Flush();
    } else if (action < 15 && !engines.snapshots().empty()) {
      CheckWalk(PickSnapshot(engines.snapshots()));
    } else if (action < 17 && !engines.snapshots().empty()) {
      CheckScan(PickSnapshot(engines.snapshots()));
    } else {
      const SnapshotPair latest = engines.Latest();
      CheckScan(latest);
      CheckWalk(latest);
      engines.CheckLatestGet(GenCf(), GenKey());
    }
  }
  for (const SnapshotPair& pair : engines.snapshots()) CheckScan(pair);
}

RC_GTEST_PROP_N(EngineDifferentialTest, MemEngineMatchesRocksEngine, 60, 100,
                ()) {
  RunHistory(/*in_memory=*/true);
}

RC_GTEST_PROP_N(EngineDifferentialTest, MemEngineMatchesRocksEngineOnDisk, 6,
                100, ()) {
  RunHistory(/*in_memory=*/false);
}

}  // namespace
}  // namespace tests::engine
