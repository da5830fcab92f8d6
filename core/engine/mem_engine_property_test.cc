// Model-based properties of MemEngine: random interleavings of batches,
// snapshots (taken, read, released), syncs, clean restarts and iterator walks
// are run against MemEngine and against EngineModel (a std::map per column
// family); every read must agree. Snapshots are compared with the model as
// it was when they were taken, which checks snapshot isolation from later
// writes and that version collection never removes a version a live
// snapshot can see (VisibleViewsPreserved).
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "core/engine/engine_generators.h"
#include "core/engine/engine_model.h"
#include "core/engine/mem_engine.h"
#include "core/engine/rapidcheck_gtest.h"

namespace core::engine {
namespace {

using testing::EngineModel;
using testing::GenBatch;
using testing::GenBounds;
using testing::GenCf;
using testing::GenKey;
using testing::GenMove;
using testing::IteratorModel;
using testing::IteratorMove;

struct HeldSnapshot {
  std::shared_ptr<const env::Snapshot> snapshot;
  EngineModel model;
};

// Point reads of a few keys, then a bounded scan in a random direction.
void CheckReads(const env::Snapshot& snapshot, const EngineModel& model) {
  const env::Cf cf = GenCf();
  for (int i = 0; i < 3; ++i) {
    const std::string key = GenKey();
    auto got = snapshot.Get(cf, key);
    RC_ASSERT(got.ok());
    RC_ASSERT(*got == model.Get(cf, key));
  }
  const env::IteratorOptions bounds = GenBounds();
  const bool reverse = *rc::gen::arbitrary<bool>();
  testing::ScanResult scan = testing::ScanAll(snapshot, cf, bounds, reverse);
  RC_ASSERT(scan.status.ok());
  IteratorModel expected(model.table(cf), bounds);
  expected.Move(
      reverse ? IteratorMove::kSeekToLast : IteratorMove::kSeekToFirst, "");
  for (const auto& entry : scan.entries) {
    RC_ASSERT(expected.Valid());
    RC_ASSERT(entry == expected.entry());
    expected.Move(reverse ? IteratorMove::kPrev : IteratorMove::kNext, "");
  }
  RC_ASSERT(!expected.Valid());
}

// A random walk of seeks, nexts and prevs, step by step against the model.
void CheckWalk(const env::Snapshot& snapshot, const EngineModel& model) {
  const env::Cf cf = GenCf();
  const env::IteratorOptions bounds = GenBounds();
  auto it = snapshot.NewIterator(cf, bounds);
  IteratorModel expected(model.table(cf), bounds);
  const int moves = *rc::gen::inRange(1, 12);
  for (int i = 0; i < moves; ++i) {
    const IteratorMove move = GenMove(expected.Valid());
    const std::string target = GenKey();
    testing::MoveIterator(*it, move, target);
    expected.Move(move, target);
    RC_ASSERT(it->status().ok());
    RC_ASSERT(it->Valid() == expected.Valid());
    if (expected.Valid()) {
      RC_ASSERT(std::string(it->key()) == expected.entry().first);
      RC_ASSERT(std::string(it->value()) == expected.entry().second);
    }
  }
}

RC_GTEST_PROP_N(MemEngineProperty, MatchesModelAcrossSnapshotsAndRestarts, 150,
                100, ()) {
  MemEngine engine;
  EngineModel model;
  std::vector<HeldSnapshot> held;
  base::Prng crash_prng(*rc::gen::arbitrary<uint64_t>());
  const int steps = *rc::gen::inRange(1, 40);
  for (int step = 0; step < steps; ++step) {
    const int action = *rc::gen::inRange(0, 10);
    if (action < 4) {
      const env::WriteBatch batch = GenBatch(4);
      RC_ASSERT(
          engine.Write(batch, {.sync = *rc::gen::arbitrary<bool>()}).ok());
      model.Apply(batch);
    } else if (action == 4) {
      held.push_back({engine.NewSnapshot(), model});
    } else if (action == 5 && !held.empty()) {
      held.erase(held.begin() + *rc::gen::inRange<size_t>(0, held.size()));
    } else if (action == 6) {
      // A clean restart: everything was synced, so nothing may be lost.
      RC_ASSERT(engine.Sync().ok());
      const CrashReport report = engine.SimulateCrash(crash_prng, {});
      RC_ASSERT(report.unsynced_batches == 0u);
    } else if (action == 7 && !held.empty()) {
      const HeldSnapshot& h = held[*rc::gen::inRange<size_t>(0, held.size())];
      CheckWalk(*h.snapshot, h.model);
    } else if (action == 8 && !held.empty()) {
      const HeldSnapshot& h = held[*rc::gen::inRange<size_t>(0, held.size())];
      CheckReads(*h.snapshot, h.model);
    } else {
      CheckReads(*engine.NewSnapshot(), model);
      const env::Cf cf = GenCf();
      const std::string key = GenKey();
      auto got = engine.Get(cf, key);
      RC_ASSERT(got.ok());
      RC_ASSERT(*got == model.Get(cf, key));
    }
  }
  for (const HeldSnapshot& h : held) CheckReads(*h.snapshot, h.model);
}

// Version collection keeps the memtable small: once no snapshot is held and
// everything is synced, an overwrite-heavy history leaves at most one version
// per live key after the rolling cursor has passed (plus tombstones that
// shield nothing are gone).
RC_GTEST_PROP_N(MemEngineProperty, CollectionBoundsRetainedVersions, 60, 100,
                ()) {
  MemEngine engine;
  EngineModel model;
  const int batches = *rc::gen::inRange(1, 30);
  for (int i = 0; i < batches; ++i) {
    const env::WriteBatch batch = GenBatch(4);
    auto snapshot = engine.NewSnapshot();  // Retains versions while it lives.
    RC_ASSERT(engine.Write(batch, {}).ok());
    model.Apply(batch);
  }
  RC_ASSERT(engine.Sync().ok());
  size_t live = 0;
  for (env::Cf cf : env::kAllCfs) live += model.table(cf).size();
  // Rewrite a key that no test key can collide with, enough times for the
  // cursor to sweep every table.
  for (size_t i = 0; i < 2 * (live + 8); ++i) {
    env::WriteBatch batch;
    for (env::Cf cf : env::kAllCfs) batch.Put(cf, "zzzz", "sweep");
    RC_ASSERT(engine.Write(batch, {}).ok());
  }
  // One version per live key, and one "zzzz" per table (the synced point
  // predates every "zzzz" version, so no older one is kept).
  RC_ASSERT(engine.VersionCountForTest() == live + env::kAllCfs.size());
}

}  // namespace
}  // namespace core::engine
