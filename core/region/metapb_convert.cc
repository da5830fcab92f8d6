#include "core/region/metapb_convert.h"

namespace core::region {

namespace {

metapb::PeerRole RoleToMetapb(PeerRole role) {
  switch (role) {
    case PeerRole::kVoter:
      return metapb::Voter;
    case PeerRole::kLearner:
      return metapb::Learner;
    case PeerRole::kIncomingVoter:
      return metapb::IncomingVoter;
    case PeerRole::kDemotingVoter:
      return metapb::DemotingVoter;
  }
  UNREACHABLE() << static_cast<int>(role);
  return metapb::Voter;
}

}  // namespace

metapb::Peer ToMetapb(const Peer& peer) {
  metapb::Peer out;
  out.set_id(peer.id);
  out.set_store_id(peer.store_id);
  out.set_role(RoleToMetapb(peer.role));
  return out;
}

metapb::RegionEpoch ToMetapb(const RegionEpoch& epoch) {
  metapb::RegionEpoch out;
  out.set_conf_ver(epoch.conf_ver);
  out.set_version(epoch.version);
  return out;
}

metapb::Region ToMetapb(const Region& region) {
  metapb::Region out;
  out.set_id(region.id);
  out.set_start_key(region.start_key);
  out.set_end_key(region.end_key);
  *out.mutable_region_epoch() = ToMetapb(region.epoch);
  for (const Peer& peer : region.peers) *out.add_peers() = ToMetapb(peer);
  return out;
}

base::Result<Peer, InvalidRegion> FromMetapb(const metapb::Peer& peer) {
  if (peer.is_witness()) {
    return base::MakeErr(InvalidRegion{"witness peers are not supported"});
  }
  Peer out{peer.id(), peer.store_id(), PeerRole::kVoter};
  switch (peer.role()) {
    case metapb::Voter:
      out.role = PeerRole::kVoter;
      break;
    case metapb::Learner:
      out.role = PeerRole::kLearner;
      break;
    case metapb::IncomingVoter:
      out.role = PeerRole::kIncomingVoter;
      break;
    case metapb::DemotingVoter:
      out.role = PeerRole::kDemotingVoter;
      break;
    default:
      return base::MakeErr(
          InvalidRegion{"unknown peer role " +
                        std::to_string(static_cast<int>(peer.role()))});
  }
  return out;
}

RegionEpoch FromMetapb(const metapb::RegionEpoch& epoch) {
  return RegionEpoch{epoch.conf_ver(), epoch.version()};
}

base::Result<Region, InvalidRegion> FromMetapb(const metapb::Region& region) {
  Region out;
  out.id = region.id();
  out.start_key = region.start_key();
  out.end_key = region.end_key();
  out.epoch = FromMetapb(region.region_epoch());
  for (const metapb::Peer& peer : region.peers()) {
    auto converted = FromMetapb(peer);
    if (!converted.ok()) return base::MakeErr(converted.error());
    out.peers.push_back(converted.value());
  }
  if (auto valid = Validate(out); !valid.ok())
    return base::MakeErr(valid.error());
  return out;
}

}  // namespace core::region
