// Reads at a timestamp over hand-built MVCC data: TiKV's lock-visibility
// rules, version selection, short and long values, scans in both directions,
// and a model-based property comparing PointGet/Scan with a naive oracle.
// Ref: tikv src/storage/mvcc/reader/point_getter.rs and scanner tests;
// Percolator §2.2 (a read waits for or cleans up locks below its ts).
#include "core/mvcc/snapshot_read.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "core/engine/mem_engine.h"
#include "core/mvcc/mvcc_txn.h"
#include "core/mvcc/reader.h"

namespace core::mvcc {
namespace {

class ReadFixture {
 public:
  void PutVersion(const std::string& raw, uint64_t start_ts, uint64_t commit_ts,
                  WriteType type, const std::string& value = "") {
    MvccTxn txn{base::TimeStamp(start_ts)};
    const Key key = Key::FromRaw(raw);
    Write write;
    write.write_type = type;
    write.start_ts = base::TimeStamp(start_ts);
    if (type == WriteType::kPut) {
      if (value.size() <= 255) {
        write.short_value = value;
      } else {
        txn.PutValue(key, base::TimeStamp(start_ts), value);
      }
    }
    txn.PutWrite(key, base::TimeStamp(commit_ts), write);
    Apply(txn);
  }
  void PutRollback(const std::string& raw, uint64_t start_ts) {
    MvccTxn txn{base::TimeStamp(start_ts)};
    txn.PutWrite(Key::FromRaw(raw), base::TimeStamp(start_ts),
                 Write::NewRollback(base::TimeStamp(start_ts), true));
    Apply(txn);
  }
  void PutLock(const std::string& raw, const Lock& lock) {
    MvccTxn txn(lock.ts);
    txn.PutLock(Key::FromRaw(raw), lock);
    Apply(txn);
  }
  void Apply(const MvccTxn& txn) {
    ASSERT_TRUE(engine_.Write(txn.ToWriteBatch(), {}).ok());
  }
  Result<std::optional<ValueAtTs>> Get(const std::string& raw, uint64_t ts,
                                       const ReadOptions& options = {}) {
    MvccReader reader(engine_.NewSnapshot());
    return PointGet(reader, raw, base::TimeStamp(ts), options);
  }
  Result<std::vector<KvPair>> DoScan(const ScanOptions& options) {
    MvccReader reader(engine_.NewSnapshot());
    return Scan(reader, options);
  }
  engine::MemEngine& engine() { return engine_; }

 private:
  engine::MemEngine engine_;
};

Lock MakeLock(LockType type, const std::string& primary, uint64_t ts) {
  Lock lock;
  lock.lock_type = type;
  lock.primary = primary;
  lock.ts = base::TimeStamp(ts);
  lock.ttl = 3000;
  return lock;
}

std::optional<std::string> ValueOf(const Result<std::optional<ValueAtTs>>& r) {
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : ErrorToString(r.error()));
  if (!r.ok() || !r->has_value()) return std::nullopt;
  return (*r)->value;
}

TEST(PointGetTest, ReadsNewestPutAtOrBelowTs) {
  ReadFixture f;
  f.PutVersion("k", 10, 11, WriteType::kPut, "v10");
  f.PutVersion("k", 20, 21, WriteType::kLock);
  f.PutRollback("k", 25);
  f.PutVersion("k", 30, 31, WriteType::kDelete);
  f.PutVersion("k", 40, 41, WriteType::kPut, std::string(300, 'x'));
  EXPECT_EQ(ValueOf(f.Get("k", 5)), std::nullopt);
  EXPECT_EQ(ValueOf(f.Get("k", 11)), "v10");
  EXPECT_EQ(ValueOf(f.Get("k", 26)), "v10");  // Lock and Rollback skipped
  EXPECT_EQ(ValueOf(f.Get("k", 31)), std::nullopt);
  EXPECT_EQ(ValueOf(f.Get("k", 40)), std::nullopt);
  EXPECT_EQ(ValueOf(f.Get("k", 41)), std::string(300, 'x'));  // CF_DEFAULT
  auto r = f.Get("k", 100);
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->commit_ts, base::TimeStamp(41));
  EXPECT_EQ(ValueOf(f.Get("other", 100)), std::nullopt);
}

// Ref: tikv lock.rs check_ts_conflict_si.
TEST(PointGetTest, LockVisibilityRules) {
  ReadFixture f;
  f.PutVersion("k", 1, 2, WriteType::kPut, "old");
  f.PutLock("k", MakeLock(LockType::kPut, "k", 10));
  // A lock above the read ts does not block.
  EXPECT_EQ(ValueOf(f.Get("k", 9)), "old");
  // At or above the lock ts it blocks with the lock's info.
  auto blocked = f.Get("k", 10);
  ASSERT_FALSE(blocked.ok());
  const auto& locked = std::get<KeyIsLocked>(blocked.error());
  EXPECT_EQ(locked.info.key, "k");
  EXPECT_EQ(locked.info.primary_lock, "k");
  EXPECT_EQ(locked.info.lock_version, base::TimeStamp(10));
  EXPECT_EQ(locked.info.lock_ttl, 3000u);
  // A resolved lock can be bypassed.
  ReadOptions bypass;
  bypass.bypass_locks.insert(base::TimeStamp(10));
  EXPECT_EQ(ValueOf(f.Get("k", 20, bypass)), "old");
  // Reading the latest version of a primary ignores its own lock.
  EXPECT_EQ(ValueOf(f.Get("k", base::TimeStamp::Max().value())), "old");
}

// Ref: tikv point_getter.rs test_point_get_check_rc_ts (RC ignores locks).
TEST(PointGetTest, ReadCommittedIgnoresLocks) {
  ReadFixture f;
  f.PutVersion("k", 1, 2, WriteType::kPut, "old");
  f.PutLock("k", MakeLock(LockType::kPut, "k", 10));
  ReadOptions rc;
  rc.isolation_level = IsolationLevel::kRc;
  EXPECT_FALSE(f.Get("k", 20).ok());
  EXPECT_EQ(ValueOf(f.Get("k", 20, rc)), "old");
  ScanOptions scan;
  scan.read_ts = base::TimeStamp(20);
  scan.read_options = rc;
  auto pairs = f.DoScan(scan);
  ASSERT_TRUE(pairs.ok());
  ASSERT_EQ(pairs->size(), 1u);
  EXPECT_EQ((*pairs)[0], (KvPair{"k", "old", std::nullopt}));
}

TEST(PointGetTest, LockAndPessimisticLocksNeverBlock) {
  ReadFixture f;
  f.PutVersion("a", 1, 2, WriteType::kPut, "va");
  f.PutVersion("b", 1, 2, WriteType::kPut, "vb");
  f.PutLock("a", MakeLock(LockType::kLock, "a", 10));
  f.PutLock("b", MakeLock(LockType::kPessimistic, "a", 10));
  EXPECT_EQ(ValueOf(f.Get("a", 20)), "va");
  EXPECT_EQ(ValueOf(f.Get("b", 20)), "vb");
}

TEST(PointGetTest, MinCommitTsAboveReadTsDoesNotBlock) {
  ReadFixture f;
  Lock lock = MakeLock(LockType::kDelete, "p", 10);
  lock.min_commit_ts = base::TimeStamp(30);
  f.PutLock("k", lock);
  EXPECT_EQ(ValueOf(f.Get("k", 29)), std::nullopt);
  EXPECT_FALSE(f.Get("k", 30).ok());
  // An async-commit primary blocks even a read at Max.
  Lock async = MakeLock(LockType::kPut, "p", 10);
  async.use_async_commit = true;
  async.secondaries = {"k"};
  f.PutLock("p", async);
  EXPECT_FALSE(f.Get("p", base::TimeStamp::Max().value()).ok());
}

TEST(PointGetTest, CorruptionIsAnErrorNotAWrongAnswer) {
  ReadFixture f;
  f.PutVersion("k", 1, 2, WriteType::kPut, std::string(300, 'v'));
  ASSERT_TRUE(f.engine().CorruptValue(
      env::Cf::kDefault, Key::FromRaw("k").AppendTs(base::TimeStamp(1))));
  auto r = f.Get("k", 5);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(std::holds_alternative<StorageError>(r.error()));
  // A record that does not parse.
  env::WriteBatch batch;
  batch.Put(env::Cf::kLock, Key::FromRaw("bad").encoded(), "\x01garbage");
  ASSERT_TRUE(f.engine().Write(batch, {}).ok());
  auto bad = f.Get("bad", 5);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(std::get<StorageError>(bad.error()).status.code(),
            absl::StatusCode::kDataLoss);
}

TEST(PointGetTest, GcFenceHidesAStaleVersion) {
  ReadFixture f;
  // Version at 11 was overlapped; its gc_fence (40) names a newer version
  // that GC already removed, so reads at >= 40 must not see it.
  MvccTxn txn{base::TimeStamp(10)};
  Write write;
  write.start_ts = base::TimeStamp(10);
  write.short_value = "v";
  write.has_overlapped_rollback = true;
  write.gc_fence = base::TimeStamp(40);
  txn.PutWrite(Key::FromRaw("k"), base::TimeStamp(11), write);
  f.Apply(txn);
  EXPECT_EQ(ValueOf(f.Get("k", 39)), "v");
  EXPECT_EQ(ValueOf(f.Get("k", 40)), std::nullopt);
}

TEST(ScanTest, ForwardReverseLimitKeyOnlyAndLocks) {
  ReadFixture f;
  f.PutVersion("a", 1, 2, WriteType::kPut, "va");
  f.PutVersion("b", 1, 2, WriteType::kPut, "vb");
  f.PutVersion("b", 3, 4, WriteType::kDelete);
  f.PutVersion("c", 1, 2, WriteType::kPut, std::string(256, 'c'));
  f.PutLock("d", MakeLock(LockType::kPut, "d", 5));
  f.PutVersion("e", 1, 2, WriteType::kPut, "ve");
  f.PutLock("e", MakeLock(LockType::kPessimistic, "d", 5));

  ScanOptions options;
  options.read_ts = base::TimeStamp(10);
  auto all = f.DoScan(options);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[0], (KvPair{"a", "va", std::nullopt}));
  EXPECT_EQ((*all)[1].key, "c");
  EXPECT_EQ((*all)[1].value, std::string(256, 'c'));
  EXPECT_EQ((*all)[2].key, "d");
  ASSERT_TRUE((*all)[2].locked.has_value());
  EXPECT_EQ((*all)[2].locked->info.lock_version, base::TimeStamp(5));
  EXPECT_EQ((*all)[3], (KvPair{"e", "ve", std::nullopt}));

  options.reverse = true;
  options.limit = 2;
  options.key_only = true;
  auto reversed = f.DoScan(options);
  ASSERT_TRUE(reversed.ok());
  ASSERT_EQ(reversed->size(), 2u);
  EXPECT_EQ((*reversed)[0], (KvPair{"e", "", std::nullopt}));
  EXPECT_EQ((*reversed)[1].key, "d");

  options.reverse = false;
  options.limit = 0;
  options.key_only = false;
  options.lower_bound = "b";
  options.upper_bound = "d";
  options.read_ts = base::TimeStamp(3);
  auto ranged = f.DoScan(options);
  ASSERT_TRUE(ranged.ok());
  ASSERT_EQ(ranged->size(), 2u);
  EXPECT_EQ((*ranged)[0], (KvPair{"b", "vb", std::nullopt}));
  EXPECT_EQ((*ranged)[1].key, "c");
}

// Model-based: random committed histories and locks over a few keys; every
// PointGet and every Scan (both directions, random bounds and limits) must
// agree with a naive oracle evaluated on the same data.
struct ModelVersion {
  uint64_t start_ts;
  WriteType type;
  std::string value;
};
struct ModelKey {
  std::map<uint64_t, ModelVersion> versions;  // by commit_ts
  std::optional<Lock> lock;
};

std::optional<std::string> OracleValue(const ModelKey& key, uint64_t ts) {
  for (auto it = key.versions.rbegin(); it != key.versions.rend(); ++it) {
    if (it->first > ts) continue;
    if (it->second.type == WriteType::kPut) return it->second.value;
    if (it->second.type == WriteType::kDelete) return std::nullopt;
  }
  return std::nullopt;
}

bool OracleBlocked(const std::string& raw, const ModelKey& key, uint64_t ts) {
  if (!key.lock.has_value()) return false;
  const Lock& lock = *key.lock;
  return lock.ts.value() <= ts &&
         (lock.lock_type == LockType::kPut ||
          lock.lock_type == LockType::kDelete) &&
         lock.min_commit_ts.value() <= ts;
}

RC_GTEST_PROP(SnapshotReadProperty, MatchesOracle, ()) {
  ReadFixture f;
  std::map<std::string, ModelKey> model;
  const auto keys =
      std::vector<std::string>{"", "a", "ab", "abcdefgh", "b", "zz"};
  const int ops = *rc::gen::inRange(0, 25);
  uint64_t ts = 1;
  for (int i = 0; i < ops; ++i) {
    const std::string raw = *rc::gen::elementOf(keys);
    ModelKey& mk = model[raw];
    const uint64_t start = ts++;
    const int kind = *rc::gen::inRange(0, 5);
    if (kind == 4) {
      if (mk.lock.has_value()) continue;
      Lock lock =
          MakeLock(*rc::gen::element(LockType::kPut, LockType::kDelete,
                                     LockType::kLock, LockType::kPessimistic),
                   raw, start);
      if (*rc::gen::arbitrary<bool>())
        lock.min_commit_ts = base::TimeStamp(start + 3);
      mk.lock = lock;
      f.PutLock(raw, lock);
      continue;
    }
    const WriteType type =
        std::vector<WriteType>{WriteType::kPut, WriteType::kDelete,
                               WriteType::kLock, WriteType::kRollback}[kind];
    const std::string value = *rc::gen::elementOf(
        std::vector<std::string>{"", "x", std::string(300, 'y')});
    if (type == WriteType::kRollback) {
      f.PutRollback(raw, start);
      mk.versions[start] = ModelVersion{start, type, ""};
    } else {
      const uint64_t commit = ts++;
      f.PutVersion(raw, start, commit, type, value);
      mk.versions[commit] = ModelVersion{start, type, value};
    }
  }
  const uint64_t read_ts = *rc::gen::inRange<uint64_t>(0, ts + 2);
  for (const std::string& raw : keys) {
    auto got = f.Get(raw, read_ts);
    const ModelKey& mk = model[raw];
    if (OracleBlocked(raw, mk, read_ts)) {
      RC_ASSERT(!got.ok());
      RC_ASSERT(std::holds_alternative<KeyIsLocked>(got.error()));
      continue;
    }
    RC_ASSERT(got.ok());
    const auto expected = OracleValue(mk, read_ts);
    RC_ASSERT(got->has_value() == expected.has_value());
    if (expected) RC_ASSERT((*got)->value == *expected);
  }
  ScanOptions options;
  options.read_ts = base::TimeStamp(read_ts);
  options.reverse = *rc::gen::arbitrary<bool>();
  options.limit = *rc::gen::inRange<size_t>(0, 4);
  options.lower_bound = *rc::gen::elementOf(keys);
  if (*rc::gen::arbitrary<bool>())
    options.upper_bound = *rc::gen::elementOf(keys);
  std::vector<KvPair> expected;
  for (const auto& [raw, mk] : model) {
    if (raw < options.lower_bound) continue;
    if (options.upper_bound && raw >= *options.upper_bound) continue;
    if (OracleBlocked(raw, mk, read_ts)) {
      expected.push_back(
          KvPair{raw, "", KeyIsLocked{mk.lock->ToLockInfo(raw)}});
    } else if (auto value = OracleValue(mk, read_ts)) {
      expected.push_back(KvPair{raw, *value, std::nullopt});
    }
  }
  if (options.reverse) std::reverse(expected.begin(), expected.end());
  if (options.limit != 0 && expected.size() > options.limit)
    expected.resize(options.limit);
  auto scanned = f.DoScan(options);
  RC_ASSERT(scanned.ok());
  RC_ASSERT(*scanned == expected);
}

}  // namespace
}  // namespace core::mvcc
