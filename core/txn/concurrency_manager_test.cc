// ConcurrencyManager: max_ts and the in-memory lock table, and the read entry
// points that consult them first. Ref: tikv components/concurrency_manager.
#include "core/txn/concurrency_manager.h"

#include <gtest/gtest.h>

#include "core/engine/mem_engine.h"
#include "core/mvcc/reader.h"
#include "core/txn/txn_read.h"

namespace core::txn {
namespace {

Lock PutLock(uint64_t ts, uint64_t min_commit_ts) {
  Lock lock;
  lock.lock_type = mvcc::LockType::kPut;
  lock.primary = "p";
  lock.ts = base::TimeStamp(ts);
  lock.min_commit_ts = base::TimeStamp(min_commit_ts);
  lock.use_async_commit = true;
  return lock;
}

TEST(ConcurrencyManagerTest, MaxTsOnlyGrowsAndIgnoresMax) {
  ConcurrencyManager cm(base::TimeStamp(5));
  cm.UpdateMaxTs(base::TimeStamp(3));
  EXPECT_EQ(cm.max_ts(), base::TimeStamp(5));
  cm.UpdateMaxTs(base::TimeStamp(9));
  EXPECT_EQ(cm.max_ts(), base::TimeStamp(9));
  cm.UpdateMaxTs(base::TimeStamp::Max());
  EXPECT_EQ(cm.max_ts(), base::TimeStamp(9));
}

TEST(ConcurrencyManagerTest, MemoryLockTable) {
  ConcurrencyManager cm;
  const Key a = Key::FromRaw("a");
  const Key b = Key::FromRaw("b");
  cm.LockKey(b, PutLock(20, 30));
  cm.LockKey(a, PutLock(10, 11));
  EXPECT_EQ(cm.memory_lock_count(), 2u);
  EXPECT_EQ(cm.GlobalMinLockTs(), base::TimeStamp(10));
  EXPECT_EQ(cm.GetMemoryLock(a)->ts, base::TimeStamp(10));
  int visited = 0;
  auto outcome =
      cm.ReadRangeCheck(a, std::nullopt, [&](const Key&, const Lock&) {
        ++visited;
        return mvcc::Outcome(base::Unit{});
      });
  EXPECT_TRUE(outcome.ok());
  EXPECT_EQ(visited, 2);
  visited = 0;
  (void)cm.ReadRangeCheck(a, b, [&](const Key&, const Lock&) {
    ++visited;
    return mvcc::Outcome(base::Unit{});
  });
  EXPECT_EQ(visited, 1);
  cm.ReleaseKey(a);
  cm.ReleaseKey(b);
  EXPECT_EQ(cm.memory_lock_count(), 0u);
  EXPECT_FALSE(cm.GlobalMinLockTs().has_value());
}

TEST(TxnReadTest, ReadRaisesMaxTsThenChecksMemoryLocks) {
  engine::MemEngine engine;
  ConcurrencyManager cm;
  mvcc::MvccReader reader(engine.NewSnapshot());
  auto none = TxnGet(cm, reader, "k", base::TimeStamp(40), {});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(cm.max_ts(), base::TimeStamp(40));
  cm.LockKey(Key::FromRaw("k"), PutLock(10, 41));
  // min_commit_ts 41 > 40: the read at 40 is not blocked.
  EXPECT_TRUE(TxnGet(cm, reader, "k", base::TimeStamp(40), {}).ok());
  auto blocked = TxnGet(cm, reader, "k", base::TimeStamp(41), {});
  ASSERT_FALSE(blocked.ok());
  EXPECT_TRUE(std::holds_alternative<mvcc::KeyIsLocked>(blocked.error()));
  mvcc::ScanOptions scan;
  scan.read_ts = base::TimeStamp(50);
  auto scanned = TxnScan(cm, reader, scan);
  ASSERT_FALSE(scanned.ok());
  EXPECT_EQ(cm.max_ts(), base::TimeStamp(50));
}

// Ref: tikv src/storage/mod.rs prepare_snap_ctx: max_ts is raised for
// every read, the memory locks are checked only under SI.
TEST(TxnReadTest, PrepareBeforeTheSnapshotAndReadCommitted) {
  ConcurrencyManager cm;
  cm.LockKey(Key::FromRaw("k"), PutLock(10, 11));
  mvcc::ReadOptions si;
  mvcc::ReadOptions rc;
  rc.isolation_level = mvcc::IsolationLevel::kRc;
  EXPECT_TRUE(PrepareKeysRead(cm, {"a", "z"}, base::TimeStamp(30), si).ok());
  EXPECT_EQ(cm.max_ts(), base::TimeStamp(30));
  auto blocked = PrepareKeysRead(cm, {"a", "k"}, base::TimeStamp(31), si);
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(std::get<mvcc::KeyIsLocked>(blocked.error()).info.key, "k");
  EXPECT_TRUE(PrepareKeysRead(cm, {"k"}, base::TimeStamp(32), rc).ok());
  EXPECT_EQ(cm.max_ts(), base::TimeStamp(32));
  mvcc::ScanOptions scan;
  scan.read_ts = base::TimeStamp(33);
  EXPECT_FALSE(PrepareRangeRead(cm, scan).ok());
  scan.read_options = rc;
  EXPECT_TRUE(PrepareRangeRead(cm, scan).ok());
  EXPECT_EQ(cm.max_ts(), base::TimeStamp(33));
  engine::MemEngine engine;
  mvcc::MvccReader reader(engine.NewSnapshot());
  EXPECT_TRUE(TxnGet(cm, reader, "k", base::TimeStamp(40), rc).ok());
  EXPECT_TRUE(TxnScan(cm, reader, scan).ok());
  auto zero = PrepareKeysRead(cm, {"k"}, base::TimeStamp(0), si);
  ASSERT_FALSE(zero.ok());
  EXPECT_TRUE(std::holds_alternative<mvcc::InvalidRequest>(zero.error()));
}

TEST(TxnReadTest, BadReadsAreInvalidRequests) {
  engine::MemEngine engine;
  ConcurrencyManager cm;
  mvcc::MvccReader reader(engine.NewSnapshot());
  for (const std::string& key :
       {std::string(), std::string(8 * 1024 + 1, 'k')}) {
    auto bad = TxnGet(cm, reader, key, base::TimeStamp(1), {});
    ASSERT_FALSE(bad.ok());
    EXPECT_TRUE(std::holds_alternative<mvcc::InvalidRequest>(bad.error()));
  }
  auto zero = TxnGet(cm, reader, "k", base::TimeStamp(0), {});
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(cm.max_ts(), base::TimeStamp(0));
}

}  // namespace
}  // namespace core::txn
