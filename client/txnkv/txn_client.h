// TxnClient and Transaction: TiKV's transactional API (tikv/client-go
// v2.0.4 txnkv: KVStore.Begin, KVTxn, txnsnapshot, 2pc, pessimistic).
//
//   TxnClient client(executor, clock, random, pd_oracle, cache, transport);
//   ASSIGN_OR_RETURN(auto txn, client.Begin());
//   ASSIGN_OR_RETURN(auto value, txn->Get("k"));
//   txn->Set("k", "v");
//   absl::Status s = txn->Commit();   // TxnErrorOf(s): what went wrong
//
//   * Begin: start_ts from PD's TSO (the Oracle). BeginPessimistic: a txn
//     whose writes must be locked (LockKeys) before they are committed.
//   * Reads see the txn's own buffered writes first, then the snapshot at
//     start_ts (snapshot.h: locks resolved, reads sent again).
//   * Set / Delete / Insert are buffered; Insert fails the commit with
//     kKeyAlreadyExists when the key exists. Commit is committer.h's 2PC
//     (1PC / async commit when configured and eligible); a txn commits or
//     rolls back once.
//   * LockKeys (pessimistic): for_update_ts from PD, the keys locked
//     (KvPessimisticLock, lock_ttl = time since Begin + 20 s, the primary
//     first: the first key locked), the TTL manager started; a live lock
//     of another txn is waited out up to lock_wait_timeout (back off
//     kBoTxnLock, ask again; the store has no lock waiting): then
//     kLockWaitTimeout. A write after the txn's start_ts is
//     kWriteConflict, a wait cycle kDeadlock; the keys of a failed call
//     are rolled back (KVPessimisticRollback).
//   * Rollback: pessimistic locks rolled back; nothing else was written.
//
// Thread-affinity: fibres of `executor`; one fibre at a time per
// Transaction, any number of transactions at once. The client, and all it
// was given, must outlive every Transaction and their background commits.
#ifndef CLIENT_TXNKV_TXN_CLIENT_H_
#define CLIENT_TXNKV_TXN_CLIENT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/locate/region_cache.h"
#include "client/locate/region_request.h"
#include "client/txnkv/committer.h"
#include "client/txnkv/lock_resolver.h"
#include "client/txnkv/oracle.h"
#include "client/txnkv/snapshot.h"
#include "core/env/clock.h"
#include "core/env/executor.h"
#include "core/env/random.h"

namespace client::txnkv {

class TxnClient;

class Transaction {
 public:
  // Stops the TTL manager: an abandoned txn's locks expire.
  ~Transaction() { ttl_.Stop(); }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  uint64_t start_ts() const { return start_ts_; }
  // 0 until committed (1PC / async commit: the store's).
  uint64_t commit_ts() const { return commit_ts_; }
  bool pessimistic() const { return pessimistic_; }

  absl::StatusOr<std::optional<std::string>> Get(const std::string& key);
  // The keys found (buffered writes included), with their values.
  absl::StatusOr<std::map<std::string, std::string>> BatchGet(
      const std::vector<std::string>& keys);
  // [start_key, end_key) (empty end: to the end), at most `limit` pairs,
  // the buffered writes merged in.
  absl::StatusOr<std::vector<KvPair>> Scan(const std::string& start_key,
                                           const std::string& end_key,
                                           uint32_t limit);

  absl::Status Set(const std::string& key, const std::string& value);
  absl::Status Delete(const std::string& key);
  // Set, failing the commit when the key exists (Op_Insert).
  absl::Status Insert(const std::string& key, const std::string& value);
  absl::Status LockKeys(const std::vector<std::string>& keys);

  absl::Status Commit();
  absl::Status Rollback();

  // Inspection (tests).
  const std::string& primary() const { return primary_; }
  const Committer* committer() const { return committer_.get(); }
  const TtlManager& ttl_manager() const { return ttl_; }

 private:
  friend class TxnClient;
  Transaction(const TxnEnv& env, uint64_t start_ts, bool pessimistic);
  absl::Status CheckOpen() const;
  std::vector<Mutation> Mutations() const;
  absl::Status LockPessimistic(const std::vector<std::string>& keys);
  absl::StatusOr<std::optional<errorpb::Error>> LockBatch(
      retry::Backoffer& bo, const std::vector<std::string>& keys,
      const Batch& batch, bool first_lock, core::base::Instant wait_start);
  absl::Status PessimisticRollback(const std::vector<std::string>& keys);

  TxnEnv env_;
  uint64_t start_ts_;
  bool pessimistic_;
  core::base::Instant begin_at_;
  Snapshot snapshot_;
  struct Write {
    kvrpcpb::Op op;
    std::string value;
  };
  std::map<std::string, Write> buffer_;
  std::set<std::string> locked_;
  std::set<std::string> lock_only_;  // optimistic LockKeys: Op_Lock
  std::string primary_;
  uint64_t for_update_ts_ = 0;
  TtlManager ttl_;
  std::shared_ptr<Committer> committer_;
  uint64_t commit_ts_ = 0;
  bool done_ = false;
};

class TxnClient {
 public:
  TxnClient(core::env::Executor& executor, core::env::Clock& clock,
            core::env::Random& random, Oracle& oracle,
            locate::RegionCache& cache, locate::StoreTransport& transport,
            TxnClientOptions options = {});

  absl::StatusOr<std::unique_ptr<Transaction>> Begin();
  absl::StatusOr<std::unique_ptr<Transaction>> BeginPessimistic();
  // A read-only view at `ts`.
  std::unique_ptr<Transaction> Snapshot(uint64_t ts);

  LockResolver& resolver() { return resolver_; }
  const locate::RegionRequestSender& sender() const { return sender_; }
  TxnClientOptions& options() { return options_; }

 private:
  TxnEnv Env();

  core::env::Executor& executor_;
  core::env::Clock& clock_;
  core::env::Random& random_;
  Oracle& oracle_;
  locate::RegionRequestSender sender_;
  LockResolver resolver_;
  TxnClientOptions options_;
};

}  // namespace client::txnkv

#endif  // CLIENT_TXNKV_TXN_CLIENT_H_
