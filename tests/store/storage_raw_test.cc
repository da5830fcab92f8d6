// Raw KV through the storage layer: every RPC's happy path, TTLs on the
// node's wall clock, compare-and-swap under concurrent writers (atomic
// because every raw write of a key takes its latch), and RawChecksum against
// a reference computation. Ref: tikv src/storage/mod.rs test_raw_get_put,
// test_raw_batch_put, test_raw_batch_get, test_raw_batch_delete,
// test_raw_delete_range, test_raw_scan, test_raw_get_key_ttl,
// test_raw_compare_and_swap, test_raw_checksum.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/store/storage_harness.h"

namespace store::storage::testing {
namespace {

using core::rawkv::KvPair;

std::string Pairs(const std::vector<KvPair>& pairs) {
  std::string out;
  for (const KvPair& pair : pairs) out += pair.key + "=" + pair.value + ";";
  return out;
}

TEST(StorageRawTest, PutGetDeleteBatchAndScan) {
  StorageHarness h;
  h.RunFibre([&] {
    Storage& s = h.storage();
    ASSERT_TRUE(s.Execute(h.ctx(), RawPut{.key = "a", .value = "1"}).ok());
    EXPECT_EQ(s.Execute(h.ctx(), RawGet{.key = "a"})->value, "1");
    ASSERT_TRUE(
        s.Execute(h.ctx(),
                  RawBatchPut{.pairs = {{"b", "2"}, {"c", "3"}, {"d", "4"}}})
            .ok());
    ASSERT_TRUE(s.Execute(h.ctx(), RawPut{.cf = core::env::Cf::kWrite,
                                          .key = "a",
                                          .value = "other-cf"})
                    .ok());
    auto batch = s.Execute(h.ctx(), RawBatchGet{.keys = {"d", "x", "a"}});
    ASSERT_TRUE(batch.ok());
    EXPECT_EQ(Pairs(batch->pairs), "d=4;a=1;");
    auto scan = [&](RawScan cmd) {
      auto result = s.Execute(h.ctx(), cmd);
      EXPECT_TRUE(result.ok()) << ErrorToString(result.error());
      return result.ok() ? Pairs(result->pairs) : "";
    };
    EXPECT_EQ(scan({.limit = 10}), "a=1;b=2;c=3;d=4;");
    EXPECT_EQ(scan({.start_key = "b", .end_key = "d", .limit = 10}),
              "b=2;c=3;");
    EXPECT_EQ(scan({.limit = 2, .key_only = true}), "a=;b=;");
    EXPECT_EQ(
        scan({.start_key = "d", .end_key = "b", .limit = 10, .reverse = true}),
        "c=3;b=2;");
    EXPECT_EQ(scan({.limit = 1, .reverse = true}), "d=4;");
    ASSERT_TRUE(s.Execute(h.ctx(), RawDelete{.key = "a"}).ok());
    ASSERT_TRUE(s.Execute(h.ctx(), RawBatchDelete{.keys = {"b"}}).ok());
    EXPECT_EQ(s.Execute(h.ctx(), RawGet{.key = "a"})->value, std::nullopt);
    ASSERT_TRUE(
        s.Execute(h.ctx(), RawDeleteRange{.start_key = "c", .end_key = "d"})
            .ok());
    EXPECT_EQ(scan({.limit = 10}), "d=4;");
    EXPECT_EQ(scan({.cf = core::env::Cf::kWrite, .limit = 10}), "a=other-cf;");
  });
  EXPECT_EQ(h.CommandCount(CommandKind::kRawScan), 7u);
  ExpectIdle(h);
}

TEST(StorageRawTest, TtlExpiresOnTheNodeClock) {
  StorageHarness h;
  h.RunFibre([&] {
    Storage& s = h.storage();
    ASSERT_TRUE(
        s.Execute(h.ctx(), RawPut{.key = "t", .value = "v", .ttl_seconds = 10})
            .ok());
    ASSERT_TRUE(
        s.Execute(h.ctx(), RawPut{.key = "forever", .value = "f"}).ok());
    EXPECT_EQ(s.Execute(h.ctx(), RawGetKeyTtl{.key = "t"})->ttl_seconds, 10u);
    EXPECT_EQ(s.Execute(h.ctx(), RawGetKeyTtl{.key = "forever"})->ttl_seconds,
              0u);
    h.Sleep(core::base::Duration::Seconds(4));
    EXPECT_EQ(s.Execute(h.ctx(), RawGetKeyTtl{.key = "t"})->ttl_seconds, 6u);
    h.Sleep(core::base::Duration::Seconds(6));
    EXPECT_EQ(s.Execute(h.ctx(), RawGet{.key = "t"})->value, std::nullopt);
    EXPECT_EQ(s.Execute(h.ctx(), RawGetKeyTtl{.key = "t"})->ttl_seconds,
              std::nullopt);
    EXPECT_EQ(s.Execute(h.ctx(), RawGet{.key = "forever"})->value, "f");
  });
  ExpectIdle(h);
}

// CAS and a plain put of one key: each waits for the other's latch, so the
// CAS reads the value the put left, never a stale one.
TEST(StorageRawTest, CompareAndSwapIsAtomicWithPlainWrites) {
  StorageHarness h;
  Result<RawCompareAndSwapResult> cas = RawCompareAndSwapResult{};
  h.engine().HoldWrites();
  h.Spawn("put", [&] {
    ASSERT_TRUE(
        h.storage().Execute(h.ctx(), RawPut{.key = "k", .value = "put"}).ok());
  });
  h.Run();
  h.Spawn("cas", [&] {
    cas = h.storage().Execute(
        h.ctx(), RawCompareAndSwap{.key = "k", .value = "swapped"});
  });
  h.Run();
  EXPECT_EQ(h.storage().scheduler().latch_entry_count(), 2u);
  h.engine().ReleaseWrites();
  h.Run();
  ASSERT_TRUE(cas.ok());
  EXPECT_FALSE(cas->succeed);  // it expected no value
  EXPECT_EQ(cas->previous_value, "put");
  h.RunFibre([&] {
    auto swapped = h.storage().Execute(
        h.ctx(),
        RawCompareAndSwap{.key = "k", .previous_value = "put", .value = "new"});
    ASSERT_TRUE(swapped.ok());
    EXPECT_TRUE(swapped->succeed);
    auto deleted = h.storage().Execute(
        h.ctx(), RawCompareAndSwap{.key = "k", .previous_value = "new"});
    ASSERT_TRUE(deleted.ok());
    EXPECT_TRUE(deleted->succeed);
    EXPECT_EQ(h.storage().Execute(h.ctx(), RawGet{.key = "k"})->value,
              std::nullopt);
  });
  ExpectIdle(h);
}

// Ref: tikv tests/integrations/storage/test_raw_kv_api.rs (atomic CAS).
// Several fibres increment one counter by read + CAS on a disk whose synced
// writes park for random latencies: no two increments succeed from the same
// previous value (no lost update), and the counter ends at the number of
// successful increments.
TEST(StorageRawTest, CompareAndSwapUnderConcurrentWriters) {
  HarnessOptions options;
  options.disk_latency = true;
  options.seed = 7;
  StorageHarness h(options);
  constexpr int kWriters = 5;
  constexpr int kIncrements = 8;
  std::set<std::string> previous_values;
  int successes = 0, failures = 0;
  for (int w = 0; w < kWriters; ++w) {
    h.Spawn("writer", [&] {
      for (int done = 0; done < kIncrements;) {
        auto read = h.storage().Execute(h.ctx(), RawGet{.key = "counter"});
        ASSERT_TRUE(read.ok());
        const int current = read->value ? std::stoi(*read->value) : 0;
        auto cas = h.storage().Execute(
            h.ctx(), RawCompareAndSwap{.key = "counter",
                                       .previous_value = read->value,
                                       .value = std::to_string(current + 1)});
        ASSERT_TRUE(cas.ok()) << ErrorToString(cas.error());
        if (!cas->succeed) {
          ++failures;
          continue;
        }
        EXPECT_TRUE(previous_values.insert(read->value.value_or("")).second)
            << "two increments from " << read->value.value_or("<none>");
        ++successes;
        ++done;
      }
    });
  }
  h.Run();
  EXPECT_EQ(successes, kWriters * kIncrements);
  EXPECT_GT(failures, 0) << "the writers never raced: the test shows nothing";
  EXPECT_GT(h.metrics().CounterValue("tikv_scheduler_latch_wait_total", {}),
            0u);
  h.RunFibre([&] {
    EXPECT_EQ(h.storage().Execute(h.ctx(), RawGet{.key = "counter"})->value,
              std::to_string(kWriters * kIncrements));
  });
  ExpectIdle(h);
}

// The reference: CRC-64/XZ bit by bit over key then value, one digest per
// pair, xored (tikv components/tikv_util/src/checksum.rs
// checksum_crc64_xor; test_raw_kv_api.rs raw_checksum_ok).
uint64_t ReferenceCrc64(const std::string& bytes) {
  uint64_t crc = ~uint64_t{0};
  for (unsigned char c : bytes) {
    crc ^= c;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xc96c5795d7870f42ULL : crc >> 1;
    }
  }
  return ~crc;
}

TEST(StorageRawTest, ChecksumMatchesAReferenceComputation) {
  StorageHarness h;
  const std::map<std::string, std::string> data = {
      {"a", "1"}, {"b", std::string(300, 'b')}, {"key", "value"}, {"z", ""}};
  h.RunFibre([&] {
    for (const auto& [key, value] : data) {
      ASSERT_TRUE(h.storage()
                      .Execute(h.ctx(), RawPut{.key = key, .value = value})
                      .ok());
    }
    // Neither another CF nor transactional data counts.
    ASSERT_TRUE(h.storage()
                    .Execute(h.ctx(), RawPut{.cf = core::env::Cf::kLock,
                                             .key = "a",
                                             .value = "x"})
                    .ok());
    MustPrewritePut(h, "a", "txn", "a", 10);
    auto sum = h.storage().Execute(h.ctx(), RawChecksum{{{"", ""}}});
    ASSERT_TRUE(sum.ok());
    uint64_t expected = 0, bytes = 0;
    for (const auto& [key, value] : data) {
      expected ^= ReferenceCrc64(key + value);
      bytes += key.size() + value.size();
    }
    EXPECT_EQ(sum->checksum, expected);
    EXPECT_EQ(sum->total_kvs, data.size());
    EXPECT_EQ(sum->total_bytes, bytes);
    // TiKV's own vector: one pair "key" = "value".
    auto one = h.storage().Execute(h.ctx(), RawChecksum{{{"key", "kez"}}});
    ASSERT_TRUE(one.ok());
    EXPECT_EQ(one->checksum, ReferenceCrc64("keyvalue"));
    EXPECT_EQ(one->total_kvs, 1u);
    EXPECT_EQ(one->total_bytes, 8u);
  });
  ExpectIdle(h);
}

}  // namespace
}  // namespace store::storage::testing
