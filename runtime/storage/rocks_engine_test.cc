// Example tests for what only RocksEngine has: data across a close and
// reopen, opening databases made elsewhere or not at all, the LOCK file,
// corrupt SST files, and the mapping of RocksDB errors to absl codes. Each
// runs on a real RocksDB in a temporary directory (TEST_TMPDIR, set by
// Bazel). The env::Engine contract itself is checked on RocksEngine and
// MemEngine alike by //tests/engine:engine_conformance_test.
#include "runtime/storage/rocks_engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "rocksdb/db.h"
#include "rocksdb/status.h"
#include "runtime/storage/scratch_dir.h"

namespace runtime::storage {
namespace {

using core::env::Cf;
using ::testing::ElementsAre;

// The name of the current test's scratch directory.
std::string DirName() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string("rocks_") + info->name();
}

std::unique_ptr<RocksEngine> MustOpen(const std::string& path) {
  auto engine = RocksEngine::Open(path, RocksEngineOptions{});
  EXPECT_TRUE(engine.ok()) << engine.status();
  return engine.ok() ? std::move(*engine) : nullptr;
}

// A clean close loses nothing, not even unsynced writes (each Write is in
// the WAL file before it returns), whether the data sits in SST files or
// only in the WAL; reopening twice changes nothing.
TEST(RocksEngineTest, DataSurvivesCloseAndReopen) {
  const ScratchDir scratch(DirName());
  {
    auto engine = MustOpen(scratch.path());
    ASSERT_NE(engine, nullptr);
    core::env::WriteBatch flushed;
    flushed.Put(Cf::kRaft, "hard_state", "term=7");
    flushed.Put(Cf::kDefault, "k", "v");
    ASSERT_TRUE(engine->Write(flushed, {.sync = true}).ok());
    ASSERT_TRUE(engine->Flush().ok());
    core::env::WriteBatch unsynced;
    unsynced.Put(Cf::kRaft, "hard_state", "term=8");
    unsynced.Delete(Cf::kDefault, "k");
    unsynced.Put(Cf::kLock, "l", "in the WAL only");
    ASSERT_TRUE(engine->Write(unsynced, {}).ok());
  }
  for (int reopen = 0; reopen < 2; ++reopen) {
    auto engine = MustOpen(scratch.path());
    ASSERT_NE(engine, nullptr);
    EXPECT_EQ(*engine->Get(Cf::kRaft, "hard_state"), "term=8");
    EXPECT_EQ(*engine->Get(Cf::kDefault, "k"), std::nullopt);
    EXPECT_EQ(*engine->Get(Cf::kLock, "l"), "in the WAL only");
  }
}

// A database made elsewhere with only "default" and a foreign column family
// gets our missing column families; its data and the foreign family stay.
TEST(RocksEngineTest, OpenCreatesMissingColumnFamiliesAndKeepsOthers) {
  const ScratchDir scratch(DirName());
  const std::string& dir = scratch.path();
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
  const ScratchDir scratch(DirName());
  const std::string& dir = scratch.path();
  auto engine = MustOpen(dir);
  ASSERT_NE(engine, nullptr);
  auto second = RocksEngine::Open(dir, RocksEngineOptions{});
  EXPECT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kInternal)
      << second.status();
}

TEST(RocksEngineTest, OpenFailsCleanlyOnAFileOrMissingDatabase) {
  const ScratchDir scratch(DirName());
  const std::string& dir = scratch.path();
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
  const ScratchDir scratch(DirName());
  const std::string& dir = scratch.path();
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
