#include "store/raftstore/peer_fsm.h"

#include <utility>

#include "core/base/check.h"
#include "core/region/eraftpb_convert.h"
#include "core/region/metapb_convert.h"
#include "store/peer/peer_storage.h"
#include "store/raftstore/keys.h"
#include "store/raftstore/local_state.h"
#include "store/raftstore/region_error.h"

namespace store::raftstore {
namespace {

using core::raft::MessageType;
using core::region::FromMetapb;
using core::region::ToMetapb;

bool IsVote(MessageType type) {
  return type == MessageType::kMsgVote || type == MessageType::kMsgPreVote;
}

}  // namespace

bool IsConfChangeCommand(const raft_cmdpb::RaftCmdRequest& cmd) {
  return cmd.has_admin_request() &&
         (cmd.admin_request().cmd_type() == raft_cmdpb::ChangePeer ||
          cmd.admin_request().cmd_type() == raft_cmdpb::ChangePeerV2);
}

core::region::EpochCheck EpochCheckFor(const raft_cmdpb::RaftCmdRequest& cmd) {
  if (!cmd.has_admin_request()) {
    return {.check_conf_ver = false, .check_version = true};
  }
  if (IsConfChangeCommand(cmd)) {
    return {.check_conf_ver = true, .check_version = false};
  }
  if (cmd.admin_request().cmd_type() == raft_cmdpb::CompactLog) {
    return {.check_conf_ver = false, .check_version = false};
  }
  return {.check_conf_ver = true, .check_version = true};
}

absl::StatusOr<std::unique_ptr<PeerFsm>> PeerFsm::Create(
    core::env::Env env, const PeerFsmOptions& options, PeerFsmHost* host) {
  CHECK_EQ(options.peer.store_id(), options.store_id);
  std::unique_ptr<PeerFsm> fsm(new PeerFsm(env, options, host));
  store::PeerOptions peer_options{.region_id = options.region.id,
                                  .raft = options.raft};
  peer_options.raft.id = options.peer.id();
  if (options.initialized) {
    peer_options.initial_conf_state = ConfStateOf(options.region);
  }
  auto peer = store::Peer::Create(env, peer_options, &fsm->applier_, fsm.get());
  if (!peer.ok()) return peer.status();
  fsm->peer_ = *std::move(peer);
  fsm->applier_.set_applied_index(fsm->peer_->applied_index());
  fsm->was_leader_ = fsm->is_leader();
  return fsm;
}

PeerFsm::PeerFsm(core::env::Env env, const PeerFsmOptions& options,
                 PeerFsmHost* host)
    : env_(env),
      options_(options),
      host_(host),
      applier_(env.engine, host, options.peer.id(), options.region,
               options.initialized) {
  applier_.set_merge_state(options.merge_state);
  applier_.set_on_applied(
      [this](core::raft::Index applied) { OnApplied(applied); });
}

bool PeerFsm::is_leader() const {
  return peer_->raw_node().raft().role() == core::raft::StateRole::kLeader;
}

std::optional<metapb::Peer> PeerFsm::leader() const {
  return FindPeer(peer_->raw_node().raft().lead());
}

std::optional<metapb::Peer> PeerFsm::FindPeer(uint64_t peer_id) const {
  if (peer_id == options_.peer.id()) return options_.peer;
  if (const core::region::Peer* member = region().FindPeer(peer_id)) {
    return ToMetapb(*member);
  }
  auto cached = peer_cache_.find(peer_id);
  if (cached == peer_cache_.end()) return std::nullopt;
  return cached->second;
}

std::optional<raft_cmdpb::RaftCmdResponse> PeerFsm::CheckEpochAtProposal(
    const raft_cmdpb::RaftCmdRequest& cmd) const {
  auto epoch = core::region::CheckEpoch(
      region(), FromMetapb(cmd.header().region_epoch()), EpochCheckFor(cmd));
  if (epoch.ok()) return std::nullopt;
  std::vector<metapb::Region> current = {ToMetapb(region())};
  if (auto sibling = host_->SiblingRegion(region())) {
    current.push_back(ToMetapb(*sibling));
  }
  return ErrorResponse(
      EpochNotMatchError(epoch.error().ToString(), std::move(current)));
}

std::optional<raft_cmdpb::RaftCmdResponse> PeerFsm::CheckProposal(
    const raft_cmdpb::RaftCmdRequest& cmd) const {
  const raft_cmdpb::RaftRequestHeader& header = cmd.header();
  if (!initialized()) {
    return ErrorResponse(RegionNotInitializedError(region_id()));
  }
  if (header.peer().id() != 0 && header.peer().id() != peer_id()) {
    return ErrorResponse(MismatchPeerIdError(header.peer().id(), peer_id()));
  }
  if (!is_leader()) return ErrorResponse(NotLeaderError(region_id(), leader()));
  if (header.term() != 0 && header.term() != peer_->raw_node().raft().term()) {
    return ErrorResponse(StaleCommandError("proposed for term " +
                                           std::to_string(header.term())));
  }
  if (cmd.has_admin_request() == (cmd.requests_size() > 0)) {
    return ErrorResponse(OtherError(
        "invalid command: exactly one admin request or some writes"));
  }
  const raft_cmdpb::AdminCmdType admin = cmd.admin_request().cmd_type();
  if (cmd.has_admin_request() && !IsConfChangeCommand(cmd) &&
      admin != raft_cmdpb::BatchSplit && admin != raft_cmdpb::CompactLog &&
      admin != raft_cmdpb::TransferLeader &&
      admin != raft_cmdpb::PrepareMerge && admin != raft_cmdpb::CommitMerge &&
      admin != raft_cmdpb::RollbackMerge) {
    return ErrorResponse(OtherError("invalid command: admin command " +
                                    std::to_string(admin) +
                                    " is not supported"));
  }
  if (auto merging = CheckMerging(cmd)) return merging;
  // RollbackMerge carries no epoch: the source's own, bumped by PrepareMerge.
  if (admin == raft_cmdpb::RollbackMerge && cmd.has_admin_request()) {
    return std::nullopt;
  }
  if (auto stale = CheckEpochAtProposal(cmd)) return stale;
  if (auto bad = CheckWrites(cmd, region())) return bad;
  if (proposals_.size() >= options_.max_pending_proposals) {
    return ErrorResponse(ServerIsBusyError("too many pending proposals"));
  }
  return std::nullopt;
}

void PeerFsm::Propose(raft_cmdpb::RaftCmdRequest cmd, CommandCallback done) {
  if (hibernated_) WakeUp(/*tell_leader=*/true);
  const std::string& uuid = cmd.header().uuid();
  auto refusal = CheckProposal(cmd);
  if (!refusal.has_value() &&
      cmd.admin_request().cmd_type() == raft_cmdpb::PrepareMerge) {
    refusal = PreProposePrepareMerge(&cmd);
  }
  if (refusal.has_value()) {
    refusal->mutable_header()->set_uuid(uuid);
    return done(*std::move(refusal));
  }
  if (cmd.admin_request().cmd_type() == raft_cmdpb::TransferLeader) {
    raft_cmdpb::RaftCmdResponse answer = ProposeTransferLeader(cmd);
    answer.mutable_header()->set_uuid(uuid);
    return done(std::move(answer));
  }
  const size_t size = cmd.ByteSizeLong();
  if (size > options_.raft_entry_max_size_bytes) {
    return done(ErrorResponse(RaftEntryTooLargeError(region_id(), size), uuid));
  }
  core::raft::RawNode& raw_node = peer_->raw_node();
  const core::raft::StepResult proposed =
      IsConfChangeCommand(cmd) ? raw_node.ProposeConfChange(ConfChangeOf(cmd))
                               : raw_node.Propose(cmd.SerializeAsString());
  if (!proposed.ok()) {
    // A leader handing over its leadership takes no proposals; the client
    // is told the transferee leads (it will, or answers with who does), as
    // a region error it retries on, not a storage error it gives up on.
    const core::raft::NodeId transferee = raw_node.raft().lead_transferee();
    if (transferee != core::raft::kNone) {
      return done(ErrorResponse(
          NotLeaderError(region_id(), FindPeer(transferee)), uuid));
    }
    return done(ErrorResponse(
        OtherError("proposal dropped: " +
                   core::raft::DescribeStepError(proposed.error())),
        uuid));
  }
  const core::raft::Index index = raw_node.raft().raft_log().LastIndex();
  // Entries of an earlier term that this new one replaced.
  while (!proposals_.empty() && proposals_.back().index >= index) {
    Proposal replaced = std::move(proposals_.back());
    proposals_.pop_back();
    replaced.done(ErrorResponse(StaleCommandError("its entry was replaced"),
                                replaced.uuid));
  }
  proposals_.push_back({index, raw_node.raft().term(), uuid, std::move(done)});
}

bool PeerFsm::OnRaftMessage(const raft_serverpb::RaftMessage& envelope,
                            const core::raft::Message& message) {
  const metapb::Peer& from = envelope.from_peer();
  peer_cache_[from.id()] = from;
  const bool stale_epoch =
      FromMetapb(envelope.region_epoch()).IsStaleComparedTo(region().epoch);
  if (initialized() && stale_epoch &&
      region().FindPeerOnStore(from.store_id()) == nullptr) {
    // The sender left the region while it was away. Ref: TiKV
    // PeerFsm::check_msg cases (b) and (d).
    if (IsVote(message.type)) SendGcMessage(envelope);
    return false;
  }
  if (hibernated_) WakeUp(/*tell_leader=*/false);
  (void)core::base::Ignore(peer_->raw_node().Step(message));
  return true;
}

void PeerFsm::SendGcMessage(const raft_serverpb::RaftMessage& stale) {
  raft_serverpb::RaftMessage gc;
  gc.set_region_id(region_id());
  *gc.mutable_from_peer() = options_.peer;
  *gc.mutable_to_peer() = stale.from_peer();
  *gc.mutable_region_epoch() = ToMetapb(region().epoch);
  gc.set_is_tombstone(true);
  host_->SendRaftMessage(std::move(gc));
}

raft_cmdpb::RaftCmdResponse PeerFsm::ProposeTransferLeader(
    const raft_cmdpb::RaftCmdRequest& cmd) {
  const uint64_t target = cmd.admin_request().transfer_leader().peer().id();
  const core::region::Peer* member = region().FindPeer(target);
  if (member == nullptr || member->role != core::region::PeerRole::kVoter) {
    return ErrorResponse(OtherError("transfer leader refused: peer " +
                                    std::to_string(target) +
                                    " is not a voter of the region"));
  }
  if (region().InJointState()) {
    return ErrorResponse(
        OtherError("transfer leader refused: a conf change is pending"));
  }
  const core::raft::Raft& raft = peer_->raw_node().raft();
  const core::raft::tracker::Progress* progress = raft.tracker().Find(target);
  const core::raft::Index last = raft.raft_log().LastIndex();
  if (progress == nullptr ||
      progress->match + options_.leader_transfer_max_log_lag < last) {
    return ErrorResponse(OtherError(
        "transfer leader refused: peer " + std::to_string(target) +
        " lags (matched " + std::to_string(progress ? progress->match : 0) +
        ", last index " + std::to_string(last) + ")"));
  }
  if (target != peer_id()) {
    (void)core::base::Ignore(peer_->raw_node().TransferLeader(target));
  }
  raft_cmdpb::RaftCmdResponse response;
  response.mutable_admin_response()->set_cmd_type(raft_cmdpb::TransferLeader);
  response.mutable_admin_response()->mutable_transfer_leader();
  return response;
}

bool PeerFsm::Tick() {
  if (hibernated_) {
    if (!is_leader() &&
        ++hibernated_ticks_ >= options_.hibernate.follower_wake_ticks) {
      WakeUp(/*tell_leader=*/true);
    }
    return false;
  }
  MaybeHibernate();
  if (hibernated_) return false;
  ++raft_ticks_;
  peer_->raw_node().Tick();
  ExpireReads();
  if (++raft_log_gc_ticks_ >= options_.raft_log_gc.tick_interval_ticks) {
    raft_log_gc_ticks_ = 0;
    OnRaftLogGcTick();
  }
  if (merge_state().has_value() &&
      ++merge_check_ticks_ >= options_.merge_check_tick_interval_ticks) {
    merge_check_ticks_ = 0;
    host_->ScheduleMerge(*this);
  }
  return true;
}

void PeerFsm::OnRaftLogGcTick() {
  // A merging source keeps its log after min_index for its CommitMerge.
  if (!initialized() || !is_leader() || merge_state().has_value()) return;
  const core::raft::Raft& raft = peer_->raw_node().raft();
  const std::optional<core::raft::Index> compact_index = RaftLogGcCompactIndex(
      RaftLogGcStateOf(raft, peer_->applied_index()), options_.raft_log_gc);
  if (!compact_index.has_value()) return;
  const core::raft::Term term = raft.raft_log().ZeroTermOnError(*compact_index);
  if (term == 0) return;
  Propose(CompactLogCommand(region_id(), options_.peer,
                            ToMetapb(region().epoch), *compact_index, term),
          [](raft_cmdpb::RaftCmdResponse) {});
}

void PeerFsm::Campaign() {
  (void)core::base::Ignore(peer_->raw_node().Campaign());
}

bool PeerFsm::Send(RegionId, const core::raft::Message& message) {
  const std::optional<metapb::Peer> to = FindPeer(message.to);
  if (!to.has_value()) return false;
  raft_serverpb::RaftMessage envelope;
  envelope.set_region_id(region_id());
  *envelope.mutable_from_peer() = options_.peer;
  *envelope.mutable_to_peer() = *to;
  *envelope.mutable_region_epoch() = ToMetapb(region().epoch);
  *envelope.mutable_message() = core::region::ToEraftpb(message);
  // The range lets the receiving store decide whether it may create the
  // peer (maybe_create_peer's overlap check).
  if (initialized()) {
    envelope.set_start_key(region().start_key);
    envelope.set_end_key(region().end_key);
  }
  if (message.type == core::raft::MessageType::kMsgSnap) {
    // A snapshot made before the latest one is not sendable any more: the
    // leader retries with the latest.
    std::optional<SnapshotSource> source =
        message.snapshot.has_value()
            ? applier_.SnapshotSourceAt(message.snapshot->metadata.index)
            : std::nullopt;
    return source.has_value() && host_->SendSnapshot(envelope, *source);
  }
  host_->SendRaftMessage(std::move(envelope));
  return true;
}

void PeerFsm::OnHalt(const absl::Status& status) {
  host_->OnPeerHalt(*this, status);
}

void PeerFsm::FailFront(const std::string& why) {
  Proposal proposal = std::move(proposals_.front());
  proposals_.pop_front();
  proposal.done(ErrorResponse(StaleCommandError(why), proposal.uuid));
}

void PeerFsm::Answer(const AppliedCommand& command) {
  while (!proposals_.empty() && proposals_.front().index < command.index) {
    FailFront("its entry was replaced");
  }
  if (proposals_.empty() || proposals_.front().index != command.index) return;
  if (proposals_.front().term != command.term) {
    return FailFront("its entry was replaced in term " +
                     std::to_string(command.term));
  }
  Proposal proposal = std::move(proposals_.front());
  proposals_.pop_front();
  proposal.done(command.response);
}

void PeerFsm::FailPending(const errorpb::Error& error) {
  FailReads(error);
  std::deque<Proposal> failed = std::move(proposals_);
  proposals_.clear();
  for (Proposal& proposal : failed) {
    proposal.done(ErrorResponse(error, proposal.uuid));
  }
}

void PeerFsm::OnApplied(core::raft::Index applied_index) {
  ApplyResults results = applier_.TakeResults();
  for (const AppliedCommand& command : results.commands) Answer(command);
  while (!proposals_.empty() && proposals_.front().index <= applied_index) {
    FailFront("its entry was applied without it");
  }
  const bool leader = is_leader();
  if (was_leader_ && !leader) {
    FailPending(StaleCommandError("the leader stepped down"));
  }
  was_leader_ = leader;
  if (results.compact_log_index.has_value()) {
    absl::Status compacted = peer_->CompactLogTo(*results.compact_log_index);
    if (!compacted.ok()) return peer_->Halt(compacted);
  }
  // The snapshot a new member gets must name it, or it refuses it.
  // So does the one a new leader sends after installing a snapshot: it
  // pins the engine's state there (snapshot.h). After a split it must have
  // the shrunk range: the old one overlaps the new siblings on the
  // receiving store, which refuses it forever (the cluster sweep).
  if ((results.membership_changed || results.snapshot_applied ||
       !results.split_regions.empty()) &&
      !results.removed_self) {
    absl::Status refreshed = peer_->RefreshSnapshot();
    if (!refreshed.ok()) return peer_->Halt(refreshed);
  }
  if (!results.split_regions.empty()) {
    host_->OnSplit(*this, std::move(results.split_regions), leader);
  }
  if (results.prepare_merge_applied) host_->ScheduleMerge(*this);
  if (results.merged_source_id.has_value()) {
    host_->OnCommitMerge(*this, *results.merged_source_id);
  }
  if (results.removed_self) host_->OnRemoved(*this);
}

metapb::Region PeerFsm::AddDestroyWrites(core::env::WriteBatch* batch,
                                         bool keep_data) const {
  // The tombstone names the destroyed peer (a removed or uninitialized one
  // is not in its region), so that messages to it, or to older peers of
  // this store, are refused.
  metapb::Region tombstone = ToMetapb(region());
  if (region().FindPeer(peer_id()) == nullptr) {
    *tombstone.add_peers() = options_.peer;
  }
  RegionStateWrite(tombstone, raft_serverpb::Tombstone, batch);
  store::ClearPeerStateWrite(region_id(), batch);
  if (initialized() && !keep_data) {
    for (core::env::Cf cf : kDataCfs) {
      batch->DeleteRange(cf, DataKey(region().start_key),
                         DataEndKey(region().end_key));
    }
  }
  return tombstone;
}

}  // namespace store::raftstore
