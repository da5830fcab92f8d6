// The transactional commands through the scheduler, each with its happy path
// and its KeyError cases, in the order TiKV's storage tests take them. Each
// test names the TiKV test it follows (src/storage/mod.rs tests,
// src/storage/txn/commands/*.rs tests). After every command nothing may stay
// latched and no memory lock may remain (ExpectIdle).
#include <gtest/gtest.h>

#include "tests/store/storage_harness.h"

namespace store::storage::testing {
namespace {

using core::mvcc::AlreadyExist;
using core::mvcc::Committed;
using core::mvcc::CommitTsExpired;
using core::mvcc::KeyIsLocked;
using core::mvcc::TxnLockNotFound;
using core::mvcc::TxnNotFound;
using core::mvcc::WriteConflict;
using core::mvcc::WriteConflictReason;
using core::txn::actions::SecondaryLocksStatus;
using core::txn::actions::TxnStatus;

// Ref: tikv src/storage/mod.rs test_get_put, test_scan, test_batch_get
// (the prewrite blocks reads at or above its start_ts until committed).
TEST(StorageTxnTest, PrewriteBlocksReadsUntilCommitted) {
  StorageHarness h;
  h.RunFibre([&] {
    MustPrewrite(h, PrewriteOf({"a", "b", "c"}, 5));
    MustGetNone(h, "a", 4);
    const Error locked = MustGetErr(h, "a", 10);
    ASSERT_NE(KeyErrorAs<KeyIsLocked>(locked), nullptr);
    EXPECT_EQ(KeyErrorAs<KeyIsLocked>(locked)->info.lock_version, Ts(5));
    MustCommit(h, {"a", "b"}, 5, 10);
    MustGet(h, "a", 10, "v");
    MustGetNone(h, "a", 9);
    // c is still locked: batch get reports it per pair, scan too.
    auto batch =
        h.storage().Execute(h.ctx(), BatchGet{{"a", "c", "z"}, Ts(11)});
    ASSERT_TRUE(batch.ok());
    ASSERT_EQ(batch->pairs.size(), 2u);
    EXPECT_EQ(batch->pairs[0].value, "v");
    EXPECT_TRUE(batch->pairs[1].locked.has_value());
    MustCommit(h, {"c"}, 5, 10);
    auto get = h.storage().Execute(h.ctx(), Get{"b", Ts(20)});
    ASSERT_TRUE(get.ok());
    EXPECT_EQ(get->commit_ts, Ts(10));
  });
  EXPECT_EQ(h.CommandCount(CommandKind::kPrewrite), 1u);
  EXPECT_EQ(h.CommandCount(CommandKind::kCommit), 2u);
  ExpectIdle(h);
}

// Ref: tikv src/storage/mod.rs test_scan, test_scan_with_key_only; reverse
// scans as kvrpcpb has them (start_key is the upper bound).
TEST(StorageTxnTest, ScanForwardReverseLimitKeyOnly) {
  StorageHarness h;
  h.RunFibre([&] {
    MustPrewrite(h, PrewriteOf({"a", "b", "c", "d"}, 5));
    MustCommit(h, {"a", "b", "c", "d"}, 5, 6);
    auto keys = [&](const Scan& scan) {
      auto result = h.storage().Execute(h.ctx(), scan);
      EXPECT_TRUE(result.ok()) << ErrorToString(result.error());
      std::string out;
      if (!result.ok()) return out;
      for (const auto& pair : result->pairs) out += pair.key + pair.value;
      return out;
    };
    EXPECT_EQ(keys(Scan{"", "", Ts(10)}), "avbvcvdv");
    EXPECT_EQ(keys(Scan{"b", "d", Ts(10)}), "bvcv");
    EXPECT_EQ(keys(Scan{"b", "", Ts(10), 2}), "bvcv");
    EXPECT_EQ(keys(Scan{"", "", Ts(10), 0, /*key_only=*/true}), "abcd");
    EXPECT_EQ(keys(Scan{"d", "b", Ts(10), 0, false, /*reverse=*/true}), "cvbv");
    EXPECT_EQ(keys(Scan{"", "", Ts(10), 3, false, true}), "dvcvbv");
    EXPECT_EQ(keys(Scan{"", "", Ts(5)}), "");
  });
  ExpectIdle(h);
}

// Ref: tikv src/storage/txn/commands/prewrite.rs tests
// (test_prewrite_write_conflict, test_prewrite_insert) and actions/prewrite
// (idempotent retry; KeyIsLocked collected per key, nothing written).
TEST(StorageTxnTest, PrewriteKeyErrors) {
  StorageHarness h;
  h.RunFibre([&] {
    MustPrewritePut(h, "k", "v1", "k", 10);
    // Another txn meets the lock: reported in locks, nothing written.
    Prewrite other = PrewriteOf({"j", "k"}, 12);
    auto blocked = h.storage().Execute(h.ctx(), other);
    ASSERT_TRUE(blocked.ok());
    ASSERT_EQ(blocked->locks.size(), 1u);
    EXPECT_EQ(blocked->locks[0].info.key, "k");
    auto scan = h.storage().Execute(h.ctx(), ScanLock{Ts(100), "", "", 0});
    ASSERT_TRUE(scan.ok());
    EXPECT_EQ(scan->locks.size(), 1u);  // j was not locked
    // A retry of the same prewrite is idempotent.
    MustPrewritePut(h, "k", "v1", "k", 10);
    MustCommit(h, {"k"}, 10, 15);
    // A txn that started before the commit conflicts with it.
    const Error conflict = MustPrewriteErr(h, PrewriteOf({"k"}, 12));
    ASSERT_NE(KeyErrorAs<WriteConflict>(conflict), nullptr);
    EXPECT_EQ(KeyErrorAs<WriteConflict>(conflict)->conflict_commit_ts, Ts(15));
    EXPECT_EQ(KeyErrorAs<WriteConflict>(conflict)->reason,
              WriteConflictReason::kOptimistic);
    // Insert of an existing key.
    Prewrite insert;
    insert.mutations = {Insert("k", "again")};
    insert.primary = "k";
    insert.start_ts = Ts(20);
    const Error exists = MustPrewriteErr(h, insert);
    ASSERT_NE(KeyErrorAs<AlreadyExist>(exists), nullptr);
    EXPECT_EQ(KeyErrorAs<AlreadyExist>(exists)->key, "k");
  });
  ExpectIdle(h);
}

// Ref: tikv src/storage/txn/commands/commit.rs tests, actions/commit.rs
// test_commit_ok, test_commit_err, test_min_commit_ts.
TEST(StorageTxnTest, CommitKeyErrors) {
  StorageHarness h;
  h.RunFibre([&] {
    // Never prewritten.
    const Error missing = MustCommitErr(h, {"k"}, 5, 6);
    ASSERT_NE(KeyErrorAs<TxnLockNotFound>(missing), nullptr);
    // Below the lock's min_commit_ts.
    Prewrite prewrite = PrewriteOf({"k"}, 10);
    prewrite.min_commit_ts = Ts(20);
    MustPrewrite(h, prewrite);
    const Error expired = MustCommitErr(h, {"k"}, 10, 15);
    ASSERT_NE(KeyErrorAs<CommitTsExpired>(expired), nullptr);
    EXPECT_EQ(KeyErrorAs<CommitTsExpired>(expired)->min_commit_ts, Ts(20));
    MustCommit(h, {"k"}, 10, 20);
    // Committing again is idempotent.
    MustCommit(h, {"k"}, 10, 20);
    // Rolled back, then committed: the lock is gone.
    MustPrewritePut(h, "r", "v", "r", 30);
    ASSERT_TRUE(
        h.storage().Execute(h.ctx(), BatchRollback{{"r"}, Ts(30)}).ok());
    ASSERT_NE(KeyErrorAs<TxnLockNotFound>(MustCommitErr(h, {"r"}, 30, 31)),
              nullptr);
  });
  ExpectIdle(h);
}

// Ref: tikv src/storage/mod.rs test_cleanup, test_cleanup_check_ttl.
TEST(StorageTxnTest, CleanupChecksTtlAndRefusesCommitted) {
  StorageHarness h;
  h.RunFibre([&] {
    Prewrite prewrite = PrewriteOf({"k"}, TsAt(100).value());
    prewrite.lock_ttl = 50;
    MustPrewrite(h, prewrite);
    // Alive at 120 ms (100 + 50 > 120).
    auto alive =
        h.storage().Execute(h.ctx(), Cleanup{"k", TsAt(100), TsAt(120)});
    ASSERT_FALSE(alive.ok());
    EXPECT_NE(KeyErrorAs<KeyIsLocked>(alive.error()), nullptr);
    // Expired at 151 ms: rolled back.
    ASSERT_TRUE(
        h.storage().Execute(h.ctx(), Cleanup{"k", TsAt(100), TsAt(151)}).ok());
    MustGetNone(h, "k", TsAt(200).value());
    // A late prewrite of the rolled-back txn is refused.
    const Error late = MustPrewriteErr(h, prewrite);
    ASSERT_NE(KeyErrorAs<WriteConflict>(late), nullptr);
    EXPECT_EQ(KeyErrorAs<WriteConflict>(late)->reason,
              WriteConflictReason::kSelfRolledBack);
    // A committed key cannot be cleaned up.
    MustPrewritePut(h, "c", "v", "c", TsAt(300).value());
    MustCommit(h, {"c"}, TsAt(300).value(), TsAt(301).value());
    auto committed =
        h.storage().Execute(h.ctx(), Cleanup{"c", TsAt(300), Ts(0)});
    ASSERT_FALSE(committed.ok());
    ASSERT_NE(KeyErrorAs<Committed>(committed.error()), nullptr);
    EXPECT_EQ(KeyErrorAs<Committed>(committed.error())->commit_ts, TsAt(301));
  });
  ExpectIdle(h);
}

// Ref: tikv src/storage/txn/commands/rollback.rs tests.
TEST(StorageTxnTest, BatchRollbackRollsBackAndRefusesCommitted) {
  StorageHarness h;
  h.RunFibre([&] {
    MustPrewrite(h, PrewriteOf({"a", "b"}, 10));
    ASSERT_TRUE(
        h.storage().Execute(h.ctx(), BatchRollback{{"a", "b"}, Ts(10)}).ok());
    MustGetNone(h, "a", 20);
    MustGetNone(h, "b", 20);
    // Rolling back again, or a key never locked, is fine.
    ASSERT_TRUE(
        h.storage().Execute(h.ctx(), BatchRollback{{"a", "x"}, Ts(10)}).ok());
    MustPrewrite(h, PrewriteOf({"c"}, 30));
    MustCommit(h, {"c"}, 30, 31);
    auto committed = h.storage().Execute(h.ctx(), BatchRollback{{"c"}, Ts(30)});
    ASSERT_FALSE(committed.ok());
    EXPECT_NE(KeyErrorAs<Committed>(committed.error()), nullptr);
  });
  EXPECT_EQ(h.CommandCount(CommandKind::kBatchRollback), 3u);
  ExpectIdle(h);
}

// Ref: tikv src/storage/mod.rs test_check_txn_status and the decision table
// of actions/check_txn_status.rs (reference tikv.md §2.6).
TEST(StorageTxnTest, CheckTxnStatusDecidesFromThePrimary) {
  StorageHarness h;
  h.RunFibre([&] {
    auto check = [&](const std::string& primary, core::base::TimeStamp lock_ts,
                     core::base::TimeStamp caller, core::base::TimeStamp now,
                     bool rollback_if_not_exist = true) {
      CheckTxnStatus cmd;
      cmd.primary_key = primary;
      cmd.lock_ts = lock_ts;
      cmd.caller_start_ts = caller;
      cmd.current_ts = now;
      cmd.rollback_if_not_exist = rollback_if_not_exist;
      return h.storage().Execute(h.ctx(), cmd);
    };
    Prewrite prewrite = PrewriteOf({"p", "s"}, TsAt(100).value());
    prewrite.lock_ttl = 100;
    prewrite.min_commit_ts = TsAt(101);
    MustPrewrite(h, prewrite);
    // Alive: the caller's read pushes min_commit_ts above it.
    auto alive = check("p", TsAt(100), TsAt(150), TsAt(150));
    ASSERT_TRUE(alive.ok());
    EXPECT_EQ(alive->kind, TxnStatus::Kind::kUncommitted);
    EXPECT_TRUE(alive->min_commit_ts_pushed);
    EXPECT_EQ(alive->lock->min_commit_ts, TsAt(150).Next());
    EXPECT_GE(h.cm().max_ts(), TsAt(150));
    // Expired: rolled back.
    auto expired = check("p", TsAt(100), TsAt(300), TsAt(300));
    ASSERT_TRUE(expired.ok());
    EXPECT_EQ(expired->kind, TxnStatus::Kind::kTtlExpire);
    MustGetNone(h, "p", TsAt(400).value());
    // Committed.
    MustPrewrite(h, PrewriteOf({"q"}, TsAt(500).value()));
    MustCommit(h, {"q"}, TsAt(500).value(), TsAt(501).value());
    auto committed = check("q", TsAt(500), TsAt(600), TsAt(600));
    ASSERT_TRUE(committed.ok());
    EXPECT_EQ(committed->kind, TxnStatus::Kind::kCommitted);
    EXPECT_EQ(committed->commit_ts, TsAt(501));
    // Missing: TxnNotFound, or a rollback when asked to.
    auto missing = check("m", TsAt(700), TsAt(800), TsAt(800), false);
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(KeyErrorAs<TxnNotFound>(missing.error()), nullptr);
    auto rolled = check("m", TsAt(700), TsAt(800), TsAt(800), true);
    ASSERT_TRUE(rolled.ok());
    EXPECT_EQ(rolled->kind, TxnStatus::Kind::kLockNotExist);
  });
  ExpectIdle(h);
}

// Ref: tikv src/storage/mod.rs test_check_secondary_locks.
TEST(StorageTxnTest, CheckSecondaryLocksReportsLockedCommittedRolledBack) {
  StorageHarness h;
  h.RunFibre([&] {
    Prewrite prewrite = PrewriteOf({"p", "s1", "s2"}, 10);
    prewrite.use_async_commit = true;
    prewrite.secondary_keys = {"s1", "s2"};
    MustPrewrite(h, prewrite);
    auto locked =
        h.storage().Execute(h.ctx(), CheckSecondaryLocks{{"s1", "s2"}, Ts(10)});
    ASSERT_TRUE(locked.ok());
    EXPECT_EQ(locked->kind, SecondaryLocksStatus::Kind::kLocked);
    EXPECT_EQ(locked->locks.size(), 2u);
    MustCommit(h, {"s1"}, 10, 20);
    auto committed =
        h.storage().Execute(h.ctx(), CheckSecondaryLocks{{"s1"}, Ts(10)});
    ASSERT_TRUE(committed.ok());
    EXPECT_EQ(committed->kind, SecondaryLocksStatus::Kind::kCommitted);
    EXPECT_EQ(committed->commit_ts, Ts(20));
    // A key never prewritten: a protected rollback is written, so the txn
    // can never commit it.
    auto rolled =
        h.storage().Execute(h.ctx(), CheckSecondaryLocks{{"s3"}, Ts(10)});
    ASSERT_TRUE(rolled.ok());
    EXPECT_EQ(rolled->kind, SecondaryLocksStatus::Kind::kRolledBack);
    EXPECT_GE(h.cm().max_ts(), Ts(10));
  });
  ExpectIdle(h);
}

// Ref: tikv src/storage/mod.rs test_resolve_lock (a txn_status map over
// several transactions, the whole region scanned in batches).
TEST(StorageTxnTest, ResolveLockCommitsAndRollsBackInBatches) {
  HarnessOptions options;
  options.storage.resolve_lock_batch_keys = 2;
  StorageHarness h(options);
  h.RunFibre([&] {
    MustPrewrite(h, PrewriteOf({"a", "b", "c"}, 10));
    MustPrewrite(h, PrewriteOf({"d", "e"}, 20));
    MustPrewrite(h, PrewriteOf({"f"}, 30));  // not resolved
    ResolveLock resolve;
    resolve.txn_status = {{Ts(10), Ts(15)}, {Ts(20), Ts(0)}};
    const uint64_t writes_before = h.engine().writes_applied();
    auto resolved = h.storage().Execute(h.ctx(), resolve);
    ASSERT_TRUE(resolved.ok()) << ErrorToString(resolved.error());
    EXPECT_EQ(resolved->resolved, 5u);
    // 5 locks in batches of 2: three latched writes.
    EXPECT_EQ(h.engine().writes_applied() - writes_before, 3u);
    MustGet(h, "a", 16, "v");
    MustGet(h, "c", 16, "v");
    MustGetNone(h, "d", 40);
    auto left = h.storage().Execute(h.ctx(), ScanLock{Ts(100), "", "", 0});
    ASSERT_TRUE(left.ok());
    ASSERT_EQ(left->locks.size(), 1u);
    EXPECT_EQ(left->locks[0].key, "f");
    // With keys: only those.
    ResolveLock listed;
    listed.txn_status = {{Ts(30), Ts(31)}};
    listed.keys = {"f", "zzz"};
    auto one = h.storage().Execute(h.ctx(), listed);
    ASSERT_TRUE(one.ok());
    EXPECT_EQ(one->resolved, 1u);
    MustGet(h, "f", 32, "v");
  });
  EXPECT_EQ(h.CommandCount(CommandKind::kResolveLock), 2u);
  ExpectIdle(h);
}

// Ref: tikv src/storage/mod.rs test_txn_heart_beat.
TEST(StorageTxnTest, TxnHeartBeatOnlyGrowsTheTtl) {
  StorageHarness h;
  h.RunFibre([&] {
    Prewrite prewrite = PrewriteOf({"p"}, 10);
    prewrite.lock_ttl = 100;
    MustPrewrite(h, prewrite);
    auto grown = h.storage().Execute(h.ctx(), TxnHeartBeat{"p", Ts(10), 500});
    ASSERT_TRUE(grown.ok());
    EXPECT_EQ(grown->lock_ttl, 500u);
    auto kept = h.storage().Execute(h.ctx(), TxnHeartBeat{"p", Ts(10), 200});
    ASSERT_TRUE(kept.ok());
    EXPECT_EQ(kept->lock_ttl, 500u);
    auto missing = h.storage().Execute(h.ctx(), TxnHeartBeat{"q", Ts(10), 1});
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(KeyErrorAs<TxnNotFound>(missing.error()), nullptr);
  });
  ExpectIdle(h);
}

// Ref: tikv src/storage/mod.rs test_scan_lock (max_ts, range and limit).
TEST(StorageTxnTest, ScanLockFiltersByTsRangeAndLimit) {
  StorageHarness h;
  h.RunFibre([&] {
    MustPrewrite(h, PrewriteOf({"a", "b"}, 10));
    MustPrewrite(h, PrewriteOf({"c"}, 20));
    MustPrewrite(h, PrewriteOf({"d"}, 30));
    auto keys = [&](const ScanLock& cmd) {
      auto result = h.storage().Execute(h.ctx(), cmd);
      EXPECT_TRUE(result.ok());
      std::string out;
      if (result.ok()) {
        for (const auto& lock : result->locks) out += lock.key;
      }
      return out;
    };
    EXPECT_EQ(keys(ScanLock{Ts(25), "", "", 0}), "abc");
    EXPECT_EQ(keys(ScanLock{Ts(100), "b", "d", 0}), "bc");
    EXPECT_EQ(keys(ScanLock{Ts(100), "", "", 3}), "abc");
    EXPECT_EQ(keys(ScanLock{Ts(9), "", "", 0}), "");
    EXPECT_GE(h.cm().max_ts(), Ts(100));
  });
  ExpectIdle(h);
}

// Ref: tikv src/storage/mod.rs test_pessimistic_lock,
// commands/pessimistic_rollback.rs tests.
TEST(StorageTxnTest, PessimisticLockPrewriteCommitAndRollback) {
  StorageHarness h;
  h.RunFibre([&] {
    MustPrewritePut(h, "k", "old", "k", 5);
    MustCommit(h, {"k"}, 5, 6);
    AcquirePessimisticLock lock;
    lock.keys = {"k", "n"};
    lock.primary = "k";
    lock.start_ts = Ts(10);
    lock.for_update_ts = Ts(10);
    lock.lock_ttl = 3000;
    lock.return_values = true;
    auto locked = h.storage().Execute(h.ctx(), lock);
    ASSERT_TRUE(locked.ok()) << ErrorToString(locked.error());
    ASSERT_EQ(locked->values.size(), 2u);
    EXPECT_EQ(locked->values[0], "old");
    EXPECT_EQ(locked->values[1], std::nullopt);
    // Another pessimistic txn meets the lock.
    AcquirePessimisticLock other = lock;
    other.keys = {"k"};
    other.start_ts = other.for_update_ts = Ts(12);
    auto blocked = h.storage().Execute(h.ctx(), other);
    ASSERT_FALSE(blocked.ok());
    EXPECT_NE(KeyErrorAs<KeyIsLocked>(blocked.error()), nullptr);
    // Pessimistic rollback of n, then prewrite and commit k.
    ASSERT_TRUE(
        h.storage()
            .Execute(h.ctx(), PessimisticRollback{{"n"}, Ts(10), Ts(10)})
            .ok());
    Prewrite prewrite;
    prewrite.mutations = {Put("k", "new")};
    prewrite.primary = "k";
    prewrite.start_ts = Ts(10);
    prewrite.for_update_ts = Ts(10);
    prewrite.lock_ttl = 3000;
    prewrite.pessimistic_actions = {
        core::txn::actions::PessimisticAction::kDoPessimisticCheck};
    MustPrewrite(h, prewrite);
    MustCommit(h, {"k"}, 10, 15);
    MustGet(h, "k", 16, "new");
    // A lock at a for_update_ts below a newer commit must retry.
    AcquirePessimisticLock stale = lock;
    stale.keys = {"k"};
    stale.start_ts = Ts(11);
    stale.for_update_ts = Ts(11);
    auto conflict = h.storage().Execute(h.ctx(), stale);
    ASSERT_FALSE(conflict.ok());
    ASSERT_NE(KeyErrorAs<WriteConflict>(conflict.error()), nullptr);
    EXPECT_EQ(KeyErrorAs<WriteConflict>(conflict.error())->reason,
              WriteConflictReason::kPessimisticRetry);
  });
  ExpectIdle(h);
}

// Ref: tikv src/storage/txn/actions/gc.rs tests, gc_worker.rs test_gc: the
// versions below the safe point go, reads at the safe point do not change.
TEST(StorageTxnTest, GcBelowTheSafePoint) {
  HarnessOptions options;
  options.storage.gc_batch_keys = 2;
  StorageHarness h(options);
  h.RunFibre([&] {
    for (uint64_t ts : {10, 20, 30}) {
      for (const char* key : {"a", "b", "c"}) {
        MustPrewritePut(h, key, "v" + std::to_string(ts), key, ts);
        MustCommit(h, {key}, ts, ts + 1);
      }
    }
    auto gc = h.storage().Execute(h.ctx(), Gc{Ts(25), "", ""});
    ASSERT_TRUE(gc.ok()) << ErrorToString(gc.error());
    EXPECT_EQ(gc->keys_scanned, 3u);
    EXPECT_EQ(gc->deleted_versions, 3u);  // the @11 version of each key
    MustGet(h, "a", 25, "v20");
    MustGet(h, "c", 40, "v30");
    MustGetNone(h, "b", 15);  // collected
    // A lock at or below the safe point must be resolved first.
    MustPrewritePut(h, "b", "x", "b", 40);
    auto locked = h.storage().Execute(h.ctx(), Gc{Ts(45), "", ""});
    ASSERT_FALSE(locked.ok());
    EXPECT_NE(KeyErrorAs<KeyIsLocked>(locked.error()), nullptr);
  });
  ExpectIdle(h);
}

// Ref: tikv src/storage/mod.rs test_delete_range: every version and lock in
// [start, end) goes; raw keys and keys outside the range stay.
TEST(StorageTxnTest, DeleteRangeRemovesVersionsAndLocks) {
  StorageHarness h;
  h.RunFibre([&] {
    MustPrewrite(h, PrewriteOf({"a", "b", "c", "d"}, 10));
    MustCommit(h, {"a", "b", "c", "d"}, 10, 11);
    MustPrewritePut(h, "c", std::string(300, 'l'), "c", 20);  // long value
    ASSERT_TRUE(
        h.storage().Execute(h.ctx(), RawPut{.key = "b", .value = "raw"}).ok());
    ASSERT_TRUE(h.storage().Execute(h.ctx(), DeleteRange{"b", "d"}).ok());
    MustGet(h, "a", 30, "v");
    MustGetNone(h, "b", 30);
    MustGetNone(h, "c", 30);
    MustGet(h, "d", 30, "v");
    auto locks = h.storage().Execute(h.ctx(), ScanLock{Ts(100), "", "", 0});
    ASSERT_TRUE(locks.ok());
    EXPECT_TRUE(locks->locks.empty());
    auto raw = h.storage().Execute(h.ctx(), RawGet{.key = "b"});
    ASSERT_TRUE(raw.ok());
    EXPECT_EQ(raw->value, "raw");
  });
  ExpectIdle(h);
}

}  // namespace
}  // namespace store::storage::testing
