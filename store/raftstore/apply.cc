#include "store/raftstore/apply.h"

#include <algorithm>
#include <utility>
#include <variant>

#include "core/base/check.h"
#include "core/base/mutant.h"
#include "core/region/conf_change.h"
#include "core/region/eraftpb_convert.h"
#include "core/region/metapb_convert.h"
#include "core/region/split_merge.h"
#include "proto/raft_serverpb.pb.h"
#include "store/raftstore/keys.h"
#include "store/raftstore/local_state.h"
#include "store/raftstore/region_error.h"

namespace store::raftstore {
namespace {

using core::base::MakeErr;
using core::env::Cf;
using core::region::FromMetapb;
using core::region::Region;
using core::region::ToMetapb;

std::string RegionName(const Region& region) {
  return "region " + std::to_string(region.id);
}

// The key lies in [start, end) of `region`, or the error response.
std::optional<raft_cmdpb::RaftCmdResponse> CheckKey(std::string_view key,
                                                    const Region& region) {
  if (region.ContainsKey(key)) return std::nullopt;
  return ErrorResponse(KeyNotInRegionError(key, ToMetapb(region)));
}

std::optional<raft_cmdpb::RaftCmdResponse> CheckCf(const std::string& cf) {
  if (DataCfFromName(cf).has_value()) return std::nullopt;
  return ErrorResponse(
      OtherError("invalid command: unknown column family \"" + cf + "\""));
}

// DeleteRange [start, end) must lie inside the region; an empty end means
// the region's end.
std::optional<raft_cmdpb::RaftCmdResponse> CheckRange(
    const raft_cmdpb::DeleteRangeRequest& range, const Region& region) {
  if (auto bad = CheckKey(range.start_key(), region)) return bad;
  const std::string& end = range.end_key();
  if (!end.empty() && end <= range.start_key()) {
    return ErrorResponse(OtherError("invalid command: delete range end " +
                                    core::base::EscapeBytes(end) +
                                    " not above its start"));
  }
  if (core::region::CompareEndKeys(end, region.end_key) > 0) {
    return ErrorResponse(KeyNotInRegionError(end, ToMetapb(region)));
  }
  return std::nullopt;
}

void AddWrite(const raft_cmdpb::Request& request, const Region& region,
              core::env::WriteBatch* batch) {
  switch (request.cmd_type()) {
    case raft_cmdpb::Put:
      batch->Put(*DataCfFromName(request.put().cf()),
                 DataKey(request.put().key()), request.put().value());
      return;
    case raft_cmdpb::Delete:
      batch->Delete(*DataCfFromName(request.delete_().cf()),
                    DataKey(request.delete_().key()));
      return;
    case raft_cmdpb::DeleteRange: {
      const raft_cmdpb::DeleteRangeRequest& range = request.delete_range();
      if (range.notify_only()) return;
      const std::string& end =
          range.end_key().empty() ? region.end_key : range.end_key();
      batch->DeleteRange(*DataCfFromName(range.cf()),
                         DataKey(range.start_key()), DataEndKey(end));
      return;
    }
    default:
      UNREACHABLE() << "checked by CheckWrites";
  }
}

raft_cmdpb::Response WriteResponse(raft_cmdpb::CmdType type) {
  raft_cmdpb::Response response;
  response.set_cmd_type(type);
  if (type == raft_cmdpb::Put) response.mutable_put();
  if (type == raft_cmdpb::Delete) response.mutable_delete_();
  if (type == raft_cmdpb::DeleteRange) response.mutable_delte_range();
  return response;
}

core::region::ConfChangeType ChangeTypeOf(eraftpb::ConfChangeType type) {
  switch (type) {
    case eraftpb::AddNode:
      return core::region::ConfChangeType::kAddNode;
    case eraftpb::AddLearnerNode:
      return core::region::ConfChangeType::kAddLearnerNode;
    default:
      return core::region::ConfChangeType::kRemoveNode;
  }
}

core::raft::ConfChangeType RaftChangeTypeOf(eraftpb::ConfChangeType type) {
  switch (type) {
    case eraftpb::AddNode:
      return core::raft::ConfChangeType::kAddNode;
    case eraftpb::AddLearnerNode:
      return core::raft::ConfChangeType::kAddLearnerNode;
    default:
      return core::raft::ConfChangeType::kRemoveNode;
  }
}

std::vector<core::region::PeerChange> PeerChangesOf(
    const raft_cmdpb::AdminRequest& admin) {
  std::vector<core::region::PeerChange> changes;
  auto add = [&](const raft_cmdpb::ChangePeerRequest& change) {
    changes.push_back({ChangeTypeOf(change.change_type()),
                       {change.peer().id(), change.peer().store_id()}});
  };
  if (admin.cmd_type() == raft_cmdpb::ChangePeer) add(admin.change_peer());
  for (const auto& change : admin.change_peer_v2().changes()) add(change);
  return changes;
}

raft_cmdpb::RaftCmdResponse EpochErrorResponse(
    const core::region::EpochNotMatch& stale, const Region& region) {
  return ErrorResponse(
      EpochNotMatchError(stale.ToString(), {ToMetapb(region)}));
}

// A split's or a membership change's refusal: EpochNotMatch with the
// current region, or the reason.
template <typename... Errors>
raft_cmdpb::RaftCmdResponse RefusalResponse(
    const std::variant<Errors...>& error, const Region& region) {
  if (const auto* stale = std::get_if<core::region::EpochNotMatch>(&error)) {
    return EpochErrorResponse(*stale, region);
  }
  return ErrorResponse(OtherError(core::region::ErrorToString(error)));
}

}  // namespace

std::optional<raft_cmdpb::RaftCmdResponse> CheckWrites(
    const raft_cmdpb::RaftCmdRequest& cmd, const Region& region) {
  for (const raft_cmdpb::Request& request : cmd.requests()) {
    std::optional<raft_cmdpb::RaftCmdResponse> bad;
    switch (request.cmd_type()) {
      case raft_cmdpb::Put:
        if (!(bad = CheckCf(request.put().cf()))) {
          bad = CheckKey(request.put().key(), region);
        }
        break;
      case raft_cmdpb::Delete:
        if (!(bad = CheckCf(request.delete_().cf()))) {
          bad = CheckKey(request.delete_().key(), region);
        }
        break;
      case raft_cmdpb::DeleteRange:
        if (!(bad = CheckCf(request.delete_range().cf()))) {
          bad = CheckRange(request.delete_range(), region);
        }
        break;
      default:
        bad = ErrorResponse(OtherError("invalid command: request type " +
                                       std::to_string(request.cmd_type()) +
                                       " is not a write"));
    }
    if (bad.has_value()) return bad;
  }
  return std::nullopt;
}

core::raft::ConfChange ConfChangeOf(const raft_cmdpb::RaftCmdRequest& cmd) {
  const raft_cmdpb::AdminRequest& admin = cmd.admin_request();
  core::raft::ConfChange change;
  auto add = [&](const raft_cmdpb::ChangePeerRequest& single) {
    change.changes.push_back(
        {RaftChangeTypeOf(single.change_type()), single.peer().id()});
  };
  if (admin.cmd_type() == raft_cmdpb::ChangePeer) {
    add(admin.change_peer());
  } else {
    for (const auto& single : admin.change_peer_v2().changes()) add(single);
    // Several changes enter a joint configuration, which PD leaves with a
    // ChangePeerV2 of no changes (explicitly, as TiKV's leave-joint step).
    if (!change.changes.empty()) {
      change.transition = core::raft::ConfChangeTransition::kJointExplicit;
    }
  }
  change.context = cmd.SerializeAsString();
  return change;
}

RegionApplier::RegionApplier(core::env::Engine& engine, ApplyHost* host,
                             uint64_t peer_id, Region region, bool initialized)
    : engine_(engine),
      host_(host),
      peer_id_(peer_id),
      region_(std::move(region)),
      initialized_(initialized) {}

ApplyResults RegionApplier::TakeResults() {
  ApplyResults out = std::move(results_);
  results_ = ApplyResults{};
  return out;
}

void RegionApplier::Answer(const Entry& entry,
                           const raft_cmdpb::RaftCmdRequest& cmd,
                           raft_cmdpb::RaftCmdResponse response) {
  response.mutable_header()->set_uuid(cmd.header().uuid());
  response.mutable_header()->set_current_term(entry.term);
  results_.commands.push_back({entry.index, entry.term, std::move(response)});
}

namespace {
std::optional<core::region::Peer> FindPeerCopy(const Region& region,
                                               uint64_t peer_id) {
  const core::region::Peer* peer = region.FindPeer(peer_id);
  return peer == nullptr ? std::nullopt
                         : std::optional<core::region::Peer>(*peer);
}
}  // namespace

void RegionApplier::SetRegion(const Region& region,
                              core::env::WriteBatch* batch) {
  RegionStateWrite(
      ToMetapb(region),
      merge_state_.has_value() ? raft_serverpb::Merging : raft_serverpb::Normal,
      batch, merge_state_);
  region_ = region;
}

absl::Status RegionApplier::ApplyEntry(const Entry& entry,
                                       core::env::WriteBatch* batch) {
  raft_cmdpb::RaftCmdRequest cmd;
  if (!cmd.ParseFromString(entry.data)) {
    return absl::DataLossError(RegionName(region_) +
                               ": undecodable command at index " +
                               std::to_string(entry.index));
  }
  if (merged_) return absl::OkStatus();
  raft_cmdpb::RaftCmdResponse response;
  const raft_cmdpb::AdminCmdType admin = cmd.admin_request().cmd_type();
  if (!cmd.has_admin_request()) {
    response = ExecWrites(cmd, batch);
  } else if (admin == raft_cmdpb::BatchSplit) {
    response = ExecBatchSplit(cmd, batch);
  } else if (admin == raft_cmdpb::CompactLog) {
    response = ExecCompactLog(cmd);
  } else if (admin == raft_cmdpb::PrepareMerge) {
    response = ExecPrepareMerge(cmd, entry.index, batch);
  } else if (admin == raft_cmdpb::CommitMerge) {
    response = ExecCommitMerge(cmd, batch);
  } else if (admin == raft_cmdpb::RollbackMerge) {
    response = ExecRollbackMerge(cmd, batch);
  } else {
    response = ErrorResponse(OtherError(
        "invalid command: admin command " +
        std::to_string(cmd.admin_request().cmd_type()) + " in a normal entry"));
  }
  if (!apply_failure_.ok()) return std::exchange(apply_failure_, {});
  Answer(entry, cmd, std::move(response));
  return absl::OkStatus();
}

raft_cmdpb::RaftCmdResponse RegionApplier::ExecWrites(
    const raft_cmdpb::RaftCmdRequest& cmd, core::env::WriteBatch* batch) {
  auto epoch = core::region::CheckEpoch(
      region_, FromMetapb(cmd.header().region_epoch()),
      {.check_conf_ver = false, .check_version = true});
  if (!epoch.ok()) return EpochErrorResponse(epoch.error(), region_);
  if (merge_state_.has_value()) {
    return ErrorResponse(ProposalInMergingModeError(region_.id));
  }
  if (auto bad = CheckWrites(cmd, region_)) return *std::move(bad);
  raft_cmdpb::RaftCmdResponse response;
  for (const raft_cmdpb::Request& request : cmd.requests()) {
    AddWrite(request, region_, batch);
    *response.add_responses() = WriteResponse(request.cmd_type());
  }
  return response;
}

raft_cmdpb::RaftCmdResponse RegionApplier::ExecCompactLog(
    const raft_cmdpb::RaftCmdRequest& cmd) {
  // No epoch check (Ref: TiKV admin_cmd_epoch_lookup): the log is the
  // replica's own, whatever the region became.
  const core::raft::Index index =
      cmd.admin_request().compact_log().compact_index();
  if (index == 0) {
    return ErrorResponse(OtherError("invalid command: compact index 0"));
  }
  results_.compact_log_index =
      std::max(results_.compact_log_index.value_or(0), index);
  raft_cmdpb::RaftCmdResponse response;
  response.mutable_admin_response()->set_cmd_type(raft_cmdpb::CompactLog);
  response.mutable_admin_response()->mutable_compact_log();
  return response;
}

raft_cmdpb::RaftCmdResponse RegionApplier::ExecBatchSplit(
    const raft_cmdpb::RaftCmdRequest& cmd, core::env::WriteBatch* batch) {
  const raft_cmdpb::BatchSplitRequest& splits = cmd.admin_request().splits();
  core::region::SplitRequest request{
      .epoch = FromMetapb(cmd.header().region_epoch()),
      .right_derive = splits.right_derive()};
  for (const raft_cmdpb::SplitRequest& split : splits.requests()) {
    request.split_keys.push_back(split.split_key());
    request.new_ids.push_back(
        {split.new_region_id(),
         {split.new_peer_ids().begin(), split.new_peer_ids().end()}});
  }
  if (merge_state_.has_value()) {
    return ErrorResponse(ProposalInMergingModeError(region_.id));
  }
  auto regions = core::region::Split(region_, request);
  if (!regions.ok()) return RefusalResponse(regions.error(), region_);
  raft_cmdpb::RaftCmdResponse response;
  raft_cmdpb::AdminResponse* admin = response.mutable_admin_response();
  admin->set_cmd_type(raft_cmdpb::BatchSplit);
  for (const Region& region : *regions) {
    *admin->mutable_splits()->add_regions() = ToMetapb(region);
    if (region.id == region_.id) continue;
    const ApplyHost::ExistingPeer existing = host_->PeerForSplit(region.id);
    // A peer that caught up by snapshot already has a newer state.
    if (!existing.initialized) {
      InitialRegionWrite(region, existing.hard_state, batch);
    }
  }
  for (Region region : *regions) {
    if (region.id != region_.id) continue;
    // MUTANT: the old region keeps its whole range (with the new epoch), so
    // it goes on serving the keys the split moved to its new siblings.
    if (MUTANT(RAFTSTORE_SPLIT_KEEPS_OLD_RANGE)) {
      region.start_key = region_.start_key;
      region.end_key = region_.end_key;
    }
    SetRegion(region, batch);
  }
  results_.split_regions = *regions;
  return response;
}

// ---------------------------------------------------------------- merge

raft_cmdpb::RaftCmdResponse RegionApplier::ExecPrepareMerge(
    const raft_cmdpb::RaftCmdRequest& cmd, core::raft::Index index,
    core::env::WriteBatch* batch) {
  // Ref: TiKV apply.rs exec_prepare_merge.
  const raft_cmdpb::PrepareMergeRequest& prepare =
      cmd.admin_request().prepare_merge();
  auto epoch =
      core::region::CheckEpoch(region_, FromMetapb(cmd.header().region_epoch()),
                               core::region::EpochCheck{});
  if (!epoch.ok()) return EpochErrorResponse(epoch.error(), region_);
  if (merge_state_.has_value()) {
    return ErrorResponse(ProposalInMergingModeError(region_.id));
  }
  auto target = FromMetapb(prepare.target());
  if (!target.ok()) {
    return ErrorResponse(OtherError("invalid command: bad merge target"));
  }
  // Adjacent, aligned peers, neither joint: what CommitMerge will need.
  auto merged =
      core::region::Merge(region_, *target, {region_.epoch, target->epoch});
  if (!merged.ok()) return RefusalResponse(merged.error(), region_);
  Region source = region_;
  ++source.epoch.version;
  ++source.epoch.conf_ver;
  raft_serverpb::MergeState state;
  state.set_min_index(prepare.min_index());
  *state.mutable_target() = prepare.target();
  state.set_commit(index);
  merge_state_ = state;
  SetRegion(source, batch);
  results_.prepare_merge_applied = true;
  raft_cmdpb::RaftCmdResponse response;
  response.mutable_admin_response()->set_cmd_type(raft_cmdpb::PrepareMerge);
  response.mutable_admin_response()->mutable_prepare_merge();
  return response;
}

raft_cmdpb::RaftCmdResponse RegionApplier::ExecCommitMerge(
    const raft_cmdpb::RaftCmdRequest& cmd, core::env::WriteBatch* batch) {
  // Ref: TiKV apply.rs exec_commit_merge.
  const raft_cmdpb::CommitMergeRequest& commit =
      cmd.admin_request().commit_merge();
  auto epoch =
      core::region::CheckEpoch(region_, FromMetapb(cmd.header().region_epoch()),
                               core::region::EpochCheck{});
  if (!epoch.ok()) return EpochErrorResponse(epoch.error(), region_);
  if (merge_state_.has_value()) {
    return ErrorResponse(ProposalInMergingModeError(region_.id));
  }
  auto source = FromMetapb(commit.source());
  if (!source.ok()) {
    return ErrorResponse(OtherError("invalid command: bad merge source"));
  }
  auto merged =
      core::region::Merge(*source, region_, {source->epoch, region_.epoch});
  if (!merged.ok()) return RefusalResponse(merged.error(), region_);
  std::vector<core::raft::Entry> entries;
  for (const eraftpb::Entry& e : commit.entries()) {
    auto entry = core::region::FromEraftpb(e);
    if (!entry.ok()) {
      return ErrorResponse(OtherError("invalid command: bad source entry"));
    }
    entries.push_back(*std::move(entry));
  }
  absl::Status caught_up =
      host_->CatchUpMergeSource(*source, commit.commit(), entries, batch);
  if (!caught_up.ok()) {
    // Every replica must apply alike: a target that cannot take its
    // source's range stops (ApplyEntry's error halts the peer).
    apply_failure_ = absl::FailedPreconditionError(
        RegionName(region_) + ": cannot merge region " +
        std::to_string(source->id) + ": " + caught_up.ToString());
    return ErrorResponse(OtherError(apply_failure_.ToString()));
  }
  SetRegion(*merged, batch);
  results_.merged_source_id = source->id;
  raft_cmdpb::RaftCmdResponse response;
  response.mutable_admin_response()->set_cmd_type(raft_cmdpb::CommitMerge);
  response.mutable_admin_response()->mutable_commit_merge();
  return response;
}

raft_cmdpb::RaftCmdResponse RegionApplier::ExecRollbackMerge(
    const raft_cmdpb::RaftCmdRequest& cmd, core::env::WriteBatch* batch) {
  // Ref: TiKV apply.rs exec_rollback_merge: no epoch check (the epoch
  // PrepareMerge bumped is the proposer's), only the merge it undoes.
  const uint64_t commit = cmd.admin_request().rollback_merge().commit();
  if (!merge_state_.has_value() || merge_state_->commit() != commit) {
    return ErrorResponse(OtherError("rollback merge refused: no merge at " +
                                    std::to_string(commit)));
  }
  merge_state_.reset();
  Region resumed = region_;
  ++resumed.epoch.version;
  SetRegion(resumed, batch);
  results_.rollback_merge_applied = true;
  raft_cmdpb::RaftCmdResponse response;
  response.mutable_admin_response()->set_cmd_type(raft_cmdpb::RollbackMerge);
  response.mutable_admin_response()->mutable_rollback_merge();
  return response;
}

core::base::Result<Region, raft_cmdpb::RaftCmdResponse>
RegionApplier::ChangedRegion(const raft_cmdpb::RaftCmdRequest& cmd,
                             const core::raft::ConfChange& change) const {
  const raft_cmdpb::AdminRequest& admin = cmd.admin_request();
  if (!cmd.has_admin_request() ||
      (admin.cmd_type() != raft_cmdpb::ChangePeer &&
       admin.cmd_type() != raft_cmdpb::ChangePeerV2)) {
    return MakeErr(ErrorResponse(
        OtherError("invalid command: a conf change entry without ChangePeer")));
  }
  core::raft::ConfChange expected = ConfChangeOf(cmd);
  expected.context = change.context;
  if (!(expected == change)) {
    return MakeErr(ErrorResponse(
        OtherError("invalid command: the conf change is not its ChangePeer")));
  }
  const core::region::RegionEpoch epoch =
      FromMetapb(cmd.header().region_epoch());
  const std::vector<core::region::PeerChange> changes = PeerChangesOf(admin);
  auto changed =
      admin.cmd_type() == raft_cmdpb::ChangePeer
          ? core::region::ApplyConfChange(region_, changes.front(), epoch)
      : changes.empty() ? core::region::LeaveJoint(region_, epoch)
                        : core::region::EnterJoint(region_, changes, epoch);
  if (!changed.ok()) return MakeErr(RefusalResponse(changed.error(), region_));
  return *std::move(changed);
}

absl::StatusOr<bool> RegionApplier::ApplyConfChange(
    const Entry& entry, const core::raft::ConfChange& change,
    core::env::WriteBatch* batch) {
  raft_cmdpb::RaftCmdRequest cmd;
  if (!cmd.ParseFromString(change.context)) {
    return absl::DataLossError(RegionName(region_) +
                               ": undecodable conf change command at index " +
                               std::to_string(entry.index));
  }
  auto region = ChangedRegion(cmd, change);
  if (region.ok() && merge_state_.has_value()) {
    region = MakeErr(ErrorResponse(ProposalInMergingModeError(region_.id)));
  }
  if (!region.ok()) {
    Answer(entry, cmd, region.error());
    return false;
  }
  raft_cmdpb::RaftCmdResponse response;
  raft_cmdpb::AdminResponse* admin = response.mutable_admin_response();
  admin->set_cmd_type(cmd.admin_request().cmd_type());
  if (cmd.admin_request().cmd_type() == raft_cmdpb::ChangePeer) {
    *admin->mutable_change_peer()->mutable_region() = ToMetapb(*region);
  } else {
    *admin->mutable_change_peer_v2()->mutable_region() = ToMetapb(*region);
  }
  const std::optional<core::region::Peer> self_before =
      FindPeerCopy(region_, peer_id_);
  SetRegion(*region, batch);
  results_.membership_changed = true;
  results_.removed_self = region_.FindPeer(peer_id_) == nullptr;
  if (results_.removed_self && self_before.has_value()) {
    // Ref: TiKV apply.rs exec_change_peer writes the tombstone with the
    // change that removes the peer: a crash before the destroy must not
    // leave a Normal region without this store's peer, which recovery
    // refuses (found by the cluster sweep, seed 235).
    metapb::Region tombstone = ToMetapb(region_);
    *tombstone.add_peers() = ToMetapb(*self_before);
    RegionStateWrite(tombstone, raft_serverpb::Tombstone, batch);
  }
  Answer(entry, cmd, std::move(response));
  return true;
}

absl::Status RegionApplier::ApplySnapshot(const core::raft::Snapshot& snapshot,
                                          core::env::WriteBatch* batch) {
  raft_serverpb::RaftSnapshotData data;
  if (!data.ParseFromString(snapshot.data) ||
      data.version() != kExportSnapshotVersion) {
    return absl::DataLossError(RegionName(region_) + ": undecodable snapshot");
  }
  auto region = core::region::FromMetapb(data.region());
  if (!region.ok() || region->id != region_.id) {
    return absl::DataLossError(RegionName(region_) +
                               ": snapshot of another or no region");
  }
  std::unique_ptr<core::engine::RangeIngester> received =
      host_->TakeReceivedSnapshot(region_.id, snapshot.metadata.index);
  if (received == nullptr || received->range() != RegionDataRange(*region)) {
    return absl::DataLossError(RegionName(region_) +
                               ": the snapshot's data did not come");
  }
  auto replace = received->ReplaceBatch(engine_);
  if (!replace.ok()) return replace.status();
  // MUTANT: the old range is kept, so keys the snapshot no longer holds
  // survive its install.
  const bool keeps_old_range = MUTANT(STORE_SNAPSHOT_KEEPS_OLD_RANGE);
  if (initialized_ && !keeps_old_range) {
    for (Cf cf : kDataCfs) {
      batch->DeleteRange(cf, DataKey(region_.start_key),
                         DataEndKey(region_.end_key));
    }
  }
  for (const core::env::WriteBatch::Op& op : replace->ops()) {
    if (op.kind == core::env::WriteBatch::OpKind::kPut) {
      batch->Put(op.cf, op.key, op.value);
    } else if (op.kind == core::env::WriteBatch::OpKind::kDeleteRange &&
               !keeps_old_range) {
      batch->DeleteRange(op.cf, op.key, op.value);
    }
  }
  SetRegion(*region, batch);
  initialized_ = true;
  applied_index_ = snapshot.metadata.index;
  results_.snapshot_applied = true;
  return absl::OkStatus();
}

absl::StatusOr<std::string> RegionApplier::SnapshotData() {
  snapshot_source_ = SnapshotSource{.index = applied_index_,
                                    .region = region_,
                                    .engine_snapshot = engine_.NewSnapshot()};
  return SnapshotDataOf(region_);
}

std::optional<SnapshotSource> RegionApplier::SnapshotSourceAt(
    core::raft::Index index) const {
  if (!snapshot_source_.has_value() || snapshot_source_->index != index) {
    return std::nullopt;
  }
  return snapshot_source_;
}

void RegionApplier::AfterApply(core::raft::Index applied_index) {
  applied_index_ = applied_index;
  if (on_applied_) on_applied_(applied_index);
}

}  // namespace store::raftstore
