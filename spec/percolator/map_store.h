// MapStore: a copyable, comparable in-memory store (CF_DEFAULT, CF_LOCK,
// CF_WRITE as ordered maps) with an env::Snapshot view. The explorer keeps
// one per state, so copying, hashing and comparing states must be cheap and
// deterministic; MemEngine (with crash and fault modelling) is for the
// simulator and the action tests.
#ifndef SPEC_PERCOLATOR_MAP_STORE_H_
#define SPEC_PERCOLATOR_MAP_STORE_H_

#include <array>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "core/env/engine.h"
#include "core/mvcc/mvcc_txn.h"

namespace spec::percolator {

class MapStore {
 public:
  using Table = std::map<std::string, std::string>;

  const Table& table(core::env::Cf cf) const {
    return tables_[static_cast<size_t>(cf)];
  }
  // A snapshot of the current contents (a copy: later writes are invisible).
  std::shared_ptr<const core::env::Snapshot> NewSnapshot() const;
  // A view without copying; valid while this store is alive and unchanged.
  std::shared_ptr<const core::env::Snapshot> BorrowSnapshot() const;
  void Apply(const core::mvcc::MvccTxn& txn);
  // Puts and deletes only (no DeleteRange).
  void ApplyBatch(const core::env::WriteBatch& batch);
  // Appends a canonical encoding of the contents.
  void AppendFingerprint(std::string* out) const;

  // A slot for data derived from the contents (e.g. decoded records), so
  // several checks of one state decode it once. Apply() clears it.
  const std::shared_ptr<const void>& memo() const { return memo_; }
  void set_memo(std::shared_ptr<const void> memo) const {
    memo_ = std::move(memo);
  }

  bool operator==(const MapStore& other) const {
    return tables_ == other.tables_;
  }

 private:
  Table& mutable_table(core::env::Cf cf) {
    return tables_[static_cast<size_t>(cf)];
  }
  // default, lock, write (raft unused).
  std::array<Table, 3> tables_;
  mutable std::shared_ptr<const void> memo_;
};

}  // namespace spec::percolator

#endif  // SPEC_PERCOLATOR_MAP_STORE_H_
