// MapStore's snapshot must behave like any env::Engine snapshot: compared
// with MemEngine on random contents, random bounds and random iterator moves.
#include "spec/percolator/map_store.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <optional>
#include <string>
#include <vector>

#include "core/base/testing/rapidcheck_gtest.h"
#include "core/engine/mem_engine.h"

namespace spec::percolator {
namespace {

using core::env::Cf;

std::string Position(const core::env::Iterator& it) {
  if (!it.Valid()) return "<invalid>";
  return std::string(it.key()) + "=" + std::string(it.value());
}

RC_GTEST_PROP_N(MapStoreProperty, SnapshotMatchesMemEngine, 150, 40, ()) {
  const auto keys =
      std::vector<std::string>{"", "a", "ab", "b", "c", "cc", "d"};
  core::env::WriteBatch batch;
  for (int i = *rc::gen::inRange(0, 14); i > 0; --i) {
    const std::string key = *rc::gen::elementOf(keys);
    if (*rc::gen::inRange(0, 3) != 0) {
      batch.Put(Cf::kWrite, key, "v" + key);
    } else {
      batch.Delete(Cf::kWrite, key);
    }
  }
  MapStore store;
  store.ApplyBatch(batch);
  core::engine::MemEngine engine;
  RC_ASSERT(engine.Write(batch, {}).ok());
  core::env::IteratorOptions bounds;
  if (*rc::gen::arbitrary<bool>())
    bounds.lower_bound = *rc::gen::elementOf(keys);
  if (*rc::gen::arbitrary<bool>())
    bounds.upper_bound = *rc::gen::elementOf(keys);
  auto mine = store.NewSnapshot()->NewIterator(Cf::kWrite, bounds);
  auto theirs = engine.NewSnapshot()->NewIterator(Cf::kWrite, bounds);
  for (int i = *rc::gen::inRange(1, 12); i > 0; --i) {
    const int move = *rc::gen::inRange(0, 6);
    const std::string target = *rc::gen::elementOf(keys);
    if ((move == 4 || move == 5) && !mine->Valid()) continue;
    switch (move) {
      case 0:
        mine->SeekToFirst();
        theirs->SeekToFirst();
        break;
      case 1:
        mine->SeekToLast();
        theirs->SeekToLast();
        break;
      case 2:
        mine->Seek(target);
        theirs->Seek(target);
        break;
      case 3:
        mine->SeekForPrev(target);
        theirs->SeekForPrev(target);
        break;
      case 4:
        mine->Next();
        theirs->Next();
        break;
      case 5:
        mine->Prev();
        theirs->Prev();
        break;
    }
    const std::string expected = Position(*theirs);
    const std::string actual = Position(*mine);
    RC_ASSERT(actual == expected);
  }
  for (const std::string& key : keys) {
    auto a = store.NewSnapshot()->Get(Cf::kWrite, key);
    auto b = engine.NewSnapshot()->Get(Cf::kWrite, key);
    RC_ASSERT(a.ok() && b.ok());
    RC_ASSERT(*a == *b);
  }
}

TEST(MapStoreTest, SnapshotIsACopyAndFingerprintTracksContents) {
  MapStore store;
  core::env::WriteBatch batch;
  batch.Put(Cf::kLock, "k", "v");
  store.ApplyBatch(batch);
  auto snapshot = store.NewSnapshot();
  std::string before;
  store.AppendFingerprint(&before);
  core::env::WriteBatch more;
  more.Delete(Cf::kLock, "k");
  store.ApplyBatch(more);
  std::string after;
  store.AppendFingerprint(&after);
  EXPECT_NE(before, after);
  auto old = snapshot->Get(Cf::kLock, "k");
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(*old, std::optional<std::string>("v"));
}

}  // namespace
}  // namespace spec::percolator
