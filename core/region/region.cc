#include "core/region/region.h"

#include <algorithm>
#include <set>
#include <sstream>

namespace core::region {

std::string_view PeerRoleName(PeerRole role) {
  switch (role) {
    case PeerRole::kVoter:
      return "Voter";
    case PeerRole::kLearner:
      return "Learner";
    case PeerRole::kIncomingVoter:
      return "IncomingVoter";
    case PeerRole::kDemotingVoter:
      return "DemotingVoter";
  }
  UNREACHABLE() << static_cast<int>(role);
  return "";
}

std::ostream& operator<<(std::ostream& out, const Peer& peer) {
  return out << "{id:" << peer.id << " store:" << peer.store_id << " "
             << PeerRoleName(peer.role) << "}";
}

std::ostream& operator<<(std::ostream& out, const RegionEpoch& epoch) {
  return out << "{conf_ver:" << epoch.conf_ver << " version:" << epoch.version
             << "}";
}

std::ostream& operator<<(std::ostream& out, const Region& region) {
  out << "region " << region.id << " [" << base::EscapeBytes(region.start_key)
      << ", "
      << (region.end_key.empty() ? "+inf" : base::EscapeBytes(region.end_key))
      << ") epoch " << region.epoch << " peers [";
  for (size_t i = 0; i < region.peers.size(); ++i) {
    if (i > 0) out << " ";
    out << region.peers[i];
  }
  return out << "]";
}

bool Region::ContainsKey(base::BytesView key) const {
  return KeyInRange(key, start_key, end_key);
}

const Peer* Region::FindPeer(PeerId peer_id) const {
  for (const Peer& peer : peers) {
    if (peer.id == peer_id) return &peer;
  }
  return nullptr;
}

const Peer* Region::FindPeerOnStore(StoreId store_id) const {
  for (const Peer& peer : peers) {
    if (peer.store_id == store_id) return &peer;
  }
  return nullptr;
}

bool Region::InJointState() const {
  return std::any_of(peers.begin(), peers.end(), [](const Peer& peer) {
    return peer.role == PeerRole::kIncomingVoter ||
           peer.role == PeerRole::kDemotingVoter;
  });
}

std::vector<Peer> Region::IncomingVoters() const {
  std::vector<Peer> voters;
  for (const Peer& peer : peers) {
    if (VotesInIncoming(peer.role)) voters.push_back(peer);
  }
  return voters;
}

std::vector<Peer> Region::OutgoingVoters() const {
  std::vector<Peer> voters;
  if (!InJointState()) return voters;
  for (const Peer& peer : peers) {
    if (VotesInOutgoing(peer.role)) voters.push_back(peer);
  }
  return voters;
}

std::vector<StoreId> Region::StoreIds() const {
  std::vector<StoreId> stores;
  stores.reserve(peers.size());
  for (const Peer& peer : peers) stores.push_back(peer.store_id);
  std::sort(stores.begin(), stores.end());
  return stores;
}

int CompareEndKeys(base::BytesView a, base::BytesView b) {
  if (a.empty() && b.empty()) return 0;
  if (a.empty()) return 1;
  if (b.empty()) return -1;
  return a.compare(b);
}

bool KeyInRange(base::BytesView key, base::BytesView start_key,
                base::BytesView end_key) {
  return key >= start_key && (end_key.empty() || key < end_key);
}

bool RangesOverlap(base::BytesView a_start, base::BytesView a_end,
                   base::BytesView b_start, base::BytesView b_end) {
  // [a_start, a_end) and [b_start, b_end) overlap iff each starts before the
  // other ends.
  const bool a_starts_before_b_ends = b_end.empty() || a_start < b_end;
  const bool b_starts_before_a_ends = a_end.empty() || b_start < a_end;
  return a_starts_before_b_ends && b_starts_before_a_ends;
}

std::string EpochNotMatch::ToString() const {
  std::ostringstream out;
  out << "epoch not match for region " << region_id << ": current " << current
      << ", requested " << requested;
  return out.str();
}

base::Outcome<InvalidRegion> Validate(const Region& region) {
  auto fail = [&](const std::string& reason) {
    std::ostringstream out;
    out << "region " << region.id << ": " << reason;
    return base::MakeErr(InvalidRegion{out.str()});
  };
  if (region.id == 0) return fail("id is zero");
  if (!region.end_key.empty() && region.start_key >= region.end_key) {
    return fail("start_key " + base::EscapeBytes(region.start_key) +
                " is not below end_key " + base::EscapeBytes(region.end_key));
  }
  std::set<PeerId> peer_ids;
  std::set<StoreId> store_ids;
  for (const Peer& peer : region.peers) {
    if (peer.id == 0) return fail("peer id is zero");
    if (peer.store_id == 0) return fail("peer store id is zero");
    if (!peer_ids.insert(peer.id).second) {
      return fail("duplicate peer id " + std::to_string(peer.id));
    }
    if (!store_ids.insert(peer.store_id).second) {
      return fail("two peers on store " + std::to_string(peer.store_id));
    }
  }
  if (region.IncomingVoters().empty()) return fail("no voter");
  return base::Unit{};
}

base::Outcome<EpochNotMatch> CheckEpoch(const Region& region,
                                        const RegionEpoch& requested,
                                        EpochCheck check) {
  const bool conf_ver_differs =
      check.check_conf_ver && requested.conf_ver != region.epoch.conf_ver;
  const bool version_differs =
      check.check_version && requested.version != region.epoch.version;
  if (conf_ver_differs || version_differs) {
    return base::MakeErr(EpochNotMatch{region.id, region.epoch, requested});
  }
  return base::Unit{};
}

}  // namespace core::region
