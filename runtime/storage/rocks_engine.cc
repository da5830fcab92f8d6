#include "runtime/storage/rocks_engine.h"

#include <algorithm>
#include <array>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/base/check.h"
#include "core/base/status_macros.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/metadata.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"
#include "rocksdb/table_properties.h"
#include "rocksdb/write_batch.h"

namespace runtime::storage {

using core::env::Cf;

absl::Status FromRocksStatus(const rocksdb::Status& status) {
  if (status.ok()) return absl::OkStatus();
  const std::string message = "rocksdb: " + status.ToString();
  switch (status.code()) {
    case rocksdb::Status::kNotFound:
      return absl::NotFoundError(message);
    case rocksdb::Status::kCorruption:
      return absl::DataLossError(message);
    case rocksdb::Status::kNotSupported:
      return absl::UnimplementedError(message);
    case rocksdb::Status::kInvalidArgument:
      return absl::InvalidArgumentError(message);
    case rocksdb::Status::kIOError:
      if (status.IsNoSpace()) return absl::ResourceExhaustedError(message);
      return absl::InternalError(message);
    case rocksdb::Status::kTimedOut:
      return absl::DeadlineExceededError(message);
    case rocksdb::Status::kAborted:
      return absl::AbortedError(message);
    case rocksdb::Status::kBusy:
    case rocksdb::Status::kTryAgain:
    case rocksdb::Status::kShutdownInProgress:
      return absl::UnavailableError(message);
    case rocksdb::Status::kColumnFamilyDropped:
      return absl::FailedPreconditionError(message);
    default:
      return absl::InternalError(message);
  }
}

rocksdb::Options ToRocksOptions(const RocksEngineOptions& options) {
  rocksdb::Options rocks;
  rocks.create_if_missing = options.create_if_missing;
  rocks.create_missing_column_families = options.create_if_missing;
  rocks.write_buffer_size = options.write_buffer_size_bytes;
  rocks.max_background_jobs = 2;
  rocks.paranoid_checks = true;
  if (options.env != nullptr) rocks.env = options.env;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_size_bytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocks.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return rocks;
}

namespace internal {

// The open database and its column family handles. Shared by the engine and
// by every snapshot and iterator; closed when the last of them goes.
struct RocksDatabase {
  std::unique_ptr<rocksdb::DB> db;
  // Indexed by Cf.
  std::array<rocksdb::ColumnFamilyHandle*, core::env::kAllCfs.size()> cfs{};
  // Every handle opened, including column families we do not use.
  std::vector<rocksdb::ColumnFamilyHandle*> all_handles;

  ~RocksDatabase() {
    for (rocksdb::ColumnFamilyHandle* handle : all_handles) {
      // Destroying a handle cannot fail in a way we could act on.
      (void)db->DestroyColumnFamilyHandle(handle);
    }
    (void)db->Close();
  }

  rocksdb::ColumnFamilyHandle* cf(Cf which) const {
    return cfs[static_cast<size_t>(which)];
  }
};

}  // namespace internal

namespace {

using internal::RocksDatabase;

// A pinned rocksdb::Snapshot, released when the last reader of it goes.
class SnapshotHandle {
 public:
  explicit SnapshotHandle(std::shared_ptr<RocksDatabase> db)
      : db_(std::move(db)), snapshot_(db_->db->GetSnapshot()) {}
  ~SnapshotHandle() { db_->db->ReleaseSnapshot(snapshot_); }
  SnapshotHandle(const SnapshotHandle&) = delete;
  SnapshotHandle& operator=(const SnapshotHandle&) = delete;

  const RocksDatabase& db() const { return *db_; }
  rocksdb::ReadOptions ReadOptions() const {
    rocksdb::ReadOptions options;
    options.snapshot = snapshot_;
    options.verify_checksums = true;
    return options;
  }

 private:
  std::shared_ptr<RocksDatabase> db_;
  const rocksdb::Snapshot* snapshot_;
};

class RocksIterator final : public core::env::Iterator {
 public:
  RocksIterator(std::shared_ptr<const SnapshotHandle> snapshot, Cf cf,
                const core::env::IteratorOptions& options)
      : snapshot_(std::move(snapshot)), options_(options) {
    rocksdb::ReadOptions read = snapshot_->ReadOptions();
    // The Slices point into options_, which outlives the iterator.
    if (options_.lower_bound) {
      lower_ = rocksdb::Slice(*options_.lower_bound);
      read.iterate_lower_bound = &lower_;
    }
    if (options_.upper_bound) {
      upper_ = rocksdb::Slice(*options_.upper_bound);
      read.iterate_upper_bound = &upper_;
    }
    it_.reset(snapshot_->db().db->NewIterator(read, snapshot_->db().cf(cf)));
  }

  bool Valid() const override { return it_->Valid(); }
  void SeekToFirst() override { it_->SeekToFirst(); }
  void SeekToLast() override { it_->SeekToLast(); }

  void Seek(std::string_view target) override {
    // Below the lower bound RocksDB's behaviour is unspecified; clamp.
    if (options_.lower_bound && target < *options_.lower_bound) {
      it_->SeekToFirst();
      return;
    }
    it_->Seek(rocksdb::Slice(target.data(), target.size()));
  }

  void SeekForPrev(std::string_view target) override {
    if (options_.upper_bound && target >= *options_.upper_bound) {
      it_->SeekToLast();
      return;
    }
    it_->SeekForPrev(rocksdb::Slice(target.data(), target.size()));
  }

  void Next() override {
    CHECK(Valid()) << "Next() on an invalid iterator";
    it_->Next();
  }
  void Prev() override {
    CHECK(Valid()) << "Prev() on an invalid iterator";
    it_->Prev();
  }

  std::string_view key() const override {
    const rocksdb::Slice key = it_->key();
    return std::string_view(key.data(), key.size());
  }
  std::string_view value() const override {
    const rocksdb::Slice value = it_->value();
    return std::string_view(value.data(), value.size());
  }
  absl::Status status() const override {
    return FromRocksStatus(it_->status());
  }

 private:
  // Declaration order matters: it_ must be destroyed before the snapshot and
  // the bounds it reads.
  std::shared_ptr<const SnapshotHandle> snapshot_;
  core::env::IteratorOptions options_;
  rocksdb::Slice lower_;
  rocksdb::Slice upper_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

absl::StatusOr<std::optional<std::string>> GetWith(
    const RocksDatabase& db, const rocksdb::ReadOptions& options, Cf cf,
    std::string_view key) {
  std::string value;
  const rocksdb::Status status = db.db->Get(
      options, db.cf(cf), rocksdb::Slice(key.data(), key.size()), &value);
  if (status.IsNotFound()) return std::nullopt;
  if (!status.ok()) return FromRocksStatus(status);
  return value;
}

class RocksSnapshot final : public core::env::Snapshot {
 public:
  explicit RocksSnapshot(std::shared_ptr<const SnapshotHandle> handle)
      : handle_(std::move(handle)) {}

  absl::StatusOr<std::optional<std::string>> Get(
      Cf cf, std::string_view key) const override {
    return GetWith(handle_->db(), handle_->ReadOptions(), cf, key);
  }

  std::unique_ptr<core::env::Iterator> NewIterator(
      Cf cf, const core::env::IteratorOptions& options) const override {
    return std::make_unique<RocksIterator>(handle_, cf, options);
  }

 private:
  std::shared_ptr<const SnapshotHandle> handle_;
};

// Our four column families plus any others the database already has.
std::vector<rocksdb::ColumnFamilyDescriptor> Descriptors(
    const std::string& path, const rocksdb::Options& options) {
  std::vector<std::string> names;
  for (Cf cf : core::env::kAllCfs) names.emplace_back(core::env::CfName(cf));
  std::vector<std::string> existing;
  if (rocksdb::DB::ListColumnFamilies(options, path, &existing).ok()) {
    for (const std::string& name : existing) {
      if (std::find(names.begin(), names.end(), name) == names.end()) {
        names.push_back(name);
      }
    }
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names) {
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions(options));
  }
  return descriptors;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RocksEngine>> RocksEngine::Open(
    const std::string& path, const RocksEngineOptions& options) {
  const rocksdb::Options rocks = ToRocksOptions(options);
  const std::vector<rocksdb::ColumnFamilyDescriptor> descriptors =
      Descriptors(path, rocks);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status status = rocksdb::DB::Open(
      rocksdb::DBOptions(rocks), path, descriptors, &handles, &raw);
  if (!status.ok()) return FromRocksStatus(status);
  auto db = std::make_shared<RocksDatabase>();
  db->db.reset(raw);
  db->all_handles = handles;
  // Descriptors() lists our column families first, in Cf order.
  CHECK_GE(handles.size(), core::env::kAllCfs.size());
  for (Cf cf : core::env::kAllCfs) {
    rocksdb::ColumnFamilyHandle* handle = handles[static_cast<size_t>(cf)];
    CHECK_EQ(handle->GetName(), std::string(core::env::CfName(cf)));
    db->cfs[static_cast<size_t>(cf)] = handle;
  }
  return std::unique_ptr<RocksEngine>(new RocksEngine(std::move(db)));
}

RocksEngine::~RocksEngine() = default;

absl::Status RocksEngine::Write(const core::env::WriteBatch& batch,
                                const core::env::WriteOptions& options) {
  rocksdb::WriteBatch rocks_batch;
  for (const core::env::WriteBatch::Op& op : batch.ops()) {
    rocksdb::ColumnFamilyHandle* cf = db_->cf(op.cf);
    rocksdb::Status status;
    switch (op.kind) {
      case core::env::WriteBatch::OpKind::kPut:
        status = rocks_batch.Put(cf, op.key, op.value);
        break;
      case core::env::WriteBatch::OpKind::kDelete:
        status = rocks_batch.Delete(cf, op.key);
        break;
      case core::env::WriteBatch::OpKind::kDeleteRange:
        // An empty range deletes nothing; RocksDB would reject it.
        if (op.key == op.value) continue;
        status = rocks_batch.DeleteRange(cf, op.key, op.value);
        break;
    }
    if (!status.ok()) return FromRocksStatus(status);
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = options.sync;
  return FromRocksStatus(db_->db->Write(write_options, &rocks_batch));
}

absl::Status RocksEngine::Sync() {
  return FromRocksStatus(db_->db->FlushWAL(/*sync=*/true));
}

absl::StatusOr<std::optional<std::string>> RocksEngine::Get(
    Cf cf, std::string_view key) {
  rocksdb::ReadOptions options;
  options.verify_checksums = true;
  return GetWith(*db_, options, cf, key);
}

std::shared_ptr<const core::env::Snapshot> RocksEngine::NewSnapshot() {
  return std::make_shared<RocksSnapshot>(std::make_shared<SnapshotHandle>(db_));
}

namespace {

// Bytes of the internal-key footer (sequence and type) RocksDB adds to every
// key it stores; table properties count it in raw_key_size.
constexpr uint64_t kInternalKeyFooterBytes = 8;

// The size of every live SST file of `cf`, keyed by path as
// GetPropertiesOfTablesInRange keys its tables.
std::unordered_map<std::string, uint64_t> SstFileSizes(const RocksDatabase& db,
                                                       Cf cf) {
  rocksdb::ColumnFamilyMetaData meta;
  db.db->GetColumnFamilyMetaData(db.cf(cf), &meta);
  std::unordered_map<std::string, uint64_t> sizes;
  for (const rocksdb::LevelMetaData& level : meta.levels) {
    for (const rocksdb::SstFileMetaData& file : level.files) {
      sizes[file.directory + "/" + file.relative_filename] = file.size;
    }
  }
  return sizes;
}

// The SST share of an estimate. GetApproximateSizes reports file bytes: a
// table's data blocks in the range, pro-rated to its whole file (index,
// filter and properties blocks included), or the whole file when the range
// covers it. So the share of the overlapping tables in the range is those
// bytes over their file sizes, and the estimate is that share of their user
// bytes and entries. (Over data_size instead, a small table's metadata would
// count many times over.)
core::env::RangeSize EstimateFromTables(
    uint64_t file_bytes, const rocksdb::TablePropertiesCollection& tables,
    const std::unordered_map<std::string, uint64_t>& file_sizes) {
  double files = 0, user_bytes = 0, entries = 0;
  for (const auto& [path, props] : tables) {
    const auto size = file_sizes.find(path);
    // Compacted away since GetApproximateSizes: a lower bound of its size.
    files += static_cast<double>(size != file_sizes.end()
                                     ? size->second
                                     : props->data_size + props->index_size +
                                           props->filter_size);
    const uint64_t footers = kInternalKeyFooterBytes * props->num_entries;
    user_bytes += static_cast<double>(props->raw_key_size -
                                      std::min(props->raw_key_size, footers) +
                                      props->raw_value_size);
    entries +=
        static_cast<double>(props->num_entries -
                            std::min(props->num_entries, props->num_deletions));
  }
  if (files <= 0 || file_bytes == 0) return {};
  const double share = std::min(1.0, static_cast<double>(file_bytes) / files);
  return {.bytes = static_cast<uint64_t>(user_bytes * share),
          .keys = static_cast<uint64_t>(entries * share)};
}

absl::StatusOr<core::env::RangeSize> EstimateFromFiles(
    const RocksDatabase& db, Cf cf, std::string_view begin_key,
    const std::string& limit) {
  const rocksdb::Range range(rocksdb::Slice(begin_key.data(), begin_key.size()),
                             limit);
  rocksdb::SizeApproximationOptions files_only;
  files_only.include_files = true;
  files_only.include_memtables = false;
  uint64_t file_bytes = 0;
  RETURN_IF_ERROR(FromRocksStatus(db.db->GetApproximateSizes(
      files_only, db.cf(cf), &range, 1, &file_bytes)));
  if (file_bytes == 0) return core::env::RangeSize{};
  rocksdb::TablePropertiesCollection tables;
  RETURN_IF_ERROR(FromRocksStatus(
      db.db->GetPropertiesOfTablesInRange(db.cf(cf), &range, 1, &tables)));
  return EstimateFromTables(file_bytes, tables, SstFileSizes(db, cf));
}

// The memtable share, counted exactly: RocksDB's own memtable estimate
// (GetApproximateMemTableStats, a skip-list sample) proved two to three
// times off for ranges of thousands of keys, and a memtable is small.
absl::StatusOr<core::env::RangeSize> CountInMemtables(
    const RocksDatabase& db, Cf cf, std::string_view begin_key,
    const std::string& limit) {
  rocksdb::ReadOptions options;
  options.read_tier = rocksdb::kMemtableTier;
  const rocksdb::Slice upper(limit);
  options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db.db->NewIterator(options, db.cf(cf)));
  core::env::RangeSize size;
  for (it->Seek(rocksdb::Slice(begin_key.data(), begin_key.size()));
       it->Valid(); it->Next()) {
    size.bytes += it->key().size() + it->value().size();
    ++size.keys;
  }
  RETURN_IF_ERROR(FromRocksStatus(it->status()));
  return size;
}

// The exclusive end RocksDB needs for [begin_key, end_key): end_key, or for
// an unbounded range just past the last key; nullopt when the range is
// empty.
absl::StatusOr<std::optional<std::string>> RangeLimit(
    const RocksDatabase& db, Cf cf, std::string_view begin_key,
    std::string_view end_key) {
  std::string limit(end_key);
  if (end_key.empty()) {
    std::unique_ptr<rocksdb::Iterator> it(
        db.db->NewIterator(rocksdb::ReadOptions(), db.cf(cf)));
    it->SeekToLast();
    RETURN_IF_ERROR(FromRocksStatus(it->status()));
    if (!it->Valid() || it->key().ToStringView() < begin_key) {
      return std::nullopt;
    }
    limit = it->key().ToString();
    limit.push_back('\0');
  }
  if (limit == begin_key) return std::nullopt;
  return limit;
}

}  // namespace

absl::StatusOr<core::env::RangeSize> RocksEngine::ApproximateSize(
    Cf cf, std::string_view begin_key, std::string_view end_key) {
  CHECK(end_key.empty() || begin_key <= end_key)
      << "ApproximateSize bounds reversed";
  ASSIGN_OR_RETURN(const std::optional<std::string> limit,
                   RangeLimit(*db_, cf, begin_key, end_key));
  if (!limit) return core::env::RangeSize{};
  // Files first: a flush in between moves entries out of the memtables
  // after they were missed in the files (an undercount), never the reverse.
  ASSIGN_OR_RETURN(core::env::RangeSize size,
                   EstimateFromFiles(*db_, cf, begin_key, *limit));
  ASSIGN_OR_RETURN(const core::env::RangeSize memtables,
                   CountInMemtables(*db_, cf, begin_key, *limit));
  size.bytes += memtables.bytes;
  size.keys += memtables.keys;
  return size;
}

absl::Status RocksEngine::Flush() {
  std::vector<rocksdb::ColumnFamilyHandle*> handles(db_->cfs.begin(),
                                                    db_->cfs.end());
  return FromRocksStatus(db_->db->Flush(rocksdb::FlushOptions(), handles));
}

}  // namespace runtime::storage
