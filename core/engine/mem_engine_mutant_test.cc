// Mutant checks: built with one known bug compiled into MemEngine
// (MUTANT_ENGINE_*, see BUILD: each mutant_test runs one case here), a case
// passes only if the model property that guards the broken invariant finds a
// counterexample. Without the bug every case fails.
//   MUTANT_ENGINE_GC_IGNORES_SNAPSHOTS     -> PropertyMatchesModel
//     (VisibleViewsPreserved: a snapshot loses versions it can see)
//   MUTANT_ENGINE_CRASH_LOSES_SYNCED_TAIL  -> PropertyCrashKeepsSyncedPrefix
//     (SyncedBatchesSurviveCrash)
//   MUTANT_ENGINE_CRASH_TEARS_BATCH        -> PropertyCrashKeepsSyncedPrefix
//     (CrashKeepsBatchPrefix: a lost batch leaves one op behind)
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include "core/engine/mem_engine_properties.h"

namespace core::engine {
namespace {

// True when RapidCheck finds a counterexample within `cases` cases.
bool PropertyFails(void (*property)(), int cases) {
  rc::detail::TestMetadata metadata;
  metadata.id = "mutant";
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  params.maxSuccess = cases;
  params.disableShrinking = true;
  const auto result = rc::detail::checkTestable(property, metadata, params);
  return result.template is<rc::detail::FailureResult>();
}

TEST(MemEngineMutantTest, GcIgnoringSnapshotsIsCaught) {
  EXPECT_TRUE(PropertyFails(&testing::PropertyMatchesModel, 500));
}

TEST(MemEngineMutantTest, CrashLosingSyncedTailIsCaught) {
  EXPECT_TRUE(PropertyFails(&testing::PropertyCrashKeepsSyncedPrefix, 500));
}

TEST(MemEngineMutantTest, CrashTearingABatchIsCaught) {
  EXPECT_TRUE(PropertyFails(&testing::PropertyCrashKeepsSyncedPrefix, 500));
}

}  // namespace
}  // namespace core::engine
