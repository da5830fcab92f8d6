// TiKV-style helpers for action tests: each runs one action against a
// MemEngine through a fresh snapshot, applies the write buffer, and fails the
// current test (at the caller's line) when the outcome is not the expected
// one. Ref: tikv src/storage/mvcc/mod.rs tests (must_prewrite_put,
// must_commit, must_locked, must_written, ...).
#ifndef CORE_TXN_ACTIONS_TEST_UTIL_H_
#define CORE_TXN_ACTIONS_TEST_UTIL_H_

#include <optional>
#include <source_location>
#include <string>
#include <vector>

#include "core/engine/mem_engine.h"
#include "core/mvcc/errors.h"
#include "core/mvcc/mvcc_txn.h"
#include "core/mvcc/reader.h"
#include "core/txn/actions/acquire_pessimistic_lock.h"
#include "core/txn/actions/check_secondary_locks.h"
#include "core/txn/actions/check_txn_status.h"
#include "core/txn/actions/cleanup.h"
#include "core/txn/actions/commit.h"
#include "core/txn/actions/gc.h"
#include "core/txn/actions/pessimistic_rollback.h"
#include "core/txn/actions/prewrite.h"
#include "core/txn/actions/resolve_lock.h"
#include "core/txn/actions/scan_lock.h"
#include "core/txn/actions/txn_heart_beat.h"
#include "core/txn/actions/txn_types.h"
#include "core/txn/concurrency_manager.h"

namespace core::txn::actions::testing {

using Loc = std::source_location;

// A store in miniature: the engine and its concurrency manager.
class TestEngine {
 public:
  mvcc::MvccReader Reader();
  // Writes the buffer and releases its memory locks.
  void Apply(mvcc::MvccTxn& txn);

  engine::MemEngine& engine() { return engine_; }
  ConcurrencyManager& cm() { return cm_; }

 private:
  engine::MemEngine engine_;
  ConcurrencyManager cm_;
};

base::TimeStamp Ts(uint64_t value);

// Prewrite. Defaults: 2PC, optimistic, ttl 3000 ms.
struct PrewriteOptions {
  uint64_t lock_ttl = 3000;
  base::TimeStamp for_update_ts;  // non-zero: pessimistic
  PessimisticAction pessimistic_action =
      PessimisticAction::kSkipPessimisticCheck;
  base::TimeStamp min_commit_ts;
  base::TimeStamp max_commit_ts;
  CommitKind commit_kind = CommitKind::kTwoPc;
  std::vector<Bytes> secondaries;
};

mvcc::Result<PrewriteResult> TryPrewrite(TestEngine& engine,
                                         const std::vector<Mutation>& mutations,
                                         const std::string& primary,
                                         uint64_t start_ts,
                                         const PrewriteOptions& options = {});
// Returns the request result (min_commit_ts / one_pc_commit_ts).
PrewriteResult MustPrewrite(TestEngine& engine,
                            const std::vector<Mutation>& mutations,
                            const std::string& primary, uint64_t start_ts,
                            const PrewriteOptions& options = {},
                            Loc loc = Loc::current());
void MustPrewritePut(TestEngine& engine, const std::string& key,
                     const std::string& value, const std::string& primary,
                     uint64_t start_ts, Loc loc = Loc::current());
void MustPrewriteDelete(TestEngine& engine, const std::string& key,
                        const std::string& primary, uint64_t start_ts,
                        Loc loc = Loc::current());
void MustPrewriteLock(TestEngine& engine, const std::string& key,
                      const std::string& primary, uint64_t start_ts,
                      Loc loc = Loc::current());
void MustPessimisticPrewritePut(TestEngine& engine, const std::string& key,
                                const std::string& value,
                                const std::string& primary, uint64_t start_ts,
                                uint64_t for_update_ts,
                                PessimisticAction action,
                                Loc loc = Loc::current());
// The error of a prewrite that must fail (KeyIsLocked included).
mvcc::Error MustPrewriteErr(TestEngine& engine, const Mutation& mutation,
                            const std::string& primary, uint64_t start_ts,
                            const PrewriteOptions& options = {},
                            Loc loc = Loc::current());
mvcc::Error MustPrewritePutErr(TestEngine& engine, const std::string& key,
                               const std::string& value,
                               const std::string& primary, uint64_t start_ts,
                               Loc loc = Loc::current());

void MustCommit(TestEngine& engine, const std::string& key, uint64_t start_ts,
                uint64_t commit_ts, Loc loc = Loc::current());
mvcc::Error MustCommitErr(TestEngine& engine, const std::string& key,
                          uint64_t start_ts, uint64_t commit_ts,
                          Loc loc = Loc::current());

void MustRollback(TestEngine& engine, const std::string& key, uint64_t start_ts,
                  Loc loc = Loc::current());
mvcc::Error MustRollbackErr(TestEngine& engine, const std::string& key,
                            uint64_t start_ts, Loc loc = Loc::current());
void MustCleanup(TestEngine& engine, const std::string& key, uint64_t start_ts,
                 uint64_t current_ts, Loc loc = Loc::current());
mvcc::Error MustCleanupErr(TestEngine& engine, const std::string& key,
                           uint64_t start_ts, uint64_t current_ts,
                           Loc loc = Loc::current());

void MustAcquirePessimisticLock(TestEngine& engine, const std::string& key,
                                const std::string& primary, uint64_t start_ts,
                                uint64_t for_update_ts,
                                Loc loc = Loc::current());
mvcc::Error MustAcquirePessimisticLockErr(
    TestEngine& engine, const std::string& key, const std::string& primary,
    uint64_t start_ts, uint64_t for_update_ts, Loc loc = Loc::current());
void MustPessimisticRollback(TestEngine& engine, const std::string& key,
                             uint64_t start_ts, uint64_t for_update_ts,
                             Loc loc = Loc::current());

// Runs CheckTxnStatus and applies its writes.
mvcc::Result<TxnStatus> TryCheckTxnStatus(TestEngine& engine,
                                          const std::string& primary,
                                          const CheckTxnStatusArgs& args);

// The lock of start_ts on key (fails the test when absent or another txn's).
Lock MustLocked(TestEngine& engine, const std::string& key, uint64_t start_ts,
                Loc loc = Loc::current());
void MustUnlocked(TestEngine& engine, const std::string& key,
                  Loc loc = Loc::current());
// The record of start_ts at commit_ts with the given type.
mvcc::Write MustWritten(TestEngine& engine, const std::string& key,
                        uint64_t start_ts, uint64_t commit_ts,
                        mvcc::WriteType type, Loc loc = Loc::current());
void MustNotWritten(TestEngine& engine, const std::string& key,
                    uint64_t commit_ts, Loc loc = Loc::current());
// A Rollback record of start_ts (protected or not, as given).
void MustHaveRollback(TestEngine& engine, const std::string& key,
                      uint64_t start_ts, bool is_protected,
                      Loc loc = Loc::current());
// The commit_ts of start_ts on key (fails when not committed).
uint64_t MustGetCommitTs(TestEngine& engine, const std::string& key,
                         uint64_t start_ts, Loc loc = Loc::current());

// KvGet through the concurrency manager.
void MustGet(TestEngine& engine, const std::string& key, uint64_t ts,
             const std::string& expected, Loc loc = Loc::current());
void MustGetNone(TestEngine& engine, const std::string& key, uint64_t ts,
                 Loc loc = Loc::current());
mvcc::Error MustGetErr(TestEngine& engine, const std::string& key, uint64_t ts,
                       Loc loc = Loc::current());

// Variant access that fails the test with the actual error on mismatch.
template <typename T>
T ErrorAs(const mvcc::Error& error, Loc loc = Loc::current());

Mutation Put(const std::string& key, const std::string& value);
Mutation Delete(const std::string& key);
Mutation LockKey(const std::string& key);
Mutation Insert(const std::string& key, const std::string& value);
Mutation CheckNotExists(const std::string& key);

}  // namespace core::txn::actions::testing

#include "core/txn/actions/test_util_inl.h"

#endif  // CORE_TXN_ACTIONS_TEST_UTIL_H_
