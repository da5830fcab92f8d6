#include "core/engine/engine_model.h"

#include "core/base/check.h"

namespace core::engine::testing {

void EngineModel::Apply(const env::WriteBatch& batch) {
  for (const env::WriteBatch::Op& op : batch.ops()) {
    Table& table = tables_[static_cast<size_t>(op.cf)];
    switch (op.kind) {
      case env::WriteBatch::OpKind::kPut:
        table.insert_or_assign(op.key, op.value);
        break;
      case env::WriteBatch::OpKind::kDelete:
        table.erase(op.key);
        break;
      case env::WriteBatch::OpKind::kDeleteRange:
        table.erase(table.lower_bound(op.key), table.lower_bound(op.value));
        break;
    }
  }
}

std::optional<std::string> EngineModel::Get(env::Cf cf,
                                            std::string_view key) const {
  const Table& t = table(cf);
  auto it = t.find(key);
  if (it == t.end()) return std::nullopt;
  return it->second;
}

IteratorModel::IteratorModel(const EngineModel::Table& table,
                             const env::IteratorOptions& options) {
  for (const auto& [key, value] : table) {
    if (options.lower_bound && key < *options.lower_bound) continue;
    if (options.upper_bound && key >= *options.upper_bound) continue;
    entries_.emplace_back(key, value);
  }
}

void IteratorModel::Move(IteratorMove move, std::string_view target) {
  const int size = static_cast<int>(entries_.size());
  switch (move) {
    case IteratorMove::kSeekToFirst:
      position_ = size > 0 ? 0 : -1;
      return;
    case IteratorMove::kSeekToLast:
      position_ = size - 1;
      return;
    case IteratorMove::kSeek:
      position_ = -1;
      for (int i = 0; i < size; ++i) {
        if (entries_[i].first >= target) {
          position_ = i;
          return;
        }
      }
      return;
    case IteratorMove::kSeekForPrev:
      position_ = -1;
      for (int i = size - 1; i >= 0; --i) {
        if (entries_[i].first <= target) {
          position_ = i;
          return;
        }
      }
      return;
    case IteratorMove::kNext:
      CHECK(Valid());
      position_ = position_ + 1 < size ? position_ + 1 : -1;
      return;
    case IteratorMove::kPrev:
      CHECK(Valid());
      position_ = position_ - 1;
      return;
  }
}

const std::pair<std::string, std::string>& IteratorModel::entry() const {
  CHECK(Valid());
  return entries_[position_];
}

void MoveIterator(env::Iterator& it, IteratorMove move,
                  std::string_view target) {
  switch (move) {
    case IteratorMove::kSeekToFirst:
      it.SeekToFirst();
      return;
    case IteratorMove::kSeekToLast:
      it.SeekToLast();
      return;
    case IteratorMove::kSeek:
      it.Seek(target);
      return;
    case IteratorMove::kSeekForPrev:
      it.SeekForPrev(target);
      return;
    case IteratorMove::kNext:
      it.Next();
      return;
    case IteratorMove::kPrev:
      it.Prev();
      return;
  }
}

ScanResult ScanAll(const env::Snapshot& snapshot, env::Cf cf,
                   const env::IteratorOptions& options, bool reverse) {
  ScanResult result;
  auto it = snapshot.NewIterator(cf, options);
  if (reverse) {
    for (it->SeekToLast(); it->Valid(); it->Prev()) {
      result.entries.emplace_back(it->key(), it->value());
    }
  } else {
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      result.entries.emplace_back(it->key(), it->value());
    }
  }
  result.status = it->status();
  return result;
}

EngineModel Capture(env::Engine& engine) {
  EngineModel captured;
  auto snapshot = engine.NewSnapshot();
  env::WriteBatch all;
  for (env::Cf cf : env::kAllCfs) {
    ScanResult scan = ScanAll(*snapshot, cf, {}, false);
    CHECK(scan.status.ok()) << scan.status;
    for (const auto& [key, value] : scan.entries) all.Put(cf, key, value);
  }
  captured.Apply(all);
  return captured;
}

std::optional<size_t> WholeBatchPrefix(const EngineModel& after,
                                       const std::vector<EngineModel>& states,
                                       size_t synced) {
  for (size_t k = synced; k < states.size(); ++k) {
    if (after == states[k]) return k;
  }
  return std::nullopt;
}

}  // namespace core::engine::testing
