#include "core/region/conf_change.h"

#include <algorithm>
#include <set>
#include <sstream>

namespace core::region {

std::string_view ConfChangeTypeName(ConfChangeType type) {
  switch (type) {
    case ConfChangeType::kAddNode:
      return "AddNode";
    case ConfChangeType::kAddLearnerNode:
      return "AddLearnerNode";
    case ConfChangeType::kRemoveNode:
      return "RemoveNode";
  }
  UNREACHABLE() << static_cast<int>(type);
  return "";
}

namespace {

base::Result<Region, ConfChangeError> Refuse(const PeerChange& change,
                                             const std::string& why) {
  std::ostringstream out;
  out << ConfChangeTypeName(change.type) << " " << change.peer << ": " << why;
  return base::MakeErr(ConfChangeError(InvalidConfChange{out.str()}));
}

// Finds the peer on the change's store; checks that a peer with the change's
// id does not sit on another store.
base::Result<Peer*, ConfChangeError> Locate(Region& region,
                                            const PeerChange& change) {
  if (change.peer.id == 0 || change.peer.store_id == 0) {
    return base::MakeErr(
        Refuse(change, "peer id and store id must be non-zero").error());
  }
  Peer* on_store = nullptr;
  for (Peer& peer : region.peers) {
    if (peer.store_id == change.peer.store_id) on_store = &peer;
    if (peer.id == change.peer.id && peer.store_id != change.peer.store_id) {
      return base::MakeErr(
          Refuse(change, "peer id already used on another store").error());
    }
  }
  if (on_store != nullptr && on_store->id != change.peer.id) {
    return base::MakeErr(
        Refuse(change, "store holds another peer of the region").error());
  }
  return on_store;
}

void RemovePeer(Region& region, PeerId peer_id) {
  region.peers.erase(
      std::remove_if(region.peers.begin(), region.peers.end(),
                     [&](const Peer& peer) { return peer.id == peer_id; }),
      region.peers.end());
}

// Applies one change to `region` without touching the epoch. `joint` selects
// the ChangePeerV2 role rules.
base::Outcome<ConfChangeError> ApplyOne(Region& region,
                                        const PeerChange& change, bool joint) {
  auto located = Locate(region, change);
  if (!located.ok()) return base::MakeErr(located.error());
  Peer* peer = located.value();
  switch (change.type) {
    case ConfChangeType::kAddNode: {
      const PeerRole voter =
          joint ? PeerRole::kIncomingVoter : PeerRole::kVoter;
      if (peer == nullptr) {
        region.peers.push_back(
            Peer{change.peer.id, change.peer.store_id, voter});
      } else if (peer->role == PeerRole::kLearner) {
        peer->role = voter;
      } else {
        return base::MakeErr(Refuse(change, "peer already votes").error());
      }
      return base::Unit{};
    }
    case ConfChangeType::kAddLearnerNode: {
      if (peer == nullptr) {
        region.peers.push_back(
            Peer{change.peer.id, change.peer.store_id, PeerRole::kLearner});
      } else if (joint && peer->role == PeerRole::kVoter) {
        peer->role = PeerRole::kDemotingVoter;
      } else {
        return base::MakeErr(Refuse(change, joint ? "peer is not a voter"
                                                  : "peer already exists")
                                 .error());
      }
      return base::Unit{};
    }
    case ConfChangeType::kRemoveNode: {
      if (peer == nullptr) {
        return base::MakeErr(Refuse(change, "no such peer").error());
      }
      if (joint && peer->role != PeerRole::kLearner) {
        return base::MakeErr(
            Refuse(change, "a voter must be demoted before removal").error());
      }
      RemovePeer(region, peer->id);
      return base::Unit{};
    }
  }
  UNREACHABLE();
  return base::Unit{};
}

}  // namespace

base::Result<Region, ConfChangeError> ApplyConfChange(
    const Region& region, const PeerChange& change, const RegionEpoch& epoch) {
  if (auto checked = CheckEpoch(
          region, epoch, {.check_conf_ver = true, .check_version = false});
      !checked.ok()) {
    return base::MakeErr(ConfChangeError(checked.error()));
  }
  if (region.InJointState()) {
    return Refuse(change, "region is in a joint state");
  }
  Region next = region;
  if (auto applied = ApplyOne(next, change, /*joint=*/false); !applied.ok()) {
    return base::MakeErr(applied.error());
  }
  if (next.IncomingVoters().empty()) {
    return Refuse(change, "would remove the last voter");
  }
  next.epoch.conf_ver += 1;
  return next;
}

base::Result<Region, ConfChangeError> EnterJoint(
    const Region& region, const std::vector<PeerChange>& changes,
    const RegionEpoch& epoch) {
  if (auto checked = CheckEpoch(
          region, epoch, {.check_conf_ver = true, .check_version = false});
      !checked.ok()) {
    return base::MakeErr(ConfChangeError(checked.error()));
  }
  if (changes.empty()) {
    return base::MakeErr(ConfChangeError(InvalidConfChange{"no change"}));
  }
  if (region.InJointState()) {
    return Refuse(changes.front(), "region is already in a joint state");
  }
  std::set<StoreId> stores;
  Region next = region;
  for (const PeerChange& change : changes) {
    if (!stores.insert(change.peer.store_id).second) {
      return Refuse(change, "store changed twice in one joint change");
    }
    if (auto applied = ApplyOne(next, change, /*joint=*/true); !applied.ok()) {
      return base::MakeErr(applied.error());
    }
  }
  if (next.IncomingVoters().empty()) {
    return Refuse(changes.front(), "incoming configuration has no voter");
  }
  next.epoch.conf_ver += changes.size();
  return next;
}

base::Result<Region, ConfChangeError> LeaveJoint(const Region& region,
                                                 const RegionEpoch& epoch) {
  if (auto checked = CheckEpoch(
          region, epoch, {.check_conf_ver = true, .check_version = false});
      !checked.ok()) {
    return base::MakeErr(ConfChangeError(checked.error()));
  }
  if (!region.InJointState()) {
    return base::MakeErr(
        ConfChangeError(InvalidConfChange{"region is not in a joint state"}));
  }
  Region next = region;
  uint64_t changed = 0;
  for (Peer& peer : next.peers) {
    if (peer.role == PeerRole::kIncomingVoter) {
      peer.role = PeerRole::kVoter;
      ++changed;
    } else if (peer.role == PeerRole::kDemotingVoter) {
      peer.role = PeerRole::kLearner;
      ++changed;
    }
  }
  CHECK_GT(changed, 0u);
  next.epoch.conf_ver += changed;
  return next;
}

}  // namespace core::region
