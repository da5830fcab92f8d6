#include "store/storage/txn_keyspace.h"

#include <utility>

#include "core/base/check.h"

namespace store::storage {
namespace {

using core::env::Cf;

class TxnIterator final : public core::env::Iterator {
 public:
  explicit TxnIterator(std::unique_ptr<core::env::Iterator> inner)
      : inner_(std::move(inner)) {}

  bool Valid() const override { return inner_->Valid(); }
  void SeekToFirst() override { inner_->SeekToFirst(); }
  void SeekToLast() override { inner_->SeekToLast(); }
  void Seek(std::string_view target) override {
    inner_->Seek(TxnEngineKey(target));
  }
  void SeekForPrev(std::string_view target) override {
    inner_->SeekForPrev(TxnEngineKey(target));
  }
  void Next() override { inner_->Next(); }
  void Prev() override { inner_->Prev(); }
  std::string_view key() const override {
    std::string_view key = inner_->key();
    CHECK(!key.empty() && key[0] == kTxnKeyPrefix)
        << "a txn iterator left the txn key space";
    return key.substr(1);
  }
  std::string_view value() const override { return inner_->value(); }
  absl::Status status() const override { return inner_->status(); }

 private:
  std::unique_ptr<core::env::Iterator> inner_;
};

class TxnSnapshotView final : public core::env::Snapshot {
 public:
  explicit TxnSnapshotView(std::shared_ptr<const core::env::Snapshot> inner)
      : inner_(std::move(inner)) {}

  absl::StatusOr<std::optional<std::string>> Get(
      Cf cf, std::string_view key) const override {
    return inner_->Get(cf, TxnEngineKey(key));
  }

  std::unique_ptr<core::env::Iterator> NewIterator(
      Cf cf, const core::env::IteratorOptions& options) const override {
    core::env::IteratorOptions bounds;
    bounds.lower_bound = TxnEngineKey(options.lower_bound.value_or(""));
    bounds.upper_bound = options.upper_bound.has_value()
                             ? TxnEngineKey(*options.upper_bound)
                             : TxnKeyspaceEnd();
    return std::make_unique<TxnIterator>(inner_->NewIterator(cf, bounds));
  }

 private:
  std::shared_ptr<const core::env::Snapshot> inner_;
};

}  // namespace

std::string TxnEngineKey(std::string_view mvcc_key) {
  std::string key(1, kTxnKeyPrefix);
  key.append(mvcc_key);
  return key;
}

std::string TxnKeyspaceEnd() { return std::string(1, kTxnKeyPrefix + 1); }

std::shared_ptr<const core::env::Snapshot> TxnSnapshot(
    std::shared_ptr<const core::env::Snapshot> snapshot) {
  return std::make_shared<TxnSnapshotView>(std::move(snapshot));
}

void AppendTxnBatch(const core::env::WriteBatch& txn_batch,
                    core::env::WriteBatch* out) {
  using Op = core::env::WriteBatch::OpKind;
  for (const auto& op : txn_batch.ops()) {
    switch (op.kind) {
      case Op::kPut:
        out->Put(op.cf, TxnEngineKey(op.key), op.value);
        break;
      case Op::kDelete:
        out->Delete(op.cf, TxnEngineKey(op.key));
        break;
      case Op::kDeleteRange:
        out->DeleteRange(op.cf, TxnEngineKey(op.key), TxnEngineKey(op.value));
        break;
    }
  }
}

}  // namespace store::storage
