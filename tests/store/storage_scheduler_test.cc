// The scheduler's guarantees, shown through Storage: commands on one key
// serialize on latches and wait in FIFO order; every failure path (a failed
// write, a region error, a crash while parked) releases latches and memory
// locks; async commit and 1PC pick commit timestamps above the reads the
// store served, and concurrent reads see their memory locks; RC reads skip
// locks; flow control; region errors and bad input. Ref: tikv
// src/storage/txn/scheduler.rs, latch.rs, src/storage/mod.rs tests
// (test_sched_too_busy, test_async_commit_prewrite, test_read_access_locks),
// src/storage/txn/commands/prewrite.rs (test_prewrite_1pc,
// test_prewrite_async_commit, test_async_commit_fallback_to_2pc).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/mvcc/key.h"
#include "tests/store/storage_harness.h"

namespace store::storage::testing {
namespace {

using core::mvcc::InvalidRequest;
using core::mvcc::KeyIsLocked;
using core::mvcc::StorageError;
using core::mvcc::WriteConflict;

// Ref: tikv src/storage/txn/latch.rs test_wakeup, scheduler.rs (a command
// waits for the latches of its keys; release wakes the next in line).
TEST(StorageSchedulerTest, TwoCommandsOnOneKeySerializeAndAThirdWaitsFifo) {
  StorageHarness h;
  std::vector<std::string> finished;
  Result<PrewriteResult> second = PrewriteResult{};
  h.engine().HoldWrites();
  h.Spawn("first", [&] {
    MustPrewrite(h, PrewriteOf({"k"}, 10));
    finished.push_back("first");
  });
  h.Run();
  ASSERT_EQ(h.engine().held_writes(), 1u);  // first holds k's latch
  h.Spawn("second", [&] {
    second = h.storage().Execute(h.ctx(), PrewriteOf({"k"}, 20));
    finished.push_back("second");
  });
  h.Run();
  h.Spawn("third", [&] {
    MustCommit(h, {"k"}, 10, 30);
    finished.push_back("third");
  });
  h.Run();
  EXPECT_TRUE(finished.empty());
  EXPECT_EQ(h.storage().scheduler().latch_entry_count(), 3u);
  EXPECT_EQ(h.metrics().CounterValue("tikv_scheduler_latch_wait_total", {}),
            2u);
  h.engine().ReleaseWrites();
  h.Run();
  EXPECT_EQ(finished, (std::vector<std::string>{"first", "second", "third"}));
  // The second ran before the commit: it met first's lock (had the third
  // gone first, it would have met a newer commit instead).
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->locks.size(), 1u);
  EXPECT_EQ(second->locks[0].info.lock_version, Ts(10));
  EXPECT_EQ(h.metrics()
                .HistogramOf("tikv_scheduler_latch_wait_duration_seconds", {})
                .count,
            2u);
  h.RunFibre([&] { MustGet(h, "k", 31, "v"); });
  ExpectIdle(h);
}

TEST(StorageSchedulerTest, CommandsOnDifferentKeysDoNotWait) {
  StorageHarness h;
  h.engine().HoldWrites();
  h.Spawn("a", [&] { MustPrewrite(h, PrewriteOf({"a"}, 10)); });
  h.Spawn("b", [&] { MustPrewrite(h, PrewriteOf({"b"}, 11)); });
  h.Run();
  EXPECT_EQ(h.engine().held_writes(), 2u);
  EXPECT_EQ(h.metrics().CounterValue("tikv_scheduler_latch_wait_total", {}),
            0u);
  h.engine().ReleaseWrites();
  h.Run();
  ExpectIdle(h);
}

// A write that fails after the command placed memory locks (async commit)
// and while another command waited for its latch: the error comes back,
// the memory locks go, the waiter runs, and a retry succeeds.
TEST(StorageSchedulerTest, AFailedWriteReleasesLatchesAndMemoryLocks) {
  StorageHarness h;
  Prewrite async = PrewriteOf({"p", "s"}, 10);
  async.use_async_commit = true;
  async.secondary_keys = {"s"};
  Result<PrewriteResult> failed = PrewriteResult{};
  bool waiter_done = false;
  h.engine().HoldWrites();
  h.engine().FailNextWrite(absl::InternalError("injected EIO"));
  h.Spawn("async", [&] { failed = h.storage().Execute(h.ctx(), async); });
  h.Run();
  EXPECT_EQ(h.cm().memory_lock_count(), 2u);  // visible before the write
  h.Spawn("waiter", [&] {
    MustPrewrite(h, PrewriteOf({"s"}, 12));
    waiter_done = true;
  });
  h.Run();
  EXPECT_FALSE(waiter_done);
  h.engine().ReleaseWrites();
  h.Run();
  ASSERT_FALSE(failed.ok());
  ASSERT_NE(KeyErrorAs<StorageError>(failed.error()), nullptr);
  EXPECT_EQ(KeyErrorAs<StorageError>(failed.error())->status.code(),
            absl::StatusCode::kInternal);
  EXPECT_TRUE(waiter_done);
  ExpectIdle(h);
  h.RunFibre([&] {
    // Nothing of the failed prewrite was applied; its retry meets only the
    // waiter's lock on s.
    MustGetNone(h, "p", 100);
    auto retried = h.storage().Execute(h.ctx(), async);
    ASSERT_TRUE(retried.ok());
    ASSERT_EQ(retried->locks.size(), 1u);
    EXPECT_EQ(retried->locks[0].info.key, "s");
  });
  ExpectIdle(h);
}

TEST(StorageSchedulerTest, RegionErrorsOnSnapshotOrWriteReleaseEverything) {
  StorageHarness h;
  h.RunFibre([&] {
    h.engine().FailNextWrite(
        RegionError(NotLeader{1, Peer{2, 2, core::region::PeerRole::kVoter}}));
    Prewrite one_pc = PrewriteOf({"a", "b"}, 10);
    one_pc.try_one_pc = true;
    auto not_leader = h.storage().Execute(h.ctx(), one_pc);
    ASSERT_FALSE(not_leader.ok());
    const NotLeader* hint = RegionErrorAs<NotLeader>(not_leader.error());
    ASSERT_NE(hint, nullptr);
    EXPECT_EQ(hint->leader->store_id, 2u);
    ExpectIdle(h);
    h.engine().FailNextSnapshot(RegionError(StaleCommand{}));
    auto stale = h.storage().Execute(h.ctx(), one_pc);
    ASSERT_FALSE(stale.ok());
    EXPECT_NE(RegionErrorAs<StaleCommand>(stale.error()), nullptr);
    ExpectIdle(h);
    auto committed = h.storage().Execute(h.ctx(), one_pc);
    ASSERT_TRUE(committed.ok());
    EXPECT_GT(committed->one_pc_commit_ts, Ts(10));
  });
  ExpectIdle(h);
}

// The store crashes while one command is parked in its write (holding a
// latch and memory locks) and another waits for that latch: unwinding the
// fibres releases everything.
TEST(StorageSchedulerTest, ACrashWhileParkedLeavesNothingLatched) {
  StorageHarness h;
  h.engine().HoldWrites();
  Prewrite async = PrewriteOf({"k"}, 10);
  async.use_async_commit = true;
  h.Spawn("parked", [&] { (void)h.storage().Execute(h.ctx(), async); });
  h.Run();
  h.Spawn("waiting", [&] { MustCommit(h, {"k"}, 10, 20); });
  h.Run();
  EXPECT_EQ(h.storage().scheduler().latch_entry_count(), 2u);
  EXPECT_EQ(h.cm().memory_lock_count(), 1u);
  h.CrashAndRestart();
  ExpectIdle(h);
  h.engine().ReleaseWrites();
  h.RunFibre([&] { MustPrewrite(h, PrewriteOf({"k"}, 30)); });
  ExpectIdle(h);
}

// Ref: tikv src/storage/txn/commands/prewrite.rs test_prewrite_1pc,
// test_prewrite_async_commit: min_commit_ts = max(max_ts, start_ts) + 1,
// where max_ts is the largest read ts the store served.
TEST(StorageSchedulerTest, AsyncCommitAndOnePcCommitAboveServedReads) {
  StorageHarness h;
  h.RunFibre([&] {
    MustGetNone(h, "k", 100);
    EXPECT_EQ(h.cm().max_ts(), Ts(100));
    Prewrite async = PrewriteOf({"k", "s"}, 50);
    async.use_async_commit = true;
    async.secondary_keys = {"s"};
    EXPECT_EQ(MustPrewrite(h, async).min_commit_ts, Ts(101));
    Prewrite one_pc = PrewriteOf({"j"}, 60);
    one_pc.try_one_pc = true;
    EXPECT_EQ(MustPrewrite(h, one_pc).one_pc_commit_ts, Ts(101));
    // The 1PC txn is committed at once, above the read at 100.
    MustGetNone(h, "j", 100);
    MustGet(h, "j", 101, "v");
    // The async-commit lock does not block reads below its min_commit_ts.
    MustGetNone(h, "k", 100);
    EXPECT_NE(KeyErrorAs<KeyIsLocked>(MustGetErr(h, "k", 101)), nullptr);
    // Above max_commit_ts: falls back to 2PC.
    Prewrite capped = PrewriteOf({"f"}, 70);
    capped.use_async_commit = true;
    capped.max_commit_ts = Ts(90);
    const PrewriteResult fallback = MustPrewrite(h, capped);
    EXPECT_EQ(fallback.min_commit_ts, Ts(0));
    MustCommit(h, {"f"}, 70, 95);
  });
  ExpectIdle(h);
}

// Ref: tikv src/storage/mod.rs test_async_commit_prewrite (memory locks are
// visible to reads before the prewrite is applied) and the max_ts rule of
// concurrency_manager: a read that raced a parked prewrite either sees its
// memory lock or is below its min_commit_ts.
TEST(StorageSchedulerTest, ConcurrentReadsSeeMemoryLocksOfParkedPrewrites) {
  StorageHarness h;
  h.RunFibre([&] {
    MustPrewritePut(h, "k", "old", "k", 5);
    MustCommit(h, {"k"}, 5, 6);
  });
  Result<PrewriteResult> first = PrewriteResult{};
  h.engine().HoldWrites();
  h.Spawn("prewrite", [&] {
    Prewrite async = PrewriteOf({"k"}, 200);
    async.use_async_commit = true;
    first = h.storage().Execute(h.ctx(), async);
  });
  h.Run();
  ASSERT_EQ(h.engine().held_writes(), 1u);
  h.RunFibre([&] {
    // At the start_ts: below min_commit_ts 201, the old value.
    MustGet(h, "k", 200, "old");
    // Above it: the memory lock blocks, for gets and scans alike.
    EXPECT_NE(KeyErrorAs<KeyIsLocked>(MustGetErr(h, "k", 300)), nullptr);
    auto scan = h.storage().Execute(h.ctx(), Scan{"", "", Ts(300)});
    ASSERT_FALSE(scan.ok());
    EXPECT_NE(KeyErrorAs<KeyIsLocked>(scan.error()), nullptr);
    // ScanLock reports the memory lock too.
    auto locks = h.storage().Execute(h.ctx(), ScanLock{Ts(400), "", "", 0});
    ASSERT_TRUE(locks.ok());
    ASSERT_EQ(locks->locks.size(), 1u);
    EXPECT_TRUE(locks->locks[0].use_async_commit);
  });
  // The reads raised max_ts to 400: a later async prewrite commits above.
  h.engine().ReleaseWrites();
  h.Run();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->min_commit_ts, Ts(201));
  h.RunFibre([&] {
    Prewrite later = PrewriteOf({"other"}, 210);
    later.use_async_commit = true;
    EXPECT_EQ(MustPrewrite(h, later).min_commit_ts, Ts(401));
  });
  ExpectIdle(h);
}

// Ref: tikv src/storage/mod.rs test_read_access_locks / RC isolation:
// read-committed reads skip locks (persisted and in memory); SI reads pass
// the locks of resolved_locks.
TEST(StorageSchedulerTest, ReadCommittedSkipsLocksAndResolvedLocksAreBypassed) {
  StorageHarness h;
  h.RunFibre([&] {
    MustPrewritePut(h, "k", "old", "k", 5);
    MustCommit(h, {"k"}, 5, 6);
    MustPrewritePut(h, "k", "new", "k", 10);
    EXPECT_NE(KeyErrorAs<KeyIsLocked>(MustGetErr(h, "k", 20)), nullptr);
    h.mutable_ctx().isolation_level = core::mvcc::IsolationLevel::kRc;
    MustGet(h, "k", 20, "old");
    auto scan = h.storage().Execute(h.ctx(), Scan{"", "", Ts(20)});
    ASSERT_TRUE(scan.ok());
    ASSERT_EQ(scan->pairs.size(), 1u);
    EXPECT_EQ(scan->pairs[0].value, "old");
    h.mutable_ctx().isolation_level = core::mvcc::IsolationLevel::kSi;
    h.mutable_ctx().resolved_locks = {Ts(10)};
    MustGet(h, "k", 20, "old");
    h.mutable_ctx().resolved_locks.clear();
  });
  h.engine().HoldWrites();
  h.Spawn("async", [&] {
    Prewrite async = PrewriteOf({"m"}, 30);
    async.use_async_commit = true;
    MustPrewrite(h, async);
  });
  h.Run();
  h.RunFibre([&] {
    EXPECT_NE(KeyErrorAs<KeyIsLocked>(MustGetErr(h, "m", 100)), nullptr);
    h.mutable_ctx().isolation_level = core::mvcc::IsolationLevel::kRc;
    MustGetNone(h, "m", 100);
    h.mutable_ctx().isolation_level = core::mvcc::IsolationLevel::kSi;
  });
  h.engine().ReleaseWrites();
  h.Run();
  ExpectIdle(h);
}

// Ref: tikv src/storage/mod.rs test_sched_too_busy.
TEST(StorageSchedulerTest, ServerIsBusyWhenPendingWritesExceedTheLimit) {
  HarnessOptions options;
  options.storage.scheduler.pending_write_bytes_max = 100;
  StorageHarness h(options);
  h.engine().HoldWrites();
  h.Spawn("big",
          [&] { MustPrewritePut(h, "a", std::string(80, 'x'), "a", 10); });
  h.Run();
  h.RunFibre([&] {
    auto busy = h.storage().Execute(
        h.ctx(), RawPut{.key = "b", .value = std::string(40, 'y')});
    ASSERT_FALSE(busy.ok());
    EXPECT_NE(RegionErrorAs<ServerIsBusy>(busy.error()), nullptr);
  });
  EXPECT_EQ(h.metrics().CounterValue("tikv_scheduler_too_busy_total", {}), 1u);
  h.engine().ReleaseWrites();
  h.Run();
  // Alone, even a write above the limit is admitted.
  h.RunFibre([&] {
    EXPECT_TRUE(h.storage()
                    .Execute(h.ctx(),
                             RawPut{.key = "b", .value = std::string(400, 'y')})
                    .ok());
  });
  ExpectIdle(h);
}

// API V1: the region's bounds are encoded keys (its data is transactional),
// and a transactional key is reported as the region compares it.
TEST(StorageSchedulerTest, RegionErrorsCarryTheirData) {
  HarnessOptions options;
  const std::string b = core::mvcc::Key::FromRaw("b").encoded();
  const std::string m = core::mvcc::Key::FromRaw("m").encoded();
  options.local.region.start_key = b;
  options.local.region.end_key = m;
  StorageHarness h(options);
  h.RunFibre([&] {
    auto outside = h.storage().Execute(h.ctx(), PrewriteOf({"c", "z"}, 10));
    ASSERT_FALSE(outside.ok());
    const KeyNotInRegion* key = RegionErrorAs<KeyNotInRegion>(outside.error());
    ASSERT_NE(key, nullptr);
    EXPECT_EQ(key->key, core::mvcc::Key::FromRaw("z").encoded());
    EXPECT_EQ(key->start_key, b);
    EXPECT_EQ(key->end_key, m);
    EXPECT_NE(RegionErrorAs<KeyNotInRegion>(
                  h.storage().Execute(h.ctx(), Get{"a", Ts(5)}).error()),
              nullptr);
    EXPECT_NE(RegionErrorAs<KeyNotInRegion>(
                  h.storage().Execute(h.ctx(), RawGet{.key = "n"}).error()),
              nullptr);
    EXPECT_NE(RegionErrorAs<KeyNotInRegion>(
                  h.storage().Execute(h.ctx(), Scan{"a", "", Ts(5)}).error()),
              nullptr);
    // A scan past the region's end is clamped to it.
    MustPrewrite(h, PrewriteOf({"c"}, 10));
    MustCommit(h, {"c"}, 10, 11);
    auto clamped = h.storage().Execute(h.ctx(), Scan{"b", "z", Ts(20)});
    ASSERT_TRUE(clamped.ok());
    EXPECT_EQ(clamped->pairs.size(), 1u);

    Context stale = h.ctx();
    stale.route.region_epoch.version = 0;
    auto epoch = h.storage().Execute(stale, Get{"c", Ts(20)});
    ASSERT_FALSE(epoch.ok());
    const EpochNotMatch* not_match =
        RegionErrorAs<EpochNotMatch>(epoch.error());
    ASSERT_NE(not_match, nullptr);
    ASSERT_EQ(not_match->current_regions.size(), 1u);
    EXPECT_EQ(not_match->current_regions[0].epoch.version, 1u);
    Context elsewhere = h.ctx();
    elsewhere.route.region_id = 9;
    EXPECT_NE(
        RegionErrorAs<RegionNotFound>(
            h.storage().Execute(elsewhere, PrewriteOf({"c"}, 30)).error()),
        nullptr);
    Context other_store = h.ctx();
    other_store.route.peer.store_id = 3;
    EXPECT_NE(RegionErrorAs<StoreNotMatch>(
                  h.storage().Execute(other_store, RawPut{.key = "c"}).error()),
              nullptr);
  });
  ExpectIdle(h);
}

// Bad input (Ref: tikv src/storage/mod.rs test_max_key_size, the
// kvrpcpb limits, core/txn validate.h): a typed InvalidRequest before any
// latch is taken, never a crash, nothing written.
TEST(StorageSchedulerTest, BadInputIsATypedErrorAndLeavesNothingBehind) {
  StorageHarness h;
  const std::string big_key(8 * 1024 + 1, 'k');
  const std::string big_value(8 * 1024 * 1024 + 1, 'v');
  h.RunFibre([&] {
    auto invalid = [&](const Error& error) {
      return KeyErrorAs<InvalidRequest>(error) != nullptr;
    };
    EXPECT_TRUE(invalid(MustPrewriteErr(h, PrewriteOf({big_key}, 10))));
    EXPECT_TRUE(invalid(MustPrewriteErr(h, PrewriteOf({""}, 10))));
    EXPECT_TRUE(invalid(MustPrewriteErr(h, PrewriteOf({"k"}, 0))));
    Prewrite large = PrewriteOf({"k"}, 10);
    large.mutations[0].value = big_value;
    EXPECT_TRUE(invalid(MustPrewriteErr(h, large)));
    EXPECT_TRUE(invalid(MustCommitErr(h, {"k"}, 10, 10)));
    EXPECT_TRUE(invalid(MustCommitErr(h, {"k"}, 10, 9)));
    EXPECT_TRUE(invalid(MustCommitErr(h, {"k"}, 0, 9)));
    EXPECT_TRUE(invalid(MustGetErr(h, "", 10)));
    EXPECT_TRUE(invalid(MustGetErr(h, big_key, 10)));
    EXPECT_TRUE(invalid(MustGetErr(h, "k", 0)));
    EXPECT_TRUE(invalid(
        h.storage().Execute(h.ctx(), BatchRollback{{"k"}, Ts(0)}).error()));
    EXPECT_TRUE(invalid(
        h.storage().Execute(h.ctx(), Cleanup{big_key, Ts(5), Ts(0)}).error()));
    EXPECT_TRUE(invalid(h.storage()
                            .Execute(h.ctx(), ResolveLock{{{Ts(5), Ts(5)}}, {}})
                            .error()));
    EXPECT_TRUE(
        invalid(h.storage().Execute(h.ctx(), DeleteRange{"d", "a"}).error()));
    EXPECT_TRUE(invalid(
        h.storage().Execute(h.ctx(), Scan{big_key, "", Ts(5)}).error()));
    EXPECT_TRUE(
        invalid(h.storage().Execute(h.ctx(), RawPut{.key = big_key}).error()));
    EXPECT_TRUE(
        invalid(h.storage().Execute(h.ctx(), RawPut{.key = ""}).error()));
    EXPECT_TRUE(
        invalid(h.storage()
                    .Execute(h.ctx(), RawPut{.key = "k", .value = big_value})
                    .error()));
    EXPECT_TRUE(invalid(
        h.storage()
            .Execute(h.ctx(), RawPut{.cf = core::env::Cf::kRaft, .key = "k"})
            .error()));
    EXPECT_TRUE(invalid(h.storage()
                            .Execute(h.ctx(), RawDeleteRange{.start_key = "a"})
                            .error()));
    ExpectIdle(h);
    MustGetNone(h, "k", 100);
  });
  EXPECT_EQ(h.engine().writes_applied(), 0u);
  EXPECT_EQ(h.metrics().CounterFamilyTotal("tikv_storage_command_total"), 21u);
}

}  // namespace
}  // namespace store::storage::testing
