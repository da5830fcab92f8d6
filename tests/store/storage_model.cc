#include "tests/store/storage_model.h"

namespace store::storage::testing {

using core::txn::actions::MutationOp;
using Kind = core::txn::actions::TxnStatus::Kind;

std::optional<std::string> StorageModel::RawGet(const std::string& key) const {
  auto it = raw_.find(key);
  if (it == raw_.end()) return std::nullopt;
  return it->second;
}

void StorageModel::RawPut(const std::string& key, const std::string& value) {
  raw_[key] = value;
}

void StorageModel::RawDelete(const std::string& key) { raw_.erase(key); }

void StorageModel::RawDeleteRange(const std::string& start,
                                  const std::string& end) {
  raw_.erase(raw_.lower_bound(start), raw_.lower_bound(end));
}

bool StorageModel::HasRecordAbove(const std::string& key, TimeStamp ts) const {
  auto it = records_.find(key);
  return it != records_.end() && !it->second.empty() &&
         it->second.rbegin()->first > ts;
}

const StorageModel::Record* StorageModel::RecordOf(const std::string& key,
                                                   TimeStamp start_ts) const {
  auto it = records_.find(key);
  if (it == records_.end()) return nullptr;
  for (const auto& [commit_ts, record] : it->second) {
    if (record.start_ts == start_ts) return &record;
  }
  return nullptr;
}

std::optional<std::vector<TimeStamp>> StorageModel::ExpectPrewrite(
    const Prewrite& cmd) const {
  std::vector<TimeStamp> locked;
  for (const auto& mutation : cmd.mutations) {
    auto lock = locks_.find(mutation.key);
    if (lock != locks_.end() && lock->second.start_ts != cmd.start_ts) {
      locked.push_back(lock->second.start_ts);
      continue;
    }
    if (HasRecordAbove(mutation.key, cmd.start_ts)) return std::nullopt;
  }
  return locked;
}

void StorageModel::ApplyPrewrite(const Prewrite& cmd,
                                 TimeStamp one_pc_commit_ts) {
  for (const auto& mutation : cmd.mutations) {
    const bool is_delete = mutation.op == MutationOp::kDelete;
    if (!one_pc_commit_ts.IsZero()) {
      records_[mutation.key][one_pc_commit_ts] =
          Record{is_delete ? RecordType::kDelete : RecordType::kPut,
                 cmd.start_ts, mutation.value};
      continue;
    }
    locks_[mutation.key] = Lock{cmd.start_ts, cmd.primary, is_delete,
                                mutation.value, cmd.lock_ttl};
  }
}

bool StorageModel::ExpectCommit(const std::vector<std::string>& keys,
                                TimeStamp start_ts) const {
  for (const std::string& key : keys) {
    auto lock = locks_.find(key);
    if (lock != locks_.end() && lock->second.start_ts == start_ts) continue;
    const Record* record = RecordOf(key, start_ts);
    if (record == nullptr || record->type == RecordType::kRollback) {
      return false;
    }
  }
  return true;
}

void StorageModel::ApplyCommit(const std::vector<std::string>& keys,
                               TimeStamp start_ts, TimeStamp commit_ts) {
  for (const std::string& key : keys) {
    auto lock = locks_.find(key);
    if (lock == locks_.end() || lock->second.start_ts != start_ts) continue;
    records_[key][commit_ts] =
        Record{lock->second.is_delete ? RecordType::kDelete : RecordType::kPut,
               start_ts, lock->second.value};
    locks_.erase(lock);
  }
}

bool StorageModel::ExpectRollback(const std::vector<std::string>& keys,
                                  TimeStamp start_ts) const {
  for (const std::string& key : keys) {
    auto lock = locks_.find(key);
    if (lock != locks_.end() && lock->second.start_ts == start_ts) continue;
    const Record* record = RecordOf(key, start_ts);
    if (record != nullptr && record->type != RecordType::kRollback) {
      return false;
    }
  }
  return true;
}

void StorageModel::ApplyRollback(const std::vector<std::string>& keys,
                                 TimeStamp start_ts) {
  for (const std::string& key : keys) {
    auto lock = locks_.find(key);
    if (lock != locks_.end() && lock->second.start_ts == start_ts) {
      locks_.erase(lock);
    }
    if (RecordOf(key, start_ts) == nullptr) {
      records_[key][start_ts] = Record{RecordType::kRollback, start_ts, ""};
    }
  }
}

Kind StorageModel::CheckTxnStatus(const std::string& primary, TimeStamp lock_ts,
                                  TimeStamp now, bool apply) {
  auto lock = locks_.find(primary);
  if (lock != locks_.end() && lock->second.start_ts == lock_ts) {
    // Expired iff lock.ts.physical + ttl < current_ts.physical.
    if (lock_ts.physical_ms() + lock->second.ttl >= now.physical_ms()) {
      return Kind::kUncommitted;
    }
    if (apply) ApplyRollback({primary}, lock_ts);
    return Kind::kTtlExpire;
  }
  const Record* record = RecordOf(primary, lock_ts);
  if (record != nullptr) {
    return record->type == RecordType::kRollback ? Kind::kRolledBack
                                                 : Kind::kCommitted;
  }
  if (apply) ApplyRollback({primary}, lock_ts);
  return Kind::kLockNotExist;
}

void StorageModel::DeleteRange(const std::string& start,
                               const std::string& end) {
  locks_.erase(locks_.lower_bound(start), locks_.lower_bound(end));
  records_.erase(records_.lower_bound(start), records_.lower_bound(end));
}

StorageModel::Read StorageModel::Get(const std::string& key,
                                     TimeStamp read_ts) const {
  auto lock = locks_.find(key);
  if (lock != locks_.end() && lock->second.start_ts <= read_ts) {
    return lock->second.start_ts;
  }
  auto versions = records_.find(key);
  if (versions == records_.end()) return std::optional<std::string>();
  for (auto it = versions->second.rbegin(); it != versions->second.rend();
       ++it) {
    if (it->first > read_ts || it->second.type == RecordType::kRollback) {
      continue;
    }
    if (it->second.type == RecordType::kDelete) break;
    return std::optional<std::string>(it->second.value);
  }
  return std::optional<std::string>();
}

std::vector<std::pair<std::string, StorageModel::Read>> StorageModel::Scan(
    TimeStamp read_ts) const {
  std::map<std::string, Read> found;
  for (const auto& [key, lock] : locks_) found[key] = Get(key, read_ts);
  for (const auto& [key, versions] : records_) found[key] = Get(key, read_ts);
  std::vector<std::pair<std::string, Read>> out;
  for (auto& [key, read] : found) {
    const auto* value = std::get_if<std::optional<std::string>>(&read);
    if (value != nullptr && !value->has_value()) continue;
    out.emplace_back(key, read);
  }
  return out;
}

void StorageModel::ObserveRead(TimeStamp read_ts) {
  if (read_ts > max_read_ts_) max_read_ts_ = read_ts;
}

void StorageModel::ObserveValueRead(const std::string& key, TimeStamp read_ts) {
  TimeStamp& seen = value_read_ts_[key];
  if (read_ts > seen) seen = read_ts;
}

bool StorageModel::CommitAboveValueReads(const std::vector<std::string>& keys,
                                         TimeStamp commit_ts) const {
  for (const std::string& key : keys) {
    auto it = value_read_ts_.find(key);
    if (it != value_read_ts_.end() && commit_ts <= it->second) return false;
  }
  return true;
}

}  // namespace store::storage::testing
