#include "core/mvcc/mvcc_txn.h"

#include <utility>

#include "core/base/check.h"

namespace core::mvcc {

void MvccTxn::Add(Modify::Kind kind, env::Cf cf, Bytes key, Bytes value) {
  write_size_ += key.size() + value.size();
  modifies_.push_back(Modify{kind, cf, std::move(key), std::move(value)});
}

void MvccTxn::PutLock(const Key& key, const Lock& lock) {
  CHECK(!lock.ts.IsZero()) << "lock without start_ts";
  Add(Modify::Kind::kPut, env::Cf::kLock, key.encoded(), lock.Encode());
}

void MvccTxn::UnlockKey(const Key& key, base::TimeStamp lock_ts,
                        bool pessimistic) {
  Add(Modify::Kind::kDelete, env::Cf::kLock, key.encoded(), Bytes());
  released_locks_.push_back(ReleasedLock{key, lock_ts, pessimistic});
}

void MvccTxn::PutValue(const Key& key, base::TimeStamp ts, BytesView value) {
  Add(Modify::Kind::kPut, env::Cf::kDefault, key.AppendTs(ts), Bytes(value));
}

void MvccTxn::DeleteValue(const Key& key, base::TimeStamp ts) {
  Add(Modify::Kind::kDelete, env::Cf::kDefault, key.AppendTs(ts), Bytes());
}

void MvccTxn::PutWrite(const Key& key, base::TimeStamp commit_ts,
                       const Write& write) {
  // Invariant: a commit record sits above its start_ts; a rollback record
  // sits exactly at it (TiKV's layout).
  if (write.write_type == WriteType::kRollback) {
    CHECK_EQ(commit_ts, write.start_ts) << "rollback record off its start_ts";
  } else {
    CHECK_GT(commit_ts, write.start_ts) << "commit_ts not above start_ts";
  }
  Add(Modify::Kind::kPut, env::Cf::kWrite, key.AppendTs(commit_ts),
      write.Encode());
}

void MvccTxn::DeleteWrite(const Key& key, base::TimeStamp commit_ts) {
  Add(Modify::Kind::kDelete, env::Cf::kWrite, key.AppendTs(commit_ts), Bytes());
}

void MvccTxn::Absorb(MvccTxn&& other) {
  for (Modify& modify : other.modifies_) modifies_.push_back(std::move(modify));
  for (ReleasedLock& lock : other.released_locks_) {
    released_locks_.push_back(std::move(lock));
  }
  for (OnePcLock& lock : other.locks_for_1pc_) {
    locks_for_1pc_.push_back(std::move(lock));
  }
  for (Key& key : other.memory_locked_keys_) {
    memory_locked_keys_.push_back(std::move(key));
  }
  write_size_ += other.write_size_;
  other = MvccTxn(other.start_ts_);
}

void MvccTxn::AppendTo(env::WriteBatch* batch) const {
  for (const Modify& modify : modifies_) {
    if (modify.kind == Modify::Kind::kPut) {
      batch->Put(modify.cf, modify.key, modify.value);
    } else {
      batch->Delete(modify.cf, modify.key);
    }
  }
}

env::WriteBatch MvccTxn::ToWriteBatch() const {
  env::WriteBatch batch;
  AppendTo(&batch);
  return batch;
}

}  // namespace core::mvcc
