// PdStateMachine: the store::Applier of PD's Raft group. The shared peer
// (store/peer) hands it each committed entry with a batch; it decodes the
// command (command.h), applies it to the PdState, whose records go into that
// batch, and the peer writes the batch with the apply state that records
// the entry as applied, so a crash keeps a command's effects exactly when
// it keeps the applied index covering them (store/peer/peer.h).
//
// After each Ready's entries are written, AfterApply hands the outcomes to
// the member (its proposers are waiting for them).
//
// An entry that does not decode halts the peer (kDataLoss): it can only be
// corruption or a bug, and skipping it would let members' states diverge.
//
// Thread-affinity: the member's executor.
#ifndef PD_SERVER_PD_STATE_MACHINE_H_
#define PD_SERVER_PD_STATE_MACHINE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/env/engine.h"
#include "core/raft/types.h"
#include "pd/server/command.h"
#include "pd/server/pd_state.h"
#include "store/peer/peer.h"

namespace pd::server {

// One applied command, for its proposer.
struct AppliedCommand {
  core::raft::Index index = 0;
  ProposalId id;
  CommandOutcome outcome;
};

class PdStateMachine final : public store::Applier {
 public:
  using AppliedCallback = std::function<void(std::vector<AppliedCommand>)>;

  // Loads the state the engine holds (reads only). kDataLoss when a record
  // does not decode.
  static absl::StatusOr<std::unique_ptr<PdStateMachine>> Create(
      core::env::Engine& engine);

  void set_on_applied(AppliedCallback callback) {
    on_applied_ = std::move(callback);
  }
  const PdState& state() const { return state_; }

  // store::Applier.
  absl::Status ApplyEntry(const core::raft::Entry& entry,
                          core::env::WriteBatch* batch) override;
  absl::Status ApplySnapshot(const core::raft::Snapshot& snapshot,
                             core::env::WriteBatch* batch) override;
  absl::StatusOr<std::string> SnapshotData() override;
  void AfterApply(core::raft::Index applied_index) override;

 private:
  explicit PdStateMachine(PdState state) : state_(std::move(state)) {}

  PdState state_;
  AppliedCallback on_applied_;
  std::vector<AppliedCommand> applied_;
};

}  // namespace pd::server

#endif  // PD_SERVER_PD_STATE_MACHINE_H_
