#include "pd/core/model/cluster_model.h"

#include <algorithm>

#include "core/base/bytes.h"
#include "core/base/check.h"
#include "core/region/conf_change.h"
#include "core/region/split_merge.h"
#include "pd/core/invariants/invariants.h"

namespace pd::model {

namespace base = core::base;
using core::region::PeerRole;
using operators::RegionCommand;

namespace {

base::Outcome<CommandRefused> Refuse(std::string reason) {
  return base::MakeErr(CommandRefused{std::move(reason)});
}

// -inf and +inf map to 0 and 2^64.
unsigned __int128 KeyNumber(const base::Bytes& key, bool is_end) {
  if (key.empty())
    return is_end ? (static_cast<unsigned __int128>(1) << 64) : 0;
  base::Bytes padded = key.substr(0, 8);
  padded.resize(8, '\0');
  base::BytesView view(padded);
  uint64_t number = 0;
  CHECK(base::GetFixed64BigEndian(&view, &number));
  return number;
}

}  // namespace

base::Bytes ModelKey(uint64_t number) {
  base::Bytes key;
  base::PutFixed64BigEndian(&key, number);
  return key;
}

ClusterModel::ClusterModel(uint64_t split_id_base) : next_id_(split_id_base) {}

void ClusterModel::AddStore(StoreId id, uint64_t capacity_bytes) {
  CHECK(stores_.count(id) == 0) << "store " << id;
  stores_[id] = ModelStore{id, true, 0, capacity_bytes};
}

void ClusterModel::KillStore(StoreId id, int64_t now_ms) {
  ModelStore& store = stores_.at(id);
  store.alive = false;
  store.died_ms = now_ms;
}

bool ClusterModel::StoreAlive(StoreId id) const {
  auto it = stores_.find(id);
  return it != stores_.end() && it->second.alive;
}

void ClusterModel::AddRegion(ModelRegion region) {
  CHECK(core::region::Validate(region.region).ok());
  CHECK(region.region.FindPeerOnStore(region.leader_store) != nullptr);
  for (const auto& [id, other] : regions_) {
    CHECK(!core::region::RangesOverlap(
        region.region.start_key, region.region.end_key, other.region.start_key,
        other.region.end_key));
  }
  const RegionId id = region.region.id;
  CHECK(regions_.emplace(id, std::move(region)).second);
}

std::vector<Region> ClusterModel::Regions() const {
  std::vector<Region> out;
  out.reserve(regions_.size());
  for (const auto& [id, model] : regions_) out.push_back(model.region);
  return out;
}

base::Outcome<CommandRefused> ClusterModel::Apply(
    RegionId region_id, const RegionCommand& command) {
  auto it = regions_.find(region_id);
  if (it == regions_.end()) return Refuse("region is gone");
  ModelRegion& model = it->second;
  if (model.leader_store == 0 || !StoreAlive(model.leader_store)) {
    return Refuse("region has no live leader");
  }
  if (const auto* transfer =
          std::get_if<operators::TransferLeaderCommand>(&command)) {
    const Peer* target = model.region.FindPeer(transfer->peer.id);
    if (target == nullptr || target->role != PeerRole::kVoter ||
        !StoreAlive(target->store_id) || model.pending.count(target->id) != 0) {
      return Refuse("leader transfer target cannot lead");
    }
    model.leader_store = target->store_id;
    return base::Unit{};
  }
  if (const auto* split =
          std::get_if<operators::SplitRegionCommand>(&command)) {
    return ApplySplit(region_id, *split);
  }
  if (const auto* merge = std::get_if<operators::MergeCommand>(&command)) {
    return ApplyMerge(region_id, *merge);
  }
  return ApplyConfChange(model, command);
}

base::Outcome<CommandRefused> ClusterModel::ApplyConfChange(
    ModelRegion& model, const RegionCommand& command) {
  const Peer* leader = model.region.FindPeerOnStore(model.leader_store);
  CHECK(leader != nullptr);
  base::Result<Region, core::region::ConfChangeError> next = model.region;
  if (const auto* change =
          std::get_if<operators::ChangePeerCommand>(&command)) {
    // Ref: TiKV refuses to remove or demote the leader itself.
    if (change->change.peer.id == leader->id)
      return Refuse("change targets the leader");
    next = core::region::ApplyConfChange(model.region, change->change,
                                         model.region.epoch);
  } else {
    const auto& v2 = std::get<operators::ChangePeerV2Command>(command);
    for (const auto& change : v2.changes) {
      if (change.peer.id == leader->id)
        return Refuse("change targets the leader");
    }
    next = v2.changes.empty()
               ? core::region::LeaveJoint(model.region, model.region.epoch)
               : core::region::EnterJoint(model.region, v2.changes,
                                          model.region.epoch);
  }
  if (!next.ok()) return Refuse(core::region::ErrorToString(next.error()));
  for (const Peer& peer : next.value().peers) {
    if (model.region.FindPeer(peer.id) == nullptr)
      model.pending.insert(peer.id);
  }
  for (auto pending = model.pending.begin(); pending != model.pending.end();) {
    pending = next.value().FindPeer(*pending) == nullptr
                  ? model.pending.erase(pending)
                  : std::next(pending);
  }
  model.region = next.value();
  return base::Unit{};
}

base::Outcome<CommandRefused> ClusterModel::ApplySplit(
    RegionId region_id, const operators::SplitRegionCommand& command) {
  ModelRegion model = regions_.at(region_id);
  std::vector<base::Bytes> keys = command.keys;
  if (keys.empty()) {
    const unsigned __int128 low = KeyNumber(model.region.start_key, false);
    const unsigned __int128 high = KeyNumber(model.region.end_key, true);
    if (high - low < 2) return Refuse("range too small to split");
    keys.push_back(ModelKey(static_cast<uint64_t>(low + (high - low) / 2)));
  }
  core::region::SplitRequest request;
  request.epoch = model.region.epoch;
  request.split_keys = keys;
  for (size_t i = 0; i < keys.size(); ++i) {
    core::region::SplitIds ids{next_id_++, {}};
    for (size_t p = 0; p < model.region.peers.size(); ++p)
      ids.peer_ids.push_back(next_id_++);
    request.new_ids.push_back(std::move(ids));
  }
  auto parts = core::region::Split(model.region, request);
  if (!parts.ok()) return Refuse(core::region::ErrorToString(parts.error()));
  regions_.erase(region_id);
  const uint64_t count = parts.value().size();
  for (Region& part : parts.value()) {
    ModelRegion piece = model;
    piece.region = std::move(part);
    piece.size_bytes = model.size_bytes / count;
    piece.keys = model.keys / count;
    piece.write_bytes_per_second = model.write_bytes_per_second / count;
    piece.read_bytes_per_second = model.read_bytes_per_second / count;
    piece.pending.clear();
    const RegionId id = piece.region.id;
    regions_[id] = std::move(piece);
  }
  return base::Unit{};
}

base::Outcome<CommandRefused> ClusterModel::ApplyMerge(
    RegionId region_id, const operators::MergeCommand& command) {
  auto target_it = regions_.find(command.target.id);
  if (target_it == regions_.end()) return Refuse("merge target is gone");
  ModelRegion& source = regions_.at(region_id);
  ModelRegion& target = target_it->second;
  if (!source.pending.empty() || !target.pending.empty())
    return Refuse("pending peers");
  auto merged =
      core::region::Merge(source.region, target.region,
                          {source.region.epoch, command.target.epoch});
  if (!merged.ok()) return Refuse(core::region::ErrorToString(merged.error()));
  target.region = merged.value();
  target.size_bytes += source.size_bytes;
  target.keys += source.keys;
  target.write_bytes_per_second += source.write_bytes_per_second;
  target.read_bytes_per_second += source.read_bytes_per_second;
  regions_.erase(region_id);
  return base::Unit{};
}

void ClusterModel::ElectLeader(ModelRegion& model) {
  auto live = [this](StoreId store) { return StoreAlive(store); };
  model.leader_store = 0;
  if (!invariants::QuorumAlwaysAvailable(model.region, live).ok()) return;
  for (const Peer& peer : model.region.peers) {
    if (core::region::VotesInIncoming(peer.role) && StoreAlive(peer.store_id) &&
        model.pending.count(peer.id) == 0 &&
        (model.leader_store == 0 || peer.store_id < model.leader_store)) {
      model.leader_store = peer.store_id;
    }
  }
}

void ClusterModel::Tick() {
  for (auto& [id, model] : regions_) {
    for (auto it = model.pending.begin(); it != model.pending.end();) {
      const Peer* peer = model.region.FindPeer(*it);
      it = (peer != nullptr && StoreAlive(peer->store_id))
               ? model.pending.erase(it)
               : std::next(it);
    }
    if (model.leader_store == 0 || !StoreAlive(model.leader_store))
      ElectLeader(model);
  }
}

std::vector<cluster::RegionHeartbeat> ClusterModel::RegionHeartbeats(
    int64_t now_ms, int64_t interval_ms) const {
  std::vector<cluster::RegionHeartbeat> beats;
  beats.reserve(regions_.size());
  for (const auto& [id, model] : regions_) {
    if (model.leader_store == 0 || !StoreAlive(model.leader_store)) continue;
    cluster::RegionHeartbeat beat;
    beat.region = model.region;
    beat.leader = *model.region.FindPeerOnStore(model.leader_store);
    for (const Peer& peer : model.region.peers) {
      const ModelStore& store = stores_.at(peer.store_id);
      if (!store.alive)
        beat.down_peers.push_back({peer, (now_ms - store.died_ms) / 1000});
      if (model.pending.count(peer.id) != 0) beat.pending_peers.push_back(peer);
    }
    beat.approximate_size_bytes = model.size_bytes;
    beat.approximate_keys = model.keys;
    beat.interval_ms = interval_ms;
    beat.bytes_written = model.write_bytes_per_second *
                         static_cast<uint64_t>(interval_ms) / 1000;
    beat.bytes_read =
        model.read_bytes_per_second * static_cast<uint64_t>(interval_ms) / 1000;
    beats.push_back(std::move(beat));
  }
  return beats;
}

std::map<StoreId, cluster::StoreStats> ClusterModel::StoreHeartbeats() const {
  std::map<StoreId, uint64_t> used;
  for (const auto& [id, model] : regions_) {
    for (const Peer& peer : model.region.peers)
      used[peer.store_id] += model.size_bytes;
  }
  std::map<StoreId, cluster::StoreStats> stats;
  for (const auto& [id, store] : stores_) {
    if (!store.alive) continue;
    cluster::StoreStats s;
    s.capacity_bytes = store.capacity_bytes;
    s.used_bytes = used[id];
    s.available_bytes = store.capacity_bytes > s.used_bytes
                            ? store.capacity_bytes - s.used_bytes
                            : 0;
    stats[id] = s;
  }
  return stats;
}

}  // namespace pd::model
