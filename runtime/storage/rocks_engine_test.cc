// Example tests for RocksEngine: the env::Engine contract on a real RocksDB
// in a temporary directory (TEST_TMPDIR, set by Bazel): column families,
// batches, delete-range, snapshots, bounded iterators, persistence across a
// close and reopen, and the mapping of RocksDB errors to absl codes. The
// behavioural match with MemEngine is checked by //tests/engine.
#include "runtime/storage/rocks_engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "core/engine/range_export.h"
#include "rocksdb/db.h"
#include "rocksdb/status.h"

namespace runtime::storage {
namespace {

using core::env::Cf;
using ::testing::ElementsAre;
using ::testing::Pair;
using KeyValues = std::vector<std::pair<std::string, std::string>>;

// A fresh, empty directory for the current test.
std::string FreshDir() {
  const char* root = std::getenv("TEST_TMPDIR");
  const std::filesystem::path base =
      root != nullptr ? root : std::filesystem::temp_directory_path();
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::filesystem::path dir =
      base / (std::string("rocks_") + info->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::unique_ptr<RocksEngine> MustOpen(const std::string& path) {
  auto engine = RocksEngine::Open(path, RocksEngineOptions{});
  EXPECT_TRUE(engine.ok()) << engine.status();
  return engine.ok() ? std::move(*engine) : nullptr;
}

KeyValues Scan(const core::env::Snapshot& snapshot, Cf cf,
               const core::env::IteratorOptions& options = {},
               bool reverse = false) {
  KeyValues out;
  auto it = snapshot.NewIterator(cf, options);
  if (reverse) {
    for (it->SeekToLast(); it->Valid(); it->Prev()) {
      out.emplace_back(it->key(), it->value());
    }
  } else {
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out.emplace_back(it->key(), it->value());
    }
  }
  EXPECT_TRUE(it->status().ok()) << it->status();
  return out;
}

TEST(RocksEngineTest, ColumnFamiliesAreSeparate) {
  auto engine = MustOpen(FreshDir());
  ASSERT_NE(engine, nullptr);
  core::env::WriteBatch batch;
  for (Cf cf : core::env::kAllCfs) {
    batch.Put(cf, "k", std::string(core::env::CfName(cf)));
  }
  ASSERT_TRUE(engine->Write(batch, {}).ok());
  for (Cf cf : core::env::kAllCfs) {
    EXPECT_EQ(*engine->Get(cf, "k"), std::string(core::env::CfName(cf)));
  }
  core::env::WriteBatch del;
  del.Delete(Cf::kLock, "k");
  ASSERT_TRUE(engine->Write(del, {}).ok());
  EXPECT_EQ(*engine->Get(Cf::kLock, "k"), std::nullopt);
  EXPECT_EQ(*engine->Get(Cf::kWrite, "k"), "write");
}

TEST(RocksEngineTest, BatchOrderDeleteRangeAndEmptyRange) {
  auto engine = MustOpen(FreshDir());
  ASSERT_NE(engine, nullptr);
  core::env::WriteBatch batch;
  for (std::string key : {"a", "b", "c", "d"})
    batch.Put(Cf::kDefault, key, key);
  batch.DeleteRange(Cf::kDefault, "b", "d");
  batch.DeleteRange(Cf::kDefault, "a", "a");  // Empty: deletes nothing.
  batch.Put(Cf::kDefault, "c", "again");
  ASSERT_TRUE(engine->Write(batch, {.sync = true}).ok());
  EXPECT_THAT(Scan(*engine->NewSnapshot(), Cf::kDefault),
              ElementsAre(Pair("a", "a"), Pair("c", "again"), Pair("d", "d")));
}

TEST(RocksEngineTest, SnapshotIgnoresLaterWritesAndOutlivesTheEngine) {
  auto engine = MustOpen(FreshDir());
  ASSERT_NE(engine, nullptr);
  core::env::WriteBatch batch;
  batch.Put(Cf::kWrite, "a", "old");
  batch.Put(Cf::kWrite, "b", "old");
  ASSERT_TRUE(engine->Write(batch, {}).ok());
  auto snapshot = engine->NewSnapshot();
  core::env::WriteBatch later;
  later.Put(Cf::kWrite, "a", "new");
  later.DeleteRange(Cf::kWrite, "b", "c");
  ASSERT_TRUE(engine->Write(later, {}).ok());
  ASSERT_TRUE(engine->Flush().ok());  // Reads now come from SST files.
  engine.reset();
  EXPECT_THAT(Scan(*snapshot, Cf::kWrite),
              ElementsAre(Pair("a", "old"), Pair("b", "old")));
  EXPECT_EQ(**snapshot->Get(Cf::kWrite, "b"), "old");
}

TEST(RocksEngineTest, IteratorBoundsSeekAndSeekForPrev) {
  auto engine = MustOpen(FreshDir());
  ASSERT_NE(engine, nullptr);
  core::env::WriteBatch batch;
  for (std::string key : {"a", "b", "c", "d", "e"}) {
    batch.Put(Cf::kRaft, key, key + "v");
  }
  ASSERT_TRUE(engine->Write(batch, {}).ok());
  auto snapshot = engine->NewSnapshot();
  core::env::IteratorOptions bounds{.lower_bound = "b", .upper_bound = "d"};
  EXPECT_THAT(Scan(*snapshot, Cf::kRaft, bounds),
              ElementsAre(Pair("b", "bv"), Pair("c", "cv")));
  EXPECT_THAT(Scan(*snapshot, Cf::kRaft, bounds, /*reverse=*/true),
              ElementsAre(Pair("c", "cv"), Pair("b", "bv")));
  auto it = snapshot->NewIterator(Cf::kRaft, bounds);
  it->Seek("a");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "b");
  it->SeekForPrev("zz");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "c");
  it->SeekForPrev("b\x01");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "b");
  it->Prev();
  EXPECT_FALSE(it->Valid());
}

TEST(RocksEngineTest, DataSurvivesCloseAndReopen) {
  const std::string dir = FreshDir();
  {
    auto engine = MustOpen(dir);
    ASSERT_NE(engine, nullptr);
    core::env::WriteBatch batch;
    batch.Put(Cf::kRaft, "hard_state", "term=7");
    batch.Put(Cf::kDefault, "k", "v");
    ASSERT_TRUE(engine->Write(batch, {}).ok());
    ASSERT_TRUE(engine->Sync().ok());
  }
  auto engine = MustOpen(dir);
  ASSERT_NE(engine, nullptr);
  EXPECT_EQ(*engine->Get(Cf::kRaft, "hard_state"), "term=7");
  EXPECT_EQ(*engine->Get(Cf::kDefault, "k"), "v");
}

// A database made elsewhere with only "default" and a foreign column family
// gets our missing column families; its data and the foreign family stay.
TEST(RocksEngineTest, OpenCreatesMissingColumnFamiliesAndKeepsOthers) {
  const std::string dir = FreshDir();
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, dir, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(
        db->Put(rocksdb::WriteOptions(), "k", "from-plain-rocksdb").ok());
    rocksdb::ColumnFamilyHandle* foreign = nullptr;
    ASSERT_TRUE(db->CreateColumnFamily(rocksdb::ColumnFamilyOptions(),
                                       "foreign", &foreign)
                    .ok());
    ASSERT_TRUE(db->DestroyColumnFamilyHandle(foreign).ok());
  }
  {
    auto engine = MustOpen(dir);
    ASSERT_NE(engine, nullptr);
    EXPECT_EQ(*engine->Get(Cf::kDefault, "k"), "from-plain-rocksdb");
    core::env::WriteBatch batch;
    batch.Put(Cf::kLock, "l", "lock");
    ASSERT_TRUE(engine->Write(batch, {.sync = true}).ok());
  }
  std::vector<std::string> families;
  ASSERT_TRUE(
      rocksdb::DB::ListColumnFamilies(rocksdb::Options(), dir, &families).ok());
  std::sort(families.begin(), families.end());
  EXPECT_THAT(families,
              ElementsAre("default", "foreign", "lock", "raft", "write"));
  auto engine = MustOpen(dir);
  ASSERT_NE(engine, nullptr);
  EXPECT_EQ(*engine->Get(Cf::kLock, "l"), "lock");
}

TEST(RocksEngineTest, SecondOpenOfTheSamePathFails) {
  const std::string dir = FreshDir();
  auto engine = MustOpen(dir);
  ASSERT_NE(engine, nullptr);
  auto second = RocksEngine::Open(dir, RocksEngineOptions{});
  EXPECT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kInternal)
      << second.status();
}

TEST(RocksEngineTest, OpenFailsCleanlyOnAFileOrMissingDatabase) {
  const std::string dir = FreshDir();
  const std::string file = dir + "/not_a_dir";
  std::ofstream(file) << "x";
  EXPECT_FALSE(RocksEngine::Open(file + "/db", RocksEngineOptions{}).ok());
  auto missing = RocksEngine::Open(
      dir + "/missing", RocksEngineOptions{.create_if_missing = false});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument)
      << missing.status();
}

// A flipped byte inside an SST data block is caught by RocksDB's block
// checksum and reported as kDataLoss, never as wrong bytes.
TEST(RocksEngineTest, CorruptSstReadsAsDataLoss) {
  const std::string dir = FreshDir();
  // Incompressible, so that the SST file really holds 4000 value bytes.
  std::string value;
  uint64_t state = 0x9e3779b97f4a7c15ULL;
  for (int i = 0; i < 4000; ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    value.push_back(static_cast<char>(state));
  }
  {
    auto engine = MustOpen(dir);
    ASSERT_NE(engine, nullptr);
    core::env::WriteBatch batch;
    batch.Put(Cf::kWrite, "k", value);
    ASSERT_TRUE(engine->Write(batch, {}).ok());
    ASSERT_TRUE(engine->Flush().ok());
  }
  int corrupted = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".sst") continue;
    if (std::filesystem::file_size(entry.path()) < 2000) continue;
    std::fstream file(entry.path(),
                      std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(1000);  // Inside the 4000-byte value of the data block.
    file.put('X');
    ++corrupted;
  }
  ASSERT_EQ(corrupted, 1);
  auto engine = MustOpen(dir);
  ASSERT_NE(engine, nullptr);
  auto got = engine->Get(Cf::kWrite, "k");
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss) << got.status();
  auto it = engine->NewSnapshot()->NewIterator(Cf::kWrite, {});
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_EQ(it->status().code(), absl::StatusCode::kDataLoss);
}

// ApproximateSize is an estimate: within a factor of two of the exact bytes
// and keys for 2000 distinct 100-byte entries, from memtables and from SST
// files; zero for an empty range; monotone in the end key after a flush.
TEST(RocksEngineTest, ApproximateSizeIsPlausible) {
  auto engine = MustOpen(FreshDir());
  ASSERT_NE(engine, nullptr);
  core::env::WriteBatch batch;
  uint64_t state = 0x2545f4914f6cdd1dULL;
  for (int i = 0; i < 2000; ++i) {
    std::string value;
    for (int b = 0; b < 90; ++b) {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      value.push_back(static_cast<char>(state));
    }
    batch.Put(Cf::kWrite, "key" + std::to_string(10000 + i), value);
  }
  ASSERT_TRUE(engine->Write(batch, {}).ok());
  const double exact_bytes = 2000 * (8 + 90);
  for (int flushed = 0; flushed < 2; ++flushed) {
    auto size = engine->ApproximateSize(Cf::kWrite, "", "");
    ASSERT_TRUE(size.ok()) << size.status();
    EXPECT_GT(size->bytes, exact_bytes / 2) << flushed;
    EXPECT_LT(size->bytes, exact_bytes * 2) << flushed;
    EXPECT_GT(size->keys, 1000u) << flushed;
    EXPECT_LT(size->keys, 4000u) << flushed;
    EXPECT_EQ(*engine->ApproximateSize(Cf::kWrite, "key1", "key1"),
              core::env::RangeSize{});
    EXPECT_EQ(*engine->ApproximateSize(Cf::kLock, "", ""),
              core::env::RangeSize{});
    ASSERT_TRUE(engine->Flush().ok());
  }
  const auto half = *engine->ApproximateSize(Cf::kWrite, "", "key11000");
  const auto all = *engine->ApproximateSize(Cf::kWrite, "", "key2");
  EXPECT_LE(half.bytes, all.bytes);
  EXPECT_LE(half.keys, all.keys);
}

TEST(RocksEngineTest, RangeExportIngestRoundTrip) {
  auto source = MustOpen(FreshDir() + "_source");
  auto target = MustOpen(FreshDir());
  ASSERT_NE(source, nullptr);
  ASSERT_NE(target, nullptr);
  core::env::WriteBatch batch;
  for (int i = 0; i < 100; ++i) {
    batch.Put(Cf::kDefault, "k" + std::to_string(100 + i), "v");
  }
  ASSERT_TRUE(source->Write(batch, {}).ok());
  core::env::WriteBatch old;
  old.Put(Cf::kDefault, "k1505", "stale");
  old.Put(Cf::kDefault, "k099", "outside");
  ASSERT_TRUE(target->Write(old, {}).ok());
  auto stream = core::engine::ExportRangeToString(
      source->NewSnapshot(),
      {.cfs = {Cf::kDefault}, .begin_key = "k150", .end_key = ""}, 256);
  ASSERT_TRUE(stream.ok()) << stream.status();
  ASSERT_TRUE(core::engine::IngestRange(*target, *stream, {.sync = true}).ok());
  EXPECT_EQ(*target->Get(Cf::kDefault, "k1505"), std::nullopt);
  EXPECT_EQ(*target->Get(Cf::kDefault, "k099"), "outside");
  EXPECT_EQ(Scan(*target->NewSnapshot(), Cf::kDefault).size(), 51u);
}

TEST(RocksEngineTest, StatusMapping) {
  EXPECT_TRUE(FromRocksStatus(rocksdb::Status::OK()).ok());
  EXPECT_EQ(FromRocksStatus(rocksdb::Status::Corruption("x")).code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(FromRocksStatus(rocksdb::Status::NoSpace("x")).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(FromRocksStatus(rocksdb::Status::IOError("x")).code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(FromRocksStatus(rocksdb::Status::InvalidArgument("x")).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FromRocksStatus(rocksdb::Status::Busy("x")).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(FromRocksStatus(rocksdb::Status::NotFound("x")).code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace runtime::storage
