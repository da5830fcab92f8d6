// Conversions between pdpb messages and pd/core's types: heartbeats in,
// region answers and operator commands out. Decoding validates: a heartbeat
// that describes an impossible region is an error naming the problem.
#ifndef PD_SERVER_CONVERT_H_
#define PD_SERVER_CONVERT_H_

#include <string>

#include "core/base/result.h"
#include "pd/core/cluster/cluster_view.h"
#include "pd/core/operators/step.h"
#include "proto/pdpb.pb.h"

namespace pd::server {

struct InvalidRequest {
  std::string reason;
  std::string ToString() const { return reason; }
};

cluster::StoreStats StoreStatsFromPdpb(const pdpb::StoreStats& stats);
pdpb::StoreStats StoreStatsToPdpb(const cluster::StoreInfo& store,
                                  const cluster::StoreRegionStats& regions);

core::base::Result<cluster::RegionHeartbeat, InvalidRequest>
RegionHeartbeatFromPdpb(const pdpb::RegionHeartbeatRequest& request);

// The region, its leader, down and pending peers, as GetRegion answers.
void FillRegion(const cluster::RegionInfo& info,
                pdpb::GetRegionResponse* response);
void FillRegion(const cluster::RegionInfo& info, pdpb::Region* region);

// The step of `command` for the region's leader (region id, epoch and
// target peer included); the header is left to the caller.
pdpb::RegionHeartbeatResponse CommandToPdpb(
    const operators::RegionCommand& command, const cluster::RegionInfo& info);

}  // namespace pd::server

#endif  // PD_SERVER_CONVERT_H_
