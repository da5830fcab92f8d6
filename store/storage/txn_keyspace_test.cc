// The transactional key space: the MVCC layer's keys live behind 'x', raw
// KV's behind "r", and neither can see or delete the other's, even for a
// transactional user key that starts with 'r' (whose memcomparable encoding
// starts with 'r' too). Ref: TiKV API V2 key modes (components/api_version).
#include "store/storage/txn_keyspace.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/engine/mem_engine.h"
#include "core/mvcc/key.h"
#include "core/mvcc/mvcc_txn.h"
#include "core/mvcc/reader.h"
#include "core/rawkv/raw_kv.h"

namespace store::storage {
namespace {

using core::env::Cf;
using core::mvcc::Key;

std::vector<std::string> Keys(const core::env::Snapshot& snapshot, Cf cf,
                              core::env::IteratorOptions bounds = {}) {
  std::vector<std::string> keys;
  auto it = snapshot.NewIterator(cf, bounds);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    keys.emplace_back(it->key());
  }
  EXPECT_TRUE(it->status().ok());
  return keys;
}

TEST(TxnKeyspaceTest, BatchesArePrefixedAndTheViewStripsThePrefix) {
  core::engine::MemEngine engine;
  core::env::WriteBatch txn_batch;
  txn_batch.Put(Cf::kLock, "a", "lock-a");
  txn_batch.Put(Cf::kWrite, "b1", "write-b");
  txn_batch.Delete(Cf::kWrite, "gone");
  txn_batch.DeleteRange(Cf::kDefault, "c", "d");
  core::env::WriteBatch out;
  AppendTxnBatch(txn_batch, &out);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out.ops()[0].key, "xa");
  EXPECT_EQ(out.ops()[2].key, "xgone");
  EXPECT_EQ(out.ops()[3].key, "xc");
  EXPECT_EQ(out.ops()[3].value, "xd");      // a delete-range's end is a key
  EXPECT_EQ(out.ops()[0].value, "lock-a");  // a put's value is not
  ASSERT_TRUE(engine.Write(out, {}).ok());

  auto view = TxnSnapshot(engine.NewSnapshot());
  EXPECT_EQ(*view->Get(Cf::kLock, "a"), "lock-a");
  EXPECT_EQ(*engine.Get(Cf::kLock, "a"), std::nullopt);
  EXPECT_EQ(Keys(*view, Cf::kWrite), std::vector<std::string>{"b1"});
  auto it = view->NewIterator(Cf::kLock, {});
  it->SeekForPrev("zzz");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "a");
  it->Seek("a\x01");
  EXPECT_FALSE(it->Valid());
}

TEST(TxnKeyspaceTest, RawAndTxnKeysNeverMeet) {
  core::engine::MemEngine engine;
  // A transactional put of user key "rk" with a value long enough for
  // CF_DEFAULT: its encoded key starts with 'r', like raw keys do.
  core::mvcc::MvccTxn txn{core::base::TimeStamp(10)};
  txn.PutValue(Key::FromRaw("rk"), core::base::TimeStamp(10),
               std::string(300, 'v'));
  core::env::WriteBatch batch;
  AppendTxnBatch(txn.ToWriteBatch(), &batch);
  ASSERT_TRUE(engine.Write(batch, {}).ok());
  core::rawkv::RawKvStore raw(engine);
  ASSERT_TRUE(raw.Put({.key = "k", .value = "raw"}, 0).ok());

  // Raw scans see only the raw key; a raw delete-range over everything
  // leaves the transaction's value.
  auto scanned = raw.Scan({.limit = 10}, 0);
  ASSERT_TRUE(scanned.ok()) << scanned.status();
  ASSERT_EQ(scanned->size(), 1u);
  EXPECT_EQ((*scanned)[0].key, "k");
  ASSERT_TRUE(raw.DeleteRange(Cf::kDefault, "", "\xff\xff").ok());
  auto view = TxnSnapshot(engine.NewSnapshot());
  EXPECT_EQ(Keys(*view, Cf::kDefault),
            std::vector<std::string>{
                Key::FromRaw("rk").AppendTs(core::base::TimeStamp(10))});
  // And the transactional view never shows a raw key.
  ASSERT_TRUE(raw.Put({.key = "k2", .value = "raw"}, 0).ok());
  EXPECT_EQ(Keys(*TxnSnapshot(engine.NewSnapshot()), Cf::kDefault).size(), 1u);
}

TEST(TxnKeyspaceTest, BoundsStayInsideTheKeySpace) {
  core::engine::MemEngine engine;
  core::env::WriteBatch batch;
  batch.Put(Cf::kWrite, "w-before", "raw-ish");
  batch.Put(Cf::kWrite, "xa", "1");
  batch.Put(Cf::kWrite, "xb", "2");
  batch.Put(Cf::kWrite, "y-after", "other");
  ASSERT_TRUE(engine.Write(batch, {}).ok());
  auto view = TxnSnapshot(engine.NewSnapshot());
  EXPECT_EQ(Keys(*view, Cf::kWrite), (std::vector<std::string>{"a", "b"}));
  core::env::IteratorOptions bounds;
  bounds.lower_bound = "b";
  EXPECT_EQ(Keys(*view, Cf::kWrite, bounds), std::vector<std::string>{"b"});
  bounds.lower_bound.reset();
  bounds.upper_bound = "b";
  EXPECT_EQ(Keys(*view, Cf::kWrite, bounds), std::vector<std::string>{"a"});
  auto it = view->NewIterator(Cf::kWrite, {});
  it->SeekToLast();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "b");
  EXPECT_EQ(TxnKeyspaceEnd(), "y");
}

}  // namespace
}  // namespace store::storage
