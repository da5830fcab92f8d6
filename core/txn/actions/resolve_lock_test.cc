// ResolveLock, the last step of lock resolution (tikv.md §2.5).
// Ref: tikv src/storage/txn/commands/resolve_lock.rs.
#include "core/txn/actions/resolve_lock.h"

#include <gtest/gtest.h>

#include "core/txn/actions/test_util.h"

namespace core::txn::actions {
namespace {

using namespace testing;  // NOLINT: test helpers

mvcc::Result<ResolveLockResult> Resolve(TestEngine& e,
                                        const ResolveLockArgs& args) {
  mvcc::MvccReader reader = e.Reader();
  mvcc::MvccTxn txn(Ts(1));
  auto result = ResolveLocks(txn, reader, args);
  if (result.ok()) e.Apply(txn);
  return result;
}

TEST(ResolveLockTest, CommitsAndRollsBackManyTxnsInARange) {
  TestEngine e;
  MustPrewrite(e, {Put("a", "a10"), Put("c", "c10")}, "a", 10);
  MustPrewrite(e, {Put("b", "b20"), Put("d", "d20")}, "b", 20);
  MustPrewritePut(e, "e", "e30", "e", 30);  // not in the map: untouched
  ResolveLockArgs args;
  args.txn_status = {{Ts(10), Ts(15)}, {Ts(20), Ts(0)}};
  auto result = Resolve(e, args);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->resolved, 4u);
  EXPECT_TRUE(result->scanned_all);
  MustGet(e, "a", 16, "a10");
  MustGet(e, "c", 16, "c10");
  MustGetNone(e, "b", 25);
  MustGetNone(e, "d", 25);
  MustHaveRollback(e, "b", 20, /*is_protected=*/true);  // b is 20's primary
  MustHaveRollback(e, "d", 20, false);
  MustLocked(e, "e", 30);
}

TEST(ResolveLockTest, ScanLimitPagesThroughTheRange) {
  TestEngine e;
  MustPrewrite(e, {Put("a", "1"), Put("b", "2"), Put("c", "3")}, "a", 10);
  ResolveLockArgs args;
  args.txn_status = {{Ts(10), Ts(11)}};
  args.scan_limit = 2;
  auto first = Resolve(e, args);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->resolved, 2u);
  EXPECT_FALSE(first->scanned_all);
  args.lower_bound = first->next_lower_bound;
  auto second = Resolve(e, args);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->resolved, 1u);
  MustGet(e, "c", 12, "3");
}

TEST(ResolveLockTest, ListedKeysAndBadCommitTs) {
  TestEngine e;
  MustPrewrite(e, {Put("a", "1"), Put("b", "2")}, "a", 10);
  ResolveLockArgs args;
  args.txn_status = {{Ts(10), Ts(12)}};
  args.keys = {"b"};
  ASSERT_TRUE(Resolve(e, args).ok());
  MustGet(e, "b", 12, "2");
  MustLocked(e, "a", 10);
  args.txn_status = {{Ts(10), Ts(10)}};
  args.keys = {"a"};
  auto bad = Resolve(e, args);
  ASSERT_FALSE(bad.ok());
  ErrorAs<mvcc::InvalidRequest>(bad.error());
}

}  // namespace
}  // namespace core::txn::actions
