#include "store/storage/local_engine.h"

#include <utility>

namespace store::storage {

Region LocalEngineOptions::DefaultRegion() {
  Region region;
  region.id = 1;
  region.epoch = RegionEpoch{1, 1};
  region.peers = {Peer{1, 1, core::region::PeerRole::kVoter}};
  return region;
}

LocalEngine::LocalEngine(core::env::Engine& engine, LocalEngineOptions options)
    : engine_(engine), options_(std::move(options)) {}

RequestRoute LocalEngine::Route() const {
  RequestRoute route;
  route.region_id = options_.region.id;
  route.region_epoch = options_.region.epoch;
  if (const Peer* peer = options_.region.FindPeerOnStore(options_.store_id)) {
    route.peer = *peer;
  }
  return route;
}

std::optional<RegionError> LocalEngine::CheckRoute(
    const RequestRoute& route) const {
  const Region& region = options_.region;
  if (route.region_id != region.id) return RegionNotFound{route.region_id};
  if (route.peer.store_id != 0 && route.peer.store_id != options_.store_id) {
    return StoreNotMatch{route.peer.store_id, options_.store_id};
  }
  const Peer* ours = region.FindPeerOnStore(options_.store_id);
  if (ours == nullptr) return RegionNotFound{route.region_id};
  if (route.peer.id != 0 && route.peer.id != ours->id) {
    return MismatchPeerId{route.peer.id, ours->id};
  }
  if (route.region_epoch.version != region.epoch.version) {
    return EpochNotMatch{{region}};
  }
  return std::nullopt;
}

const std::string& KeySpaceEnd() {
  static const std::string* const end = new std::string(16 << 10, '\xff');
  return *end;
}

EngineResult<RegionSnapshot> LocalEngine::Snapshot(const SnapContext& ctx) {
  if (auto error = CheckRoute(ctx.route)) {
    return core::base::MakeErr(EngineError(*std::move(error)));
  }
  return RegionSnapshot{engine_.NewSnapshot(), options_.region};
}

EngineResult<core::base::Unit> LocalEngine::Write(
    const WriteContext& ctx, const core::env::WriteBatch& batch) {
  if (auto error = CheckRoute(ctx.route)) {
    return core::base::MakeErr(EngineError(*std::move(error)));
  }
  absl::Status status = engine_.Write(batch, options_.write_options);
  if (!status.ok()) return core::base::MakeErr(EngineError(std::move(status)));
  return core::base::Unit{};
}

}  // namespace store::storage
