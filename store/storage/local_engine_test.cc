// LocalEngine: the seam over a plain engine checks a request's route as a
// raftstore does (Ref: tikv components/raftstore/src/store/util.rs
// check_req_region_epoch: normal requests compare the version only), then
// reads a snapshot or writes the batch synced.
#include "store/storage/local_engine.h"

#include <gtest/gtest.h>

#include "core/engine/fault_injector.h"
#include "core/engine/mem_engine.h"

namespace store::storage {
namespace {

using core::env::Cf;

SnapContext Snap(const RequestRoute& route) {
  SnapContext ctx;
  ctx.route = route;
  return ctx;
}

template <typename T>
RegionError RegionErrorOf(const EngineResult<T>& result) {
  EXPECT_FALSE(result.ok());
  if (result.ok()) return StaleCommand{};
  return std::get<RegionError>(result.error());
}

TEST(LocalEngineTest, ServesItsRegionAndRefusesEverythingElse) {
  core::engine::MemEngine mem;
  LocalEngine engine(mem);
  RequestRoute route = engine.Route();
  EXPECT_EQ(route.region_id, 1u);
  EXPECT_EQ(route.peer, (Peer{1, 1, core::region::PeerRole::kVoter}));

  core::env::WriteBatch batch;
  batch.Put(Cf::kDefault, "k", "v");
  ASSERT_TRUE(engine.Write(WriteContext{route}, batch).ok());
  auto snapshot = engine.Snapshot(Snap(route));
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ(*snapshot->snapshot->Get(Cf::kDefault, "k"), "v");
  EXPECT_EQ(snapshot->region, engine.region());

  RequestRoute other = route;
  other.region_id = 2;
  EXPECT_EQ(RegionErrorOf(engine.Snapshot(Snap(other))),
            RegionError(RegionNotFound{2}));
  other = route;
  other.peer.store_id = 9;
  EXPECT_EQ(RegionErrorOf(engine.Write(WriteContext{other}, batch)),
            RegionError(StoreNotMatch{9, 1}));
  other = route;
  other.peer.id = 5;
  EXPECT_EQ(RegionErrorOf(engine.Snapshot(Snap(other))),
            RegionError(MismatchPeerId{5, 1}));
  // conf_ver is not compared for normal requests; version is.
  other = route;
  other.region_epoch.conf_ver = 7;
  EXPECT_TRUE(engine.Snapshot(Snap(other)).ok());
  other.region_epoch.version = 0;
  EXPECT_EQ(RegionErrorOf(engine.Write(WriteContext{other}, batch)),
            RegionError(EpochNotMatch{{engine.region()}}));
  // A zero peer is not checked (a client that does not know it).
  other = route;
  other.peer = Peer{};
  EXPECT_TRUE(engine.Snapshot(Snap(other)).ok());
}

TEST(LocalEngineTest, AnEpochMovedBySetRegionFailsOldRequests) {
  core::engine::MemEngine mem;
  LocalEngine engine(mem);
  const RequestRoute before = engine.Route();
  Region split = engine.region();
  split.end_key = "m";
  split.epoch.version = 2;
  engine.SetRegion(split);
  EXPECT_EQ(RegionErrorOf(engine.Snapshot(Snap(before))),
            RegionError(EpochNotMatch{{split}}));
  auto snapshot = engine.Snapshot(Snap(engine.Route()));
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ(snapshot->region.end_key, "m");
}

TEST(LocalEngineTest, EngineFailuresAreStatuses) {
  core::engine::ScriptedFaultInjector faults;
  core::engine::MemEngine mem({.fault_injector = &faults});
  LocalEngine engine(mem);
  faults.FailNextWrite(core::engine::IoError("injected"));
  core::env::WriteBatch batch;
  batch.Put(Cf::kDefault, "k", "v");
  auto written = engine.Write(WriteContext{engine.Route()}, batch);
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(std::get<absl::Status>(written.error()).code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(*mem.Get(Cf::kDefault, "k"), std::nullopt);
}

}  // namespace
}  // namespace store::storage
