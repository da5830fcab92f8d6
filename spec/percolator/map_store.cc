#include "spec/percolator/map_store.h"

#include <optional>
#include <utility>

#include "core/base/bytes.h"
#include "core/base/check.h"

namespace spec::percolator {
namespace {

using core::env::Cf;
using Table = MapStore::Table;

class MapIterator final : public core::env::Iterator {
 public:
  // `keep_alive` owns the table when the snapshot owns a copy, so the
  // iterator may outlive its snapshot.
  MapIterator(std::shared_ptr<const void> keep_alive, const Table& table,
              const core::env::IteratorOptions& options)
      : keep_alive_(std::move(keep_alive)),
        table_(table),
        options_(options),
        it_(table.end()) {}

  bool Valid() const override { return it_ != table_.end(); }
  void SeekToFirst() override { Seek(options_.lower_bound.value_or("")); }
  void SeekToLast() override {
    if (options_.upper_bound.has_value()) {
      it_ = table_.lower_bound(*options_.upper_bound);
    } else {
      it_ = table_.end();
    }
    StepBack();
  }
  void Seek(std::string_view target) override {
    std::string start(target);
    if (options_.lower_bound.has_value() && start < *options_.lower_bound) {
      start = *options_.lower_bound;
    }
    it_ = table_.lower_bound(start);
    ClampUpper();
  }
  void SeekForPrev(std::string_view target) override {
    it_ = table_.upper_bound(std::string(target));
    if (options_.upper_bound.has_value()) {
      auto bound = table_.lower_bound(*options_.upper_bound);
      if (bound != table_.end() &&
          (it_ == table_.end() || bound->first < it_->first)) {
        it_ = bound;
      }
    }
    StepBack();
  }
  void Next() override {
    CHECK(Valid());
    ++it_;
    ClampUpper();
  }
  void Prev() override {
    CHECK(Valid());
    StepBack();
  }
  std::string_view key() const override { return it_->first; }
  std::string_view value() const override { return it_->second; }
  absl::Status status() const override { return absl::OkStatus(); }

 private:
  void ClampUpper() {
    if (it_ != table_.end() && options_.upper_bound.has_value() &&
        it_->first >= *options_.upper_bound) {
      it_ = table_.end();
    }
  }
  // Moves to the entry before it_ (end() when there is none in bounds).
  void StepBack() {
    if (it_ == table_.begin()) {
      it_ = table_.end();
      return;
    }
    --it_;
    if (options_.lower_bound.has_value() &&
        it_->first < *options_.lower_bound) {
      it_ = table_.end();
    }
  }

  std::shared_ptr<const void> keep_alive_;
  const Table& table_;
  core::env::IteratorOptions options_;
  Table::const_iterator it_;
};

class MapSnapshot final : public core::env::Snapshot {
 public:
  // Either owns a copy (`owned`) or borrows `tables`.
  MapSnapshot(std::shared_ptr<const std::array<Table, 3>> owned,
              const std::array<Table, 3>* tables)
      : owned_(std::move(owned)), tables_(owned_ ? owned_.get() : tables) {}

  absl::StatusOr<std::optional<std::string>> Get(
      Cf cf, std::string_view key) const override {
    const Table& table = (*tables_)[static_cast<size_t>(cf)];
    auto it = table.find(std::string(key));
    if (it == table.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  std::unique_ptr<core::env::Iterator> NewIterator(
      Cf cf, const core::env::IteratorOptions& options) const override {
    return std::make_unique<MapIterator>(
        owned_, (*tables_)[static_cast<size_t>(cf)], options);
  }

 private:
  std::shared_ptr<const std::array<Table, 3>> owned_;
  const std::array<Table, 3>* tables_;
};

}  // namespace

std::shared_ptr<const core::env::Snapshot> MapStore::NewSnapshot() const {
  return std::make_shared<MapSnapshot>(
      std::make_shared<const std::array<Table, 3>>(tables_), nullptr);
}

std::shared_ptr<const core::env::Snapshot> MapStore::BorrowSnapshot() const {
  return std::make_shared<MapSnapshot>(nullptr, &tables_);
}

void MapStore::Apply(const core::mvcc::MvccTxn& txn) {
  memo_.reset();
  for (const core::mvcc::Modify& modify : txn.modifies()) {
    CHECK(modify.cf != Cf::kRaft);
    Table& table = mutable_table(modify.cf);
    if (modify.kind == core::mvcc::Modify::Kind::kPut) {
      table[modify.key] = modify.value;
    } else {
      table.erase(modify.key);
    }
  }
}

void MapStore::ApplyBatch(const core::env::WriteBatch& batch) {
  memo_.reset();
  for (const core::env::WriteBatch::Op& op : batch.ops()) {
    CHECK(op.cf != Cf::kRaft);
    Table& table = mutable_table(op.cf);
    switch (op.kind) {
      case core::env::WriteBatch::OpKind::kPut:
        table[op.key] = op.value;
        break;
      case core::env::WriteBatch::OpKind::kDelete:
        table.erase(op.key);
        break;
      case core::env::WriteBatch::OpKind::kDeleteRange:
        UNREACHABLE() << "MapStore does not support DeleteRange";
    }
  }
}

void MapStore::AppendFingerprint(std::string* out) const {
  for (const Table& table : tables_) {
    core::base::PutVarint64(out, table.size());
    for (const auto& [key, value] : table) {
      core::base::PutLengthPrefixed(out, key);
      core::base::PutLengthPrefixed(out, value);
    }
  }
}

}  // namespace spec::percolator
