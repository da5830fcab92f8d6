// Membership changes as pure functions over region descriptions, with TiKV's
// conf_ver rules: a simple change bumps conf_ver by one; entering a joint
// configuration bumps it by the number of changes, leaving it by the number of
// peers whose role changes.
//
// Ref: Raft thesis §4.3 (joint consensus); TiKV raftstore apply.rs
// apply_conf_change / apply_conf_change_v2 / apply_leave_joint.
#ifndef CORE_REGION_CONF_CHANGE_H_
#define CORE_REGION_CONF_CHANGE_H_

#include <string>
#include <variant>
#include <vector>

#include "core/base/result.h"
#include "core/region/region.h"

namespace core::region {

// Ref: eraftpb.ConfChangeType.
enum class ConfChangeType : uint8_t {
  kAddNode,         // add a voter, or promote an existing learner
  kAddLearnerNode,  // add a learner (or, in a joint change, demote a voter)
  kRemoveNode,
};

std::string_view ConfChangeTypeName(ConfChangeType type);

struct PeerChange {
  ConfChangeType type = ConfChangeType::kAddNode;
  // id and store_id of the peer; its role is ignored.
  Peer peer;

  bool operator==(const PeerChange&) const = default;
};

// The change makes no sense for the region (duplicate peer, unknown peer,
// removing the last voter, simple change in a joint state, ...).
struct InvalidConfChange {
  std::string reason;
  std::string ToString() const { return "invalid conf change: " + reason; }
};

using ConfChangeError = std::variant<EpochNotMatch, InvalidConfChange>;

// Applies one change (Ref: TiKV ChangePeer). conf_ver is checked against
// `epoch` and then bumped by one:
//   kAddNode on a new store      -> voter
//   kAddNode on the same learner -> promoted to voter
//   kAddLearnerNode on a new store -> learner
//   kRemoveNode on an existing peer (ids must match) -> removed
// A region in a joint state accepts no simple change. Removing the last voter
// is refused.
base::Result<Region, ConfChangeError> ApplyConfChange(const Region& region,
                                                      const PeerChange& change,
                                                      const RegionEpoch& epoch);

// Enters a joint configuration (Ref: TiKV ChangePeerV2 with several changes):
//   kAddNode on a new store or on a learner -> incoming voter
//   kAddLearnerNode on a voter -> demoting voter; on a new store -> learner
//   kRemoveNode on a learner -> removed (voters must be demoted first)
// conf_ver += changes.size(). Refused when already joint, when a store appears
// twice, or when the incoming configuration would have no voter.
base::Result<Region, ConfChangeError> EnterJoint(
    const Region& region, const std::vector<PeerChange>& changes,
    const RegionEpoch& epoch);

// Leaves the joint configuration: incoming voters become voters, demoting
// voters become learners, conf_ver += number of peers changed. Refused when
// the region is not in a joint state.
base::Result<Region, ConfChangeError> LeaveJoint(const Region& region,
                                                 const RegionEpoch& epoch);

}  // namespace core::region

#endif  // CORE_REGION_CONF_CHANGE_H_
