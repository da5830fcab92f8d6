#include "pd/server/convert.h"

#include <utility>

#include "core/base/check.h"
#include "core/region/metapb_convert.h"

namespace pd::server {
namespace {

namespace base = core::base;

eraftpb::ConfChangeType ChangeTypeToPdpb(core::region::ConfChangeType type) {
  switch (type) {
    case core::region::ConfChangeType::kAddNode:
      return eraftpb::AddNode;
    case core::region::ConfChangeType::kAddLearnerNode:
      return eraftpb::AddLearnerNode;
    case core::region::ConfChangeType::kRemoveNode:
      return eraftpb::RemoveNode;
  }
  UNREACHABLE() << static_cast<int>(type);
  return eraftpb::AddNode;
}

void FillChange(const core::region::PeerChange& change, pdpb::ChangePeer* out) {
  *out->mutable_peer() = core::region::ToMetapb(change.peer);
  // The learner role travels with AddLearnerNode (Ref: PD
  // operator.AddLearner: the peer is sent with role Learner).
  if (change.type == core::region::ConfChangeType::kAddLearnerNode) {
    out->mutable_peer()->set_role(metapb::Learner);
  }
  out->set_change_type(ChangeTypeToPdpb(change.type));
}

struct CommandFiller {
  pdpb::RegionHeartbeatResponse* out;

  void operator()(const operators::ChangePeerCommand& c) const {
    FillChange(c.change, out->mutable_change_peer());
  }
  void operator()(const operators::ChangePeerV2Command& c) const {
    pdpb::ChangePeerV2* v2 = out->mutable_change_peer_v2();
    for (const core::region::PeerChange& change : c.changes) {
      FillChange(change, v2->add_changes());
    }
  }
  void operator()(const operators::TransferLeaderCommand& c) const {
    *out->mutable_transfer_leader()->mutable_peer() =
        core::region::ToMetapb(c.peer);
  }
  void operator()(const operators::MergeCommand& c) const {
    *out->mutable_merge()->mutable_target() = core::region::ToMetapb(c.target);
  }
  void operator()(const operators::SplitRegionCommand& c) const {
    pdpb::SplitRegion* split = out->mutable_split_region();
    split->set_policy(c.keys.empty() ? pdpb::APPROXIMATE : pdpb::USEKEY);
    for (const base::Bytes& key : c.keys) split->add_keys(key);
  }
};

}  // namespace

cluster::StoreStats StoreStatsFromPdpb(const pdpb::StoreStats& stats) {
  cluster::StoreStats out;
  out.capacity_bytes = stats.capacity();
  out.available_bytes = stats.available();
  out.used_bytes = stats.used_size();
  out.sending_snap_count = stats.sending_snap_count();
  out.receiving_snap_count = stats.receiving_snap_count();
  out.is_busy = stats.is_busy();
  return out;
}

pdpb::StoreStats StoreStatsToPdpb(const cluster::StoreInfo& store,
                                  const cluster::StoreRegionStats& regions) {
  pdpb::StoreStats out;
  out.set_store_id(store.id);
  out.set_capacity(store.stats.capacity_bytes);
  out.set_available(store.stats.available_bytes);
  out.set_used_size(store.stats.used_bytes);
  out.set_region_count(static_cast<uint32_t>(regions.region_count));
  out.set_sending_snap_count(
      static_cast<uint32_t>(store.stats.sending_snap_count));
  out.set_receiving_snap_count(
      static_cast<uint32_t>(store.stats.receiving_snap_count));
  out.set_is_busy(store.stats.is_busy);
  return out;
}

base::Result<cluster::RegionHeartbeat, InvalidRequest> RegionHeartbeatFromPdpb(
    const pdpb::RegionHeartbeatRequest& request) {
  if (!request.has_region() || !request.has_leader()) {
    return base::MakeErr(
        InvalidRequest{"region heartbeat without a region or a leader"});
  }
  auto region = core::region::FromMetapb(request.region());
  if (!region.ok())
    return base::MakeErr(InvalidRequest{region.error().ToString()});
  auto leader = core::region::FromMetapb(request.leader());
  if (!leader.ok())
    return base::MakeErr(InvalidRequest{leader.error().ToString()});
  cluster::RegionHeartbeat heartbeat{.region = *std::move(region),
                                     .leader = *leader};
  for (const pdpb::PeerStats& down : request.down_peers()) {
    auto peer = core::region::FromMetapb(down.peer());
    if (!peer.ok())
      return base::MakeErr(InvalidRequest{peer.error().ToString()});
    heartbeat.down_peers.push_back(
        {*peer, static_cast<int64_t>(down.down_seconds())});
  }
  for (const metapb::Peer& pending : request.pending_peers()) {
    auto peer = core::region::FromMetapb(pending);
    if (!peer.ok())
      return base::MakeErr(InvalidRequest{peer.error().ToString()});
    heartbeat.pending_peers.push_back(*peer);
  }
  heartbeat.approximate_size_bytes = request.approximate_size();
  heartbeat.approximate_keys = request.approximate_keys();
  heartbeat.bytes_written = request.bytes_written();
  heartbeat.bytes_read = request.bytes_read();
  const pdpb::TimeInterval& interval = request.interval();
  if (interval.end_timestamp() > interval.start_timestamp()) {
    heartbeat.interval_ms = static_cast<int64_t>(
        (interval.end_timestamp() - interval.start_timestamp()) * 1000);
  }
  return heartbeat;
}

void FillRegion(const cluster::RegionInfo& info,
                pdpb::GetRegionResponse* response) {
  *response->mutable_region() = core::region::ToMetapb(info.region());
  *response->mutable_leader() = core::region::ToMetapb(info.leader());
  for (const cluster::DownPeer& down : info.heartbeat.down_peers) {
    pdpb::PeerStats* stats = response->add_down_peers();
    *stats->mutable_peer() = core::region::ToMetapb(down.peer);
    stats->set_down_seconds(static_cast<uint64_t>(down.down_seconds));
  }
  for (const core::region::Peer& pending : info.heartbeat.pending_peers) {
    *response->add_pending_peers() = core::region::ToMetapb(pending);
  }
}

void FillRegion(const cluster::RegionInfo& info, pdpb::Region* region) {
  pdpb::GetRegionResponse response;
  FillRegion(info, &response);
  *region->mutable_region() = response.region();
  *region->mutable_leader() = response.leader();
  *region->mutable_down_peers() = response.down_peers();
  *region->mutable_pending_peers() = response.pending_peers();
}

pdpb::RegionHeartbeatResponse CommandToPdpb(
    const operators::RegionCommand& command, const cluster::RegionInfo& info) {
  pdpb::RegionHeartbeatResponse out;
  out.set_region_id(info.region().id);
  *out.mutable_region_epoch() = core::region::ToMetapb(info.region().epoch);
  *out.mutable_target_peer() = core::region::ToMetapb(info.leader());
  std::visit(CommandFiller{&out}, command);
  return out;
}

}  // namespace pd::server
