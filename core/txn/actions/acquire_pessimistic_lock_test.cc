// AcquirePessimisticLock (tikv.md §2.4). Ref: tikv
// src/storage/txn/actions/acquire_pessimistic_lock.rs tests.
#include "core/txn/actions/acquire_pessimistic_lock.h"

#include <gtest/gtest.h>

#include "core/txn/actions/test_util.h"

namespace core::txn::actions {
namespace {

using namespace testing;  // NOLINT: test helpers

TEST(AcquirePessimisticLockTest, LocksWithoutValueAndIsIdempotent) {
  TestEngine e;
  MustAcquirePessimisticLock(e, "k", "k", 10, 10);
  Lock lock = MustLocked(e, "k", 10);
  EXPECT_TRUE(lock.IsPessimisticLock());
  EXPECT_FALSE(lock.short_value.has_value());
  EXPECT_EQ(lock.for_update_ts, Ts(10));
  MustAcquirePessimisticLock(e, "k", "k", 10, 10);
  // A later statement raises for_update_ts.
  MustAcquirePessimisticLock(e, "k", "k", 10, 12);
  EXPECT_EQ(MustLocked(e, "k", 10).for_update_ts, Ts(12));
  // Pessimistic locks never block readers.
  MustGetNone(e, "k", 20);
}

TEST(AcquirePessimisticLockTest, WriteConflictForPessimisticRetry) {
  TestEngine e;
  MustPrewritePut(e, "k", "v", "k", 5);
  MustCommit(e, "k", 5, 15);
  auto conflict = ErrorAs<mvcc::WriteConflict>(
      MustAcquirePessimisticLockErr(e, "k", "k", 10, 12));
  EXPECT_EQ(conflict.reason, mvcc::WriteConflictReason::kPessimisticRetry);
  EXPECT_EQ(conflict.conflict_commit_ts, Ts(15));
  // Retrying with a newer for_update_ts succeeds.
  MustAcquirePessimisticLock(e, "k", "k", 10, 16);
}

TEST(AcquirePessimisticLockTest, KeyIsLockedAndLockTypeNotMatch) {
  TestEngine e;
  MustPrewritePut(e, "k", "v", "k", 10);
  ErrorAs<mvcc::KeyIsLocked>(
      MustAcquirePessimisticLockErr(e, "k", "k", 20, 20));
  ErrorAs<mvcc::LockTypeNotMatch>(
      MustAcquirePessimisticLockErr(e, "k", "k", 10, 10));
}

TEST(AcquirePessimisticLockTest, SelfRolledBack) {
  TestEngine e;
  MustRollback(e, "k", 10);
  auto conflict = ErrorAs<mvcc::WriteConflict>(
      MustAcquirePessimisticLockErr(e, "k", "k", 10, 10));
  EXPECT_EQ(conflict.reason, mvcc::WriteConflictReason::kSelfRolledBack);
  // Also when a newer commit (below for_update_ts) sits above the rollback.
  MustRollback(e, "j", 10);
  MustPrewritePut(e, "j", "x", "j", 11);
  MustCommit(e, "j", 11, 12);
  conflict = ErrorAs<mvcc::WriteConflict>(
      MustAcquirePessimisticLockErr(e, "j", "j", 10, 20));
  EXPECT_EQ(conflict.reason, mvcc::WriteConflictReason::kSelfRolledBack);
}

TEST(AcquirePessimisticLockTest, ShouldNotExistAndReturnValue) {
  TestEngine e;
  MustPrewritePut(e, "k", "v", "k", 5);
  MustCommit(e, "k", 5, 6);
  mvcc::MvccReader reader = e.Reader();
  mvcc::MvccTxn txn(Ts(10));
  PessimisticLockArgs args;
  args.primary = "k";
  args.start_ts = Ts(10);
  args.for_update_ts = Ts(10);
  args.need_value = true;
  auto outcome = AcquirePessimisticLock(txn, reader, Key::FromRaw("k"), args);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->value, "v");
  args.should_not_exist = true;
  auto exists = AcquirePessimisticLock(txn, reader, Key::FromRaw("k"), args);
  ASSERT_FALSE(exists.ok());
  ErrorAs<mvcc::AlreadyExist>(exists.error());
}

TEST(AcquirePessimisticLockTest, BatchIsAllOrNothing) {
  TestEngine e;
  MustPrewritePut(e, "b", "v", "b", 5);
  mvcc::MvccReader reader = e.Reader();
  mvcc::MvccTxn txn(Ts(10));
  PessimisticLockArgs args;
  args.primary = "a";
  args.start_ts = Ts(10);
  args.for_update_ts = Ts(10);
  auto outcome = AcquirePessimisticLocks(txn, reader, {"a", "b"}, args);
  ASSERT_FALSE(outcome.ok());
  EXPECT_TRUE(txn.empty());
  ErrorAs<mvcc::InvalidRequest>(
      MustAcquirePessimisticLockErr(e, "a", "a", 10, 9));
}

}  // namespace
}  // namespace core::txn::actions
