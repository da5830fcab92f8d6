#include "pd/core/operators/builder.h"

#include "core/base/check.h"
#include "core/base/mutant.h"

namespace pd::operators {

namespace base = core::base;
using core::region::PeerRole;

namespace {

BuildResult<Operator> Fail(std::string reason) {
  return base::MakeErr(BuildError{std::move(reason)});
}

// A voter other than `except` that can take the leadership: not down, not
// pending. Prefers the lowest store id for determinism.
const Peer* PickLeaderTarget(const RegionInfo& info, StoreId except) {
  const Peer* best = nullptr;
  for (const Peer& peer : info.region().peers) {
    if (peer.store_id == except || peer.role != PeerRole::kVoter) continue;
    if (info.IsDownPeer(peer.id) || info.IsPendingPeer(peer.id)) continue;
    if (best == nullptr || peer.store_id < best->store_id) best = &peer;
  }
  return best;
}

// Appends a leader transfer away from `from_store` when it holds the leader.
bool MaybeTransferLeaderAway(const RegionInfo& info, StoreId from_store,
                             std::vector<OpStep>& steps) {
  if (info.leader().store_id != from_store) return true;
  const Peer* target = PickLeaderTarget(info, from_store);
  if (target == nullptr) return false;
  steps.push_back(TransferLeader{from_store, target->store_id});
  return true;
}

std::vector<OpStep> ReplaceSteps(const Peer& old_peer, StoreId to_store,
                                 PeerId new_peer_id,
                                 const BuilderOptions& options) {
  const StoreId from_store = old_peer.store_id;
  const PromoteLearner promote{to_store, new_peer_id};
  const RemovePeer remove{from_store, old_peer.id};
  if (old_peer.role == PeerRole::kLearner) {
    return {AddLearner{to_store, new_peer_id}, remove};
  }
  if (options.use_joint_consensus) {
    const DemoteVoter demote{from_store, old_peer.id};
    if (MUTANT(PD_REMOVE_BEFORE_PROMOTE)) {
      // Known bug: the old voter leaves before its replacement votes.
      return {AddLearner{to_store, new_peer_id},
              ChangePeerV2Enter{{}, {demote}}, ChangePeerV2Leave{{}, {demote}},
              remove, promote};
    } else {
      return {AddLearner{to_store, new_peer_id},
              ChangePeerV2Enter{{promote}, {demote}},
              ChangePeerV2Leave{{promote}, {demote}}, remove};
    }
  }
  if (MUTANT(PD_REMOVE_BEFORE_PROMOTE)) {
    // Known bug: the old voter is removed while its replacement is a learner.
    return {AddLearner{to_store, new_peer_id}, remove, promote};
  } else {
    return {AddLearner{to_store, new_peer_id}, promote, remove};
  }
}

}  // namespace

bool PeersAligned(const Region& a, const Region& b) {
  if (a.InJointState() || b.InJointState() || a.peers.size() != b.peers.size())
    return false;
  for (const Peer& peer : a.peers) {
    const Peer* other = b.FindPeerOnStore(peer.store_id);
    if (other == nullptr || other->role != peer.role) return false;
  }
  return true;
}

BuildResult<Operator> CreateTransferLeaderOperator(std::string desc,
                                                   const RegionInfo& info,
                                                   StoreId to_store,
                                                   uint32_t kinds,
                                                   int64_t now_ms) {
  const Peer* target = info.region().FindPeerOnStore(to_store);
  if (target == nullptr || target->role != PeerRole::kVoter) {
    return Fail("no voter on store " + std::to_string(to_store));
  }
  if (info.leader().store_id == to_store) return Fail("already the leader");
  return Operator(std::move(desc), info.region().id, info.region().epoch,
                  kinds | kOpLeader,
                  {TransferLeader{info.leader().store_id, to_store}}, now_ms);
}

BuildResult<Operator> CreateAddPeerOperator(std::string desc,
                                            const RegionInfo& info,
                                            StoreId to_store,
                                            PeerId new_peer_id, uint32_t kinds,
                                            int64_t now_ms) {
  if (info.region().FindPeerOnStore(to_store) != nullptr) {
    return Fail("store " + std::to_string(to_store) + " already holds a peer");
  }
  if (new_peer_id == 0) return Fail("peer id is zero");
  return Operator(std::move(desc), info.region().id, info.region().epoch, kinds,
                  {AddLearner{to_store, new_peer_id},
                   PromoteLearner{to_store, new_peer_id}},
                  now_ms);
}

BuildResult<Operator> CreateRemovePeerOperator(std::string desc,
                                               const RegionInfo& info,
                                               StoreId from_store,
                                               uint32_t kinds, int64_t now_ms) {
  const Peer* peer = info.region().FindPeerOnStore(from_store);
  if (peer == nullptr)
    return Fail("no peer on store " + std::to_string(from_store));
  if (info.region().InJointState()) return Fail("region is in a joint state");
  std::vector<OpStep> steps;
  if (!MaybeTransferLeaderAway(info, from_store, steps)) {
    return Fail("no voter can take over the leadership");
  }
  if (info.leader().store_id == from_store) kinds |= kOpLeader;
  steps.push_back(RemovePeer{from_store, peer->id});
  return Operator(std::move(desc), info.region().id, info.region().epoch, kinds,
                  std::move(steps), now_ms);
}

BuildResult<Operator> CreateMovePeerOperator(
    std::string desc, const RegionInfo& info, StoreId from_store,
    StoreId to_store, PeerId new_peer_id, uint32_t kinds,
    const BuilderOptions& options, int64_t now_ms) {
  const Region& region = info.region();
  const Peer* old_peer = region.FindPeerOnStore(from_store);
  if (old_peer == nullptr)
    return Fail("no peer on store " + std::to_string(from_store));
  if (region.FindPeerOnStore(to_store) != nullptr) {
    return Fail("store " + std::to_string(to_store) + " already holds a peer");
  }
  if (region.InJointState()) return Fail("region is in a joint state");
  if (new_peer_id == 0) return Fail("peer id is zero");
  std::vector<OpStep> steps;
  if (!MaybeTransferLeaderAway(info, from_store, steps)) {
    return Fail("no voter can take over the leadership");
  }
  if (!steps.empty()) kinds |= kOpLeader;
  for (OpStep& step : ReplaceSteps(*old_peer, to_store, new_peer_id, options)) {
    steps.push_back(std::move(step));
  }
  return Operator(std::move(desc), region.id, region.epoch, kinds,
                  std::move(steps), now_ms);
}

Operator CreateSplitOperator(std::string desc, const RegionInfo& info,
                             std::vector<core::base::Bytes> split_keys,
                             uint32_t kinds, int64_t now_ms) {
  const Region& region = info.region();
  return Operator(
      std::move(desc), region.id, region.epoch, kinds | kOpSplit,
      {SplitRegion{region.start_key, region.end_key, std::move(split_keys)}},
      now_ms);
}

BuildResult<std::pair<Operator, Operator>> CreateMergeOperators(
    std::string desc, const RegionInfo& source, const RegionInfo& target,
    int64_t now_ms) {
  const Region& from = source.region();
  const Region& to = target.region();
  const bool adjacent =
      (!from.end_key.empty() && from.end_key == to.start_key) ||
      (!to.end_key.empty() && to.end_key == from.start_key);
  if (!adjacent) return base::MakeErr(BuildError{"regions are not adjacent"});
  if (!PeersAligned(from, to))
    return base::MakeErr(BuildError{"peers are not aligned"});
  Operator active(desc, from.id, from.epoch, kOpMerge,
                  {MergeRegion{from, to, false}}, now_ms);
  Operator passive(desc, to.id, to.epoch, kOpMerge,
                   {MergeRegion{from, to, true}}, now_ms);
  return std::make_pair(std::move(active), std::move(passive));
}

}  // namespace pd::operators
