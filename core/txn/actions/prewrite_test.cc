// Prewrite (Percolator phase 1). Ref: Percolator §2.2; tikv
// src/storage/txn/actions/prewrite.rs tests.
#include "core/txn/actions/prewrite.h"

#include <gtest/gtest.h>

#include "core/txn/actions/test_util.h"

namespace core::txn::actions {
namespace {

using namespace testing;  // NOLINT: test helpers

TEST(PrewriteTest, PutThenCommitIsVisibleAtCommitTs) {
  TestEngine e;
  MustPrewritePut(e, "k", "v", "k", 10);
  Lock lock = MustLocked(e, "k", 10);
  EXPECT_EQ(lock.lock_type, mvcc::LockType::kPut);
  EXPECT_EQ(lock.short_value, "v");
  EXPECT_EQ(lock.primary, "k");
  MustCommit(e, "k", 10, 15);
  MustUnlocked(e, "k");
  MustWritten(e, "k", 10, 15, mvcc::WriteType::kPut);
  MustGetNone(e, "k", 14);
  MustGet(e, "k", 15, "v");
}

TEST(PrewriteTest, LongValueGoesToDefaultCf) {
  TestEngine e;
  const std::string big(256, 'x');
  MustPrewritePut(e, "k", big, "k", 10);
  EXPECT_FALSE(MustLocked(e, "k", 10).short_value.has_value());
  MustCommit(e, "k", 10, 11);
  EXPECT_FALSE(MustWritten(e, "k", 10, 11, mvcc::WriteType::kPut)
                   .short_value.has_value());
  MustGet(e, "k", 11, big);
  // 255 bytes still inline.
  MustPrewritePut(e, "k", std::string(255, 'y'), "k", 20);
  EXPECT_EQ(MustLocked(e, "k", 20).short_value->size(), 255u);
}

// Ref: Percolator §2.2 "abort on a lock at any timestamp".
TEST(PrewriteTest, KeyIsLockedByAnotherTxn) {
  TestEngine e;
  MustPrewritePut(e, "k", "v1", "k", 10);
  auto locked =
      ErrorAs<mvcc::KeyIsLocked>(MustPrewritePutErr(e, "k", "v2", "k", 20));
  EXPECT_EQ(locked.info.lock_version, Ts(10));
  EXPECT_EQ(locked.info.key, "k");
  // Also an older txn.
  ErrorAs<mvcc::KeyIsLocked>(MustPrewritePutErr(e, "k", "v0", "k", 5));
}

// Ref: Percolator §2.2 "abort on a write after start_ts".
TEST(PrewriteTest, WriteConflictOnNewerCommit) {
  TestEngine e;
  MustPrewritePut(e, "k", "v1", "k", 10);
  MustCommit(e, "k", 10, 20);
  auto conflict =
      ErrorAs<mvcc::WriteConflict>(MustPrewritePutErr(e, "k", "v2", "k", 15));
  EXPECT_EQ(conflict.reason, mvcc::WriteConflictReason::kOptimistic);
  EXPECT_EQ(conflict.start_ts, Ts(15));
  EXPECT_EQ(conflict.conflict_start_ts, Ts(10));
  EXPECT_EQ(conflict.conflict_commit_ts, Ts(20));
  EXPECT_EQ(conflict.primary, "k");
  // A txn that started after the commit is fine.
  MustPrewritePut(e, "k", "v3", "k", 25);
}

TEST(PrewriteTest, RetryIsIdempotent) {
  TestEngine e;
  MustPrewritePut(e, "k", "v", "p", 10);
  const Lock first = MustLocked(e, "k", 10);
  MustPrewritePut(e, "k", "v", "p", 10);
  EXPECT_EQ(MustLocked(e, "k", 10), first);
}

TEST(PrewriteTest, SelfRolledBackAfterCleanup) {
  TestEngine e;
  MustRollback(e, "k", 10);
  auto conflict =
      ErrorAs<mvcc::WriteConflict>(MustPrewritePutErr(e, "k", "v", "k", 10));
  EXPECT_EQ(conflict.reason, mvcc::WriteConflictReason::kSelfRolledBack);
}

TEST(PrewriteTest, StaleRetryAfterCommitWritesNothing) {
  TestEngine e;
  MustPrewritePut(e, "k", "v", "k", 10);
  MustCommit(e, "k", 10, 20);
  MustPrewritePut(e, "k", "v", "k", 10);
  MustUnlocked(e, "k");
}

TEST(PrewriteTest, InsertAndCheckNotExists) {
  TestEngine e;
  MustPrewrite(e, {Insert("k", "v")}, "k", 10);
  MustCommit(e, "k", 10, 11);
  ErrorAs<mvcc::AlreadyExist>(MustPrewriteErr(e, Insert("k", "v2"), "k", 20));
  ErrorAs<mvcc::AlreadyExist>(MustPrewriteErr(e, CheckNotExists("k"), "k", 20));
  // After a delete the key may be inserted again; CheckNotExists locks nothing.
  MustPrewriteDelete(e, "k", "k", 30);
  MustCommit(e, "k", 30, 31);
  MustPrewrite(e, {CheckNotExists("k")}, "k", 40);
  MustUnlocked(e, "k");
  MustPrewrite(e, {Insert("k", "v3")}, "k", 40);
  MustLocked(e, "k", 40);
}

TEST(PrewriteTest, DeleteAndLockMutations) {
  TestEngine e;
  MustPrewritePut(e, "k", "v", "k", 1);
  MustCommit(e, "k", 1, 2);
  MustPrewriteLock(e, "k", "k", 10);
  EXPECT_EQ(MustLocked(e, "k", 10).lock_type, mvcc::LockType::kLock);
  MustGet(e, "k", 12, "v");  // a Lock lock never blocks reads
  MustCommit(e, "k", 10, 11);
  MustWritten(e, "k", 10, 11, mvcc::WriteType::kLock);
  MustGet(e, "k", 12, "v");
  MustPrewriteDelete(e, "k", "k", 20);
  MustCommit(e, "k", 20, 21);
  MustGetNone(e, "k", 22);
  MustGet(e, "k", 20, "v");
}

TEST(PrewriteTest, BatchWithLockedKeyWritesNothing) {
  TestEngine e;
  MustPrewritePut(e, "b", "x", "b", 5);
  auto result = TryPrewrite(e, {Put("a", "1"), Put("b", "2")}, "a", 10);
  ASSERT_FALSE(result.ok());
  ErrorAs<mvcc::KeyIsLocked>(result.error());
  MustUnlocked(e, "a");
}

TEST(PrewriteTest, BadInputIsAnErrorNotACrash) {
  TestEngine e;
  ErrorAs<mvcc::InvalidRequest>(MustPrewritePutErr(e, "", "v", "p", 10));
  ErrorAs<mvcc::InvalidRequest>(
      MustPrewritePutErr(e, std::string(8 * 1024 + 1, 'k'), "v", "p", 10));
  ErrorAs<mvcc::InvalidRequest>(MustPrewritePutErr(e, "k", "v", "p", 0));
  ErrorAs<mvcc::InvalidRequest>(MustPrewritePutErr(e, "k", "v", "", 10));
  ErrorAs<mvcc::InvalidRequest>(MustPrewritePutErr(
      e, "k", std::string(8 * 1024 * 1024 + 1, 'v'), "k", 10));
  // The largest key is fine.
  MustPrewritePut(e, std::string(8 * 1024, 'k'), "v", "p", 10);
}

// Ref: tikv.md §2.4, prewrite of a pessimistic txn.
TEST(PrewriteTest, PessimisticPrewriteTurnsPessimisticLockIntoLock) {
  TestEngine e;
  MustAcquirePessimisticLock(e, "k", "k", 10, 12);
  EXPECT_TRUE(MustLocked(e, "k", 10).IsPessimisticLock());
  MustPessimisticPrewritePut(e, "k", "v", "k", 10, 12,
                             PessimisticAction::kDoPessimisticCheck);
  Lock lock = MustLocked(e, "k", 10);
  EXPECT_EQ(lock.lock_type, mvcc::LockType::kPut);
  EXPECT_EQ(lock.for_update_ts, Ts(12));
  MustCommit(e, "k", 10, 15);
  MustGet(e, "k", 15, "v");
}

TEST(PrewriteTest, PessimisticAmendsLostLockOnlyIfUnchanged) {
  TestEngine e;
  // Lock lost, nothing changed since for_update_ts: amended.
  MustPessimisticPrewritePut(e, "a", "v", "a", 10, 12,
                             PessimisticAction::kDoPessimisticCheck);
  MustLocked(e, "a", 10);
  // Lock lost and the key changed after for_update_ts.
  MustPrewritePut(e, "b", "x", "b", 13);
  MustCommit(e, "b", 13, 14);
  PrewriteOptions options;
  options.for_update_ts = Ts(12);
  options.pessimistic_action = PessimisticAction::kDoPessimisticCheck;
  ErrorAs<mvcc::PessimisticLockNotFound>(
      MustPrewriteErr(e, Put("b", "v"), "a", 10, options));
  // A rollback of our own primary is found even under newer rollbacks.
  MustAcquirePessimisticLock(e, "p", "p", 20, 20);
  {
    CheckTxnStatusArgs args;
    args.lock_ts = Ts(20);
    args.caller_start_ts = base::TimeStamp::Max();
    args.current_ts = base::TimeStamp::Compose(1'000'000, 0);
    ASSERT_TRUE(TryCheckTxnStatus(e, "p", args).ok());
  }
  MustRollback(e, "p", 30);
  options.for_update_ts = Ts(20);
  auto conflict = ErrorAs<mvcc::WriteConflict>(
      MustPrewriteErr(e, Put("p", "v"), "p", 20, options));
  EXPECT_EQ(conflict.reason, mvcc::WriteConflictReason::kSelfRolledBack);
}

TEST(PrewriteTest, OptimisticPrewriteMeetingOwnPessimisticLockIsAnError) {
  TestEngine e;
  MustAcquirePessimisticLock(e, "k", "k", 10, 10);
  ErrorAs<mvcc::LockTypeNotMatch>(MustPrewritePutErr(e, "k", "v", "k", 10));
}

TEST(PrewriteTest, NonLockedKeyOfPessimisticTxnChecksForUpdateTs) {
  TestEngine e;
  MustPrewritePut(e, "k", "x", "k", 5);
  MustCommit(e, "k", 5, 15);
  PrewriteOptions options;
  options.for_update_ts = Ts(20);
  // Committed at 15: after start_ts 10 but before for_update_ts 20.
  MustPrewrite(e, {Put("k", "v")}, "k", 10, options);
  MustLocked(e, "k", 10);
  // Lazy uniqueness check uses start_ts like an optimistic txn.
  options.pessimistic_action = PessimisticAction::kDoConstraintCheck;
  MustPrewritePut(e, "j", "x", "j", 5);
  MustCommit(e, "j", 5, 15);
  auto conflict = ErrorAs<mvcc::WriteConflict>(
      MustPrewriteErr(e, Put("j", "v"), "k", 10, options));
  EXPECT_EQ(conflict.reason, mvcc::WriteConflictReason::kLazyUniquenessCheck);
}

}  // namespace
}  // namespace core::txn::actions
