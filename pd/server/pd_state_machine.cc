#include "pd/server/pd_state_machine.h"

#include <utility>

#include "core/base/check.h"

namespace pd::server {

absl::StatusOr<std::unique_ptr<PdStateMachine>> PdStateMachine::Create(
    core::env::Engine& engine) {
  auto state = PdState::Load(engine);
  if (!state.ok()) return state.status();
  return std::unique_ptr<PdStateMachine>(new PdStateMachine(*std::move(state)));
}

absl::Status PdStateMachine::ApplyEntry(const core::raft::Entry& entry,
                                        core::env::WriteBatch* batch) {
  auto command = DecodeCommand(entry.data);
  if (!command.ok()) {
    return absl::DataLossError("PD entry " + std::to_string(entry.index) +
                               ": " + command.error().ToString());
  }
  CommandOutcome outcome = state_.Apply(command->body, batch);
  applied_.push_back(
      AppliedCommand{entry.index, command->id, std::move(outcome)});
  return absl::OkStatus();
}

absl::Status PdStateMachine::ApplySnapshot(const core::raft::Snapshot& snapshot,
                                           core::env::WriteBatch* batch) {
  auto state = PdState::FromSnapshotData(snapshot.data);
  if (!state.ok()) return state.status();
  PdState::ClearRecords(batch);
  for (const auto& [key, value] : state->Records()) {
    batch->Put(core::env::Cf::kDefault, key, value);
  }
  state_ = *std::move(state);
  return absl::OkStatus();
}

absl::StatusOr<std::string> PdStateMachine::SnapshotData() {
  return state_.SnapshotData();
}

void PdStateMachine::AfterApply(core::raft::Index applied_index) {
  if (applied_.empty()) return;
  CHECK_LE(applied_.back().index, applied_index);
  std::vector<AppliedCommand> applied = std::move(applied_);
  applied_.clear();
  if (on_applied_) on_applied_(std::move(applied));
}

}  // namespace pd::server
