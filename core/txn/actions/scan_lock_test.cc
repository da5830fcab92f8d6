// ScanLock. Ref: tikv src/storage/txn/commands/scan_lock.rs.
#include "core/txn/actions/scan_lock.h"

#include <gtest/gtest.h>

#include "core/txn/actions/test_util.h"

namespace core::txn::actions {
namespace {

using namespace testing;  // NOLINT: test helpers

TEST(ScanLockTest, FiltersByMaxVersionRangeAndLimit) {
  TestEngine e;
  MustPrewritePut(e, "a", "1", "a", 10);
  MustPrewritePut(e, "b", "2", "a", 20);
  MustPrewritePut(e, "c", "3", "c", 30);
  MustPrewritePut(e, "d", "4", "c", 15);
  mvcc::MvccReader reader = e.Reader();
  auto all = ScanLock(reader, ScanLockArgs{Ts(20), "", std::nullopt, 0});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].key, "a");
  EXPECT_EQ((*all)[1].key, "b");
  EXPECT_EQ((*all)[2].key, "d");
  EXPECT_EQ((*all)[2].lock_version, Ts(15));
  EXPECT_EQ((*all)[2].primary_lock, "c");
  auto ranged = ScanLock(reader, ScanLockArgs{Ts(100), "b", "d", 0});
  ASSERT_TRUE(ranged.ok());
  ASSERT_EQ(ranged->size(), 2u);
  EXPECT_EQ((*ranged)[1].key, "c");
  auto limited = ScanLock(reader, ScanLockArgs{Ts(100), "", std::nullopt, 1});
  ASSERT_TRUE(limited.ok());
  ASSERT_EQ(limited->size(), 1u);
}

}  // namespace
}  // namespace core::txn::actions
