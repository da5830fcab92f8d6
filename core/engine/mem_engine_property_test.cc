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
#include "core/engine/mem_engine_properties.h"
#include "core/engine/rapidcheck_gtest.h"

namespace core::engine {
namespace {

using testing::EngineModel;
using testing::GenBatch;

RC_GTEST_PROP_N(MemEngineProperty, MatchesModelAcrossSnapshotsAndRestarts, 150,
                100, ()) {
  testing::PropertyMatchesModel();
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
