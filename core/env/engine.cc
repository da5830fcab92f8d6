#include "core/env/engine.h"

#include "core/base/check.h"

namespace core::env {

std::string_view CfName(Cf cf) {
  switch (cf) {
    case Cf::kDefault:
      return "default";
    case Cf::kLock:
      return "lock";
    case Cf::kWrite:
      return "write";
    case Cf::kRaft:
      return "raft";
  }
  UNREACHABLE();
  return "";
}

absl::StatusOr<RangeSize> Engine::ApproximateSize(Cf cf,
                                                  std::string_view begin_key,
                                                  std::string_view end_key) {
  CHECK(end_key.empty() || begin_key <= end_key)
      << "ApproximateSize bounds reversed";
  IteratorOptions options{.lower_bound = std::string(begin_key),
                          .upper_bound = std::nullopt};
  if (!end_key.empty()) options.upper_bound = std::string(end_key);
  std::unique_ptr<Iterator> it = NewSnapshot()->NewIterator(cf, options);
  RangeSize size;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    size.bytes += it->key().size() + it->value().size();
    ++size.keys;
  }
  if (absl::Status s = it->status(); !s.ok()) return s;
  return size;
}

void WriteBatch::Put(Cf cf, std::string_view key, std::string_view value) {
  ops_.push_back(Op{OpKind::kPut, cf, std::string(key), std::string(value)});
  bytes_ += key.size() + value.size();
}

void WriteBatch::Delete(Cf cf, std::string_view key) {
  ops_.push_back(Op{OpKind::kDelete, cf, std::string(key), std::string()});
  bytes_ += key.size();
}

void WriteBatch::DeleteRange(Cf cf, std::string_view begin_key,
                             std::string_view end_key) {
  CHECK_LE(begin_key, end_key) << "DeleteRange bounds reversed";
  ops_.push_back(Op{OpKind::kDeleteRange, cf, std::string(begin_key),
                    std::string(end_key)});
  bytes_ += begin_key.size() + end_key.size();
}

void WriteBatch::Append(const WriteBatch& other) {
  ops_.insert(ops_.end(), other.ops_.begin(), other.ops_.end());
  bytes_ += other.bytes_;
}

void WriteBatch::Clear() {
  ops_.clear();
  bytes_ = 0;
}

}  // namespace core::env
