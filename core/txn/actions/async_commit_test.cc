// Async commit and 1PC: min_commit_ts above max_ts, the in-memory lock
// table, CommitTsTooLarge falling back to 2PC. Ref: tikv.md §2.3; tikv
// src/storage/txn/actions/prewrite.rs (async_commit_timestamps),
// commands/prewrite.rs (handle_1pc_locks, fallback).
#include <gtest/gtest.h>

#include "core/txn/actions/prewrite.h"
#include "core/txn/actions/test_util.h"
#include "core/txn/txn_read.h"

namespace core::txn::actions {
namespace {

using namespace testing;  // NOLINT: test helpers

PrewriteOptions Kind(CommitKind kind, std::vector<Bytes> secondaries = {}) {
  PrewriteOptions options;
  options.commit_kind = kind;
  options.secondaries = std::move(secondaries);
  return options;
}

// Invariant AsyncCommitTsAboveReads.
TEST(AsyncCommitTest, MinCommitTsIsAboveEveryServedRead) {
  TestEngine e;
  MustGetNone(e, "k", 50);  // max_ts := 50
  EXPECT_EQ(e.cm().max_ts(), Ts(50));
  PrewriteResult result =
      MustPrewrite(e, {Put("p", "1"), Put("k", "2")}, "p", 10,
                   Kind(CommitKind::kAsyncCommit, {"k"}));
  EXPECT_EQ(result.min_commit_ts, Ts(51));
  Lock primary = MustLocked(e, "p", 10);
  EXPECT_TRUE(primary.use_async_commit);
  EXPECT_EQ(primary.secondaries, std::vector<Bytes>{"k"});
  EXPECT_EQ(primary.min_commit_ts, Ts(51));
  EXPECT_TRUE(MustLocked(e, "k", 10).secondaries.empty());
  // The read at 50 was served before: it stays valid (not blocked, no value).
  MustGetNone(e, "k", 50);
  // A read at 51 or later must wait for the outcome.
  ErrorAs<mvcc::KeyIsLocked>(MustGetErr(e, "k", 51));
  MustCommit(e, "p", 10, 51);
  MustCommit(e, "k", 10, 51);
  MustGet(e, "k", 51, "2");
}

TEST(AsyncCommitTest, InFlightMemoryLockBlocksReaders) {
  TestEngine e;
  PrewriteRequest request;
  request.props.start_ts = Ts(10);
  request.props.primary = "p";
  request.props.lock_ttl = 3000;
  request.props.commit_kind = CommitKind::kAsyncCommit;
  request.mutations = {Put("p", "1")};
  mvcc::MvccReader reader = e.Reader();
  mvcc::MvccTxn txn(Ts(10));
  auto result = PrewriteKeys(txn, reader, e.cm(), request);
  ASSERT_TRUE(result.ok());
  // Not yet applied: the snapshot has no lock, the memory table does.
  EXPECT_EQ(e.cm().memory_lock_count(), 1u);
  mvcc::MvccReader later = e.Reader();
  auto blocked = TxnGet(e.cm(), later, "p", Ts(100), mvcc::ReadOptions{});
  ASSERT_FALSE(blocked.ok());
  ErrorAs<mvcc::KeyIsLocked>(blocked.error());
  e.Apply(txn);
  EXPECT_EQ(e.cm().memory_lock_count(), 0u);
  ErrorAs<mvcc::KeyIsLocked>(MustGetErr(e, "p", 100));
}

TEST(AsyncCommitTest, CommitTsTooLargeFallsBackToTwoPc) {
  TestEngine e;
  MustGetNone(e, "x", 50);
  PrewriteOptions options = Kind(CommitKind::kAsyncCommit, {"k"});
  options.max_commit_ts = Ts(40);
  PrewriteResult result =
      MustPrewrite(e, {Put("p", "1"), Put("k", "2")}, "p", 10, options);
  EXPECT_EQ(result.min_commit_ts, Ts(0));
  EXPECT_FALSE(MustLocked(e, "p", 10).use_async_commit);
  EXPECT_FALSE(MustLocked(e, "k", 10).use_async_commit);
  EXPECT_EQ(e.cm().memory_lock_count(), 0u);
  // 1PC falls back the same way.
  options = Kind(CommitKind::kOnePc);
  options.max_commit_ts = Ts(40);
  result = MustPrewrite(e, {Put("q", "3")}, "q", 20, options);
  EXPECT_EQ(result.one_pc_commit_ts, Ts(0));
  MustLocked(e, "q", 20);
}

TEST(OnePcTest, WritesCommitRecordsDirectly) {
  TestEngine e;
  MustGetNone(e, "x", 30);
  PrewriteResult result = MustPrewrite(
      e, {Put("a", "1"), Delete("b"), Put("c", std::string(300, 'c'))}, "a", 10,
      Kind(CommitKind::kOnePc));
  EXPECT_EQ(result.one_pc_commit_ts, Ts(31));
  MustUnlocked(e, "a");
  MustUnlocked(e, "b");
  MustWritten(e, "a", 10, 31, mvcc::WriteType::kPut);
  MustWritten(e, "b", 10, 31, mvcc::WriteType::kDelete);
  MustGet(e, "c", 31, std::string(300, 'c'));
  MustGetNone(e, "a", 30);
  EXPECT_EQ(e.cm().memory_lock_count(), 0u);
}

TEST(OnePcTest, PessimisticOnePcDeletesPessimisticLocks) {
  TestEngine e;
  MustAcquirePessimisticLock(e, "a", "a", 10, 12);
  PrewriteOptions options = Kind(CommitKind::kOnePc);
  options.for_update_ts = Ts(12);
  options.pessimistic_action = PessimisticAction::kDoPessimisticCheck;
  PrewriteResult result = MustPrewrite(e, {Put("a", "1")}, "a", 10, options);
  EXPECT_EQ(result.one_pc_commit_ts, Ts(13));
  MustUnlocked(e, "a");
  MustGet(e, "a", 13, "1");
}

}  // namespace
}  // namespace core::txn::actions
