#include "store/raftstore/store.h"

#include <utility>

#include "core/base/check.h"
#include "core/region/eraftpb_convert.h"
#include "core/region/metapb_convert.h"
#include "proto/tikvpb.pb.h"
#include "store/raftstore/local_state.h"
#include "store/raftstore/region_error.h"

namespace store::raftstore {
namespace {

using core::raft::MessageType;
using core::region::FromMetapb;
using core::region::Region;

store::transport::TransportOptions TransportOptionsOf(
    const StoreOptions& options) {
  store::transport::TransportOptions transport = options.transport;
  auto own = options.store_addresses.find(options.store_id);
  CHECK(own != options.store_addresses.end())
      << "store " << options.store_id << " has no address";
  transport.local_address = own->second;
  return transport;
}

bool WellFormed(const raft_serverpb::RaftMessage& message) {
  return message.region_id() != 0 && message.from_peer().id() != 0 &&
         message.to_peer().id() != 0;
}

}  // namespace

bool IsInitialMessage(const core::raft::Message& message) {
  return message.type == MessageType::kMsgVote ||
         message.type == MessageType::kMsgPreVote ||
         (message.type == MessageType::kMsgHeartbeat && message.commit == 0);
}

absl::StatusOr<std::unique_ptr<Store>> Store::Create(
    core::env::Env env, const StoreOptions& options) {
  auto ident = LoadStoreIdent(env.engine);
  if (!ident.ok()) return ident.status();
  if (!ident->has_value()) {
    return absl::FailedPreconditionError("the store is not bootstrapped");
  }
  if ((*ident)->cluster_id() != options.cluster_id ||
      (*ident)->store_id() != options.store_id) {
    return absl::FailedPreconditionError(
        "the engine belongs to cluster " +
        std::to_string((*ident)->cluster_id()) + " store " +
        std::to_string((*ident)->store_id()));
  }
  std::unique_ptr<Store> store(new Store(env, options));
  absl::Status recovered = store->Recover();
  if (!recovered.ok()) return recovered;
  return store;
}

Store::Store(core::env::Env env, const StoreOptions& options)
    : env_(env),
      options_(options),
      ready_loop_(env),
      transport_(env.executor, env.clock, env.network,
                 TransportOptionsOf(options)),
      wake_(env.executor.NewEvent()),
      ticks_(options.tick_interval, options.max_catch_up_ticks) {
  ready_loop_.set_before_persist([this] { FlushMessages(); });
}

Store::~Store() {
  if (server_ != nullptr) server_->Close();
  transport_.Close();
}

PeerFsmOptions Store::PeerOptionsFor(const metapb::Peer& peer, Region region,
                                     bool initialized) const {
  return PeerFsmOptions{
      .store_id = options_.store_id,
      .peer = peer,
      .region = std::move(region),
      .initialized = initialized,
      .raft = options_.raft,
      .raft_entry_max_size_bytes = options_.raft_entry_max_size_bytes,
      .max_pending_proposals = options_.max_pending_proposals_per_region,
      .raft_log_gc = options_.raft_log_gc,
      .hibernate = options_.hibernate,
      .leader_transfer_max_log_lag = options_.leader_transfer_max_log_lag};
}

absl::Status Store::Recover() {
  auto states = LoadRegionStates(env_.engine);
  if (!states.ok()) return states.status();
  for (const raft_serverpb::RegionLocalState& state : *states) {
    if (state.state() == raft_serverpb::Tombstone) {
      tombstones_[state.region().id()] = state.region();
      continue;
    }
    auto region = FromMetapb(state.region());
    const bool merging = state.state() == raft_serverpb::Merging;
    if ((state.state() != raft_serverpb::Normal && !merging) || !region.ok()) {
      return absl::DataLossError("region " +
                                 std::to_string(state.region().id()) +
                                 " has an unusable local state");
    }
    const core::region::Peer* own = region->FindPeerOnStore(store_id());
    if (own == nullptr) {
      return absl::DataLossError("region " + std::to_string(region->id) +
                                 " has no peer on this store");
    }
    PeerFsmOptions options =
        PeerOptionsFor(core::region::ToMetapb(*own), *std::move(region), true);
    if (merging) options.merge_state = state.merge_state();
    auto fsm = PeerFsm::Create(env_, options, this);
    if (!fsm.ok()) return fsm.status();
    peers_[state.region().id()] = *std::move(fsm);
  }
  return absl::OkStatus();
}

void Store::Start() {
  CHECK(!started_ && !closed_) << "store " << store_id() << " started twice";
  env_.executor.Spawn("raftstore-boot", [this] { Boot(); });
}

void Store::Boot() {
  for (auto& [id, peer] : peers_) {
    absl::Status repaired = peer->raft_peer().WriteRecoveryRepairs();
    if (!repaired.ok()) return Halt(repaired);
  }
  auto server = store::transport::TransportServer::Start(
      env_.executor, env_.network,
      {.listen_address = options_.store_addresses.at(store_id()),
       .max_frame_bytes = options_.transport.max_frame_bytes},
      [this](const core::env::Address& from, std::string frame) {
        OnFrame(from, std::move(frame));
      });
  if (!server.ok()) return Halt(server.status());
  server_ = *std::move(server);
  started_ = true;
  ticks_.Start(env_.clock.NowMonotonic());
  env_.executor.Spawn("raftstore-tick", [this] { TickLoop(); });
  if (options_.id_source != nullptr) {
    env_.executor.Spawn("raftstore-split-check", [this] { SplitCheckLoop(); });
  }
  env_.executor.Spawn("raftstore-raft", [this] { RaftLoop(); });
  CampaignSoleVoters();
  wake_->Notify();
}

void Store::CampaignSoleVoters() {
  // A region whose only peer is this store's need not wait out an election
  // timeout (Ref: TiKV peer.rs Peer::new, "If this region has only one
  // peer and I am the one, campaign directly").
  for (auto& [id, peer] : peers_) {
    const std::vector<core::region::Peer>& peers = peer->region().peers;
    if (peers.size() == 1 && peers[0].store_id == store_id() &&
        peers[0].role == core::region::PeerRole::kVoter) {
      peer->Campaign();
    }
  }
}

void Store::Close() {
  if (closed_) return;
  closed_ = true;
  FailAllPending(ServerIsBusyError("the store is closed"));
  if (server_ != nullptr) server_->Close();
  transport_.Close();
  wake_->Notify();
}

void Store::Halt(const absl::Status& status) {
  if (halted_) return;
  halted_ = true;
  halt_status_ = status;
  FailAllPending(OtherError("the store halted: " + status.ToString()));
  if (server_ != nullptr) server_->Close();
  transport_.Close();
  wake_->Notify();
}

void Store::FailAllPending(const errorpb::Error& error) {
  for (auto& [id, peer] : peers_) peer->FailPending(error);
}

void Store::TickLoop() {
  while (!closed_ && !halted_) {
    env_.executor.SleepFor(options_.tick_interval);
    if (closed_ || halted_) return;
    CatchUpTicks();
  }
}

void Store::CatchUpTicks() {
  const int64_t due = ticks_.Due(env_.clock.NowMonotonic());
  bool ticked = false;
  for (int64_t i = 0; i < due; ++i) {
    for (auto& [id, peer] : peers_) {
      if (peer->Tick()) {
        ++stats_.peer_ticks;
        ticked = true;
      }
    }
  }
  // Sleeping peers need no Ready round (the split check fibre and
  // messages wake the raft fibre themselves).
  if (ticked) wake_->Notify();
}

void Store::RaftLoop() {
  while (!closed_ && !halted_) {
    wake_->Wait();
    wake_->Reset();
    if (closed_ || halted_) return;
    DrainInbox();
    HandleReadies();
  }
}

// ------------------------------------------------------------ commands

void Store::Propose(raft_cmdpb::RaftCmdRequest cmd, CommandCallback done) {
  const raft_cmdpb::RaftRequestHeader& header = cmd.header();
  if (closed_ || halted_ || !started_) {
    return done(
        ErrorResponse(ServerIsBusyError(started_ ? "the store is stopped"
                                                 : "the store is starting"),
                      header.uuid()));
  }
  if (header.peer().store_id() != 0 && header.peer().store_id() != store_id()) {
    return done(
        ErrorResponse(StoreNotMatchError(header.peer().store_id(), store_id()),
                      header.uuid()));
  }
  auto peer = peers_.find(header.region_id());
  if (peer == peers_.end()) {
    return done(
        ErrorResponse(RegionNotFoundError(header.region_id()), header.uuid()));
  }
  peer->second->Propose(std::move(cmd), std::move(done));
  wake_->Notify();
}

raft_cmdpb::RaftCmdResponse Store::ProposeAndWait(
    raft_cmdpb::RaftCmdRequest cmd) {
  std::unique_ptr<core::env::Event> answered = env_.executor.NewEvent();
  std::optional<raft_cmdpb::RaftCmdResponse> answer;
  Propose(std::move(cmd), [&](raft_cmdpb::RaftCmdResponse response) {
    answer = std::move(response);
    answered->Notify();
  });
  answered->Wait();
  return *std::move(answer);
}

// ------------------------------------------------------------ routing

void Store::OnFrame(const core::env::Address& from, std::string frame) {
  if (closed_ || halted_) return;
  if (IsSnapshotChunkFrame(frame)) return OnSnapshotChunk(from, frame);
  tikvpb::BatchRaftMessage batch;
  if (!batch.ParseFromString(frame)) {
    ++stats_.dropped_malformed;
    return;
  }
  for (raft_serverpb::RaftMessage& message : *batch.mutable_msgs()) {
    Enqueue(std::move(message));
  }
  wake_->Notify();
}

void Store::Enqueue(raft_serverpb::RaftMessage message) {
  if (message.to_peer().store_id() != store_id()) {
    ++stats_.dropped_store_not_match;
  } else if (inbox_.size() >= options_.inbox_capacity_messages) {
    ++stats_.dropped_inbox_full;
  } else {
    inbox_.push_back(std::move(message));
  }
}

void Store::OnSnapshotChunk(const core::env::Address& from,
                            std::string_view frame) {
  auto complete = snapshot_receiver_.Add(from, frame);
  if (!complete.ok()) {
    ++stats_.snapshot_chunks_dropped;
    return;
  }
  if (!complete->has_value()) return;
  ++stats_.snapshots_received;
  Enqueue(**std::move(complete));
  wake_->Notify();
}

bool Store::SendSnapshot(const raft_serverpb::RaftMessage& message,
                         const SnapshotSource& source) {
  auto address = options_.store_addresses.find(message.to_peer().store_id());
  if (address == options_.store_addresses.end()) {
    ++stats_.dropped_no_address;
    return false;
  }
  auto frames =
      EncodeSnapshotFrames(message, source, options_.snapshot_chunk_bytes);
  if (!frames.ok()) {
    Halt(frames.status());
    return false;
  }
  for (std::string& frame : frames->frames) {
    if (!transport_.Send(address->second, std::move(frame))) {
      ++stats_.snapshots_send_failed;
      return false;
    }
  }
  ++stats_.snapshots_sent;
  stats_.snapshot_data_bytes_sent += frames->data_bytes;
  stats_.snapshot_frame_bytes_sent += frames->frame_bytes;
  return true;
}

std::unique_ptr<core::engine::RangeIngester> Store::TakeReceivedSnapshot(
    uint64_t region_id, core::raft::Index index) {
  return snapshot_receiver_.Take(region_id, index);
}

void Store::DrainInbox() {
  while (!inbox_.empty() && !closed_ && !halted_) {
    raft_serverpb::RaftMessage message = std::move(inbox_.front());
    inbox_.pop_front();
    RouteRaftMessage(message);
  }
}

void Store::RouteRaftMessage(const raft_serverpb::RaftMessage& message) {
  if (!WellFormed(message)) {
    ++stats_.dropped_malformed;
    return;
  }
  auto live = peers_.find(message.region_id());
  if (live != peers_.end()) {
    PeerFsm& peer = *live->second;
    if (message.to_peer().id() < peer.peer_id()) {
      ++stats_.dropped_stale_peer;
      return;
    }
    if (message.to_peer().id() == peer.peer_id()) {
      if (message.is_tombstone()) return HandleGcMessage(peer, message);
      if (message.has_extra_msg()) return peer.OnExtraMessage(message);
      auto raft_message = core::region::FromEraftpb(message.message());
      if (!raft_message.ok()) {
        ++stats_.dropped_malformed;
        return;
      }
      return DeliverToLivePeer(peer, message, *raft_message);
    }
    // A newer peer of this store exists in the region: ours was removed
    // (and maybe re-added) while it was away.
    DestroyPeer(message.region_id());
  }
  if (message.is_tombstone()) {
    ++stats_.dropped_tombstone;
    return;
  }
  auto raft_message = core::region::FromEraftpb(message.message());
  if (!raft_message.ok()) {
    ++stats_.dropped_malformed;
    return;
  }
  MaybeCreatePeer(message, *raft_message);
}

void Store::DeliverToLivePeer(PeerFsm& peer,
                              const raft_serverpb::RaftMessage& message,
                              const core::raft::Message& raft_message) {
  if (raft_message.to != peer.peer_id() ||
      raft_message.from != message.from_peer().id()) {
    ++stats_.dropped_malformed;
    return;
  }
  if (raft_message.type == MessageType::kMsgSnap &&
      !SnapshotAcceptable(peer, raft_message)) {
    ++stats_.dropped_snapshot;
    return;
  }
  if (peer.OnRaftMessage(message, raft_message)) {
    ++stats_.messages_routed;
  } else {
    ++stats_.dropped_stale_epoch;
  }
}

void Store::MaybeCreatePeer(const raft_serverpb::RaftMessage& message,
                            const core::raft::Message& raft_message) {
  if (TombstoneRefuses(message)) {
    ++stats_.dropped_tombstone;
    return;
  }
  if (!IsInitialMessage(raft_message)) {
    ++stats_.dropped_not_initial;
    return;
  }
  if (const Region* overlapping = OverlappingRegion(
          message.region_id(), message.start_key(), message.end_key())) {
    ++stats_.dropped_overlap;
    const bool split_pending =
        overlapping->epoch.version < message.region_epoch().version();
    if (split_pending && raft_message.type != MessageType::kMsgHeartbeat) {
      RememberSplitVote(message);
    }
    return;
  }
  Region region;
  region.id = message.region_id();
  PeerFsm* peer =
      AddPeer(PeerOptionsFor(message.to_peer(), std::move(region), false));
  if (peer == nullptr) return;
  ++stats_.peers_created;
  DeliverToLivePeer(*peer, message, raft_message);
}

bool Store::TombstoneRefuses(const raft_serverpb::RaftMessage& message) const {
  auto tombstone = tombstones_.find(message.region_id());
  if (tombstone == tombstones_.end()) return false;
  const metapb::Region& region = tombstone->second;
  if (FromMetapb(message.region_epoch())
          .IsStaleComparedTo(FromMetapb(region.region_epoch()))) {
    return true;
  }
  for (const metapb::Peer& peer : region.peers()) {
    if (peer.store_id() == store_id() && message.to_peer().id() <= peer.id()) {
      return true;
    }
  }
  return false;
}

const Region* Store::OverlappingRegion(uint64_t region_id,
                                       const std::string& start_key,
                                       const std::string& end_key) const {
  for (const auto& [id, peer] : peers_) {
    if (id == region_id || !peer->initialized()) continue;
    const Region& region = peer->region();
    if (core::region::RangesOverlap(start_key, end_key, region.start_key,
                                    region.end_key)) {
      return &region;
    }
  }
  return nullptr;
}

void Store::RememberSplitVote(const raft_serverpb::RaftMessage& message) {
  constexpr size_t kMaxSplitVotes = 64;
  if (split_votes_.size() >= kMaxSplitVotes) split_votes_.pop_front();
  split_votes_.push_back(message);
}

void Store::ReplaySplitVotes(uint64_t region_id) {
  std::deque<raft_serverpb::RaftMessage> votes = std::move(split_votes_);
  split_votes_.clear();
  for (raft_serverpb::RaftMessage& vote : votes) {
    if (vote.region_id() == region_id) {
      RouteRaftMessage(vote);
    } else {
      split_votes_.push_back(std::move(vote));
    }
  }
}

bool Store::SnapshotAcceptable(const PeerFsm& peer,
                               const core::raft::Message& raft_message) {
  raft_serverpb::RaftSnapshotData data;
  if (!raft_message.snapshot.has_value() ||
      !data.ParseFromString(raft_message.snapshot->data)) {
    return false;
  }
  auto region = FromMetapb(data.region());
  if (!region.ok() || region->id != peer.region_id() ||
      region->FindPeer(peer.peer_id()) == nullptr ||
      !snapshot_receiver_.Has(region->id,
                              raft_message.snapshot->metadata.index)) {
    return false;
  }
  if (OverlappingRegion(region->id, region->start_key, region->end_key) !=
      nullptr) {
    return false;
  }
  for (const Region& pending : pending_snapshot_regions_) {
    if (pending.id != region->id &&
        core::region::RangesOverlap(region->start_key, region->end_key,
                                    pending.start_key, pending.end_key)) {
      return false;
    }
  }
  pending_snapshot_regions_.push_back(*std::move(region));
  return true;
}

void Store::HandleGcMessage(PeerFsm& peer,
                            const raft_serverpb::RaftMessage& gc) {
  // Only a region description newer than ours may say we were removed.
  // Ref: TiKV PeerFsm::handle_gc_peer_msg.
  if (!peer.region().epoch.IsStaleComparedTo(FromMetapb(gc.region_epoch()))) {
    ++stats_.dropped_stale_epoch;
    return;
  }
  DestroyPeer(peer.region_id());
}

PeerFsm* Store::AddPeer(const PeerFsmOptions& options) {
  auto fsm = PeerFsm::Create(env_, options, this);
  if (!fsm.ok()) {
    Halt(fsm.status());
    return nullptr;
  }
  PeerFsm* peer = fsm->get();
  absl::Status repaired = peer->raft_peer().WriteRecoveryRepairs();
  if (!repaired.ok()) {
    Halt(repaired);
    return nullptr;
  }
  tombstones_.erase(options.region.id);
  peers_[options.region.id] = *std::move(fsm);
  return peer;
}

// ------------------------------------------------------------ readies

void Store::HandleReadies() {
  std::vector<store::Peer*> ready;
  for (auto& [id, peer] : peers_) {
    if (peer->raft_peer().HasReady()) ready.push_back(&peer->raft_peer());
  }
  if (!ready.empty()) {
    ready_loop_.HandleReadies(ready);
  }
  FlushMessages();
  pending_snapshot_regions_.clear();
  CreateSplitPeers();
  std::vector<uint64_t> destroys = std::move(pending_destroys_);
  pending_destroys_.clear();
  for (uint64_t region_id : destroys) DestroyPeer(region_id);
  std::vector<uint64_t> merged = std::move(pending_merged_);
  pending_merged_.clear();
  for (uint64_t region_id : merged) DestroyPeer(region_id, true);
  for (auto& [id, peer] : peers_) {
    if (peer->raft_peer().HasReady()) return wake_->Notify();
  }
}

void Store::SendRaftMessage(raft_serverpb::RaftMessage message) {
  outbox_[message.to_peer().store_id()].push_back(std::move(message));
}

void Store::FlushMessages() {
  std::map<uint64_t, std::vector<raft_serverpb::RaftMessage>> outbox =
      std::move(outbox_);
  outbox_.clear();
  for (const auto& [to_store, messages] : outbox) {
    auto address = options_.store_addresses.find(to_store);
    if (address == options_.store_addresses.end()) {
      stats_.dropped_no_address += messages.size();
      for (const auto& message : messages) ReportUnreachable(message);
      continue;
    }
    std::vector<const raft_serverpb::RaftMessage*> batch;
    size_t batch_bytes = 0;
    for (const raft_serverpb::RaftMessage& message : messages) {
      const size_t bytes = message.ByteSizeLong();
      if (!batch.empty() && batch_bytes + bytes > options_.max_batch_bytes) {
        SendFrame(address->second, batch);
        batch.clear();
        batch_bytes = 0;
      }
      batch.push_back(&message);
      batch_bytes += bytes;
    }
    if (!batch.empty()) SendFrame(address->second, batch);
  }
}

void Store::SendFrame(
    const core::env::Address& address,
    const std::vector<const raft_serverpb::RaftMessage*>& batch) {
  tikvpb::BatchRaftMessage frame;
  for (const raft_serverpb::RaftMessage* message : batch) {
    *frame.add_msgs() = *message;
  }
  if (transport_.Send(address, frame.SerializeAsString())) {
    ++stats_.frames_sent;
    stats_.messages_sent += batch.size();
    return;
  }
  for (const raft_serverpb::RaftMessage* message : batch) {
    ReportUnreachable(*message);
  }
}

void Store::ReportUnreachable(const raft_serverpb::RaftMessage& message) {
  auto peer = peers_.find(message.region_id());
  if (peer == peers_.end()) return;
  peer->second->raft_peer().raw_node().ReportUnreachable(
      message.to_peer().id());
}

// ------------------------------------------------------------ lifecycle

std::vector<Region> Store::Regions() const {
  std::vector<Region> regions;
  for (const auto& [id, peer] : peers_) {
    if (peer->initialized()) regions.push_back(peer->region());
  }
  return regions;
}

const PeerFsm* Store::FindPeer(uint64_t region_id) const {
  auto peer = peers_.find(region_id);
  return peer == peers_.end() ? nullptr : peer->second.get();
}

std::optional<metapb::Region> Store::Tombstone(uint64_t region_id) const {
  auto tombstone = tombstones_.find(region_id);
  if (tombstone == tombstones_.end()) return std::nullopt;
  return tombstone->second;
}

std::optional<Region> Store::SiblingRegion(const Region& region) {
  std::optional<Region> right;
  for (const auto& [id, peer] : peers_) {
    if (id == region.id || !peer->initialized()) continue;
    const Region& other = peer->region();
    // Right-derived splits leave the new regions on the left.
    if (!region.start_key.empty() && other.end_key == region.start_key) {
      return other;
    }
    if (!region.end_key.empty() && other.start_key == region.end_key) {
      right = other;
    }
  }
  return right;
}

Store::ExistingPeer Store::PeerForSplit(uint64_t region_id) {
  auto peer = peers_.find(region_id);
  if (peer == peers_.end()) return {};
  if (peer->second->initialized()) return {.initialized = true};
  return {.hard_state = peer->second->raft_peer()
                            .storage()
                            .storage()
                            .GetInitialState()
                            .hard_state};
}

void Store::OnSplit(PeerFsm&, std::vector<Region> regions, bool was_leader) {
  pending_splits_.push_back({std::move(regions), was_leader});
}

void Store::OnRemoved(PeerFsm& peer) {
  pending_destroys_.push_back(peer.region_id());
}

void Store::SetStoreAddress(uint64_t store_id, core::env::Address address) {
  if (store_id == options_.store_id || address.empty()) return;
  options_.store_addresses[store_id] = std::move(address);
}

void Store::OnPeerHalt(PeerFsm&, const absl::Status& status) { Halt(status); }

void Store::CreateSplitPeers() {
  std::vector<PendingSplit> splits = std::move(pending_splits_);
  pending_splits_.clear();
  for (PendingSplit& split : splits) {
    // Ref: TiKV on_ready_split_region: the parent's leader reports (the
    // source sends it later: it never parks here).
    if (split.was_leader && options_.id_source != nullptr) {
      options_.id_source->ReportBatchSplit(split.regions);
    }
    for (Region& region : split.regions) {
      auto existing = peers_.find(region.id);
      if (existing != peers_.end()) {
        // An initialized peer caught up by snapshot and keeps its state;
        // an uninitialized one's state was replaced by the split's.
        if (existing->second->initialized()) continue;
        peers_.erase(existing);
      }
      const core::region::Peer* own = region.FindPeerOnStore(store_id());
      CHECK(own != nullptr) << "split region " << region.id
                            << " has no peer on store " << store_id();
      const metapb::Peer peer = core::region::ToMetapb(*own);
      PeerFsm* created = AddPeer(PeerOptionsFor(peer, std::move(region), true));
      if (created == nullptr) return;
      ++stats_.peers_created;
      // The parent's leader leads the new regions at once (Ref: TiKV
      // on_ready_split_region's maybe_campaign).
      if (split.was_leader) created->Campaign();
      ReplaySplitVotes(created->region_id());
    }
  }
}

void Store::DestroyPeer(uint64_t region_id, bool keep_data) {
  auto node = peers_.extract(region_id);
  if (node.empty()) return;
  std::unique_ptr<PeerFsm> peer = std::move(node.mapped());
  core::env::WriteBatch batch;
  tombstones_[region_id] = peer->AddDestroyWrites(&batch, keep_data);
  peer->FailPending(RegionNotFoundError(region_id));
  ++stats_.peers_destroyed;
  // Synced: a tombstone lost in a crash would bring the removed peer back.
  absl::Status status = env_.engine.Write(batch, {.sync = true});
  if (!status.ok()) Halt(status);
}

}  // namespace store::raftstore

namespace store::raftstore {

// ------------------------------------------------------------ merge

absl::Status Store::CatchUpMergeSource(
    const Region& source, core::raft::Index commit,
    const std::vector<core::raft::Entry>& entries,
    core::env::WriteBatch* batch) {
  auto peer = peers_.find(source.id);
  if (peer == peers_.end()) {
    return absl::FailedPreconditionError(
        "no peer of source region " + std::to_string(source.id) + " on store " +
        std::to_string(store_id()));
  }
  return peer->second->CatchUpForMerge(commit, entries, batch);
}

void Store::ScheduleMerge(PeerFsm& source) {
  if (!source.merge_state().has_value() ||
      merges_in_flight_.count(source.region_id()) > 0) {
    return;
  }
  auto target = peers_.find(source.merge_state()->target().id());
  if (target == peers_.end() || !target->second->is_leader()) return;
  std::optional<raft_cmdpb::RaftCmdRequest> cmd =
      source.CommitMergeCommand(target->second->peer());
  if (!cmd.has_value()) return;
  const uint64_t source_id = source.region_id();
  merges_in_flight_.insert(source_id);
  target->second->Propose(
      *std::move(cmd), [this, source_id](raft_cmdpb::RaftCmdResponse answer) {
        merges_in_flight_.erase(source_id);
        auto peer = peers_.find(source_id);
        if (peer != peers_.end()) peer->second->OnCommitMergeAnswer(answer);
      });
}

void Store::OnCommitMerge(PeerFsm&, uint64_t source_id) {
  pending_merged_.push_back(source_id);
}

}  // namespace store::raftstore
