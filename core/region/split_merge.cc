#include "core/region/split_merge.h"

#include "core/base/mutant.h"

#include <algorithm>
#include <sstream>

namespace core::region {

std::string InvalidSplitKey::ToString() const {
  return "invalid split key " + base::EscapeBytes(key) + ": " + reason;
}

std::string NotAdjacent::ToString() const {
  std::ostringstream out;
  out << "regions " << source_id << " and " << target_id << " are not adjacent";
  return out.str();
}

std::string PeersNotAligned::ToString() const {
  std::ostringstream out;
  out << "peers of regions " << source_id << " and " << target_id
      << " are not on the same stores with the same roles";
  return out.str();
}

namespace {

base::Outcome<SplitError> CheckSplitRequest(const Region& region,
                                            const SplitRequest& request) {
  if (request.split_keys.empty()) {
    return base::MakeErr(SplitError(InvalidArgument{"no split key"}));
  }
  if (request.new_ids.size() != request.split_keys.size()) {
    return base::MakeErr(
        SplitError(InvalidArgument{"need one SplitIds per split key"}));
  }
  for (const SplitIds& ids : request.new_ids) {
    if (ids.region_id == 0 || ids.peer_ids.size() != region.peers.size()) {
      return base::MakeErr(SplitError(InvalidArgument{
          "SplitIds needs a region id and one peer id per peer"}));
    }
  }
  const base::Bytes* previous = nullptr;
  for (const base::Bytes& key : request.split_keys) {
    if (key.empty()) {
      return base::MakeErr(SplitError(InvalidSplitKey{key, "empty"}));
    }
    // Ref: TiKV util::check_key_in_region_exclusive: the key must leave both
    // sides non-empty.
    if (key <= region.start_key || !region.ContainsKey(key)) {
      return base::MakeErr(
          SplitError(InvalidSplitKey{key, "not inside the region range"}));
    }
    if (previous != nullptr && key <= *previous) {
      return base::MakeErr(
          SplitError(InvalidSplitKey{key, "not above the previous split key"}));
    }
    previous = &key;
  }
  return base::Unit{};
}

}  // namespace

base::Result<std::vector<Region>, SplitError> Split(
    const Region& region, const SplitRequest& request) {
  if (auto epoch = CheckEpoch(region, request.epoch, EpochCheck{});
      !epoch.ok()) {
    return base::MakeErr(SplitError(epoch.error()));
  }
  if (auto checked = CheckSplitRequest(region, request); !checked.ok()) {
    return base::MakeErr(checked.error());
  }
  const size_t new_count = request.split_keys.size();
  const uint64_t version = region.epoch.version + new_count;
  // Range boundaries: start, split keys..., end.
  std::vector<base::Bytes> bounds;
  bounds.push_back(region.start_key);
  for (const base::Bytes& key : request.split_keys) bounds.push_back(key);
  bounds.push_back(region.end_key);

  std::vector<Region> regions;
  regions.reserve(new_count + 1);
  for (size_t i = 0; i <= new_count; ++i) {
    Region part = region;
    part.start_key = bounds[i];
    part.end_key = bounds[i + 1];
    if (MUTANT(PD_SPLIT_OVERLAP)) {
      // Known bug: the left part keeps the split key, which the right part also
      // covers, so the two ranges overlap.
      if (i < new_count) part.end_key = base::NextKey(bounds[i + 1]);
    }
    part.epoch.version = version;
    // The parent keeps its id and peers on the derived side; every other part
    // takes the next SplitIds in order.
    const size_t derived = request.right_derive ? new_count : 0;
    if (i != derived) {
      const size_t id_index = request.right_derive ? i : i - 1;
      const SplitIds& ids = request.new_ids[id_index];
      part.id = ids.region_id;
      for (size_t p = 0; p < part.peers.size(); ++p) {
        part.peers[p].id = ids.peer_ids[p];
      }
    }
    regions.push_back(std::move(part));
  }
  return regions;
}

namespace {

bool PeersAligned(const Region& source, const Region& target) {
  if (source.InJointState() || target.InJointState()) return false;
  if (source.peers.size() != target.peers.size()) return false;
  for (const Peer& peer : source.peers) {
    const Peer* other = target.FindPeerOnStore(peer.store_id);
    if (other == nullptr || other->role != peer.role) return false;
  }
  return true;
}

}  // namespace

base::Result<Region, MergeError> Merge(const Region& source,
                                       const Region& target,
                                       const MergeRequest& request) {
  if (source.id == target.id) {
    return base::MakeErr(
        MergeError(InvalidArgument{"cannot merge a region into itself"}));
  }
  if (auto epoch = CheckEpoch(source, request.source_epoch, EpochCheck{});
      !epoch.ok()) {
    return base::MakeErr(MergeError(epoch.error()));
  }
  if (auto epoch = CheckEpoch(target, request.target_epoch, EpochCheck{});
      !epoch.ok()) {
    return base::MakeErr(MergeError(epoch.error()));
  }
  const bool source_is_left =
      !source.end_key.empty() && source.end_key == target.start_key;
  const bool source_is_right =
      !target.end_key.empty() && target.end_key == source.start_key;
  if (!source_is_left && !source_is_right) {
    return base::MakeErr(MergeError(NotAdjacent{source.id, target.id}));
  }
  if (!PeersAligned(source, target)) {
    return base::MakeErr(MergeError(PeersNotAligned{source.id, target.id}));
  }
  Region merged = target;
  if (source_is_left) {
    merged.start_key = source.start_key;
  } else {
    merged.end_key = source.end_key;
  }
  merged.epoch.version =
      std::max(source.epoch.version, target.epoch.version) + 1;
  return merged;
}

}  // namespace core::region
