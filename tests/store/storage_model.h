// A sequential model of the storage layer for the concurrent property test:
// raw KV as a map, and Percolator (2PC and 1PC, optimistic) as locks plus
// write records per key, written from TiKV's rules (reference tikv.md §2.2,
// §2.6) rather than from core/txn. Commands are applied in the order their
// Execute calls return: a write is applied (and its latches still held)
// when it returns, and a read never parks between its snapshot and its
// return, so that order is a valid serial order of the execution.
//
// The model keeps every rollback record (TiKV collapses unprotected ones):
// the only thing a record changes for later commands is "some record with
// commit_ts above my start_ts exists" (a write conflict), and collapsing
// only removes a rollback below a newer one, which keeps that true.
#ifndef TESTS_STORE_STORAGE_MODEL_H_
#define TESTS_STORE_STORAGE_MODEL_H_

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/base/timestamp.h"
#include "store/storage/commands.h"

namespace store::storage::testing {

using core::base::TimeStamp;

class StorageModel {
 public:
  struct Lock {
    TimeStamp start_ts;
    std::string primary;
    bool is_delete = false;
    std::string value;
    uint64_t ttl = 0;
  };
  enum class RecordType { kPut, kDelete, kRollback };
  struct Record {
    RecordType type = RecordType::kPut;
    TimeStamp start_ts;
    std::string value;
  };
  // A read of one key: its value (nullopt: none) or the ts of the lock that
  // blocks it.
  using Read = std::variant<std::optional<std::string>, TimeStamp>;

  // Raw KV.
  std::optional<std::string> RawGet(const std::string& key) const;
  void RawPut(const std::string& key, const std::string& value);
  void RawDelete(const std::string& key);
  void RawDeleteRange(const std::string& start, const std::string& end);
  const std::map<std::string, std::string>& raw() const { return raw_; }

  // Prewrite (2PC or 1PC). The expected outcome: the start_ts of every
  // lock met, empty when it succeeds; nullopt for a write conflict.
  std::optional<std::vector<TimeStamp>> ExpectPrewrite(
      const Prewrite& cmd) const;
  // `one_pc_commit_ts` for a 1PC prewrite, zero for 2PC.
  void ApplyPrewrite(const Prewrite& cmd, TimeStamp one_pc_commit_ts);
  // Whether a commit of `keys` succeeds (false: TxnLockNotFound).
  bool ExpectCommit(const std::vector<std::string>& keys,
                    TimeStamp start_ts) const;
  void ApplyCommit(const std::vector<std::string>& keys, TimeStamp start_ts,
                   TimeStamp commit_ts);
  // Whether a rollback of `keys` succeeds (false: one is committed).
  bool ExpectRollback(const std::vector<std::string>& keys,
                      TimeStamp start_ts) const;
  void ApplyRollback(const std::vector<std::string>& keys, TimeStamp start_ts);
  // CheckTxnStatus with rollback_if_not_exist, caller = current = now.
  core::txn::actions::TxnStatus::Kind CheckTxnStatus(const std::string& primary,
                                                     TimeStamp lock_ts,
                                                     TimeStamp now, bool apply);
  void DeleteRange(const std::string& start, const std::string& end);

  Read Get(const std::string& key, TimeStamp read_ts) const;
  // Every key with a value or a blocking lock at read_ts, in order.
  std::vector<std::pair<std::string, Read>> Scan(TimeStamp read_ts) const;
  // SI reads raise the store's max_ts: a 1PC commit must land above it.
  void ObserveRead(TimeStamp read_ts);
  // A read that returned a value (or its absence) for `key` at read_ts. No
  // later commit of `key` may land at or below it: the read would have
  // missed it (Invariant AsyncCommitTsAboveReads; for 2PC, the lock blocks
  // such reads).
  void ObserveValueRead(const std::string& key, TimeStamp read_ts);
  // Whether commits of `keys` at commit_ts are above every value read of
  // them served so far.
  bool CommitAboveValueReads(const std::vector<std::string>& keys,
                             TimeStamp commit_ts) const;
  TimeStamp max_read_ts() const { return max_read_ts_; }
  const std::map<std::string, Lock>& locks() const { return locks_; }

 private:
  bool HasRecordAbove(const std::string& key, TimeStamp ts) const;
  const Record* RecordOf(const std::string& key, TimeStamp start_ts) const;

  std::map<std::string, std::string> raw_;
  std::map<std::string, Lock> locks_;
  // key -> commit_ts -> record.
  std::map<std::string, std::map<TimeStamp, Record>> records_;
  TimeStamp max_read_ts_;
  std::map<std::string, TimeStamp> value_read_ts_;
};

}  // namespace store::storage::testing

#endif  // TESTS_STORE_STORAGE_MODEL_H_
