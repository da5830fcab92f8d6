// Cleanup and BatchRollback. Ref: tikv src/storage/txn/actions/cleanup.rs,
// commands/rollback.rs tests.
#include "core/txn/actions/cleanup.h"

#include <gtest/gtest.h>

#include "core/txn/actions/test_util.h"

namespace core::txn::actions {
namespace {

using namespace testing;  // NOLINT: test helpers

TEST(CleanupTest, RollbackRemovesLockAndValueAndWritesRecord) {
  TestEngine e;
  const std::string big(300, 'v');
  MustPrewritePut(e, "s", big, "p", 10);
  MustRollback(e, "s", 10);
  MustUnlocked(e, "s");
  // A secondary's rollback is not protected.
  MustHaveRollback(e, "s", 10, /*is_protected=*/false);
  mvcc::MvccReader reader = e.Reader();
  auto value = reader.snapshot()->Get(env::Cf::kDefault,
                                      Key::FromRaw("s").AppendTs(Ts(10)));
  ASSERT_TRUE(value.ok());
  EXPECT_FALSE(value->has_value());
  // Rollback is idempotent.
  MustRollback(e, "s", 10);
}

TEST(CleanupTest, PrimaryRollbackIsProtected) {
  TestEngine e;
  MustPrewritePut(e, "p", "v", "p", 10);
  MustRollback(e, "p", 10);
  MustHaveRollback(e, "p", 10, /*is_protected=*/true);
  // A newer rollback does not collapse a protected one.
  MustRollback(e, "p", 20);
  MustHaveRollback(e, "p", 10, true);
}

TEST(CleanupTest, UnprotectedRollbacksCollapse) {
  TestEngine e;
  MustRollback(e, "k", 10);  // lock missing: unprotected record
  MustHaveRollback(e, "k", 10, false);
  MustRollback(e, "k", 20);
  MustNotWritten(e, "k", 10);
  MustHaveRollback(e, "k", 20, false);
}

TEST(CleanupTest, RollbackOfCommittedTxnFails) {
  TestEngine e;
  MustPrewritePut(e, "k", "v", "k", 10);
  MustCommit(e, "k", 10, 15);
  auto committed = ErrorAs<mvcc::Committed>(MustRollbackErr(e, "k", 10));
  EXPECT_EQ(committed.commit_ts, Ts(15));
  MustGet(e, "k", 20, "v");
}

TEST(CleanupTest, CleanupRespectsTtlWhenCurrentTsGiven) {
  TestEngine e;
  const uint64_t start = base::TimeStamp::Compose(100, 0).value();
  MustPrewritePut(e, "k", "v", "k", start);  // ttl 3000 ms
  const uint64_t alive = base::TimeStamp::Compose(3100, 0).value();
  const uint64_t expired = base::TimeStamp::Compose(3101, 0).value();
  ErrorAs<mvcc::KeyIsLocked>(MustCleanupErr(e, "k", start, alive));
  MustLocked(e, "k", start);
  MustCleanup(e, "k", start, expired);
  MustUnlocked(e, "k");
}

TEST(CleanupTest, BatchRollbackTouchesEachKeyOnce) {
  TestEngine e;
  MustPrewrite(e, {Put("a", "1"), Put("b", "2")}, "a", 10);
  mvcc::MvccReader reader = e.Reader();
  mvcc::MvccTxn txn(Ts(10));
  ASSERT_TRUE(BatchRollback(txn, reader, {"a", "b", "a", "c"}, Ts(10)).ok());
  e.Apply(txn);
  MustUnlocked(e, "a");
  MustUnlocked(e, "b");
  MustHaveRollback(e, "a", 10, true);
  MustHaveRollback(e, "b", 10, false);
  MustHaveRollback(e, "c", 10, false);
  ErrorAs<mvcc::WriteConflict>(MustPrewritePutErr(e, "c", "late", "a", 10));
}

}  // namespace
}  // namespace core::txn::actions
