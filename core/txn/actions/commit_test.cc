// Commit (Percolator phase 2). Ref: Percolator §2.2; tikv
// src/storage/txn/actions/commit.rs tests.
#include "core/txn/actions/commit.h"

#include <gtest/gtest.h>

#include "core/txn/actions/test_util.h"

namespace core::txn::actions {
namespace {

using namespace testing;  // NOLINT: test helpers

TEST(CommitTest, CommitIsIdempotent) {
  TestEngine e;
  MustPrewritePut(e, "k", "v", "k", 10);
  MustLocked(e, "k", 10);
  MustCommit(e, "k", 10, 15);
  MustWritten(e, "k", 10, 15, mvcc::WriteType::kPut);
  // commit should be idempotent, even with another commit_ts
  MustCommit(e, "k", 10, 15);
  MustCommit(e, "k", 10, 16);
  MustNotWritten(e, "k", 16);
  EXPECT_EQ(MustGetCommitTs(e, "k", 10), 15u);
}

TEST(CommitTest, TxnLockNotFoundWhenNeverPrewrittenOrRolledBack) {
  TestEngine e;
  auto missing = ErrorAs<mvcc::TxnLockNotFound>(MustCommitErr(e, "k", 10, 15));
  EXPECT_EQ(missing.start_ts, Ts(10));
  EXPECT_EQ(missing.commit_ts, Ts(15));
  EXPECT_EQ(missing.key, "k");
  MustPrewritePut(e, "k", "v", "k", 20);
  MustRollback(e, "k", 20);
  ErrorAs<mvcc::TxnLockNotFound>(MustCommitErr(e, "k", 20, 25));
  MustGetNone(e, "k", 30);
}

TEST(CommitTest, LockOfAnotherTxnIsNotOurs) {
  TestEngine e;
  MustPrewritePut(e, "k", "v", "k", 20);
  ErrorAs<mvcc::TxnLockNotFound>(MustCommitErr(e, "k", 10, 25));
  MustLocked(e, "k", 20);
}

TEST(CommitTest, CommitTsExpiredBelowMinCommitTs) {
  TestEngine e;
  PrewriteOptions options;
  options.min_commit_ts = Ts(30);
  MustPrewrite(e, {Put("k", "v")}, "k", 10, options);
  auto expired = ErrorAs<mvcc::CommitTsExpired>(MustCommitErr(e, "k", 10, 20));
  EXPECT_EQ(expired.min_commit_ts, Ts(30));
  EXPECT_EQ(expired.commit_ts, Ts(20));
  MustLocked(e, "k", 10);
  MustCommit(e, "k", 10, 30);
}

// Invariant CommitAfterStart: rejected before touching storage.
TEST(CommitTest, CommitTsNotAboveStartTsIsInvalid) {
  TestEngine e;
  MustPrewritePut(e, "k", "v", "k", 10);
  ErrorAs<mvcc::InvalidRequest>(MustCommitErr(e, "k", 10, 10));
  ErrorAs<mvcc::InvalidRequest>(MustCommitErr(e, "k", 10, 9));
  ErrorAs<mvcc::InvalidRequest>(MustCommitErr(e, "k", 0, 9));
  MustLocked(e, "k", 10);
}

TEST(CommitTest, PessimisticLockCannotBeCommitted) {
  TestEngine e;
  MustAcquirePessimisticLock(e, "k", "k", 10, 10);
  auto mismatch =
      ErrorAs<mvcc::LockTypeNotMatch>(MustCommitErr(e, "k", 10, 15));
  EXPECT_TRUE(mismatch.pessimistic);
}

TEST(CommitTest, CommitOfOverlappedRollbackKeepsItsTrace) {
  TestEngine e;
  // Async-commit lock of txn 10; txn 20 is rolled back on the key while the
  // lock exists (protected, through CheckTxnStatus on it as a primary).
  PrewriteOptions options;
  options.commit_kind = CommitKind::kAsyncCommit;
  options.secondaries = {};
  MustPrewrite(e, {Put("k", "v")}, "k", 10, options);
  CheckTxnStatusArgs args;
  args.lock_ts = Ts(20);
  args.caller_start_ts = base::TimeStamp::Max();
  args.current_ts = Ts(20);
  auto status = TryCheckTxnStatus(e, "k", args);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->kind, TxnStatus::Kind::kLockNotExist);
  EXPECT_EQ(MustLocked(e, "k", 10).rollback_ts,
            std::vector<base::TimeStamp>{Ts(20)});
  // Txn 10 commits exactly at 20: its record replaces the rollback record
  // but carries the overlapped flag.
  MustCommit(e, "k", 10, 20);
  EXPECT_TRUE(MustWritten(e, "k", 10, 20, mvcc::WriteType::kPut)
                  .has_overlapped_rollback);
  mvcc::MvccReader reader = e.Reader();
  auto record = reader.GetTxnCommitRecord(Key::FromRaw("k"), Ts(20));
  ASSERT_TRUE(record.ok());
  EXPECT_TRUE(record->IsRolledBack());
}

TEST(CommitTest, CommitKeysStopsAtFirstError) {
  TestEngine e;
  MustPrewrite(e, {Put("a", "1"), Put("b", "2")}, "a", 10);
  mvcc::MvccReader reader = e.Reader();
  mvcc::MvccTxn txn(Ts(10));
  ASSERT_TRUE(
      CommitKeys(txn, reader, {"a", "b"}, CommitArgs{Ts(10), Ts(11)}).ok());
  e.Apply(txn);
  MustGet(e, "a", 11, "1");
  MustGet(e, "b", 11, "2");
  mvcc::MvccReader reader2 = e.Reader();
  mvcc::MvccTxn txn2(Ts(30));
  auto bad = CommitKeys(txn2, reader2, {"", "a"}, CommitArgs{Ts(30), Ts(31)});
  ASSERT_FALSE(bad.ok());
  ErrorAs<mvcc::InvalidRequest>(bad.error());
}

}  // namespace
}  // namespace core::txn::actions
