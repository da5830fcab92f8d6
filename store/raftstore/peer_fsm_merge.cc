// Region merge on the peer (Ref: TiKV fsm/peer.rs on_prepare_merge,
// on_check_merge / schedule_merge, on_catch_up_logs_for_merge,
// on_ready_rollback_merge). The source's leader proposes PrepareMerge once
// every peer is close enough behind; from its apply on, the source takes no
// writes (ProposalInMergingMode) and every source peer sends CommitMerge,
// built from its own log, to the target peer on its store, which proposes it
// if it leads. A target that refuses because its epoch moved makes the
// source's leader propose RollbackMerge.
#include <algorithm>
#include <utility>

#include "core/base/mutant.h"
#include "core/region/eraftpb_convert.h"
#include "core/region/metapb_convert.h"
#include "store/raftstore/peer_fsm.h"
#include "store/raftstore/region_error.h"

namespace store::raftstore {
namespace {

using core::region::ToMetapb;

raft_cmdpb::RaftCmdResponse Refused(const std::string& why) {
  return ErrorResponse(OtherError("prepare merge refused: " + why));
}

// Whether `entry` changes the region (anything but writes and CompactLog),
// which a merge may not carry.
bool ChangesRegion(const core::raft::Entry& entry) {
  if (entry.type != core::raft::EntryType::kNormal) return true;
  raft_cmdpb::RaftCmdRequest cmd;
  if (entry.data.empty() || !cmd.ParseFromString(entry.data)) return false;
  return cmd.has_admin_request() &&
         cmd.admin_request().cmd_type() != raft_cmdpb::CompactLog;
}

}  // namespace

std::optional<raft_cmdpb::RaftCmdResponse> PeerFsm::CheckMerging(
    const raft_cmdpb::RaftCmdRequest& cmd) const {
  if (!merge_state().has_value()) return std::nullopt;
  const raft_cmdpb::AdminCmdType admin = cmd.admin_request().cmd_type();
  if (cmd.has_admin_request() &&
      (admin == raft_cmdpb::RollbackMerge || admin == raft_cmdpb::CompactLog)) {
    return std::nullopt;
  }
  return ErrorResponse(ProposalInMergingModeError(region_id()));
}

std::optional<raft_cmdpb::RaftCmdResponse> PeerFsm::PreProposePrepareMerge(
    raft_cmdpb::RaftCmdRequest* cmd) const {
  const metapb::Region& target = cmd->admin_request().prepare_merge().target();
  if (target.id() == region_id()) return Refused("the target is the source");
  if (region().InJointState()) return Refused("a conf change is pending");
  const core::raft::Raft& raft = peer_->raw_node().raft();
  const core::raft::Index last = raft.raft_log().LastIndex();
  core::raft::Index min_matched = last;
  for (const core::region::Peer& member : region().peers) {
    if (member.id == peer_id()) continue;
    const core::raft::tracker::Progress* progress =
        raft.tracker().Find(member.id);
    if (progress == nullptr) {
      return Refused("peer " + std::to_string(member.id) + " is not tracked");
    }
    min_matched = std::min(min_matched, progress->match);
  }
  if (last - min_matched > options_.merge_max_log_gap) {
    return Refused("a peer lags " + std::to_string(last - min_matched) +
                   " entries");
  }
  if (min_matched < last) {
    std::vector<core::raft::Entry> entries;
    if (!raft.raft_log()
             .Slice(min_matched + 1, last + 1, UINT64_MAX, &entries)
             .ok()) {
      return Refused("the log after the slowest peer is compacted");
    }
    for (const core::raft::Entry& entry : entries) {
      if (ChangesRegion(entry)) {
        return Refused("an admin command at " + std::to_string(entry.index) +
                       " is not applied everywhere");
      }
    }
  }
  cmd->mutable_admin_request()->mutable_prepare_merge()->set_min_index(
      min_matched);
  return std::nullopt;
}

std::optional<raft_cmdpb::RaftCmdRequest> PeerFsm::CommitMergeCommand(
    const metapb::Peer& target_peer) const {
  if (!merge_state().has_value()) return std::nullopt;
  const raft_serverpb::MergeState& state = *merge_state();
  std::vector<core::raft::Entry> entries;
  if (state.commit() > state.min_index() &&
      !peer_->raw_node()
           .raft()
           .raft_log()
           .Slice(state.min_index() + 1, state.commit() + 1, UINT64_MAX,
                  &entries)
           .ok()) {
    return std::nullopt;
  }
  raft_cmdpb::RaftCmdRequest cmd;
  raft_cmdpb::RaftRequestHeader* header = cmd.mutable_header();
  header->set_region_id(state.target().id());
  *header->mutable_peer() = target_peer;
  *header->mutable_region_epoch() = state.target().region_epoch();
  raft_cmdpb::AdminRequest* admin = cmd.mutable_admin_request();
  admin->set_cmd_type(raft_cmdpb::CommitMerge);
  raft_cmdpb::CommitMergeRequest* commit = admin->mutable_commit_merge();
  *commit->mutable_source() = ToMetapb(region());
  commit->set_commit(state.commit());
  for (const core::raft::Entry& entry : entries) {
    *commit->add_entries() = core::region::ToEraftpb(entry);
  }
  return cmd;
}

void PeerFsm::OnCommitMergeAnswer(const raft_cmdpb::RaftCmdResponse& response) {
  if (!merge_state().has_value() || !is_leader() ||
      !response.header().error().has_epoch_not_match()) {
    return;
  }
  // A target that already took our range merged us: wait to be destroyed.
  for (const metapb::Region& current :
       response.header().error().epoch_not_match().current_regions()) {
    auto region = core::region::FromMetapb(current);
    if (region.ok() && region->id == merge_state()->target().id() &&
        region->ContainsKey(this->region().start_key)) {
      return;
    }
  }
  // Ref: TiKV on_check_merge's rollback when the target's epoch moved.
  raft_cmdpb::RaftCmdRequest cmd;
  cmd.mutable_header()->set_region_id(region_id());
  *cmd.mutable_header()->mutable_peer() = options_.peer;
  *cmd.mutable_header()->mutable_region_epoch() = ToMetapb(region().epoch);
  cmd.mutable_admin_request()->set_cmd_type(raft_cmdpb::RollbackMerge);
  cmd.mutable_admin_request()->mutable_rollback_merge()->set_commit(
      merge_state()->commit());
  Propose(std::move(cmd), [](raft_cmdpb::RaftCmdResponse) {});
}

absl::Status PeerFsm::CatchUpForMerge(
    core::raft::Index commit, const std::vector<core::raft::Entry>& entries,
    core::env::WriteBatch* batch) {
  if (!initialized()) {
    return absl::FailedPreconditionError("the source peer is not initialized");
  }
  const core::raft::RaftLog& log = peer_->raw_node().raft().raft_log();
  // MUTANT: the target takes the source's range as the source last applied
  // it, losing the writes it had yet to apply (a lagging source peer).
  const bool skip = MUTANT(RAFTSTORE_MERGE_SKIPS_CATCH_UP);
  for (core::raft::Index index = peer_->applied_index() + 1;
       index <= commit && !skip; ++index) {
    std::vector<core::raft::Entry> own;
    const core::raft::Entry* entry = nullptr;
    if (log.Slice(index, index + 1, UINT64_MAX, &own).ok() && !own.empty()) {
      entry = &own.front();
    } else {
      auto carried = std::find_if(
          entries.begin(), entries.end(),
          [&](const core::raft::Entry& e) { return e.index == index; });
      if (carried != entries.end()) entry = &*carried;
    }
    if (entry == nullptr) {
      return absl::FailedPreconditionError("the source peer lacks entry " +
                                           std::to_string(index));
    }
    if (entry->type != core::raft::EntryType::kNormal) {
      return absl::FailedPreconditionError("a conf change in the merge's log");
    }
    absl::Status applied = applier_.ApplyEntry(*entry, batch);
    if (!applied.ok()) return applied;
  }
  (void)applier_.TakeResults();
  applier_.StopForMerge();
  AddDestroyWrites(batch, /*keep_data=*/true);
  return absl::OkStatus();
}

}  // namespace store::raftstore
