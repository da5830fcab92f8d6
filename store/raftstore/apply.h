// RegionApplier: the replicated state machine of one region (TiKV's
// ApplyDelegate, components/raftstore/src/store/fsm/apply.rs), the Applier
// its store::Peer applies committed entries to. Entries carry
// raft_cmdpb.RaftCmdRequest; the applier checks each command again at apply
// (the epoch may have moved since it was proposed, and every replica must
// decide alike), then:
//
//   normal writes   Put / Delete / DeleteRange on CFs default, lock, write,
//                   keys inside the region (keys.h: 'z' + key)
//   CompactLog      no writes; the owner compacts its log (log GC)
//   BatchSplit      core::region::Split; the parent's new state and every
//                   new region's state and initial Raft state in the same
//                   batch as the apply state (atomic across a crash)
//   ChangePeer(V2)  in conf change entries (the RaftCmdRequest is the
//                   ConfChange's context, as TiKV does): core::region's
//                   ApplyConfChange / EnterJoint / LeaveJoint, the new region
//                   state in the entry's batch; a refused one is a no-op for
//                   Raft too
//   snapshot        the region's range is replaced by the snapshot's data
//                   and its region state by the snapshot's region
//   PrepareMerge    (source) MergeState{min_index, target, commit = its
//                   index}, version and conf_ver bumped, state Merging: no
//                   write applies from then on
//   CommitMerge     (target) the local source caught up to `commit`
//                   (ApplyHost::CatchUpMergeSource) and tombstoned, the
//                   range extended (core::region::Merge), in one batch
//   RollbackMerge   (source) Normal again, version bumped
//
// A command that fails at apply (stale epoch, key outside, bad split key)
// writes nothing and answers with its error. What the owner must act on
// after the batch is written (answers, new regions, its own removal) is
// collected and taken with TakeResults() once AfterApply runs.
//
// Snapshot data is raft_serverpb.RaftSnapshotData of version 2: the region
// only; its keys are exported from an engine snapshot pinned when the
// snapshot is made, sent beside the message and ingested (snapshot.h).
//
// Thread-affinity: the store's executor.
#ifndef STORE_RAFTSTORE_APPLY_H_
#define STORE_RAFTSTORE_APPLY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/env/engine.h"
#include "core/raft/types.h"
#include "core/region/region.h"
#include "proto/raft_cmdpb.pb.h"
#include "proto/raft_serverpb.pb.h"
#include "store/peer/peer.h"
#include "store/raftstore/snapshot.h"

namespace store::raftstore {

// What the applier needs from its store.
class ApplyHost {
 public:
  virtual ~ApplyHost() = default;
  // Whether an initialized peer of `region_id` already lives on this store
  // (a split then leaves its state alone: it caught up by snapshot); else
  // the hard state of an uninitialized one (its vote must survive), or an
  // empty one.
  struct ExistingPeer {
    bool initialized = false;
    core::raft::HardState hard_state;
  };
  virtual ExistingPeer PeerForSplit(uint64_t region_id) = 0;
  // The data received for region `region_id`'s snapshot at `index`
  // (snapshot.h), taken; nullptr when none came.
  virtual std::unique_ptr<core::engine::RangeIngester> TakeReceivedSnapshot(
      uint64_t region_id, core::raft::Index index) {
    return nullptr;
  }
  // CommitMerge on the target (Ref: TiKV on_catch_up_logs_for_merge): adds
  // to `batch` whatever the local peer of `source` has yet to apply up to
  // `commit` (from its own log, else from `entries`, the source's log after
  // min_index), then its tombstone (its data stays: it is the target's
  // now). An error when the local source cannot be caught up.
  virtual absl::Status CatchUpMergeSource(
      const core::region::Region& source, core::raft::Index commit,
      const std::vector<core::raft::Entry>& entries,
      core::env::WriteBatch* batch) {
    return absl::UnimplementedError("no merge on this host");
  }
};

// The answer to the command in entry (index, term).
struct AppliedCommand {
  core::raft::Index index = 0;
  core::raft::Term term = 0;
  raft_cmdpb::RaftCmdResponse response;
};

struct ApplyResults {
  std::vector<AppliedCommand> commands;
  // Every region a split produced, the parent included, in key order.
  std::vector<core::region::Region> split_regions;
  // The membership changed and this peer is no longer in the region.
  bool removed_self = false;
  // The region changed by membership (its peers on other stores).
  bool membership_changed = false;
  // A snapshot replaced the region (it may have been uninitialized).
  bool snapshot_applied = false;
  // A CompactLog applied: compact the log up to here.
  std::optional<core::raft::Index> compact_log_index;
  // This region applied PrepareMerge (it is merging now) or RollbackMerge.
  bool prepare_merge_applied = false;
  bool rollback_merge_applied = false;
  // This region (the target) applied CommitMerge of this source region.
  std::optional<uint64_t> merged_source_id;
};

class RegionApplier final : public Applier {
 public:
  // `region` is empty but for its id when the peer is uninitialized (it
  // learns the region from a snapshot).
  RegionApplier(core::env::Engine& engine, ApplyHost* host, uint64_t peer_id,
                core::region::Region region, bool initialized);

  const core::region::Region& region() const { return region_; }
  bool initialized() const { return initialized_; }
  // Set once PrepareMerge applied, until CommitMerge destroys the region or
  // RollbackMerge resumes it (persisted in RegionLocalState, recovered with
  // set_merge_state).
  const std::optional<raft_serverpb::MergeState>& merge_state() const {
    return merge_state_;
  }
  void set_merge_state(std::optional<raft_serverpb::MergeState> state) {
    merge_state_ = std::move(state);
  }
  // A source caught up by its target's CommitMerge applies nothing more.
  void StopForMerge() { merged_ = true; }
  // Called by AfterApply with the applied index.
  void set_on_applied(std::function<void(core::raft::Index)> on_applied) {
    on_applied_ = std::move(on_applied);
  }
  ApplyResults TakeResults();
  // The applied index, as the peer recovered it (later ones it learns).
  void set_applied_index(core::raft::Index index) { applied_index_ = index; }
  // What the snapshot made by SnapshotData at `index` sends, if it is the
  // latest one.
  std::optional<SnapshotSource> SnapshotSourceAt(core::raft::Index index) const;

  // store::Applier.
  absl::Status ApplyEntry(const Entry& entry,
                          core::env::WriteBatch* batch) override;
  absl::StatusOr<bool> ApplyConfChange(const Entry& entry,
                                       const core::raft::ConfChange& change,
                                       core::env::WriteBatch* batch) override;
  absl::Status ApplySnapshot(const core::raft::Snapshot& snapshot,
                             core::env::WriteBatch* batch) override;
  absl::StatusOr<std::string> SnapshotData() override;
  void AfterApply(core::raft::Index applied_index) override;

 private:
  raft_cmdpb::RaftCmdResponse ExecWrites(const raft_cmdpb::RaftCmdRequest& cmd,
                                         core::env::WriteBatch* batch);
  raft_cmdpb::RaftCmdResponse ExecCompactLog(
      const raft_cmdpb::RaftCmdRequest& cmd);
  raft_cmdpb::RaftCmdResponse ExecBatchSplit(
      const raft_cmdpb::RaftCmdRequest& cmd, core::env::WriteBatch* batch);
  // Region merge (apply_merge.cc).
  raft_cmdpb::RaftCmdResponse ExecPrepareMerge(
      const raft_cmdpb::RaftCmdRequest& cmd, core::raft::Index index,
      core::env::WriteBatch* batch);
  raft_cmdpb::RaftCmdResponse ExecCommitMerge(
      const raft_cmdpb::RaftCmdRequest& cmd, core::env::WriteBatch* batch);
  raft_cmdpb::RaftCmdResponse ExecRollbackMerge(
      const raft_cmdpb::RaftCmdRequest& cmd, core::env::WriteBatch* batch);
  // The region after the membership change `cmd` asks for, or the error
  // response.
  core::base::Result<core::region::Region, raft_cmdpb::RaftCmdResponse>
  ChangedRegion(const raft_cmdpb::RaftCmdRequest& cmd,
                const core::raft::ConfChange& change) const;
  void SetRegion(const core::region::Region& region,
                 core::env::WriteBatch* batch);
  void Answer(const Entry& entry, const raft_cmdpb::RaftCmdRequest& cmd,
              raft_cmdpb::RaftCmdResponse response);

  core::env::Engine& engine_;
  ApplyHost* host_;
  const uint64_t peer_id_;
  core::region::Region region_;
  bool initialized_;
  std::optional<raft_serverpb::MergeState> merge_state_;
  bool merged_ = false;
  // Set by a command that must halt the peer rather than answer.
  absl::Status apply_failure_;
  ApplyResults results_;
  core::raft::Index applied_index_ = 0;
  // Pinned by the last SnapshotData.
  std::optional<SnapshotSource> snapshot_source_;
  std::function<void(core::raft::Index)> on_applied_;
};

// The RaftCmdRequest's checks that hold wherever it is made (at propose and
// at apply): keys inside `region`, known CFs, a well-formed DeleteRange. The
// error response when one fails.
std::optional<raft_cmdpb::RaftCmdResponse> CheckWrites(
    const raft_cmdpb::RaftCmdRequest& cmd, const core::region::Region& region);

// The Raft conf change a ChangePeer or ChangePeerV2 admin command makes,
// with the command as its context.
core::raft::ConfChange ConfChangeOf(const raft_cmdpb::RaftCmdRequest& cmd);

}  // namespace store::raftstore

#endif  // STORE_RAFTSTORE_APPLY_H_
