// Conversions between core::region types and kvproto-compatible metapb
// messages. Decoding validates: a message from the network that describes an
// impossible region becomes an InvalidRegion error, never a crash.
#ifndef CORE_REGION_METAPB_CONVERT_H_
#define CORE_REGION_METAPB_CONVERT_H_

#include "core/base/result.h"
#include "core/region/region.h"
#include "proto/metapb.pb.h"

namespace core::region {

metapb::Peer ToMetapb(const Peer& peer);
metapb::RegionEpoch ToMetapb(const RegionEpoch& epoch);
metapb::Region ToMetapb(const Region& region);

base::Result<Peer, InvalidRegion> FromMetapb(const metapb::Peer& peer);
RegionEpoch FromMetapb(const metapb::RegionEpoch& epoch);
// Also runs Validate().
base::Result<Region, InvalidRegion> FromMetapb(const metapb::Region& region);

}  // namespace core::region

#endif  // CORE_REGION_METAPB_CONVERT_H_
