// CheckTxnStatus: every row of the decision table in tikv.md §2.6.
// Ref: tikv src/storage/txn/actions/check_txn_status.rs tests.
#include "core/txn/actions/check_txn_status.h"

#include <gtest/gtest.h>

#include "core/txn/actions/test_util.h"

namespace core::txn::actions {
namespace {

using namespace testing;  // NOLINT: test helpers

// Physical milliseconds as timestamps, so TTLs mean something.
uint64_t Ms(uint64_t ms, uint64_t logical = 0) {
  return base::TimeStamp::Compose(ms, logical).value();
}

CheckTxnStatusArgs Args(uint64_t lock_ts, uint64_t caller_start_ts,
                        uint64_t current_ts) {
  CheckTxnStatusArgs args;
  args.lock_ts = Ts(lock_ts);
  args.caller_start_ts = Ts(caller_start_ts);
  args.current_ts = Ts(current_ts);
  return args;
}

TxnStatus MustStatus(TestEngine& e, const std::string& primary,
                     const CheckTxnStatusArgs& args, Loc loc = Loc::current()) {
  auto status = TryCheckTxnStatus(e, primary, args);
  if (!status.ok()) {
    ADD_FAILURE_AT(loc.file_name(), loc.line()) << status.error();
    return {};
  }
  return *status;
}

TEST(CheckTxnStatusTest, AliveLockReportsTtlAndRaisesMaxTs) {
  TestEngine e;
  MustPrewritePut(e, "p", "v", "p", Ms(100));
  TxnStatus status = MustStatus(e, "p", Args(Ms(100), Ms(150), Ms(200)));
  EXPECT_EQ(status.kind, TxnStatus::Kind::kUncommitted);
  EXPECT_EQ(status.lock->ttl, 3000u);
  EXPECT_FALSE(status.min_commit_ts_pushed);
  EXPECT_EQ(e.cm().max_ts(), Ts(Ms(200)));
}

TEST(CheckTxnStatusTest, AliveLockWithMinCommitTsIsPushedAboveCaller) {
  TestEngine e;
  PrewriteOptions options;
  options.min_commit_ts = Ts(Ms(100, 1));
  MustPrewrite(e, {Put("p", "v")}, "p", Ms(100), options);
  TxnStatus status = MustStatus(e, "p", Args(Ms(100), Ms(150), Ms(120)));
  EXPECT_EQ(status.kind, TxnStatus::Kind::kUncommitted);
  EXPECT_TRUE(status.min_commit_ts_pushed);
  // max(caller_start_ts + 1, current_ts)
  EXPECT_EQ(MustLocked(e, "p", Ms(100)).min_commit_ts, Ts(Ms(150) + 1));
  // The reader at 150 is no longer blocked; a commit at 150 is expired.
  MustGetNone(e, "p", Ms(150));
  ErrorAs<mvcc::CommitTsExpired>(MustCommitErr(e, "p", Ms(100), Ms(150)));
  MustCommit(e, "p", Ms(100), Ms(160));
}

TEST(CheckTxnStatusTest, ExpiredLockIsRolledBackWithProtectedRecord) {
  TestEngine e;
  MustPrewritePut(e, "p", "v", "p", Ms(100));
  TxnStatus status = MustStatus(e, "p", Args(Ms(100), Ms(5000), Ms(3101)));
  EXPECT_EQ(status.kind, TxnStatus::Kind::kTtlExpire);
  MustUnlocked(e, "p");
  MustHaveRollback(e, "p", Ms(100), /*is_protected=*/true);
  // Asking again: the rollback is already recorded.
  EXPECT_EQ(MustStatus(e, "p", Args(Ms(100), Ms(5000), Ms(5000))).kind,
            TxnStatus::Kind::kRolledBack);
  ErrorAs<mvcc::TxnLockNotFound>(MustCommitErr(e, "p", Ms(100), Ms(200)));
}

TEST(CheckTxnStatusTest, CommittedAndMissingLocks) {
  TestEngine e;
  MustPrewritePut(e, "p", "v", "p", Ms(100));
  MustCommit(e, "p", Ms(100), Ms(110));
  TxnStatus committed = MustStatus(e, "p", Args(Ms(100), Ms(200), Ms(200)));
  EXPECT_EQ(committed.kind, TxnStatus::Kind::kCommitted);
  EXPECT_EQ(committed.commit_ts, Ts(Ms(110)));
  // Nothing at all, rollback_if_not_exist = false: TxnNotFound.
  CheckTxnStatusArgs args = Args(Ms(300), Ms(400), Ms(400));
  args.rollback_if_not_exist = false;
  auto not_found = TryCheckTxnStatus(e, "q", args);
  ASSERT_FALSE(not_found.ok());
  EXPECT_EQ(ErrorAs<mvcc::TxnNotFound>(not_found.error()).key, "q");
  // ... = true: a protected rollback so the txn can never commit.
  args.rollback_if_not_exist = true;
  EXPECT_EQ(MustStatus(e, "q", args).kind, TxnStatus::Kind::kLockNotExist);
  MustHaveRollback(e, "q", Ms(300), true);
  ErrorAs<mvcc::WriteConflict>(
      MustPrewritePutErr(e, "q", "late", "q", Ms(300)));
}

TEST(CheckTxnStatusTest, ResolvingPessimisticLocks) {
  TestEngine e;
  MustAcquirePessimisticLock(e, "p", "p", Ms(100), Ms(100));
  CheckTxnStatusArgs args = Args(Ms(100), Ms(5000), Ms(5000));
  args.resolving_pessimistic_lock = true;
  EXPECT_EQ(MustStatus(e, "p", args).kind,
            TxnStatus::Kind::kPessimisticRollBack);
  MustUnlocked(e, "p");
  MustNotWritten(e, "p", Ms(100));
  // Lock gone and nothing recorded: do nothing.
  EXPECT_EQ(MustStatus(e, "p", args).kind,
            TxnStatus::Kind::kLockNotExistDoNothing);
  MustNotWritten(e, "p", Ms(100));
}

TEST(CheckTxnStatusTest,
     ExpiredPessimisticPrimaryNotResolvingIsFullyRolledBack) {
  TestEngine e;
  MustAcquirePessimisticLock(e, "p", "p", Ms(100), Ms(100));
  EXPECT_EQ(MustStatus(e, "p", Args(Ms(100), Ms(5000), Ms(5000))).kind,
            TxnStatus::Kind::kTtlExpire);
  MustHaveRollback(e, "p", Ms(100), true);
}

TEST(CheckTxnStatusTest, AsyncCommitLockIsNeverRolledBackHere) {
  TestEngine e;
  PrewriteOptions options;
  options.commit_kind = CommitKind::kAsyncCommit;
  options.secondaries = {"s"};
  MustPrewrite(e, {Put("p", "v"), Put("s", "w")}, "p", Ms(100), options);
  TxnStatus status = MustStatus(e, "p", Args(Ms(100), Ms(9000), Ms(9000)));
  EXPECT_EQ(status.kind, TxnStatus::Kind::kUncommitted);
  EXPECT_TRUE(status.lock->use_async_commit);
  EXPECT_EQ(status.lock->secondaries, std::vector<Bytes>{"s"});
  MustLocked(e, "p", Ms(100));
  // force_sync_commit treats it as a normal lock.
  CheckTxnStatusArgs forced = Args(Ms(100), Ms(9000), Ms(9000));
  forced.force_sync_commit = true;
  EXPECT_EQ(MustStatus(e, "p", forced).kind, TxnStatus::Kind::kTtlExpire);
}

TEST(CheckTxnStatusTest, PrimaryMismatch) {
  TestEngine e;
  MustPrewritePut(e, "s", "v", "p", Ms(100));
  auto mismatch = TryCheckTxnStatus(e, "s", Args(Ms(100), Ms(200), Ms(200)));
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(ErrorAs<mvcc::PrimaryMismatch>(mismatch.error()).info.primary_lock,
            "p");
  // A pessimistic lock whose primary differs is dropped, then the missing
  // lock path writes a protected rollback.
  MustAcquirePessimisticLock(e, "t", "p", Ms(300), Ms(300));
  EXPECT_EQ(MustStatus(e, "t", Args(Ms(300), Ms(400), Ms(400))).kind,
            TxnStatus::Kind::kLockNotExist);
  MustUnlocked(e, "t");
}

TEST(CheckTxnStatusTest, ZeroLockTsIsInvalid) {
  TestEngine e;
  auto bad = TryCheckTxnStatus(e, "p", Args(0, 1, 1));
  ASSERT_FALSE(bad.ok());
  ErrorAs<mvcc::InvalidRequest>(bad.error());
}

}  // namespace
}  // namespace core::txn::actions
