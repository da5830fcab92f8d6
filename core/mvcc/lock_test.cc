// Lock and Write record codecs: golden bytes, round trips, malformed input.
// Ref: tikv components/txn_types/src/lock.rs, write.rs.
#include "core/mvcc/lock.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "core/mvcc/write.h"

namespace core::mvcc {
namespace {

Bytes B(std::initializer_list<int> bytes) {
  Bytes out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

// DO NOT CHANGE: persisted. Byte-for-byte TiKV's Lock::to_bytes.
TEST(LockGoldenTest, MinimalPutLockWithShortValue) {
  Lock lock;
  lock.lock_type = LockType::kPut;
  lock.primary = "pk";
  lock.ts = base::TimeStamp(5);
  lock.ttl = 3000;
  lock.short_value = "v1";
  // 'P', compact "pk" (zigzag len 4), var 5, var 3000 (b8 17), 'v' 2 "v1".
  EXPECT_EQ(lock.Encode(),
            B({'P', 4, 'p', 'k', 5, 0xB8, 0x17, 'v', 2, 'v', '1'}));
}

// DO NOT CHANGE: persisted.
TEST(LockGoldenTest, AllOptionalFieldsInOrder) {
  Lock lock;
  lock.lock_type = LockType::kPessimistic;
  lock.primary = "p";
  lock.ts = base::TimeStamp(1);
  lock.ttl = 2;
  lock.for_update_ts = base::TimeStamp(3);
  lock.txn_size = 4;
  lock.min_commit_ts = base::TimeStamp(5);
  lock.use_async_commit = true;
  lock.secondaries = {"s1"};
  lock.rollback_ts = {base::TimeStamp(6)};
  lock.txn_source = 7;
  lock.generation = 8;
  const Bytes expected =
      B({'S', 2, 'p', 1,   2,                   // header
         'f', 0, 0,   0,   0,   0, 0, 0, 3,     // for_update_ts
         't', 0, 0,   0,   0,   0, 0, 0, 4,     // txn_size
         'c', 0, 0,   0,   0,   0, 0, 0, 5,     // min_commit_ts
         'a', 1, 4,   's', '1',                 // secondaries
         'r', 1, 0,   0,   0,   0, 0, 0, 0, 6,  // rollback_ts
         's', 7,                                // txn_source
         'g', 0, 0,   0,   0,   0, 0, 0, 8});   // generation
  EXPECT_EQ(lock.Encode(), expected);
  auto parsed = Lock::Parse(expected);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, lock);
}

// DO NOT CHANGE: persisted. Byte-for-byte TiKV's Write::to_bytes.
TEST(WriteGoldenTest, PutDeleteAndRollbacks) {
  Write put;
  put.write_type = WriteType::kPut;
  put.start_ts = base::TimeStamp(300);  // varint ac 02
  put.short_value = "v";
  EXPECT_EQ(put.Encode(), B({'P', 0xAC, 0x02, 'v', 1, 'v'}));
  Write del;
  del.write_type = WriteType::kDelete;
  del.start_ts = base::TimeStamp(1);
  EXPECT_EQ(del.Encode(), B({'D', 1}));
  EXPECT_EQ(
      Write::NewRollback(base::TimeStamp(5), /*is_protected=*/true).Encode(),
      B({'R', 5, 'v', 1, 'p'}));
  EXPECT_EQ(
      Write::NewRollback(base::TimeStamp(5), /*is_protected=*/false).Encode(),
      B({'R', 5}));
  Write overlapped = put;
  overlapped.has_overlapped_rollback = true;
  overlapped.gc_fence = base::TimeStamp(9);
  overlapped.txn_source = 1;
  EXPECT_EQ(overlapped.Encode(), B({'P', 0xAC, 0x02, 'v', 1, 'v', 'R', 'F', 0,
                                    0, 0, 0, 0, 0, 0, 9, 'S', 1}));
}

TEST(WriteTest, ProtectedRollbackAndGcFence) {
  EXPECT_TRUE(
      Write::NewRollback(base::TimeStamp(5), true).IsProtectedRollback());
  EXPECT_FALSE(
      Write::NewRollback(base::TimeStamp(5), false).IsProtectedRollback());
  Write write;
  EXPECT_TRUE(write.CheckGcFenceAsLatestVersion(base::TimeStamp(100)));
  write.gc_fence = base::TimeStamp(0);  // overlapped, no newer version
  EXPECT_TRUE(write.CheckGcFenceAsLatestVersion(base::TimeStamp(100)));
  write.gc_fence = base::TimeStamp(50);
  EXPECT_TRUE(write.CheckGcFenceAsLatestVersion(base::TimeStamp(49)));
  EXPECT_FALSE(write.CheckGcFenceAsLatestVersion(base::TimeStamp(50)));
}

TEST(LockTest, ParseRejectsMalformedBytes) {
  EXPECT_FALSE(Lock::Parse("").ok());
  EXPECT_FALSE(Lock::Parse("X").ok());                     // bad type
  EXPECT_FALSE(Lock::Parse(B({'P', 8, 'p'})).ok());        // short primary
  EXPECT_FALSE(Lock::Parse(B({'P', 3, 'p'})).ok());        // negative length
  EXPECT_FALSE(Lock::Parse(B({'P', 2, 'p', 0x80})).ok());  // cut varint
  EXPECT_FALSE(Lock::Parse(B({'P', 2, 'p', 1, 1, 'v', 5, 'a'})).ok());
  EXPECT_FALSE(Lock::Parse(B({'P', 2, 'p', 1, 1, 'f', 0, 0})).ok());
  EXPECT_FALSE(Lock::Parse(B({'P', 2, 'p', 1, 1, 'a', 100})).ok());
  EXPECT_FALSE(
      Lock::Parse(B({'P', 2, 'p', 1, 1, 'r', 2, 0, 0, 0, 0, 0, 0, 0, 1})).ok());
  // An unknown tag ends parsing (forward compatibility), as in TiKV.
  auto forward = Lock::Parse(B({'P', 2, 'p', 1, 1, '?', 0xFF}));
  ASSERT_TRUE(forward.ok());
  EXPECT_EQ(forward->primary, "p");
}

TEST(WriteTest, ParseRejectsMalformedBytes) {
  EXPECT_FALSE(Write::Parse("").ok());
  EXPECT_FALSE(Write::Parse("Q\x01").ok());
  EXPECT_FALSE(Write::Parse("P").ok());
  EXPECT_FALSE(Write::Parse(B({'P', 1, 'v', 3, 'a'})).ok());
  EXPECT_FALSE(Write::Parse(B({'P', 1, 'F', 0, 0, 0})).ok());
}

Lock GenLock() {
  Lock lock;
  lock.lock_type = *rc::gen::element(LockType::kPut, LockType::kDelete,
                                     LockType::kLock, LockType::kPessimistic);
  lock.primary = *rc::gen::arbitrary<std::string>();
  lock.ts = base::TimeStamp(*rc::gen::arbitrary<uint64_t>());
  lock.ttl = *rc::gen::arbitrary<uint64_t>();
  if (*rc::gen::arbitrary<bool>()) {
    lock.short_value = *rc::gen::container<std::string>(
        *rc::gen::inRange<size_t>(0, 256), rc::gen::arbitrary<char>());
  }
  lock.for_update_ts = base::TimeStamp(*rc::gen::arbitrary<uint64_t>());
  lock.txn_size = *rc::gen::arbitrary<uint64_t>();
  lock.min_commit_ts = base::TimeStamp(*rc::gen::arbitrary<uint64_t>());
  lock.use_async_commit = *rc::gen::arbitrary<bool>();
  if (lock.use_async_commit) {
    lock.secondaries = *rc::gen::arbitrary<std::vector<std::string>>();
  }
  for (uint64_t ts : *rc::gen::arbitrary<std::vector<uint64_t>>()) {
    lock.rollback_ts.push_back(base::TimeStamp(ts));
  }
  lock.txn_source = *rc::gen::arbitrary<uint64_t>();
  lock.is_locked_with_conflict = *rc::gen::arbitrary<bool>();
  lock.generation = *rc::gen::arbitrary<uint64_t>();
  return lock;
}

RC_GTEST_PROP(LockProperty, EncodeParseRoundTrip, ()) {
  const Lock lock = GenLock();
  auto parsed = Lock::Parse(lock.Encode());
  RC_ASSERT(parsed.ok());
  RC_ASSERT(*parsed == lock);
}

RC_GTEST_PROP(WriteProperty, EncodeParseRoundTrip, ()) {
  Write write;
  write.write_type = *rc::gen::element(WriteType::kPut, WriteType::kDelete,
                                       WriteType::kLock, WriteType::kRollback);
  write.start_ts = base::TimeStamp(*rc::gen::arbitrary<uint64_t>());
  if (*rc::gen::arbitrary<bool>()) {
    write.short_value = *rc::gen::container<std::string>(
        *rc::gen::inRange<size_t>(0, 256), rc::gen::arbitrary<char>());
  }
  write.has_overlapped_rollback = *rc::gen::arbitrary<bool>();
  if (*rc::gen::arbitrary<bool>()) {
    write.gc_fence = base::TimeStamp(*rc::gen::arbitrary<uint64_t>());
  }
  write.txn_source = *rc::gen::arbitrary<uint64_t>();
  auto parsed = Write::Parse(write.Encode());
  RC_ASSERT(parsed.ok());
  RC_ASSERT(*parsed == write);
}

// Arbitrary bytes never crash the decoders.
RC_GTEST_PROP(RecordProperty, ParsersAcceptOrRejectAnyBytes,
              (const std::string& bytes)) {
  (void)Lock::Parse(bytes);
  (void)Write::Parse(bytes);
  RC_SUCCEED();
}

}  // namespace
}  // namespace core::mvcc
