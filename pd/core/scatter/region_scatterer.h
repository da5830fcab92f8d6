// RegionScatterer: spreads a region's voters and leader evenly over the
// stores, for regions an application has just split (a table's new regions
// all start on the stores of their parent). Per group it remembers how many
// peers and leaders it placed on each store, so successive regions of one
// group go to different stores. A peer stays where it is when its store is
// among the least used of the group; otherwise it moves to the least used
// store that may receive a peer. The leader goes to the target voter with
// the fewest leaders placed. Scatter operators are kOpAdmin: the controller
// lets them replace scheduling operators.
//
// Ref: PD pkg/schedule/scatter/region_scatterer.go (selectedPeer /
// selectedLeader counts per group, scatterRegion, selectNewPeer,
// selectAvailableLeaderStore); behaviour, not code.
#ifndef PD_CORE_SCATTER_REGION_SCATTERER_H_
#define PD_CORE_SCATTER_REGION_SCATTERER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "pd/core/operators/builder.h"
#include "pd/core/operators/operator.h"
#include "pd/core/schedule/context.h"

namespace pd::scatter {

using core::region::RegionId;
using core::region::StoreId;

class RegionScatterer {
 public:
  // The operator moving the region's voters and leader where the group's
  // counts want them (nullopt when they are there already: nothing to do),
  // or why it cannot be built (an unknown or joint region, a pending or down
  // peer, too few target stores). New peer ids come from ctx.alloc_id. The
  // chosen placement is counted in the group either way.
  operators::BuildResult<std::optional<operators::Operator>> Scatter(
      const schedule::ScheduleContext& ctx, RegionId region_id,
      const std::string& group);

  // Peers / leaders this scatterer placed on `store` in `group`.
  int64_t PeersPlaced(const std::string& group, StoreId store) const;
  int64_t LeadersPlaced(const std::string& group, StoreId store) const;

 private:
  struct GroupCounts {
    std::map<StoreId, int64_t> peers;
    std::map<StoreId, int64_t> leaders;
  };
  std::map<std::string, GroupCounts> groups_;
};

}  // namespace pd::scatter

#endif  // PD_CORE_SCATTER_REGION_SCATTERER_H_
