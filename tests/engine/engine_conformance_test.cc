// The env::Engine conformance suite: every behaviour core/env/engine.h
// promises (and core/engine/range_export.h for export and ingest), written
// once and run against each engine:
//   Mem           MemEngine
//   Rocks         RocksEngine on a real directory (TEST_TMPDIR)
//   RocksFlushed  RocksEngine with every memtable flushed after each write,
//                 so that reads come from SST files and range tombstones
// Engine-specific behaviour is tested beside each engine: MemEngine's fault
// injection, corruption hooks and version collection in
// core/engine/mem_engine_test.cc, RocksEngine's open, reopen and on-disk
// corruption in runtime/storage/rocks_engine_test.cc. Random histories
// compared across the engines are engine_differential_test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/base/prng.h"
#include "core/engine/engine_model.h"
#include "core/engine/mem_engine.h"
#include "core/engine/range_export.h"
#include "core/env/engine.h"
#include "runtime/storage/rocks_engine.h"
#include "runtime/storage/scratch_dir.h"

namespace tests::engine {
namespace {

using core::engine::ExportRange;
using core::engine::MemEngine;
using core::env::Cf;
using core::env::Engine;
using core::env::RangeSize;
using core::env::WriteBatch;
using runtime::storage::RocksEngine;
using runtime::storage::ScratchDir;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using namespace std::string_literals;
using KeyValues = std::vector<std::pair<std::string, std::string>>;

enum class EngineKind { kMem, kRocks, kRocksFlushed };

std::string KindName(const ::testing::TestParamInfo<EngineKind>& info) {
  switch (info.param) {
    case EngineKind::kMem:
      return "Mem";
    case EngineKind::kRocks:
      return "Rocks";
    case EngineKind::kRocksFlushed:
      return "RocksFlushed";
  }
  return "Unknown";
}

// `bytes` incompressible bytes from a fixed xorshift sequence, so that SST
// files really hold what was written.
std::string NoiseBytes(size_t bytes, uint64_t seed) {
  core::base::Prng prng(seed);
  std::string out;
  for (size_t i = 0; i < bytes; ++i) {
    out.push_back(static_cast<char>(prng.Uniform(256)));
  }
  return out;
}

KeyValues Scan(const core::env::Snapshot& snapshot, Cf cf,
               const core::env::IteratorOptions& options = {},
               bool reverse = false) {
  core::engine::testing::ScanResult scan =
      core::engine::testing::ScanAll(snapshot, cf, options, reverse);
  EXPECT_TRUE(scan.status.ok()) << scan.status;
  return scan.entries;
}

class EngineConformanceTest : public ::testing::TestWithParam<EngineKind> {
 protected:
  void SetUp() override { engine_ = OpenFresh("main"); }

  bool is_rocks() const { return GetParam() != EngineKind::kMem; }

  // A fresh, empty engine of the kind under test; `name` tells apart the
  // engines of one test (a RocksEngine gets a directory of that name).
  std::unique_ptr<Engine> OpenFresh(const std::string& name) {
    if (!is_rocks()) return std::make_unique<MemEngine>();
    dirs_.push_back(std::make_unique<ScratchDir>(
        "conformance_" + KindName({GetParam(), 0}) + "_" + name));
    if (name == "main") main_path_ = dirs_.back()->path();
    return MustOpenRocks(dirs_.back()->path());
  }

  static std::unique_ptr<Engine> MustOpenRocks(const std::string& path) {
    auto opened = RocksEngine::Open(path, {.write_buffer_size_bytes = 4 << 20,
                                           .block_cache_size_bytes = 8 << 20});
    EXPECT_TRUE(opened.ok()) << opened.status();
    return opened.ok() ? std::move(*opened) : nullptr;
  }

  // Writes `batch`; for RocksFlushed, then flushes every memtable.
  void MustWrite(Engine& engine, const WriteBatch& batch, bool sync = false) {
    ASSERT_TRUE(engine.Write(batch, {.sync = sync}).ok());
    if (GetParam() == EngineKind::kRocksFlushed) {
      ASSERT_TRUE(dynamic_cast<RocksEngine&>(engine).Flush().ok());
    }
  }
  void MustWrite(const WriteBatch& batch, bool sync = false) {
    MustWrite(*engine_, batch, sync);
  }
  void MustPut(Cf cf, std::string_view key, std::string_view value) {
    WriteBatch batch;
    batch.Put(cf, key, value);
    MustWrite(batch);
  }

  std::optional<std::string> MustGet(Engine& engine, Cf cf,
                                     std::string_view key) {
    auto got = engine.Get(cf, key);
    EXPECT_TRUE(got.ok()) << got.status();
    return got.ok() ? *got : std::nullopt;
  }
  std::optional<std::string> MustGet(Cf cf, std::string_view key) {
    return MustGet(*engine_, cf, key);
  }

  RangeSize MustSize(Cf cf, std::string_view begin_key,
                     std::string_view end_key) {
    auto size = engine_->ApproximateSize(cf, begin_key, end_key);
    EXPECT_TRUE(size.ok()) << size.status();
    return size.ok() ? *size : RangeSize{};
  }

  // Restarts engine_ as after a crash. MemEngine keeps its synced state plus
  // a prefix of the unsynced batches chosen by `seed`; RocksEngine closes and
  // reopens its directory (the WAL replays). Hold no snapshot of engine_.
  void CrashAndRecover(uint64_t seed) {
    if (!is_rocks()) {
      core::base::Prng prng(seed);
      dynamic_cast<MemEngine&>(*engine_).SimulateCrash(prng);
      return;
    }
    engine_.reset();
    engine_ = MustOpenRocks(main_path_);
    ASSERT_NE(engine_, nullptr);
  }

  // Declared before the engines, so destroyed after them.
  std::vector<std::unique_ptr<ScratchDir>> dirs_;
  std::string main_path_;
  std::unique_ptr<Engine> engine_;
};

INSTANTIATE_TEST_SUITE_P(AllEngines, EngineConformanceTest,
                         ::testing::Values(EngineKind::kMem, EngineKind::kRocks,
                                           EngineKind::kRocksFlushed),
                         KindName);

// --- Column families, batches, delete-range ------------------------------

TEST_P(EngineConformanceTest, ColumnFamiliesAreSeparate) {
  WriteBatch batch;
  for (Cf cf : core::env::kAllCfs) {
    batch.Put(cf, "k", std::string(core::env::CfName(cf)));
  }
  batch.Put(Cf::kWrite, "only-in-write", "w");
  MustWrite(batch);
  for (Cf cf : core::env::kAllCfs) {
    EXPECT_EQ(MustGet(cf, "k"), std::string(core::env::CfName(cf)));
  }
  EXPECT_EQ(MustGet(Cf::kDefault, "only-in-write"), std::nullopt);

  WriteBatch del;
  del.Delete(Cf::kLock, "k");
  MustWrite(del);
  EXPECT_EQ(MustGet(Cf::kLock, "k"), std::nullopt);
  EXPECT_EQ(MustGet(Cf::kWrite, "k"), "write");
  auto snapshot = engine_->NewSnapshot();
  EXPECT_THAT(Scan(*snapshot, Cf::kWrite),
              ElementsAre(Pair("k", "write"), Pair("only-in-write", "w")));
  EXPECT_THAT(Scan(*snapshot, Cf::kLock), IsEmpty());
  EXPECT_THAT(Scan(*snapshot, Cf::kRaft), ElementsAre(Pair("k", "raft")));
}

// Ops of one batch apply in order, so a later op on a key wins; an empty
// delete-range deletes nothing.
TEST_P(EngineConformanceTest, LaterOpsInABatchWin) {
  WriteBatch batch;
  batch.Put(Cf::kDefault, "a", "1");
  batch.Delete(Cf::kDefault, "a");
  batch.Delete(Cf::kDefault, "b");
  batch.Put(Cf::kDefault, "b", "2");
  batch.Put(Cf::kDefault, "c", "3");
  batch.DeleteRange(Cf::kDefault, "c", "d");
  batch.DeleteRange(Cf::kDefault, "x", "z");
  batch.Put(Cf::kDefault, "y", "4");
  batch.DeleteRange(Cf::kDefault, "b", "b");
  batch.Put(Cf::kDefault, "e", "5");
  batch.Put(Cf::kDefault, "e", "6");
  MustWrite(batch);
  EXPECT_THAT(Scan(*engine_->NewSnapshot(), Cf::kDefault),
              ElementsAre(Pair("b", "2"), Pair("e", "6"), Pair("y", "4")));
}

TEST_P(EngineConformanceTest, DeleteRangeIsHalfOpenAndPerColumnFamily) {
  WriteBatch batch;
  for (std::string key : {"a"s, "b"s, "b\0"s, "c"s, "d"s}) {
    batch.Put(Cf::kWrite, key, "w");
    batch.Put(Cf::kDefault, key, "d");
  }
  MustWrite(batch);
  WriteBatch range;
  range.DeleteRange(Cf::kWrite, "b", "d");
  MustWrite(range);
  auto snapshot = engine_->NewSnapshot();
  EXPECT_THAT(Scan(*snapshot, Cf::kWrite),
              ElementsAre(Pair("a", "w"), Pair("d", "w")));
  EXPECT_EQ(Scan(*snapshot, Cf::kDefault).size(), 5u);
  // Keys written after the delete-range are unaffected by it.
  MustPut(Cf::kWrite, "c", "again");
  EXPECT_EQ(MustGet(Cf::kWrite, "c"), "again");
}

TEST_P(EngineConformanceTest, EmptyKeyAndEmptyValueAreOrdinary) {
  MustPut(Cf::kRaft, "", "");
  MustPut(Cf::kRaft, "k", "");
  EXPECT_EQ(MustGet(Cf::kRaft, ""), "");
  EXPECT_EQ(MustGet(Cf::kRaft, "k"), "");  // Present, not absent.
  EXPECT_EQ(MustGet(Cf::kRaft, "absent"), std::nullopt);
  auto snapshot = engine_->NewSnapshot();
  EXPECT_THAT(Scan(*snapshot, Cf::kRaft),
              ElementsAre(Pair("", ""), Pair("k", "")));
  auto it = snapshot->NewIterator(Cf::kRaft, {});
  it->SeekForPrev("");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "");

  WriteBatch range;
  range.DeleteRange(Cf::kRaft, "", "a");  // Covers the empty key only.
  MustWrite(range);
  EXPECT_THAT(Scan(*engine_->NewSnapshot(), Cf::kRaft),
              ElementsAre(Pair("k", "")));
}

// Absent keys are nullopt, not errors; empty batches, empty ranges and syncs
// of nothing succeed.
TEST_P(EngineConformanceTest, AbsentKeysAndEmptyWritesAreNotErrors) {
  auto got = engine_->Get(Cf::kLock, "absent");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, std::nullopt);
  auto snapshot = engine_->NewSnapshot();
  auto from_snapshot = snapshot->Get(Cf::kLock, "absent");
  ASSERT_TRUE(from_snapshot.ok()) << from_snapshot.status();
  EXPECT_EQ(*from_snapshot, std::nullopt);
  auto it = snapshot->NewIterator(Cf::kLock, {});
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok()) << it->status();

  EXPECT_TRUE(engine_->Write(WriteBatch(), {}).ok());
  EXPECT_TRUE(engine_->Write(WriteBatch(), {.sync = true}).ok());
  WriteBatch empty_range;
  empty_range.DeleteRange(Cf::kLock, "a", "a");
  EXPECT_TRUE(engine_->Write(empty_range, {}).ok());
  EXPECT_TRUE(engine_->Sync().ok());
}

// --- Snapshots and iterators ---------------------------------------------

TEST_P(EngineConformanceTest, SnapshotIgnoresLaterWrites) {
  WriteBatch old;
  for (std::string key : {"a", "b", "c"}) old.Put(Cf::kDefault, key, "old");
  MustWrite(old);
  auto snapshot = engine_->NewSnapshot();

  MustPut(Cf::kDefault, "a", "new");
  WriteBatch batch;
  batch.Delete(Cf::kDefault, "b");
  batch.DeleteRange(Cf::kDefault, "c", "z");
  batch.Put(Cf::kDefault, "d", "new");
  MustWrite(batch);

  EXPECT_THAT(
      Scan(*snapshot, Cf::kDefault),
      ElementsAre(Pair("a", "old"), Pair("b", "old"), Pair("c", "old")));
  EXPECT_EQ(*snapshot->Get(Cf::kDefault, "b"), "old");
  EXPECT_EQ(*snapshot->Get(Cf::kDefault, "d"), std::nullopt);
  EXPECT_THAT(Scan(*engine_->NewSnapshot(), Cf::kDefault),
              ElementsAre(Pair("a", "new"), Pair("d", "new")));
}

// A snapshot, and an iterator of it, stay readable after the engine is
// destroyed; the iterator also outlives its snapshot.
TEST_P(EngineConformanceTest, SnapshotAndIteratorOutliveTheEngine) {
  WriteBatch batch;
  batch.Put(Cf::kWrite, "a", "old");
  batch.Put(Cf::kWrite, "b", "old");
  MustWrite(batch);
  auto snapshot = engine_->NewSnapshot();
  std::unique_ptr<core::env::Iterator> it =
      snapshot->NewIterator(Cf::kWrite, {});
  WriteBatch later;
  later.Put(Cf::kWrite, "a", "new");
  later.DeleteRange(Cf::kWrite, "b", "c");
  MustWrite(later);
  engine_.reset();

  EXPECT_THAT(Scan(*snapshot, Cf::kWrite),
              ElementsAre(Pair("a", "old"), Pair("b", "old")));
  EXPECT_EQ(*snapshot->Get(Cf::kWrite, "b"), "old");
  snapshot.reset();
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "a");
  EXPECT_EQ(it->value(), "old");
  it->Next();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "b");
  it->Next();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok()) << it->status();
}

TEST_P(EngineConformanceTest, IteratorRespectsBoundsInBothDirections) {
  WriteBatch batch;
  for (std::string key : {"a", "b", "c", "d", "e"}) {
    batch.Put(Cf::kDefault, key, key + "v");
  }
  MustWrite(batch);
  auto snapshot = engine_->NewSnapshot();
  core::env::IteratorOptions bounds{.lower_bound = "b", .upper_bound = "d"};
  EXPECT_THAT(Scan(*snapshot, Cf::kDefault, bounds),
              ElementsAre(Pair("b", "bv"), Pair("c", "cv")));
  EXPECT_THAT(Scan(*snapshot, Cf::kDefault, bounds, /*reverse=*/true),
              ElementsAre(Pair("c", "cv"), Pair("b", "bv")));

  auto it = snapshot->NewIterator(Cf::kDefault, bounds);
  it->Seek("a");  // Clamped up to the lower bound.
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "b");
  it->Seek("d");
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev("z");  // Clamped below the upper bound.
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "c");
  it->SeekForPrev("b\x01");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "b");
  it->Prev();  // Below the lower bound.
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev("a");
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok()) << it->status();
}

TEST_P(EngineConformanceTest, SeekAndSeekForPrevFindNearestKeys) {
  WriteBatch batch;
  batch.Put(Cf::kLock, "b", "1");
  batch.Put(Cf::kLock, "d", "2");
  batch.Put(Cf::kLock, "f", "3");
  batch.Delete(Cf::kLock, "d");
  MustWrite(batch);
  auto it = engine_->NewSnapshot()->NewIterator(Cf::kLock, {});
  it->Seek("c");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "f");  // "d" is deleted.
  it->Prev();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "b");
  it->SeekForPrev("e");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "b");
  it->SeekForPrev("b");  // Inclusive.
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "b");
  it->Next();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "f");
  it->Next();
  EXPECT_FALSE(it->Valid());
  it->Seek("g");
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "f");
}

// --- Durability ----------------------------------------------------------

// Every synced batch survives a crash; an unsynced one survives whole or not
// at all. Four rounds, each with a synced and an unsynced batch.
TEST_P(EngineConformanceTest, SyncedBatchesSurviveACrashAndNoneIsTorn) {
  for (int round = 0; round < 4; ++round) {
    const std::string term = "term=" + std::to_string(round);
    WriteBatch synced;
    synced.Put(Cf::kRaft, "hard_state", term);
    synced.Put(Cf::kRaft, "entry" + std::to_string(round), "e");
    MustWrite(synced, /*sync=*/round % 2 == 0);
    if (round % 2 == 1) {
      ASSERT_TRUE(engine_->Sync().ok());
    }
    WriteBatch unsynced;
    unsynced.Put(Cf::kRaft, "hard_state", "unsynced");
    unsynced.Put(Cf::kDefault, "unsynced" + std::to_string(round), "x");
    MustWrite(unsynced);

    CrashAndRecover(/*seed=*/round);
    for (int i = 0; i <= round; ++i) {
      EXPECT_EQ(MustGet(Cf::kRaft, "entry" + std::to_string(i)), "e") << i;
    }
    const auto hard_state = MustGet(Cf::kRaft, "hard_state");
    const auto marker =
        MustGet(Cf::kDefault, "unsynced" + std::to_string(round));
    EXPECT_TRUE((hard_state == "unsynced" && marker == "x") ||
                (hard_state == term && marker == std::nullopt))
        << round << ": " << hard_state.value_or("(absent)");
    // Start the next round from a durable state.
    ASSERT_TRUE(engine_->Sync().ok());
  }
}

// --- ApproximateSize -----------------------------------------------------

// `count` distinct keys "<prefix><number>" with `value_bytes`-byte values.
WriteBatch DistinctEntries(Cf cf, const std::string& prefix, int first,
                           int count, size_t value_bytes) {
  WriteBatch batch;
  for (int i = first; i < first + count; ++i) {
    batch.Put(cf, prefix + std::to_string(10000 + i),
              NoiseBytes(value_bytes, static_cast<uint64_t>(i)));
  }
  return batch;
}

// Within a factor of two of the exact bytes and keys.
void ExpectWithinTwice(std::string_view what, const RangeSize& size,
                       uint64_t exact_bytes, uint64_t exact_keys) {
  SCOPED_TRACE(what);
  EXPECT_GT(size.bytes, exact_bytes / 2);
  EXPECT_LT(size.bytes, exact_bytes * 2);
  EXPECT_GT(size.keys, exact_keys / 2);
  EXPECT_LT(size.keys, exact_keys * 2);
}

TEST_P(EngineConformanceTest, ApproximateSizeIsZeroWhereNothingWasWritten) {
  MustWrite(DistinctEntries(Cf::kWrite, "key", 0, 100, 50));
  EXPECT_EQ(MustSize(Cf::kWrite, "key10050", "key10050"), RangeSize{});
  EXPECT_EQ(MustSize(Cf::kLock, "", ""), RangeSize{});
  EXPECT_EQ(MustSize(Cf::kWrite, "a", "key"), RangeSize{});  // Before all.
  EXPECT_EQ(MustSize(Cf::kWrite, "z", ""), RangeSize{});     // After all.
  // Between "key10050" and "key10051".
  EXPECT_EQ(MustSize(Cf::kWrite, "key100500", "key100501"), RangeSize{});
}

// 2000 distinct 98-byte entries, from memtables and (RocksFlushed) from SST
// files.
TEST_P(EngineConformanceTest, ApproximateSizeIsWithinTwiceTheExactSize) {
  MustWrite(DistinctEntries(Cf::kWrite, "key", 0, 2000, 90));
  const RangeSize all = MustSize(Cf::kWrite, "", "");
  ExpectWithinTwice("all", all, 2000 * (8 + 90), 2000);
  if (!is_rocks()) {
    EXPECT_EQ(all, (RangeSize{.bytes = 2000 * (8 + 90), .keys = 2000}));
  }
  // Wider ranges are no smaller.
  const RangeSize half = MustSize(Cf::kWrite, "", "key11000");
  const RangeSize most = MustSize(Cf::kWrite, "", "key2");
  ExpectWithinTwice("half", half, 1000 * (8 + 90), 1000);
  EXPECT_LE(half.bytes, most.bytes);
  EXPECT_LE(half.keys, most.keys);
}

// Each round writes as many new keys as all earlier rounds together, so the
// estimate must grow even where it samples.
TEST_P(EngineConformanceTest, ApproximateSizeGrowsWithDataWritten) {
  RangeSize previous;
  int written = 0;
  for (int count : {250, 250, 500, 1000}) {
    MustWrite(DistinctEntries(Cf::kDefault, "key", written, count, 90));
    written += count;
    const RangeSize size = MustSize(Cf::kDefault, "", "");
    EXPECT_GT(size.bytes, previous.bytes) << written;
    EXPECT_GT(size.keys, previous.keys) << written;
    previous = size;
  }
}

// Only the asked column family and range count: "a..." and "c..." keys in
// the write CF, "b..." keys in the default CF.
TEST_P(EngineConformanceTest, ApproximateSizeCoversOnlyTheAskedCfAndRange) {
  WriteBatch batch = DistinctEntries(Cf::kWrite, "a", 0, 1000, 90);
  batch.Append(DistinctEntries(Cf::kWrite, "c", 0, 1000, 90));
  batch.Append(DistinctEntries(Cf::kDefault, "b", 0, 1000, 90));
  MustWrite(batch);
  constexpr uint64_t kPrefixBytes = 1000 * (6 + 90);
  ExpectWithinTwice("write [a, b)", MustSize(Cf::kWrite, "a", "b"),
                    kPrefixBytes, 1000);
  ExpectWithinTwice("write [c, end)", MustSize(Cf::kWrite, "c", ""),
                    kPrefixBytes, 1000);
  ExpectWithinTwice("all of write", MustSize(Cf::kWrite, "", ""),
                    2 * kPrefixBytes, 2000);
  ExpectWithinTwice("all of default", MustSize(Cf::kDefault, "", ""),
                    kPrefixBytes, 1000);
  EXPECT_EQ(MustSize(Cf::kWrite, "b", "c"), RangeSize{});
  EXPECT_EQ(MustSize(Cf::kDefault, "c", ""), RangeSize{});
  EXPECT_EQ(MustSize(Cf::kLock, "", ""), RangeSize{});
}

// --- Range export and ingest ---------------------------------------------

constexpr size_t kChunkBytes = 64;

const ExportRange kMiddle{
    .cfs = {Cf::kDefault, Cf::kWrite}, .begin_key = "k110", .end_key = "k140"};

// k100..k149 in the default and write CFs, and one lock in the range.
WriteBatch ExportSourceBatch() {
  WriteBatch batch;
  for (int i = 0; i < 50; ++i) {
    const std::string key = "k" + std::to_string(100 + i);
    batch.Put(Cf::kDefault, key, std::string(i, 'v'));
    batch.Put(Cf::kWrite, key, "w" + key);
  }
  batch.Put(Cf::kLock, "k120", "lock, not exported");
  return batch;
}

std::string MustExport(Engine& engine, const ExportRange& range) {
  auto stream = core::engine::ExportRangeToString(engine.NewSnapshot(), range,
                                                  kChunkBytes);
  EXPECT_TRUE(stream.ok()) << stream.status();
  return stream.ok() ? *stream : std::string();
}

// Into a fresh engine: exactly the range of the exported CFs arrives, and
// exporting it again gives the same bytes.
TEST_P(EngineConformanceTest, RangeExportIngestRoundTripsIntoAFreshEngine) {
  MustWrite(ExportSourceBatch());
  const std::string stream = MustExport(*engine_, kMiddle);
  std::unique_ptr<Engine> target = OpenFresh("target");
  ASSERT_NE(target, nullptr);
  ASSERT_TRUE(core::engine::IngestRange(*target, stream, {.sync = true}).ok());

  const core::env::IteratorOptions range{.lower_bound = kMiddle.begin_key,
                                         .upper_bound = kMiddle.end_key};
  auto source_snapshot = engine_->NewSnapshot();
  auto target_snapshot = target->NewSnapshot();
  for (Cf cf : kMiddle.cfs) {
    EXPECT_EQ(Scan(*target_snapshot, cf), Scan(*source_snapshot, cf, range));
    EXPECT_EQ(Scan(*target_snapshot, cf).size(), 30u);
  }
  EXPECT_THAT(Scan(*target_snapshot, Cf::kLock), IsEmpty());
  EXPECT_EQ(MustExport(*target, kMiddle), stream);
}

// Over existing data the range of each exported CF is replaced: keys in it
// that the stream lacks are deleted, keys outside it and other CFs stay.
TEST_P(EngineConformanceTest, IngestReplacesTheRangeAndNothingElse) {
  MustWrite(ExportSourceBatch());
  const std::string stream = MustExport(*engine_, kMiddle);
  std::unique_ptr<Engine> target = OpenFresh("target");
  ASSERT_NE(target, nullptr);
  WriteBatch old;
  old.Put(Cf::kDefault, "k105", "before the range");
  old.Put(Cf::kDefault, "k111", "stale, in the range");
  old.Put(Cf::kDefault, "k1115", "stale, not exported");
  old.Put(Cf::kDefault, "k140", "at the end key");
  old.Put(Cf::kWrite, "k139", "stale write");
  old.Put(Cf::kLock, "k120", "other cf");
  MustWrite(*target, old);
  ASSERT_TRUE(core::engine::IngestRange(*target, stream, {}).ok());

  EXPECT_EQ(MustGet(*target, Cf::kDefault, "k105"), "before the range");
  EXPECT_EQ(MustGet(*target, Cf::kDefault, "k111"), std::string(11, 'v'));
  EXPECT_EQ(MustGet(*target, Cf::kDefault, "k1115"), std::nullopt);
  EXPECT_EQ(MustGet(*target, Cf::kDefault, "k140"), "at the end key");
  EXPECT_EQ(MustGet(*target, Cf::kWrite, "k139"), "wk139");
  EXPECT_EQ(MustGet(*target, Cf::kWrite, "k140"), std::nullopt);
  EXPECT_EQ(MustGet(*target, Cf::kLock, "k120"), "other cf");
  EXPECT_EQ(Scan(*target->NewSnapshot(), Cf::kDefault).size(), 32u);
}

// An empty end key is unbounded: everything from the begin key on goes.
TEST_P(EngineConformanceTest, IngestWithAnUnboundedEndReplacesTheTail) {
  MustWrite(ExportSourceBatch());
  const ExportRange tail{
      .cfs = {Cf::kDefault}, .begin_key = "k150", .end_key = ""};
  const std::string stream = MustExport(*engine_, tail);  // Nothing in it.
  std::unique_ptr<Engine> target = OpenFresh("target");
  ASSERT_NE(target, nullptr);
  WriteBatch old;
  old.Put(Cf::kDefault, "k149", "kept");
  old.Put(Cf::kDefault, "k150", "stale");
  old.Put(Cf::kDefault, "z\xff\xff", "stale");
  MustWrite(*target, old);
  ASSERT_TRUE(core::engine::IngestRange(*target, stream, {}).ok());
  EXPECT_THAT(Scan(*target->NewSnapshot(), Cf::kDefault),
              ElementsAre(Pair("k149", "kept")));

  const ExportRange from_k140{
      .cfs = {Cf::kDefault}, .begin_key = "k140", .end_key = ""};
  ASSERT_TRUE(
      core::engine::IngestRange(*target, MustExport(*engine_, from_k140), {})
          .ok());
  EXPECT_EQ(Scan(*target->NewSnapshot(), Cf::kDefault).size(), 10u);
  EXPECT_EQ(MustGet(*target, Cf::kDefault, "k149"), std::string(49, 'v'));
}

// A damaged stream is an error (kDataLoss when cut short or failing its
// checksum) and leaves the target as it was.
TEST_P(EngineConformanceTest, DamagedStreamIsRejectedAndChangesNothing) {
  MustWrite(ExportSourceBatch());
  const std::string stream = MustExport(*engine_, kMiddle);
  std::unique_ptr<Engine> target = OpenFresh("target");
  ASSERT_NE(target, nullptr);
  WriteBatch old;
  old.Put(Cf::kDefault, "k111", "old");
  MustWrite(*target, old);
  const core::engine::testing::EngineModel before =
      core::engine::testing::Capture(*target);

  const absl::Status cut = core::engine::IngestRange(
      *target, stream.substr(0, stream.size() - 1), {});
  EXPECT_EQ(cut.code(), absl::StatusCode::kDataLoss) << cut;
  std::string flipped = stream;
  flipped[stream.size() / 2] =
      static_cast<char>(flipped[stream.size() / 2] ^ 1);
  const absl::Status bad = core::engine::IngestRange(*target, flipped, {});
  EXPECT_EQ(bad.code(), absl::StatusCode::kDataLoss) << bad;
  EXPECT_TRUE(core::engine::testing::Capture(*target) == before);
}

}  // namespace
}  // namespace tests::engine
