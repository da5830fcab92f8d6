// Operator steps. Each step knows, from a region heartbeat, whether it is
// finished (IsFinished), whether it can still be carried out (CheckStep), and
// which command PD sends the region leader to carry it out (CommandFor).
//
// Ref: PD pkg/schedule/operator/step.go (TransferLeader, AddLearner,
// PromoteLearner, RemovePeer, ChangePeerV2Enter/Leave, MergeRegion,
// SplitRegion); pdpb.RegionHeartbeatResponse for the commands.
#ifndef PD_CORE_OPERATORS_STEP_H_
#define PD_CORE_OPERATORS_STEP_H_

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "core/region/conf_change.h"
#include "core/region/region.h"
#include "pd/core/cluster/cluster_view.h"

namespace pd::operators {

using cluster::RegionInfo;
using core::region::Peer;
using core::region::PeerId;
using core::region::Region;
using core::region::RegionEpoch;
using core::region::RegionId;
using core::region::StoreId;

struct TransferLeader {
  StoreId from_store = 0;
  StoreId to_store = 0;
};
// Adds a learner; finished once it exists and is no longer pending (it has
// applied its snapshot).
struct AddLearner {
  StoreId to_store = 0;
  PeerId peer_id = 0;
};
struct PromoteLearner {
  StoreId to_store = 0;
  PeerId peer_id = 0;
};
struct RemovePeer {
  StoreId from_store = 0;
  PeerId peer_id = 0;
};
struct DemoteVoter {
  StoreId to_store = 0;
  PeerId peer_id = 0;
};
// Enter a joint configuration promoting learners and demoting voters at once.
struct ChangePeerV2Enter {
  std::vector<PromoteLearner> promote;
  std::vector<DemoteVoter> demote;
};
struct ChangePeerV2Leave {
  std::vector<PromoteLearner> promote;
  std::vector<DemoteVoter> demote;
};
// Split at `split_keys`; when empty the store picks the middle key
// (Ref: pdpb.CheckPolicy APPROXIMATE). Finished when the range changed.
struct SplitRegion {
  core::base::Bytes start_key;
  core::base::Bytes end_key;
  std::vector<core::base::Bytes> split_keys;
};
// Merge `from_region` into `to_region`. The source's step is active (it sends
// the command); the target's is passive and finishes when its range grows.
struct MergeRegion {
  Region from_region;
  Region to_region;
  bool is_passive = false;
};

using OpStep = std::variant<TransferLeader, AddLearner, PromoteLearner,
                            RemovePeer, ChangePeerV2Enter, ChangePeerV2Leave,
                            SplitRegion, MergeRegion>;

std::string StepToString(const OpStep& step);

// True when the region, as reported, shows the step done.
bool IsFinished(const OpStep& step, const RegionInfo& info);

// The step can no longer be carried out on this region (a peer it needs is
// gone or was replaced); the operator must be cancelled.
struct StepStale {
  std::string reason;
  std::string ToString() const { return "step is stale: " + reason; }
};
core::base::Outcome<StepStale> CheckStep(const OpStep& step,
                                         const RegionInfo& info);

// ----- commands sent to the region leader in the heartbeat response.

struct ChangePeerCommand {
  core::region::PeerChange change;
};
// Empty `changes` means "leave the joint state" (Ref: pdpb.ChangePeerV2).
struct ChangePeerV2Command {
  std::vector<core::region::PeerChange> changes;
};
struct TransferLeaderCommand {
  Peer peer;
};
struct MergeCommand {
  Region target;
};
struct SplitRegionCommand {
  std::vector<core::base::Bytes> keys;  // empty: store picks the middle
};

using RegionCommand =
    std::variant<ChangePeerCommand, ChangePeerV2Command, TransferLeaderCommand,
                 MergeCommand, SplitRegionCommand>;

std::string CommandToString(const RegionCommand& command);

// The command that carries out `step` on the region; nullopt when there is
// nothing to send (a passive merge waits for the source).
std::optional<RegionCommand> CommandFor(const OpStep& step,
                                        const RegionInfo& info);

// Steps that copy data (a snapshot) are slow; the rest are fast.
bool IsSlowStep(const OpStep& step);

}  // namespace pd::operators

#endif  // PD_CORE_OPERATORS_STEP_H_
