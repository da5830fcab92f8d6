#include "core/txn/validate.h"

#include <string>

namespace core::txn {

std::optional<mvcc::InvalidRequest> ValidateKey(mvcc::BytesView raw_key) {
  if (raw_key.empty()) return mvcc::InvalidRequest{"key is empty"};
  if (raw_key.size() > kMaxKeySizeBytes) {
    return mvcc::InvalidRequest{
        "key is too large: " + std::to_string(raw_key.size()) + " bytes > " +
        std::to_string(kMaxKeySizeBytes)};
  }
  return std::nullopt;
}

std::optional<mvcc::InvalidRequest> ValidateValue(mvcc::BytesView value) {
  if (value.size() > kMaxValueSizeBytes) {
    return mvcc::InvalidRequest{
        "value is too large: " + std::to_string(value.size()) + " bytes > " +
        std::to_string(kMaxValueSizeBytes)};
  }
  return std::nullopt;
}

std::optional<mvcc::InvalidRequest> ValidateStartTs(base::TimeStamp start_ts) {
  if (start_ts.IsZero()) return mvcc::InvalidRequest{"start_ts is zero"};
  if (start_ts.IsMax()) return mvcc::InvalidRequest{"start_ts is the max ts"};
  return std::nullopt;
}

std::optional<mvcc::InvalidRequest> ValidateCommitTs(
    base::TimeStamp start_ts, base::TimeStamp commit_ts) {
  if (auto bad = ValidateStartTs(start_ts)) return bad;
  if (commit_ts <= start_ts) {
    return mvcc::InvalidRequest{
        "commit_ts " + std::to_string(commit_ts.value()) +
        " is not above start_ts " + std::to_string(start_ts.value())};
  }
  if (commit_ts.IsMax()) return mvcc::InvalidRequest{"commit_ts is the max ts"};
  return std::nullopt;
}

}  // namespace core::txn
