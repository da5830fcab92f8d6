// PeerFsm's hibernation (peer_fsm.h, HibernateOptions). Ref: TiKV
// components/raftstore/src/store/hibernate_state.rs, PeerFsm::
// on_hibernate_request / on_hibernate_response / maybe_hibernate.
#include "core/region/metapb_convert.h"
#include "store/raftstore/peer_fsm.h"
#include "store/raftstore/store.h"

namespace store::raftstore {

bool PeerFsm::IdleLeader() const {
  const core::raft::Raft& raft = peer_->raw_node().raft();
  const core::raft::Index last = raft.raft_log().LastIndex();
  if (!initialized() || !is_leader() || !proposals_.empty() ||
      !pending_reads_.empty() || raft.lead_transferee() != 0 ||
      region().InJointState() || raft.raft_log().committed() != last ||
      peer_->applied_index() != last) {
    return false;
  }
  for (const auto& [id, progress] : raft.tracker().progress()) {
    if (progress.match != last) return false;
  }
  return true;
}

bool PeerFsm::IdleFollower(uint64_t leader_id) const {
  const core::raft::Raft& raft = peer_->raw_node().raft();
  const core::raft::Index last = raft.raft_log().LastIndex();
  return initialized() && !is_leader() && raft.lead() == leader_id &&
         proposals_.empty() && pending_reads_.empty() &&
         raft.raft_log().committed() == last && peer_->applied_index() == last;
}

void PeerFsm::MaybeHibernate() {
  if (!options_.hibernate.enabled) return;
  if (!IdleLeader()) {
    idle_ticks_ = 0;
    hibernate_acks_.clear();
    return;
  }
  if (++idle_ticks_ < options_.hibernate.idle_ticks) return;
  bool all_agreed = true;
  for (const core::region::Peer& member : region().peers) {
    if (member.id == peer_id() || hibernate_acks_.contains(member.id)) {
      continue;
    }
    all_agreed = false;
    SendExtraMessage(core::region::ToMetapb(member),
                     raft_serverpb::MsgHibernateRequest);
  }
  if (all_agreed) {
    hibernated_ = true;
    hibernated_ticks_ = 0;
  }
}

void PeerFsm::OnExtraMessage(const raft_serverpb::RaftMessage& envelope) {
  const metapb::Peer& from = envelope.from_peer();
  peer_cache_[from.id()] = from;
  switch (envelope.extra_msg().type()) {
    case raft_serverpb::MsgHibernateRequest:
      if (options_.hibernate.enabled && IdleFollower(from.id())) {
        hibernated_ = true;
        hibernated_ticks_ = 0;
        SendExtraMessage(from, raft_serverpb::MsgHibernateResponse);
      }
      return;
    case raft_serverpb::MsgHibernateResponse:
      if (idle_ticks_ > 0 && is_leader()) hibernate_acks_.insert(from.id());
      return;
    case raft_serverpb::MsgRegionWakeUp:
      if (hibernated_) WakeUp(/*tell_leader=*/false);
      return;
    default:
      return;
  }
}

void PeerFsm::WakeUp(bool tell_leader) {
  hibernated_ = false;
  hibernated_ticks_ = 0;
  idle_ticks_ = 0;
  hibernate_acks_.clear();
  if (!tell_leader || is_leader()) return;
  if (std::optional<metapb::Peer> to = leader()) {
    SendExtraMessage(*to, raft_serverpb::MsgRegionWakeUp);
  }
}

void PeerFsm::SendExtraMessage(const metapb::Peer& to,
                               raft_serverpb::ExtraMessageType type) {
  raft_serverpb::RaftMessage envelope;
  envelope.set_region_id(region_id());
  *envelope.mutable_from_peer() = options_.peer;
  *envelope.mutable_to_peer() = to;
  *envelope.mutable_region_epoch() = core::region::ToMetapb(region().epoch);
  envelope.mutable_extra_msg()->set_type(type);
  host_->SendRaftMessage(std::move(envelope));
}

size_t Store::hibernated_peer_count() const {
  size_t count = 0;
  for (const auto& [id, peer] : peers_) count += peer->hibernated() ? 1 : 0;
  return count;
}

}  // namespace store::raftstore
