#include "pd/core/operators/step.h"

#include <sstream>

#include "core/base/check.h"

namespace pd::operators {

namespace base = core::base;
using core::region::ConfChangeType;
using core::region::PeerChange;
using core::region::PeerRole;

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

bool HasPeer(const Region& region, StoreId store, PeerId id, PeerRole role) {
  const Peer* peer = region.FindPeerOnStore(store);
  return peer != nullptr && peer->id == id && peer->role == role;
}

bool JointEnterDone(const ChangePeerV2Enter& step, const Region& region) {
  for (const PromoteLearner& p : step.promote) {
    const Peer* peer = region.FindPeerOnStore(p.to_store);
    if (peer == nullptr || peer->id != p.peer_id ||
        !core::region::VotesInIncoming(peer->role)) {
      return false;
    }
  }
  for (const DemoteVoter& d : step.demote) {
    const Peer* peer = region.FindPeerOnStore(d.to_store);
    if (peer == nullptr || peer->id != d.peer_id ||
        (peer->role != PeerRole::kDemotingVoter &&
         peer->role != PeerRole::kLearner)) {
      return false;
    }
  }
  return true;
}

bool JointLeaveDone(const ChangePeerV2Leave& step, const Region& region) {
  if (region.InJointState()) return false;
  for (const PromoteLearner& p : step.promote) {
    if (!HasPeer(region, p.to_store, p.peer_id, PeerRole::kVoter)) return false;
  }
  for (const DemoteVoter& d : step.demote) {
    const Peer* peer = region.FindPeerOnStore(d.to_store);
    if (peer != nullptr &&
        (peer->id != d.peer_id || peer->role != PeerRole::kLearner)) {
      return false;
    }
  }
  return true;
}

PeerChange Change(ConfChangeType type, PeerId id, StoreId store) {
  return PeerChange{type, Peer{id, store, PeerRole::kVoter}};
}

}  // namespace

std::string StepToString(const OpStep& step) {
  std::ostringstream out;
  std::visit(Overloaded{
                 [&](const TransferLeader& s) {
                   out << "transfer leader from store " << s.from_store
                       << " to store " << s.to_store;
                 },
                 [&](const AddLearner& s) {
                   out << "add learner peer " << s.peer_id << " on store "
                       << s.to_store;
                 },
                 [&](const PromoteLearner& s) {
                   out << "promote learner peer " << s.peer_id << " on store "
                       << s.to_store;
                 },
                 [&](const RemovePeer& s) {
                   out << "remove peer " << s.peer_id << " on store "
                       << s.from_store;
                 },
                 [&](const ChangePeerV2Enter& s) {
                   out << "enter joint state: promote " << s.promote.size()
                       << ", demote " << s.demote.size();
                 },
                 [&](const ChangePeerV2Leave& s) {
                   out << "leave joint state: promote " << s.promote.size()
                       << ", demote " << s.demote.size();
                 },
                 [&](const SplitRegion& s) {
                   out << "split with " << s.split_keys.size() << " keys";
                 },
                 [&](const MergeRegion& s) {
                   out << (s.is_passive ? "passive " : "") << "merge region "
                       << s.from_region.id << " into " << s.to_region.id;
                 },
             },
             step);
  return out.str();
}

bool IsFinished(const OpStep& step, const RegionInfo& info) {
  const Region& region = info.region();
  return std::visit(
      Overloaded{
          [&](const TransferLeader& s) {
            return info.leader().store_id == s.to_store;
          },
          [&](const AddLearner& s) {
            return HasPeer(region, s.to_store, s.peer_id, PeerRole::kLearner) &&
                   !info.IsPendingPeer(s.peer_id);
          },
          [&](const PromoteLearner& s) {
            return HasPeer(region, s.to_store, s.peer_id, PeerRole::kVoter);
          },
          [&](const RemovePeer& s) {
            return region.FindPeerOnStore(s.from_store) == nullptr;
          },
          [&](const ChangePeerV2Enter& s) { return JointEnterDone(s, region); },
          [&](const ChangePeerV2Leave& s) { return JointLeaveDone(s, region); },
          [&](const SplitRegion& s) {
            return region.start_key != s.start_key ||
                   region.end_key != s.end_key;
          },
          [&](const MergeRegion& s) {
            // Only the target observes the merge; the source region disappears
            // and the controller ends its operator then.
            return s.is_passive && (region.start_key != s.to_region.start_key ||
                                    region.end_key != s.to_region.end_key);
          },
      },
      step);
}

base::Outcome<StepStale> CheckStep(const OpStep& step, const RegionInfo& info) {
  const Region& region = info.region();
  auto stale = [](std::string reason) {
    return base::MakeErr(StepStale{std::move(reason)});
  };
  return std::visit(
      Overloaded{
          [&](const TransferLeader& s) -> base::Outcome<StepStale> {
            const Peer* target = region.FindPeerOnStore(s.to_store);
            if (target == nullptr ||
                !core::region::VotesInIncoming(target->role)) {
              return stale("leader target is not a voter");
            }
            return base::Unit{};
          },
          [&](const AddLearner& s) -> base::Outcome<StepStale> {
            const Peer* peer = region.FindPeerOnStore(s.to_store);
            if (peer != nullptr && peer->id != s.peer_id) {
              return stale("store already holds another peer");
            }
            return base::Unit{};
          },
          [&](const PromoteLearner& s) -> base::Outcome<StepStale> {
            const Peer* peer = region.FindPeerOnStore(s.to_store);
            if (peer == nullptr || peer->id != s.peer_id)
              return stale("learner is gone");
            return base::Unit{};
          },
          [&](const RemovePeer& s) -> base::Outcome<StepStale> {
            const Peer* peer = region.FindPeerOnStore(s.from_store);
            if (peer != nullptr && peer->id != s.peer_id)
              return stale("peer was replaced");
            if (info.leader().store_id == s.from_store)
              return stale("peer is the leader");
            return base::Unit{};
          },
          [&](const ChangePeerV2Enter& s) -> base::Outcome<StepStale> {
            for (const PromoteLearner& p : s.promote) {
              const Peer* peer = region.FindPeerOnStore(p.to_store);
              if (peer == nullptr || peer->id != p.peer_id)
                return stale("learner is gone");
            }
            for (const DemoteVoter& d : s.demote) {
              const Peer* peer = region.FindPeerOnStore(d.to_store);
              if (peer == nullptr || peer->id != d.peer_id)
                return stale("voter is gone");
              if (info.leader().store_id == d.to_store)
                return stale("demoting the leader");
            }
            return base::Unit{};
          },
          [&](const ChangePeerV2Leave&) -> base::Outcome<StepStale> {
            return base::Unit{};
          },
          [&](const SplitRegion&) -> base::Outcome<StepStale> {
            return base::Unit{};
          },
          [&](const MergeRegion& s) -> base::Outcome<StepStale> {
            const Region& self = s.is_passive ? s.to_region : s.from_region;
            if (!(region.epoch == self.epoch)) {
              return stale("region changed since the merge was planned");
            }
            return base::Unit{};
          },
      },
      step);
}

std::optional<RegionCommand> CommandFor(const OpStep& step,
                                        const RegionInfo& info) {
  const Region& region = info.region();
  return std::visit(
      Overloaded{
          [&](const TransferLeader& s) -> std::optional<RegionCommand> {
            const Peer* target = region.FindPeerOnStore(s.to_store);
            CHECK(target != nullptr);
            return TransferLeaderCommand{*target};
          },
          [&](const AddLearner& s) -> std::optional<RegionCommand> {
            if (region.FindPeerOnStore(s.to_store) != nullptr) {
              return std::nullopt;  // added; waiting for the snapshot
            }
            return ChangePeerCommand{
                Change(ConfChangeType::kAddLearnerNode, s.peer_id, s.to_store)};
          },
          [&](const PromoteLearner& s) -> std::optional<RegionCommand> {
            return ChangePeerCommand{
                Change(ConfChangeType::kAddNode, s.peer_id, s.to_store)};
          },
          [&](const RemovePeer& s) -> std::optional<RegionCommand> {
            return ChangePeerCommand{
                Change(ConfChangeType::kRemoveNode, s.peer_id, s.from_store)};
          },
          [&](const ChangePeerV2Enter& s) -> std::optional<RegionCommand> {
            ChangePeerV2Command command;
            for (const PromoteLearner& p : s.promote) {
              command.changes.push_back(
                  Change(ConfChangeType::kAddNode, p.peer_id, p.to_store));
            }
            for (const DemoteVoter& d : s.demote) {
              command.changes.push_back(Change(ConfChangeType::kAddLearnerNode,
                                               d.peer_id, d.to_store));
            }
            return command;
          },
          [&](const ChangePeerV2Leave&) -> std::optional<RegionCommand> {
            return ChangePeerV2Command{};
          },
          [&](const SplitRegion& s) -> std::optional<RegionCommand> {
            return SplitRegionCommand{s.split_keys};
          },
          [&](const MergeRegion& s) -> std::optional<RegionCommand> {
            if (s.is_passive) return std::nullopt;
            return MergeCommand{s.to_region};
          },
      },
      step);
}

bool IsSlowStep(const OpStep& step) {
  return std::holds_alternative<AddLearner>(step) ||
         std::holds_alternative<MergeRegion>(step);
}

std::string CommandToString(const RegionCommand& command) {
  std::ostringstream out;
  std::visit(Overloaded{
                 [&](const ChangePeerCommand& c) {
                   out << "ChangePeer "
                       << core::region::ConfChangeTypeName(c.change.type) << " "
                       << c.change.peer;
                 },
                 [&](const ChangePeerV2Command& c) {
                   out << "ChangePeerV2 with " << c.changes.size()
                       << " changes";
                 },
                 [&](const TransferLeaderCommand& c) {
                   out << "TransferLeader to " << c.peer;
                 },
                 [&](const MergeCommand& c) {
                   out << "Merge into region " << c.target.id;
                 },
                 [&](const SplitRegionCommand& c) {
                   out << "SplitRegion with " << c.keys.size() << " keys";
                 },
             },
             command);
  return out.str();
}

}  // namespace pd::operators
