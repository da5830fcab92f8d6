// LocalEngine: the storage engine seam over a plain core::env::Engine, for
// tests and single-node use (TiKV's tikv_kv RocksEngine / BTreeEngine). It
// serves one region, always as its leader: a snapshot is the engine's
// snapshot, a write is one engine write (synced by default), acknowledged
// when it returns. Requests are checked as a raftstore checks them (Ref:
// tikv components/raftstore/src/store/util.rs check_req_region_epoch, which
// for normal requests compares the version only; peer.rs
// check_store_id/check_peer_id):
//   another region id            -> RegionNotFound;
//   peer.store_id set, not ours  -> StoreNotMatch;
//   peer.id set, not our peer's  -> MismatchPeerId;
//   epoch.version not the region's -> EpochNotMatch{current region}.
#ifndef STORE_STORAGE_LOCAL_ENGINE_H_
#define STORE_STORAGE_LOCAL_ENGINE_H_

#include <optional>

#include "core/env/engine.h"
#include "store/storage/engine.h"

namespace store::storage {

struct LocalEngineOptions {
  // Region 1 over every key, epoch {1, 1}, one voter: peer 1 on store 1.
  Region region = DefaultRegion();
  StoreId store_id = 1;
  core::env::WriteOptions write_options = {.sync = true};

  static Region DefaultRegion();
};

class LocalEngine final : public Engine {
 public:
  // `engine` must outlive this object.
  explicit LocalEngine(core::env::Engine& engine,
                       LocalEngineOptions options = {});

  EngineResult<RegionSnapshot> Snapshot(const SnapContext& ctx) override;
  EngineResult<core::base::Unit> Write(
      const WriteContext& ctx, const core::env::WriteBatch& batch) override;

  const Region& region() const { return options_.region; }
  // Replaces the region (a split, merge or membership change of a
  // single-node cluster; tests use it to move the epoch).
  void SetRegion(Region region) { options_.region = std::move(region); }
  // The context that reaches this engine's region and peer.
  RequestRoute Route() const;

 private:
  std::optional<RegionError> CheckRoute(const RequestRoute& route) const;

  core::env::Engine& engine_;
  LocalEngineOptions options_;
};

}  // namespace store::storage

#endif  // STORE_STORAGE_LOCAL_ENGINE_H_
