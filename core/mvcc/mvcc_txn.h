// MvccTxn: the write buffer of one command. Actions read through an
// MvccReader (a snapshot) and append modifications here; nothing touches the
// engine until the driver turns the buffer into a WriteBatch and proposes it.
//
// Ref: tikv src/storage/mvcc/txn.rs (MvccTxn, Modify).
//
// Contract: the reader of a command does not see the command's own buffered
// modifications, so a command must not touch one key twice in a way where
// the second action depends on the first (commands deduplicate keys).
#ifndef CORE_MVCC_MVCC_TXN_H_
#define CORE_MVCC_MVCC_TXN_H_

#include <cstddef>
#include <vector>

#include "core/env/engine.h"
#include "core/mvcc/key.h"
#include "core/mvcc/lock.h"
#include "core/mvcc/write.h"

namespace core::mvcc {

struct Modify {
  enum class Kind { kPut, kDelete };
  Kind kind = Kind::kPut;
  env::Cf cf = env::Cf::kDefault;
  Bytes key;
  Bytes value;
  bool operator==(const Modify&) const = default;
};

// A lock an action released, for waking waiters (lock manager, CDC).
struct ReleasedLock {
  Key key;
  base::TimeStamp start_ts;
  bool pessimistic = false;
};

// 1PC: a lock prewrite would have written; the prewrite command turns it
// into a write record at the final commit_ts.
struct OnePcLock {
  Key key;
  Lock lock;
  // The key holds this transaction's pessimistic lock, to be deleted.
  bool delete_pessimistic_lock = false;
};

class MvccTxn {
 public:
  explicit MvccTxn(base::TimeStamp start_ts) : start_ts_(start_ts) {}

  base::TimeStamp start_ts() const { return start_ts_; }

  void PutLock(const Key& key, const Lock& lock);
  // Deletes the lock of `key` and records it as released.
  void UnlockKey(const Key& key, base::TimeStamp lock_ts, bool pessimistic);
  // CF_DEFAULT at key+ts: values longer than the short-value limit.
  void PutValue(const Key& key, base::TimeStamp ts, BytesView value);
  void DeleteValue(const Key& key, base::TimeStamp ts);
  void PutWrite(const Key& key, base::TimeStamp commit_ts, const Write& write);
  void DeleteWrite(const Key& key, base::TimeStamp commit_ts);

  const std::vector<Modify>& modifies() const { return modifies_; }
  const std::vector<ReleasedLock>& released_locks() const {
    return released_locks_;
  }
  bool empty() const { return modifies_.empty(); }
  // Key and value bytes buffered so far.
  size_t write_size() const { return write_size_; }

  // Moves everything `other` buffered to the end of this buffer (commands
  // build into a scratch MvccTxn and keep it only on success).
  void Absorb(MvccTxn&& other);

  // Appends the buffer to `batch` in order.
  void AppendTo(env::WriteBatch* batch) const;
  env::WriteBatch ToWriteBatch() const;

  // 1PC: the locks prewrite would have written, to be turned into writes at
  // the final commit_ts by the prewrite command.
  std::vector<OnePcLock>& locks_for_1pc() { return locks_for_1pc_; }
  // Async commit / 1PC: keys this command placed in the concurrency
  // manager's in-memory lock table; the driver releases them once the write
  // batch is applied (or dropped).
  std::vector<Key>& memory_locked_keys() { return memory_locked_keys_; }

 private:
  void Add(Modify::Kind kind, env::Cf cf, Bytes key, Bytes value);

  base::TimeStamp start_ts_;
  std::vector<Modify> modifies_;
  std::vector<ReleasedLock> released_locks_;
  std::vector<OnePcLock> locks_for_1pc_;
  std::vector<Key> memory_locked_keys_;
  size_t write_size_ = 0;
};

}  // namespace core::mvcc

#endif  // CORE_MVCC_MVCC_TXN_H_
