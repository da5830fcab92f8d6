// Seeded trials of one move-peer operator each, executed step by step by the
// operator controller against the cluster model, with one voter's store dead
// in most trials. QuorumAlwaysAvailable is checked after every executed
// command. Test-only: run over the real operator builder, and over it built
// with the MUTANT_PD_REMOVE_BEFORE_PROMOTE mutant, which it must catch.
#ifndef PD_CORE_MODEL_MOVE_WALK_H_
#define PD_CORE_MODEL_MOVE_WALK_H_

#include <cstdint>
#include <optional>

#include "pd/core/invariants/invariants.h"

namespace pd::model {

struct MoveWalkOptions {
  uint64_t seed = 1;
  int trials = 100;
  bool use_joint_consensus = false;
};

struct MoveWalkResult {
  int trials_run = 0;
  int operators_succeeded = 0;
  int commands_applied = 0;
  std::optional<invariants::Violation> violation;  // the first one found
};

MoveWalkResult RunMoveWalk(const MoveWalkOptions& options);

}  // namespace pd::model

#endif  // PD_CORE_MODEL_MOVE_WALK_H_
