// TxnHeartBeat. Ref: tikv src/storage/txn/commands/txn_heart_beat.rs tests.
#include "core/txn/actions/txn_heart_beat.h"

#include <gtest/gtest.h>

#include "core/txn/actions/test_util.h"

namespace core::txn::actions {
namespace {

using namespace testing;  // NOLINT: test helpers

mvcc::Result<Lock> Beat(TestEngine& e, const std::string& primary,
                        uint64_t start_ts, uint64_t ttl) {
  mvcc::MvccReader reader = e.Reader();
  mvcc::MvccTxn txn(Ts(start_ts));
  auto lock = TxnHeartBeat(txn, reader, Key::FromRaw(primary),
                           TxnHeartBeatArgs{Ts(start_ts), ttl, {}});
  if (lock.ok()) e.Apply(txn);
  return lock;
}

TEST(TxnHeartBeatTest, OnlyGrowsTtl) {
  TestEngine e;
  MustPrewritePut(e, "p", "v", "p", 10);
  auto grown = Beat(e, "p", 10, 10'000);
  ASSERT_TRUE(grown.ok());
  EXPECT_EQ(grown->ttl, 10'000u);
  EXPECT_EQ(MustLocked(e, "p", 10).ttl, 10'000u);
  auto kept = Beat(e, "p", 10, 5'000);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->ttl, 10'000u);
}

TEST(TxnHeartBeatTest, TxnNotFoundWithoutTheLock) {
  TestEngine e;
  auto missing = Beat(e, "p", 10, 100);
  ASSERT_FALSE(missing.ok());
  ErrorAs<mvcc::TxnNotFound>(missing.error());
  MustPrewritePut(e, "p", "v", "p", 20);
  ASSERT_FALSE(Beat(e, "p", 10, 100).ok());
  MustCommit(e, "p", 20, 21);
  ASSERT_FALSE(Beat(e, "p", 20, 100).ok());
}

}  // namespace
}  // namespace core::txn::actions
