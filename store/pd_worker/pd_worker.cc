#include "store/pd_worker/pd_worker.h"

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "core/region/metapb_convert.h"
#include "proto/raft_cmdpb.pb.h"
#include "rpc/channel.h"
#include "store/raftstore/split_check.h"

namespace store::pd_worker {
namespace {

using client::pd::HeaderStatus;
using client::pd::IsNotLeaderHeader;
using core::base::Duration;
using core::base::Instant;

constexpr std::string_view kRegionHeartbeatMethod = "/pdpb.PD/RegionHeartbeat";
constexpr std::string_view kStoreHeartbeatMethod = "/pdpb.PD/StoreHeartbeat";

uint64_t UnixSeconds(core::env::Clock& clock) {
  return static_cast<uint64_t>(std::max<int64_t>(clock.NowRealtimeNs(), 0) /
                               1'000'000'000);
}

// The split keys of a PD SplitRegion: the given ones inside the region
// (USEKEY), or the key at half the region's size (APPROXIMATE; TiKV's half
// checker, approximated by the size checker with half the size as target).
std::vector<std::string> SplitKeysFor(const pdpb::SplitRegion& split,
                                      const core::region::Region& region,
                                      core::env::Engine& engine) {
  std::vector<std::string> keys;
  if (split.policy() == pdpb::USEKEY) {
    for (const std::string& key : split.keys()) {
      if (key > region.start_key &&
          (region.end_key.empty() || key < region.end_key)) {
        keys.push_back(key);
      }
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    return keys;
  }
  auto size = raftstore::RegionApproximateSize(engine, region);
  if (!size.ok() || size->bytes < 2) return keys;
  const raftstore::SplitCheckOptions half{
      .region_max_size_bytes = 1,
      .region_split_size_bytes = size->bytes / 2,
      .region_max_keys = UINT64_MAX,
      .region_split_keys = UINT64_MAX};
  auto key = raftstore::FindSplitKey(*engine.NewSnapshot(), region, half);
  if (key.ok() && key->has_value()) keys.push_back(**key);
  return keys;
}

}  // namespace

struct PdWorker::Stream {
  rpc::ClientReaderWriter<pdpb::RegionHeartbeatRequest,
                          pdpb::RegionHeartbeatResponse>
      call;
  // PD's leader it was opened to.
  std::string leader;
  bool ended = false;
};

PdWorker::PdWorker(core::env::Env env, client::pd::PdClient& pd,
                   raftstore::Store& store, raftstore::IdSource& ids,
                   metrics::Metrics& metrics, const PdWorkerOptions& options)
    : env_(env),
      pd_(pd),
      store_(store),
      ids_(ids),
      metrics_(metrics),
      options_(options) {}

PdWorker::~PdWorker() {
  *alive_ = false;
  if (stream_ != nullptr) stream_->call.Cancel();
}

void PdWorker::Start() {
  env_.executor.Spawn("pd-store-heartbeat", [this, alive = alive_] {
    if (*alive) StoreHeartbeatLoop();
  });
  env_.executor.Spawn("pd-region-heartbeat", [this, alive = alive_] {
    if (*alive) RegionHeartbeatLoop();
  });
}

void PdWorker::Close() {
  if (closed_) return;
  closed_ = true;
  if (stream_ != nullptr) {
    stream_->ended = true;
    stream_->call.Cancel();
  }
}

void PdWorker::Count(const std::string& type) {
  metrics_.GetCounter("tikv_pd_heartbeat_message_total", {{"type", type}})
      .Increment();
}

// ---------------------------------------------------------------- store

void PdWorker::StoreHeartbeatLoop() {
  const Instant started = env_.clock.NowMonotonic();
  Instant previous = started;
  const std::shared_ptr<bool> alive = alive_;
  while (*alive && !closed_) {
    SendStoreHeartbeat(started, previous);
    if (!*alive || closed_) return;
    ResolveStores();
    if (!*alive) return;
    previous = env_.clock.NowMonotonic();
    env_.executor.SleepFor(options_.store_heartbeat_interval);
  }
}

void PdWorker::SendStoreHeartbeat(Instant started, Instant previous) {
  pdpb::StoreHeartbeatRequest request;
  pdpb::StoreStats* stats = request.mutable_stats();
  stats->set_store_id(store_.store_id());
  uint64_t used_bytes = 0;
  uint32_t leaders = 0;
  const std::vector<core::region::Region> regions = store_.Regions();
  for (const core::region::Region& region : regions) {
    auto size = raftstore::RegionApproximateSize(env_.engine, region);
    if (size.ok()) used_bytes += size->bytes;
    const raftstore::PeerFsm* peer = store_.FindPeer(region.id);
    if (peer != nullptr && peer->is_leader()) ++leaders;
  }
  stats_.leader_count = leaders;
  stats->set_capacity(options_.capacity_bytes);
  stats->set_used_size(used_bytes);
  stats->set_available(options_.capacity_bytes > used_bytes
                           ? options_.capacity_bytes - used_bytes
                           : 0);
  stats->set_region_count(static_cast<uint32_t>(regions.size()));
  const uint64_t now_seconds = UnixSeconds(env_.clock);
  const Instant now = env_.clock.NowMonotonic();
  stats->set_start_time(static_cast<uint32_t>(
      now_seconds - (now - started).nanoseconds() / 1'000'000'000));
  stats->mutable_interval()->set_start_timestamp(
      now_seconds - (now - previous).nanoseconds() / 1'000'000'000);
  stats->mutable_interval()->set_end_timestamp(now_seconds);
  auto response =
      pd_.CallLeader<pdpb::StoreHeartbeatRequest, pdpb::StoreHeartbeatResponse>(
          kStoreHeartbeatMethod, request, now + options_.rpc_timeout);
  metrics_
      .GetHistogram("tikv_pd_request_duration_seconds",
                    {{"type", "store_heartbeat"}})
      .Observe((env_.clock.NowMonotonic() - now).seconds());
  const bool ok = response.ok() && HeaderStatus(response->header()).ok();
  ++(ok ? stats_.store_heartbeats : stats_.store_heartbeat_errors);
  Count("store");
}

void PdWorker::ResolveIfAddressesMissing() {
  const uint64_t drops = store_.stats().dropped_no_address;
  if (drops == no_address_drops_seen_) return;
  ResolveStores();
}

void PdWorker::ResolveStores() {
  no_address_drops_seen_ = store_.stats().dropped_no_address;
  auto stores =
      pd_.GetAllStores(env_.clock.NowMonotonic() + options_.rpc_timeout);
  if (!stores.ok() || closed_) return;
  for (const metapb::Store& store : *stores) {
    store_.SetStoreAddress(store.id(), store.peer_address().empty()
                                           ? store.address()
                                           : store.peer_address());
  }
}

// ---------------------------------------------------------------- regions

void PdWorker::RegionHeartbeatLoop() {
  const std::shared_ptr<bool> alive = alive_;
  while (*alive && !closed_) {
    env_.executor.SleepFor(options_.region_check_interval);
    if (!*alive || closed_) return;
    ResolveIfAddressesMissing();
    if (!*alive || closed_) return;
    CheckRegions();
  }
}

bool PdWorker::Due(uint64_t region_id, const raftstore::PeerFsm& peer,
                   Instant now) const {
  auto it = sent_.find(region_id);
  if (it == sent_.end()) return true;
  const Sent& sent = it->second;
  return sent.region != peer.region() ||
         sent.leader_peer_id != peer.peer_id() ||
         now - sent.at >= options_.region_heartbeat_interval;
}

void PdWorker::CheckRegions() {
  Stream* stream = EnsureStream();
  if (stream == nullptr) return;
  const std::shared_ptr<Stream> keep = stream_;
  const Instant now = env_.clock.NowMonotonic();
  std::vector<uint64_t> due;
  std::map<uint64_t, Sent> still_led;
  std::set<uint64_t> led;
  for (const core::region::Region& region : store_.Regions()) {
    const raftstore::PeerFsm* peer = store_.FindPeer(region.id);
    if (peer == nullptr || !peer->is_leader()) continue;
    led.insert(region.id);
    auto it = sent_.find(region.id);
    if (it != sent_.end()) still_led.insert(*it);
    if (Due(region.id, *peer, now)) due.push_back(region.id);
  }
  // A region led again later is heartbeated at once; its followers'
  // inactivity is measured afresh.
  sent_ = std::move(still_led);
  std::erase_if(inactive_since_, [&led](const auto& entry) {
    return led.count(entry.first.first) == 0;
  });
  stats_.leader_count = led.size();
  for (uint64_t region_id : due) {
    std::optional<pdpb::RegionHeartbeatRequest> request =
        RegionHeartbeatFor(region_id);
    if (!request.has_value()) continue;
    auto region = core::region::FromMetapb(request->region());
    // Write parks while the stream's buffer is full (the peer may be gone
    // by then: what was sent is remembered from the request).
    if (keep->ended || !keep->call.Write(*request)) {
      keep->ended = true;
      return;
    }
    ++stats_.region_heartbeats;
    Count("region");
    if (region.ok()) {
      sent_[region_id] = {*std::move(region), request->leader().id(), now};
    }
  }
}

void PdWorker::FillPeerStats(const raftstore::PeerFsm& peer, Instant now,
                             pdpb::RegionHeartbeatRequest* request) {
  const core::raft::Status status = peer.raft_peer().raw_node().GetStatus();
  for (const core::region::Peer& member : peer.region().peers) {
    if (member.id == peer.peer_id()) continue;
    auto progress = status.progress.find(member.id);
    if (progress == status.progress.end()) continue;
    const std::pair<uint64_t, uint64_t> key{peer.region_id(), member.id};
    if (progress->second.recent_active) {
      inactive_since_.erase(key);
    } else {
      auto [since, inserted] = inactive_since_.try_emplace(key, now);
      const Duration down = now - since->second;
      if (!inserted && down >= options_.max_peer_down_duration) {
        pdpb::PeerStats* stats = request->add_down_peers();
        *stats->mutable_peer() = core::region::ToMetapb(member);
        stats->set_down_seconds(
            static_cast<uint64_t>(down.nanoseconds() / 1'000'000'000));
      }
    }
    // Ref: TiKV collect_pending_peers: a follower behind the log's start
    // waits for a snapshot.
    if (progress->second.state ==
            core::raft::tracker::ProgressState::kSnapshot ||
        progress->second.pending_snapshot != 0) {
      *request->add_pending_peers() = core::region::ToMetapb(member);
    }
  }
}

std::optional<pdpb::RegionHeartbeatRequest> PdWorker::RegionHeartbeatFor(
    uint64_t region_id) {
  const raftstore::PeerFsm* peer = store_.FindPeer(region_id);
  if (peer == nullptr || !peer->initialized() || !peer->is_leader()) {
    return std::nullopt;
  }
  const Instant now = env_.clock.NowMonotonic();
  pdpb::RegionHeartbeatRequest request;
  request.mutable_header()->set_cluster_id(pd_.cluster_id());
  *request.mutable_region() = core::region::ToMetapb(peer->region());
  // The leader as the region lists it now: the peer's own meta keeps the
  // role it was created with (a learner since promoted), which PD refuses
  // ("leader is not a voter"). Ref: TiKV updates peer.peer on conf change.
  const core::region::Peer* self = peer->region().FindPeer(peer->peer_id());
  *request.mutable_leader() =
      self != nullptr ? core::region::ToMetapb(*self) : peer->peer();
  FillPeerStats(*peer, now, &request);
  auto size = raftstore::RegionApproximateSize(env_.engine, peer->region());
  if (size.ok()) {
    request.set_approximate_size(size->bytes);
    request.set_approximate_keys(size->keys);
  }
  request.set_term(peer->raft_peer().raw_node().raft().term());
  const uint64_t now_seconds = UnixSeconds(env_.clock);
  auto sent = sent_.find(region_id);
  const uint64_t since_seconds =
      sent == sent_.end()
          ? 0
          : static_cast<uint64_t>((now - sent->second.at).nanoseconds() /
                                  1'000'000'000);
  request.mutable_interval()->set_start_timestamp(now_seconds - since_seconds);
  request.mutable_interval()->set_end_timestamp(now_seconds);
  return request;
}

// ---------------------------------------------------------------- stream

PdWorker::Stream* PdWorker::EnsureStream() {
  if (stream_ != nullptr && !stream_->ended &&
      (pd_.leader().empty() || pd_.leader() == stream_->leader)) {
    return stream_.get();
  }
  if (stream_ != nullptr) {
    // A broken stream, or PD's leader moved: a new one after a pause.
    stream_->ended = true;
    stream_->call.Cancel();
    stream_.reset();
    pd_.ForgetLeader();
    env_.executor.SleepFor(options_.reconnect_backoff);
    if (closed_) return nullptr;
  }
  const Instant deadline = env_.clock.NowMonotonic() + options_.rpc_timeout;
  if (pd_.leader().empty() && !pd_.UpdateMembers(deadline).ok()) {
    return nullptr;
  }
  if (closed_ || pd_.leader().empty()) return nullptr;
  const std::string leader = pd_.leader();
  auto stream = std::make_shared<Stream>(
      Stream{rpc::OpenBidiStream<pdpb::RegionHeartbeatRequest,
                                 pdpb::RegionHeartbeatResponse>(
                 pd_.channel(leader), kRegionHeartbeatMethod, {}),
             leader});
  if (closed_) {
    stream->call.Cancel();
    return nullptr;
  }
  stream_ = stream;
  ++stats_.streams_opened;
  // PD's (possibly new) leader hears of every region again.
  sent_.clear();
  env_.executor.Spawn("pd-heartbeat-reader", [this, alive = alive_, stream] {
    if (*alive) ReadLoop(stream);
  });
  return stream_.get();
}

void PdWorker::ReadLoop(std::shared_ptr<Stream> stream) {
  const std::shared_ptr<bool> alive = alive_;
  while (true) {
    std::optional<pdpb::RegionHeartbeatResponse> response = stream->call.Read();
    if (!*alive || closed_ || !response.has_value()) break;
    if (response->header().has_error()) {
      ++stats_.heartbeat_errors;
      // A follower refuses every heartbeat: find the leader again.
      if (IsNotLeaderHeader(response->header())) break;
      continue;
    }
    OnResponse(*response);
  }
  stream->ended = true;
}

// ---------------------------------------------------------------- operators

void PdWorker::OnResponse(const pdpb::RegionHeartbeatResponse& response) {
  ++stats_.operators_received;
  const raftstore::PeerFsm* peer = store_.FindPeer(response.region_id());
  if (peer == nullptr || !peer->is_leader()) {
    ++stats_.operators_dropped;
    Count("dropped");
    return;
  }
  raft_cmdpb::RaftCmdRequest cmd;
  raft_cmdpb::RaftRequestHeader* header = cmd.mutable_header();
  header->set_region_id(response.region_id());
  *header->mutable_peer() = peer->peer();
  *header->mutable_region_epoch() = response.region_epoch();
  raft_cmdpb::AdminRequest* admin = cmd.mutable_admin_request();
  if (response.has_change_peer()) {
    admin->set_cmd_type(raft_cmdpb::ChangePeer);
    admin->mutable_change_peer()->set_change_type(
        response.change_peer().change_type());
    *admin->mutable_change_peer()->mutable_peer() =
        response.change_peer().peer();
    Count("change_peer");
  } else if (response.has_change_peer_v2()) {
    admin->set_cmd_type(raft_cmdpb::ChangePeerV2);
    for (const pdpb::ChangePeer& change : response.change_peer_v2().changes()) {
      raft_cmdpb::ChangePeerRequest* out =
          admin->mutable_change_peer_v2()->add_changes();
      out->set_change_type(change.change_type());
      *out->mutable_peer() = change.peer();
    }
    Count("change_peer_v2");
  } else if (response.has_transfer_leader()) {
    admin->set_cmd_type(raft_cmdpb::TransferLeader);
    *admin->mutable_transfer_leader()->mutable_peer() =
        response.transfer_leader().peer();
    Count("transfer_leader");
  } else if (response.has_merge()) {
    // Ref: TiKV worker/pd.rs: the source's leader proposes PrepareMerge;
    // the raftstore carries the merge on (CommitMerge to the target).
    admin->set_cmd_type(raft_cmdpb::PrepareMerge);
    *admin->mutable_prepare_merge()->mutable_target() =
        response.merge().target();
    Count("merge");
  } else if (response.has_split_region()) {
    Count("split_region");
    // AskBatchSplit parks: not on the reader's fibre.
    env_.executor.Spawn("pd-split-region", [this, alive = alive_, response] {
      if (*alive && !closed_) ExecuteSplit(response);
    });
    return;
  } else {
    ++stats_.operators_dropped;
    return;
  }
  ProposeOperator(std::move(cmd));
}

void PdWorker::ExecuteSplit(const pdpb::RegionHeartbeatResponse& response) {
  const raftstore::PeerFsm* peer = store_.FindPeer(response.region_id());
  if (peer == nullptr || !peer->is_leader()) {
    ++stats_.operators_dropped;
    return;
  }
  const core::region::Region region = peer->region();
  std::vector<std::string> keys =
      SplitKeysFor(response.split_region(), region, env_.engine);
  if (keys.empty()) {
    ++stats_.operators_dropped;
    return;
  }
  const std::shared_ptr<bool> alive = alive_;
  auto ids = ids_.AskBatchSplit(region, static_cast<uint32_t>(keys.size()));
  if (!*alive || closed_) return;
  peer = store_.FindPeer(response.region_id());
  if (!ids.ok() || peer == nullptr) {
    ++stats_.operators_dropped;
    return;
  }
  raft_cmdpb::RaftCmdRequest cmd =
      raftstore::BatchSplitCommand(region, peer->peer(), keys, *ids);
  // PD's epoch: a region that changed since the operator was made refuses.
  *cmd.mutable_header()->mutable_region_epoch() = response.region_epoch();
  ProposeOperator(std::move(cmd));
}

void PdWorker::ProposeOperator(raft_cmdpb::RaftCmdRequest cmd) {
  ++stats_.operators_executed;
  store_.Propose(std::move(cmd),
                 [this, alive = alive_](raft_cmdpb::RaftCmdResponse answer) {
                   if (*alive && answer.header().has_error()) {
                     ++stats_.operators_refused;
                   }
                 });
}

}  // namespace store::pd_worker
