// Latches: FIFO per-key mutual exclusion without deadlock.
// Ref: tikv src/storage/txn/latch.rs tests.
#include "core/txn/latches.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <ranges>
#include <set>

namespace core::txn {
namespace {

std::vector<mvcc::Key> Keys(std::initializer_list<const char*> raws) {
  std::vector<mvcc::Key> keys;
  for (const char* raw : raws) keys.push_back(mvcc::Key::FromRaw(raw));
  return keys;
}

TEST(LatchesTest, ConflictingCommandWaitsAndIsWoken) {
  Latches latches(256);
  LatchLock a = latches.GenLock(Keys({"k1", "k3", "k1"}));
  EXPECT_EQ(a.required_hashes.size(), 2u);
  LatchLock b = latches.GenLock(Keys({"k4", "k5"}));
  LatchLock c = latches.GenLock(Keys({"k3", "k4"}));
  EXPECT_TRUE(latches.Acquire(a, 1));
  EXPECT_TRUE(latches.Acquire(b, 2));
  EXPECT_FALSE(latches.Acquire(c, 3));
  EXPECT_FALSE(latches.Acquire(c, 3));  // still waiting; queued once
  std::vector<uint64_t> woken = latches.Release(a, 1);
  // c waits on the hash of k3 or k4; whichever it holds next matters.
  if (!woken.empty()) {
    EXPECT_EQ(woken, std::vector<uint64_t>{3});
  }
  bool acquired = latches.Acquire(c, 3);
  if (!acquired) {
    EXPECT_EQ(latches.Release(b, 2), std::vector<uint64_t>{3});
    EXPECT_TRUE(latches.Acquire(c, 3));
  } else {
    latches.Release(b, 2);
  }
  EXPECT_TRUE(c.Acquired());
  latches.Release(c, 3);
}

// A command given up while it waits (its fibre unwound) leaves the queue:
// whether it was still queued or already woken, the next in line gets the
// latch and nothing stays behind.
TEST(LatchesTest, ReleaseWithdrawsAWaitingCommand) {
  Latches latches(16);
  LatchLock a = latches.GenLock(Keys({"k"}));
  LatchLock b = latches.GenLock(Keys({"k"}));
  LatchLock c = latches.GenLock(Keys({"k"}));
  ASSERT_TRUE(latches.Acquire(a, 1));
  ASSERT_FALSE(latches.Acquire(b, 2));
  ASSERT_FALSE(latches.Acquire(c, 3));
  EXPECT_EQ(latches.entry_count(), 3u);
  // b is given up while queued behind a: nobody is woken.
  EXPECT_TRUE(latches.Release(b, 2).empty());
  EXPECT_EQ(latches.entry_count(), 2u);
  // a finishes: c is next in line.
  EXPECT_EQ(latches.Release(a, 1), std::vector<uint64_t>{3});
  LatchLock d = latches.GenLock(Keys({"k"}));
  ASSERT_FALSE(latches.Acquire(d, 4));
  // c is given up after being woken but before it took the latch: its turn
  // passes to d.
  EXPECT_EQ(latches.Release(c, 3), std::vector<uint64_t>{4});
  EXPECT_TRUE(latches.Acquire(d, 4));
  EXPECT_TRUE(latches.Release(d, 4).empty());
  EXPECT_EQ(latches.entry_count(), 0u);
}

TEST(LatchesTest, HashIsDeterministic) {
  EXPECT_EQ(Latches::HashKey(mvcc::Key::FromRaw("abc")),
            Latches::HashKey(mvcc::Key::FromRaw("abc")));
  EXPECT_NE(Latches::HashKey(mvcc::Key::FromRaw("abc")),
            Latches::HashKey(mvcc::Key::FromRaw("abd")));
}

// Random commands over few keys and few slots (many collisions): a scheduler
// that acquires, runs and releases in random order never lets two commands
// that share a key run together, and every command eventually runs.
RC_GTEST_PROP(LatchesProperty, MutualExclusionAndProgress, ()) {
  Latches latches(*rc::gen::element<size_t>(1, 2, 8));
  const int command_count = *rc::gen::inRange(1, 12);
  std::map<uint64_t, LatchLock> pending;
  std::map<uint64_t, std::set<std::string>> keys_of;
  for (int id = 0; id < command_count; ++id) {
    std::vector<mvcc::Key> keys;
    const auto raws = *rc::gen::container<std::set<std::string>>(
        *rc::gen::inRange(1, 4),
        rc::gen::element<std::string>("a", "b", "c", "d"));
    for (const auto& raw : raws) keys.push_back(mvcc::Key::FromRaw(raw));
    pending[id] = latches.GenLock(keys);
    keys_of[id] = raws;
  }
  std::set<uint64_t> ready(std::views::keys(pending).begin(),
                           std::views::keys(pending).end());
  std::set<uint64_t> running, done;
  int steps = 0;
  while (done.size() < pending.size()) {
    RC_ASSERT(++steps < 10'000);
    if (!ready.empty() && (running.empty() || *rc::gen::arbitrary<bool>())) {
      auto it =
          std::next(ready.begin(), *rc::gen::inRange<size_t>(0, ready.size()));
      const uint64_t id = *it;
      ready.erase(it);
      if (latches.Acquire(pending[id], id)) {
        for (uint64_t other : running) {
          for (const auto& key : keys_of[id])
            RC_ASSERT(!keys_of[other].contains(key));
        }
        running.insert(id);
      }
      continue;
    }
    RC_ASSERT(!running.empty());  // otherwise: deadlock
    auto it = std::next(running.begin(),
                        *rc::gen::inRange<size_t>(0, running.size()));
    const uint64_t id = *it;
    running.erase(it);
    done.insert(id);
    for (uint64_t woken : latches.Release(pending[id], id)) ready.insert(woken);
  }
  RC_ASSERT(latches.entry_count() == 0u);
}

}  // namespace
}  // namespace core::txn
