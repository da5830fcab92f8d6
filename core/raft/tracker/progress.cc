#include "core/raft/tracker/progress.h"

#include <algorithm>

#include "core/base/check.h"

namespace core::raft::tracker {

std::string ProgressStateName(ProgressState state) {
  switch (state) {
    case ProgressState::kProbe:
      return "StateProbe";
    case ProgressState::kReplicate:
      return "StateReplicate";
    case ProgressState::kSnapshot:
      return "StateSnapshot";
  }
  return "StateUnknown";
}

void Progress::ResetState(ProgressState new_state) {
  msg_app_flow_paused = false;
  pending_snapshot = 0;
  state = new_state;
  inflights.Reset();
}

void Progress::BecomeProbe() {
  // After a snapshot, resume right after it (or after match if further).
  if (state == ProgressState::kSnapshot) {
    const Index pending = pending_snapshot;
    ResetState(ProgressState::kProbe);
    next = std::max(match + 1, pending + 1);
  } else {
    ResetState(ProgressState::kProbe);
    next = match + 1;
  }
}

void Progress::BecomeReplicate() {
  ResetState(ProgressState::kReplicate);
  next = match + 1;
}

void Progress::BecomeSnapshot(Index snapshot_index) {
  ResetState(ProgressState::kSnapshot);
  pending_snapshot = snapshot_index;
}

void Progress::UpdateOnEntriesSend(size_t count, uint64_t bytes,
                                   Index last_index) {
  switch (state) {
    case ProgressState::kReplicate:
      if (count > 0) {
        CHECK_GE(last_index, next);
        next = last_index + 1;
        inflights.Add(last_index, bytes);
      }
      msg_app_flow_paused = inflights.Full();
      break;
    case ProgressState::kProbe:
      // One probe at a time; a heartbeat response unpauses it.
      if (count > 0) msg_app_flow_paused = true;
      break;
    case ProgressState::kSnapshot:
      UNREACHABLE() << "sending entries in StateSnapshot";
  }
}

bool Progress::MaybeUpdate(Index index) {
  bool updated = false;
  if (match < index) {
    match = index;
    updated = true;
    msg_app_flow_paused = false;
  }
  next = std::max(next, index + 1);
  return updated;
}

bool Progress::MaybeDecrTo(Index rejected, Index match_hint) {
  if (state == ProgressState::kReplicate) {
    // Stale unless it rejects the entry right after the known match.
    if (rejected <= match) return false;
    next = match + 1;
    return true;
  }
  // Probe: only the answer to the latest probe counts.
  if (next - 1 != rejected) return false;
  next = std::max(std::min(rejected, match_hint + 1), match + 1);
  msg_app_flow_paused = false;
  return true;
}

bool Progress::IsPaused() const {
  switch (state) {
    case ProgressState::kProbe:
    case ProgressState::kReplicate:
      return msg_app_flow_paused;
    case ProgressState::kSnapshot:
      return true;
  }
  return true;
}

std::string Progress::Describe() const {
  std::string out = ProgressStateName(state) +
                    " match=" + std::to_string(match) +
                    " next=" + std::to_string(next);
  if (is_learner) out += " learner";
  if (state == ProgressState::kSnapshot) {
    out += " pending_snap=" + std::to_string(pending_snapshot);
  }
  if (msg_app_flow_paused) out += " paused";
  return out;
}

}  // namespace core::raft::tracker
