// Differential property test: MemEngine (simulation) and RocksEngine
// (production) must be indistinguishable through env::Engine, and both must
// agree with EngineModel (a std::map per column family). RapidCheck drives
// both engines with the same random history:
//  * batches of puts, deletes and delete-ranges over all column families,
//    synced or not, and syncs;
//  * snapshots taken, read and released; point reads, scans forward and
//    reverse with random bounds, step-by-step iterator walks (Seek,
//    SeekForPrev, Next, Prev);
//  * range export from a snapshot, then ingest of the stream into the
//    latest state (the region-snapshot path): the stream must be the same
//    bytes from both engines, and the ingest must replace exactly the range;
//  * ApproximateSize as relations both engines satisfy (core/env/engine.h):
//    zero for an empty range or one where nothing was ever written, never
//    above the bytes and ops ever written to the column family; MemEngine
//    also exactly the model's count;
//  * memtable flushes (RocksEngine only, so that reads also come from SST
//    files and range tombstones);
//  * crashes with unsynced batches outstanding: MemEngine simulates a crash
//    (SimulateCrash), RocksEngine closes and reopens its database. Each must
//    come back as the state after a prefix of whole batches that includes
//    every synced one (checked against the model states of every prefix);
//    the batches an engine lost are then written again, as a client would
//    retry them, so that the two continue from the same state.
// The exhaustive MemEngine crash property (random crash outcomes, several
// rounds) is core/engine/mem_engine_crash_test.
//
// Most cases run RocksDB on its in-memory Env (rocksdb::NewMemEnv: the same
// WAL, manifest, SST and recovery code, without fsync latency, so the test
// stays fast on a loaded machine); a few run on the real file system.
#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/base/prng.h"
#include "core/base/testing/rapidcheck_gtest.h"
#include "core/engine/engine_generators.h"
#include "core/engine/engine_model.h"
#include "core/engine/mem_engine.h"
#include "core/engine/range_export.h"
#include "rocksdb/env.h"
#include "runtime/storage/rocks_engine.h"
#include "runtime/storage/scratch_dir.h"

namespace tests::engine {
namespace {

using core::engine::ExportRange;
using core::engine::MemEngine;
using core::engine::testing::EngineModel;
using core::engine::testing::GenBatch;
using core::engine::testing::GenBounds;
using core::engine::testing::GenCf;
using core::engine::testing::GenKey;
using core::engine::testing::GenMove;
using core::engine::testing::IteratorModel;
using core::engine::testing::IteratorMove;
using core::env::Cf;
using core::env::RangeSize;
using core::env::WriteBatch;
using runtime::storage::RocksEngine;

// Fails the property with the status message when `status` is not OK.
void AssertOk(const absl::Status& status) {
  if (!status.ok()) RC_FAIL(status.ToString());
}

bool InRange(std::string_view key, std::string_view begin_key,
             std::string_view end_key) {
  return key >= begin_key && (end_key.empty() || key < end_key);
}

struct SnapshotPair {
  std::shared_ptr<const core::env::Snapshot> mem;
  std::shared_ptr<const core::env::Snapshot> rocks;
  // What both must show.
  EngineModel model;
};

// What has ever been written to one engine, per column family: the ceiling
// of ApproximateSize (every op counts, a delete-range with its end key).
class WrittenTally {
 public:
  void Add(const WriteBatch& batch) {
    for (const WriteBatch::Op& op : batch.ops()) {
      RangeSize& total = totals_[static_cast<size_t>(op.cf)];
      total.bytes += op.key.size() + op.value.size();
      ++total.keys;
      if (op.kind != WriteBatch::OpKind::kDeleteRange) {
        keys_[static_cast<size_t>(op.cf)].insert(op.key);
      } else {
        delete_ranges_[static_cast<size_t>(op.cf)].emplace_back(op.key,
                                                                op.value);
      }
    }
  }
  const RangeSize& total(Cf cf) const {
    return totals_[static_cast<size_t>(cf)];
  }
  // True when some key in the range was ever put or deleted, or a
  // delete-range overlapped it: RocksDB keeps its tombstone in the tables,
  // which then span the range and give it a share of their size (found by
  // the property: a DeleteRange from "" and a range ["", "\0c")).
  bool Touched(Cf cf, const std::string& begin_key,
               const std::string& end_key) const {
    const std::set<std::string>& keys = keys_[static_cast<size_t>(cf)];
    auto it = keys.lower_bound(begin_key);
    if (it != keys.end() && InRange(*it, begin_key, end_key)) return true;
    for (const auto& [del_begin, del_end] :
         delete_ranges_[static_cast<size_t>(cf)]) {
      if (del_begin >= del_end) continue;  // Deletes nothing.
      const bool starts_before_end = end_key.empty() || del_begin < end_key;
      if (starts_before_end && del_end > begin_key) return true;
    }
    return false;
  }

 private:
  std::array<RangeSize, core::env::kAllCfs.size()> totals_{};
  std::array<std::set<std::string>, core::env::kAllCfs.size()> keys_;
  std::array<std::vector<std::pair<std::string, std::string>>,
             core::env::kAllCfs.size()>
      delete_ranges_;
};

// `model` with the range of each exported column family replaced by what
// `source` holds there: what an ingest must produce.
EngineModel ReplacedRange(const EngineModel& model, const EngineModel& source,
                          const ExportRange& range) {
  WriteBatch replace;
  for (Cf cf : range.cfs) {
    for (const auto& [key, value] : model.table(cf)) {
      if (InRange(key, range.begin_key, range.end_key)) replace.Delete(cf, key);
    }
    for (const auto& [key, value] : source.table(cf)) {
      if (InRange(key, range.begin_key, range.end_key)) {
        replace.Put(cf, key, value);
      }
    }
  }
  EngineModel after = model;
  after.Apply(replace);
  return after;
}

// The batch that ingests `stream` into `engine`.
WriteBatch IngestBatch(core::env::Engine& engine, const std::string& stream) {
  core::engine::RangeIngester ingester;
  AssertOk(ingester.Add(stream));
  RC_ASSERT(ingester.complete());
  auto batch = ingester.ReplaceBatch(engine);
  AssertOk(batch.status());
  return *batch;
}

// Both engines, the model of their latest state, and what the crash checks
// need: the model state after each batch since the last durable point.
class Engines {
 public:
  explicit Engines(bool in_memory)
      : in_memory_env_(in_memory ? rocksdb::NewMemEnv(rocksdb::Env::Default())
                                 : nullptr),
        dir_(in_memory ? nullptr
                       : std::make_unique<runtime::storage::ScratchDir>(
                             "differential")),
        path_(in_memory ? "/differential" : dir_->path()) {
    OpenRocks();
  }
  ~Engines() {
    snapshots_.clear();
    rocks_.reset();
  }

  void Write(const WriteBatch& batch, bool sync) {
    EngineModel after = model_;
    after.Apply(batch);
    Commit(batch, batch, std::move(after), sync);
  }

  void Sync() {
    AssertOk(mem_.Sync());
    // RocksDB's in-memory Env cannot SyncWAL (NotSupported); its "crash" is
    // a clean close, which keeps everything anyway.
    if (in_memory_env_ == nullptr) AssertOk(rocks_->Sync());
    synced_ = mem_batches_.size();
  }

  void Crash(uint64_t seed);
  void ExportIngest(const SnapshotPair& source, bool sync);
  void CheckApproximateSize();

  void Flush() { AssertOk(rocks_->Flush()); }
  void TakeSnapshot() { snapshots_.push_back(Latest()); }
  void ReleaseSnapshot(size_t i) {
    snapshots_.erase(snapshots_.begin() + static_cast<ptrdiff_t>(i));
  }
  const std::vector<SnapshotPair>& snapshots() const { return snapshots_; }
  SnapshotPair Latest() {
    return {mem_.NewSnapshot(), rocks_->NewSnapshot(), model_};
  }

  void CheckLatestGet(Cf cf, const std::string& key) {
    auto mem = mem_.Get(cf, key);
    auto rocks = rocks_->Get(cf, key);
    RC_ASSERT(mem.ok() && rocks.ok());
    RC_ASSERT(*mem == model_.Get(cf, key));
    RC_ASSERT(*rocks == *mem);
  }
  void CheckLatestState() {
    RC_ASSERT(core::engine::testing::Capture(mem_) == model_);
    RC_ASSERT(core::engine::testing::Capture(*rocks_) == model_);
  }

 private:
  // Writes one logical batch (the two engines' versions may differ in
  // delete-range ends, never in effect) and records `after`, the state it
  // leads to.
  void Commit(const WriteBatch& mem_batch, const WriteBatch& rocks_batch,
              EngineModel after, bool sync) {
    AssertOk(mem_.Write(mem_batch, {.sync = sync}));
    AssertOk(rocks_->Write(rocks_batch, {.sync = sync}));
    mem_written_.Add(mem_batch);
    rocks_written_.Add(rocks_batch);
    mem_batches_.push_back(mem_batch);
    rocks_batches_.push_back(rocks_batch);
    model_ = std::move(after);
    states_.push_back(model_);
    if (sync) synced_ = mem_batches_.size();
  }

  // Small memtables: cheap to open, and flushes happen on their own too.
  void OpenRocks() {
    auto opened =
        RocksEngine::Open(path_, {.write_buffer_size_bytes = 256 << 10,
                                  .block_cache_size_bytes = 1 << 20,
                                  .env = in_memory_env_.get()});
    AssertOk(opened.status());
    rocks_ = std::move(*opened);
  }

  // After a crash: which prefix of the batches since the durable point
  // `engine` kept. It must be whole batches and include every synced one.
  size_t KeptPrefix(core::env::Engine& engine) const {
    const std::optional<size_t> kept = core::engine::testing::WholeBatchPrefix(
        core::engine::testing::Capture(engine), states_, synced_);
    RC_ASSERT(kept.has_value());
    return *kept;
  }

  // Writes again the batches `engine` lost, as a client retries them.
  static void Replay(core::env::Engine& engine,
                     const std::vector<WriteBatch>& batches, size_t kept,
                     WrittenTally& written) {
    for (size_t i = kept; i < batches.size(); ++i) {
      AssertOk(engine.Write(batches[i], {}));
      written.Add(batches[i]);
    }
  }

  // Declared first: destroyed after the database that uses them.
  std::unique_ptr<rocksdb::Env> in_memory_env_;
  std::unique_ptr<runtime::storage::ScratchDir> dir_;
  std::string path_;
  MemEngine mem_;
  std::unique_ptr<RocksEngine> rocks_;
  std::vector<SnapshotPair> snapshots_;
  EngineModel model_;
  WrittenTally mem_written_;
  WrittenTally rocks_written_;
  // Since the last durable point: states_[k] follows the first k batches
  // (states_[0] is the durable state); the first synced_ are synced.
  std::vector<EngineModel> states_ = {EngineModel()};
  std::vector<WriteBatch> mem_batches_;
  std::vector<WriteBatch> rocks_batches_;
  size_t synced_ = 0;
};

// Snapshots go first: an open snapshot keeps the RocksDB database open.
void Engines::Crash(uint64_t seed) {
  snapshots_.clear();
  core::base::Prng prng(seed);
  const core::engine::CrashReport report = mem_.SimulateCrash(prng);
  RC_ASSERT(report.unsynced_batches == mem_batches_.size() - synced_);
  rocks_.reset();
  OpenRocks();

  const size_t mem_kept = KeptPrefix(mem_);
  // The report names the prefix MemEngine kept.
  RC_ASSERT(core::engine::testing::Capture(mem_) ==
            states_[synced_ + report.surviving_batches]);
  const size_t rocks_kept = KeptPrefix(*rocks_);
  Replay(mem_, mem_batches_, mem_kept, mem_written_);
  Replay(*rocks_, rocks_batches_, rocks_kept, rocks_written_);
  CheckLatestState();

  states_ = {model_};
  mem_batches_.clear();
  rocks_batches_.clear();
  Sync();
}

ExportRange GenExportRange() {
  ExportRange range;
  for (Cf cf : core::env::kAllCfs) {
    if (*rc::gen::inRange(0, 3) == 0) range.cfs.push_back(cf);
  }
  if (range.cfs.empty()) range.cfs.push_back(GenCf());
  range.begin_key = GenKey();
  if (*rc::gen::arbitrary<bool>()) range.end_key = GenKey();
  if (!range.end_key.empty() && range.end_key < range.begin_key) {
    std::swap(range.begin_key, range.end_key);
  }
  return range;
}

// Exports a range of `source` from both engines and ingests the stream into
// each engine's latest state.
void Engines::ExportIngest(const SnapshotPair& source, bool sync) {
  const ExportRange range = GenExportRange();
  const size_t chunk_bytes = *rc::gen::inRange<size_t>(1, 64);
  auto mem_stream =
      core::engine::ExportRangeToString(source.mem, range, chunk_bytes);
  auto rocks_stream =
      core::engine::ExportRangeToString(source.rocks, range, chunk_bytes);
  AssertOk(mem_stream.status());
  AssertOk(rocks_stream.status());
  // The stream is a function of the data alone.
  RC_ASSERT(*mem_stream == *rocks_stream);
  const WriteBatch mem_batch = IngestBatch(mem_, *mem_stream);
  const WriteBatch rocks_batch = IngestBatch(*rocks_, *rocks_stream);
  Commit(mem_batch, rocks_batch, ReplacedRange(model_, source.model, range),
         sync);
}

// The relations of core/env/engine.h, on a random range of a random CF.
void Engines::CheckApproximateSize() {
  const Cf cf = GenCf();
  std::string begin_key = GenKey();
  std::string end_key = GenKey();  // Empty: unbounded.
  if (*rc::gen::inRange(0, 4) == 0) end_key = begin_key;
  if (!end_key.empty() && end_key < begin_key) std::swap(begin_key, end_key);
  auto mem = mem_.ApproximateSize(cf, begin_key, end_key);
  auto rocks = rocks_->ApproximateSize(cf, begin_key, end_key);
  AssertOk(mem.status());
  AssertOk(rocks.status());

  RangeSize exact;
  for (const auto& [key, value] : model_.table(cf)) {
    if (!InRange(key, begin_key, end_key)) continue;
    exact.bytes += key.size() + value.size();
    ++exact.keys;
  }
  RC_ASSERT(*mem == exact);  // MemEngine is exact.
  const bool empty_range = !end_key.empty() && begin_key == end_key;
  if (empty_range || !rocks_written_.Touched(cf, begin_key, end_key)) {
    RC_ASSERT(*rocks == RangeSize{});
  }
  RC_ASSERT(rocks->bytes <= rocks_written_.total(cf).bytes);
  RC_ASSERT(rocks->keys <= rocks_written_.total(cf).keys);
}

std::vector<std::pair<std::string, std::string>> ModelScan(
    const EngineModel& model, Cf cf, const core::env::IteratorOptions& bounds,
    bool reverse) {
  std::vector<std::pair<std::string, std::string>> entries;
  IteratorModel it(model.table(cf), bounds);
  it.Move(reverse ? IteratorMove::kSeekToLast : IteratorMove::kSeekToFirst, "");
  for (; it.Valid();
       it.Move(reverse ? IteratorMove::kPrev : IteratorMove::kNext, "")) {
    entries.push_back(it.entry());
  }
  return entries;
}

void CheckScan(const SnapshotPair& pair) {
  const Cf cf = GenCf();
  const core::env::IteratorOptions bounds = GenBounds();
  const bool reverse = *rc::gen::arbitrary<bool>();
  auto mem = core::engine::testing::ScanAll(*pair.mem, cf, bounds, reverse);
  auto rocks = core::engine::testing::ScanAll(*pair.rocks, cf, bounds, reverse);
  RC_ASSERT(mem.status.ok() && rocks.status.ok());
  RC_ASSERT(mem.entries == ModelScan(pair.model, cf, bounds, reverse));
  RC_ASSERT(rocks.entries == mem.entries);
  for (int i = 0; i < 2; ++i) {
    const std::string key = GenKey();
    auto mem_value = pair.mem->Get(cf, key);
    auto rocks_value = pair.rocks->Get(cf, key);
    RC_ASSERT(mem_value.ok() && rocks_value.ok());
    RC_ASSERT(*mem_value == pair.model.Get(cf, key));
    RC_ASSERT(*rocks_value == *mem_value);
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

// A held snapshot pair, or the latest state when none is held.
SnapshotPair PickSource(Engines& engines) {
  const std::vector<SnapshotPair>& held = engines.snapshots();
  if (held.empty() || *rc::gen::arbitrary<bool>()) return engines.Latest();
  return held[*rc::gen::inRange<size_t>(0, held.size())];
}

void RunStep(Engines& engines) {
  const int action = *rc::gen::inRange(0, 24);
  const bool sync = *rc::gen::inRange(0, 4) == 0;
  if (action < 8) {
    engines.Write(GenBatch(5), sync);
  } else if (action < 10) {
    engines.TakeSnapshot();
  } else if (action == 10 && !engines.snapshots().empty()) {
    engines.ReleaseSnapshot(
        *rc::gen::inRange<size_t>(0, engines.snapshots().size()));
  } else if (action == 11) {
    if (sync) engines.Sync();
    engines.Crash(*rc::gen::arbitrary<uint64_t>());
  } else if (action == 12) {
    engines.Flush();
  } else if (action == 13) {
    engines.Sync();
  } else if (action < 16) {
    CheckWalk(PickSource(engines));
  } else if (action < 18) {
    CheckScan(PickSource(engines));
  } else if (action < 20) {
    engines.CheckApproximateSize();
  } else if (action < 22) {
    engines.ExportIngest(PickSource(engines), sync);
  } else {
    engines.CheckLatestGet(GenCf(), GenKey());
    engines.CheckLatestState();
  }
}

void RunHistory(bool in_memory) {
  Engines engines(in_memory);
  const int steps = *rc::gen::inRange(1, 50);
  for (int step = 0; step < steps; ++step) RunStep(engines);
  for (const SnapshotPair& pair : engines.snapshots()) CheckScan(pair);
  engines.CheckLatestState();
  engines.Crash(*rc::gen::arbitrary<uint64_t>());
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
