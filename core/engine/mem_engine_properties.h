// The MemEngine model properties, as plain functions so that the same
// property runs in the normal tests (mem_engine_property_test,
// mem_engine_crash_test) and in the mutant tests, which link a deliberately
// broken MemEngine and require the property to fail. Test-only; include it
// from exactly one .cc of a test binary (it defines inline functions that
// use RapidCheck's implicit generation, so call them inside a property).
//
//   PropertyMatchesModel: random batches, snapshots, syncs, clean restarts
//     and iterator walks agree with EngineModel; snapshots agree with the
//     model as of when they were taken (VisibleViewsPreserved).
//   PropertyCrashKeepsSyncedPrefix: SyncedBatchesSurviveCrash and
//     CrashKeepsBatchPrefix (see mem_engine.h): after any sequence of synced
//     and unsynced batches and a crash, the state equals the model state
//     after some prefix of whole batches that includes every synced one
//     (brute force over the prefixes).
#ifndef CORE_ENGINE_MEM_ENGINE_PROPERTIES_H_
#define CORE_ENGINE_MEM_ENGINE_PROPERTIES_H_

#include <rapidcheck.h>

#include <memory>
#include <string>
#include <vector>

#include "core/base/check.h"
#include "core/base/prng.h"
#include "core/engine/engine_generators.h"
#include "core/engine/engine_model.h"
#include "core/engine/mem_engine.h"

namespace core::engine::testing {

struct HeldSnapshot {
  std::shared_ptr<const env::Snapshot> snapshot;
  EngineModel model;
};

// Point reads of a few keys, then a bounded scan in a random direction.
inline void CheckReads(const env::Snapshot& snapshot,
                       const EngineModel& model) {
  const env::Cf cf = GenCf();
  for (int i = 0; i < 3; ++i) {
    const std::string key = GenKey();
    auto got = snapshot.Get(cf, key);
    RC_ASSERT(got.ok());
    RC_ASSERT(*got == model.Get(cf, key));
  }
  const env::IteratorOptions bounds = GenBounds();
  const bool reverse = *rc::gen::arbitrary<bool>();
  ScanResult scan = ScanAll(snapshot, cf, bounds, reverse);
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
inline void CheckWalk(const env::Snapshot& snapshot, const EngineModel& model) {
  const env::Cf cf = GenCf();
  const env::IteratorOptions bounds = GenBounds();
  auto it = snapshot.NewIterator(cf, bounds);
  IteratorModel expected(model.table(cf), bounds);
  const int moves = *rc::gen::inRange(1, 12);
  for (int i = 0; i < moves; ++i) {
    const IteratorMove move = GenMove(expected.Valid());
    const std::string target = GenKey();
    MoveIterator(*it, move, target);
    expected.Move(move, target);
    RC_ASSERT(it->status().ok());
    RC_ASSERT(it->Valid() == expected.Valid());
    if (expected.Valid()) {
      RC_ASSERT(std::string(it->key()) == expected.entry().first);
      RC_ASSERT(std::string(it->value()) == expected.entry().second);
    }
  }
}

inline void PropertyMatchesModel() {
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
      const CrashReport report = engine.SimulateCrash(crash_prng);
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

inline void PropertyCrashKeepsSyncedPrefix() {
  MemEngine engine;
  base::Prng prng(*rc::gen::arbitrary<uint64_t>());
  EngineModel durable;  // The state after the last crash.
  const int rounds = *rc::gen::inRange(1, 4);
  for (int round = 0; round < rounds; ++round) {
    std::vector<EngineModel> states = {durable};
    std::vector<env::WriteBatch> batches;
    size_t synced = 0;  // Batches acknowledged as durable.
    const int writes = *rc::gen::inRange(0, 10);
    for (int i = 0; i < writes; ++i) {
      batches.push_back(GenBatch(4));
      const bool sync = *rc::gen::inRange(0, 4) == 0;
      RC_ASSERT(engine.Write(batches.back(), {.sync = sync}).ok());
      states.push_back(states.back());
      states.back().Apply(batches.back());
      if (sync) synced = batches.size();
      if (*rc::gen::inRange(0, 6) == 0) {
        RC_ASSERT(engine.Sync().ok());
        synced = batches.size();
      }
    }
    RC_ASSERT(engine.unsynced_batch_count() == batches.size() - synced);
    const CrashReport report = engine.SimulateCrash(prng);
    const EngineModel after = Capture(engine);

    // Judged from the models alone, whatever the report says.
    RC_ASSERT(WholeBatchPrefix(after, states, synced).has_value());
    // The report names the prefix that survived.
    RC_ASSERT(report.unsynced_batches == batches.size() - synced);
    const size_t kept = synced + report.surviving_batches;
    RC_ASSERT(kept <= batches.size());
    RC_ASSERT(after == states[kept]);
    RC_ASSERT(engine.unsynced_batch_count() == 0u);
    durable = after;
  }
}

}  // namespace core::engine::testing

#endif  // CORE_ENGINE_MEM_ENGINE_PROPERTIES_H_
