// CheckSecondaryLocks (async-commit recovery, tikv.md §2.3).
// Ref: tikv src/storage/txn/commands/check_secondary_locks.rs tests.
#include "core/txn/actions/check_secondary_locks.h"

#include <gtest/gtest.h>

#include "core/txn/actions/test_util.h"

namespace core::txn::actions {
namespace {

using namespace testing;  // NOLINT: test helpers

mvcc::Result<SecondaryLocksStatus> Check(TestEngine& e,
                                         const std::vector<Bytes>& keys,
                                         uint64_t start_ts) {
  mvcc::MvccReader reader = e.Reader();
  mvcc::MvccTxn txn(Ts(start_ts));
  auto status = CheckSecondaryLocks(txn, reader, keys, Ts(start_ts));
  if (status.ok()) e.Apply(txn);
  return status;
}

PrewriteOptions Async(std::vector<Bytes> secondaries) {
  PrewriteOptions options;
  options.commit_kind = CommitKind::kAsyncCommit;
  options.secondaries = std::move(secondaries);
  return options;
}

TEST(CheckSecondaryLocksTest, AllLocked) {
  TestEngine e;
  MustPrewrite(e, {Put("p", "1"), Put("s1", "2"), Put("s2", "3")}, "p", 10,
               Async({"s1", "s2"}));
  auto status = Check(e, {"s1", "s2"}, 10);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->kind, SecondaryLocksStatus::Kind::kLocked);
  ASSERT_EQ(status->locks.size(), 2u);
  EXPECT_TRUE(status->locks[0].use_async_commit);
  EXPECT_GT(status->locks[1].min_commit_ts, Ts(10));
}

TEST(CheckSecondaryLocksTest, MissingSecondaryIsRolledBackForever) {
  TestEngine e;
  // s2's prewrite has not arrived yet.
  MustPrewrite(e, {Put("p", "1"), Put("s1", "2")}, "p", 10,
               Async({"s1", "s2"}));
  auto status = Check(e, {"s1", "s2"}, 10);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->kind, SecondaryLocksStatus::Kind::kRolledBack);
  MustHaveRollback(e, "s2", 10, /*is_protected=*/true);
  // The late prewrite can never succeed now.
  auto late = TryPrewrite(e, {Put("s2", "3")}, "p", 10, Async({"s1", "s2"}));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(ErrorAs<mvcc::WriteConflict>(late.error()).reason,
            mvcc::WriteConflictReason::kSelfRolledBack);
}

TEST(CheckSecondaryLocksTest, CommittedSecondaryAndPessimisticLock) {
  TestEngine e;
  MustPrewrite(e, {Put("p", "1"), Put("s1", "2")}, "p", 10, Async({"s1"}));
  MustCommit(e, "s1", 10, 20);
  auto committed = Check(e, {"s1"}, 10);
  ASSERT_TRUE(committed.ok());
  EXPECT_EQ(committed->kind, SecondaryLocksStatus::Kind::kCommitted);
  EXPECT_EQ(committed->commit_ts, Ts(20));
  // A pessimistic lock means the key was never prewritten.
  MustAcquirePessimisticLock(e, "q", "p2", 30, 30);
  auto rolled_back = Check(e, {"q"}, 30);
  ASSERT_TRUE(rolled_back.ok());
  EXPECT_EQ(rolled_back->kind, SecondaryLocksStatus::Kind::kRolledBack);
  MustUnlocked(e, "q");
  MustHaveRollback(e, "q", 30, true);
}

}  // namespace
}  // namespace core::txn::actions
