// What a leader knows about one follower's log, and the replication mode it
// uses for it. Ref: Raft paper Figure 2 (nextIndex, matchIndex), Raft thesis
// §10.2.1; the probe/replicate/snapshot states follow etcd/raft.
#ifndef CORE_RAFT_TRACKER_PROGRESS_H_
#define CORE_RAFT_TRACKER_PROGRESS_H_

#include <string>

#include "core/raft/tracker/inflights.h"
#include "core/raft/types.h"

namespace core::raft::tracker {

enum class ProgressState : uint8_t {
  // Unknown match: send one MsgApp at a time and wait for its answer.
  kProbe = 0,
  // Known match: stream MsgApps optimistically, bounded by inflights.
  kReplicate = 1,
  // A snapshot is on its way; send nothing until it lands.
  kSnapshot = 2,
};

std::string ProgressStateName(ProgressState state);

// Invariant: match < next.
struct Progress {
  Progress(Index next_index, size_t max_inflight_msgs,
           uint64_t max_inflight_bytes, bool learner)
      : next(next_index),
        inflights(max_inflight_msgs, max_inflight_bytes),
        is_learner(learner) {}

  Index match = 0;
  Index next = 1;
  ProgressState state = ProgressState::kProbe;
  // kSnapshot: index of the snapshot being sent.
  Index pending_snapshot = 0;
  // Heard from since the last check-quorum round (leader only).
  bool recent_active = false;
  // kProbe: a probe is outstanding; kReplicate: inflights are full.
  bool msg_app_flow_paused = false;
  Inflights inflights;
  bool is_learner = false;

  void BecomeProbe();
  void BecomeReplicate();
  void BecomeSnapshot(Index snapshot_index);
  // Accounts for a MsgApp carrying `count` entries up to `last_index`.
  void UpdateOnEntriesSend(size_t count, uint64_t bytes, Index last_index);
  // Returns false if `index` is stale (an old or duplicated ack).
  bool MaybeUpdate(Index index);
  // Handles a rejection of the MsgApp at `rejected`; `match_hint` is the
  // follower's best guess of where the logs agree. Returns false if the
  // rejection is stale.
  bool MaybeDecrTo(Index rejected, Index match_hint);
  bool IsPaused() const;
  std::string Describe() const;

  bool operator==(const Progress&) const = default;

 private:
  void ResetState(ProgressState state);
};

}  // namespace core::raft::tracker

#endif  // CORE_RAFT_TRACKER_PROGRESS_H_
