// GC below a safe point (tikv.md §2.7). Ref: tikv
// src/storage/txn/actions/gc.rs tests.
#include "core/txn/actions/gc.h"

#include <gtest/gtest.h>

#include "core/txn/actions/test_util.h"

namespace core::txn::actions {
namespace {

using namespace testing;  // NOLINT: test helpers

size_t RunGc(TestEngine& e, const std::string& key, uint64_t safe_point) {
  mvcc::MvccReader reader = e.Reader();
  mvcc::MvccTxn txn(Ts(safe_point));
  auto outcome = Gc(txn, reader, Key::FromRaw(key), Ts(safe_point));
  EXPECT_TRUE(outcome.ok());
  e.Apply(txn);
  return outcome.ok() ? outcome->deleted_versions : 0;
}

void PutCommitted(TestEngine& e, const std::string& key,
                  const std::string& value, uint64_t start_ts,
                  uint64_t commit_ts) {
  MustPrewritePut(e, key, value, key, start_ts);
  MustCommit(e, key, start_ts, commit_ts);
}

TEST(GcTest, KeepsTheVersionVisibleAtTheSafePoint) {
  TestEngine e;
  PutCommitted(e, "k", std::string(300, '1'), 10, 11);
  PutCommitted(e, "k", "2", 20, 21);
  MustPrewriteLock(e, "k", "k", 30);
  MustCommit(e, "k", 30, 31);
  MustRollback(e, "k", 35);
  PutCommitted(e, "k", "3", 40, 41);
  EXPECT_EQ(RunGc(e, "k", 36), 3u);  // rollback@35, lock@31, put@11
  MustWritten(e, "k", 20, 21, mvcc::WriteType::kPut);
  MustNotWritten(e, "k", 11);
  MustNotWritten(e, "k", 31);
  MustGet(e, "k", 36, "2");
  MustGet(e, "k", 41, "3");
  // The long value of the deleted version is gone too.
  mvcc::MvccReader reader = e.Reader();
  auto value = reader.snapshot()->Get(env::Cf::kDefault,
                                      Key::FromRaw("k").AppendTs(Ts(10)));
  ASSERT_TRUE(value.ok());
  EXPECT_FALSE(value->has_value());
  EXPECT_EQ(RunGc(e, "k", 36), 0u);  // idempotent
}

TEST(GcTest, DeleteBelowSafePointRemovesEverything) {
  TestEngine e;
  PutCommitted(e, "k", "1", 10, 11);
  MustPrewriteDelete(e, "k", "k", 20);
  MustCommit(e, "k", 20, 21);
  EXPECT_EQ(RunGc(e, "k", 30), 2u);
  MustGetNone(e, "k", 30);
  mvcc::MvccReader reader = e.Reader();
  auto writes = reader.ScanWrites(Key::FromRaw("k"));
  ASSERT_TRUE(writes.ok());
  EXPECT_TRUE(writes->empty());
}

TEST(GcTest, NothingAtOrBelowSafePointIsANoOp) {
  TestEngine e;
  PutCommitted(e, "k", "1", 10, 11);
  EXPECT_EQ(RunGc(e, "k", 5), 0u);
  MustGet(e, "k", 11, "1");
}

}  // namespace
}  // namespace core::txn::actions
