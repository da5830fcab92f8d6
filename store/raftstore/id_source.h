// IdSource: where a store gets fresh region and peer ids (PD's AllocID /
// AskBatchSplit behind it, store/pd_worker's PdIdSource; a counter in
// tests), and whom it tells about the splits it led (PD's
// ReportBatchSplit). Shared by the split checker, the SplitRegion RPC and
// the PD worker's split operators.
//
// Thread-affinity: the store's executor; AllocId and AskBatchSplit may
// park the calling fibre (a PD call), so they are never called from a
// fibre that must not. ReportBatchSplit never parks.
#ifndef STORE_RAFTSTORE_ID_SOURCE_H_
#define STORE_RAFTSTORE_ID_SOURCE_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "core/region/region.h"

namespace store::raftstore {

// The ids of one region a split creates: the region's, and one peer id per
// peer of the parent (in the parent's peer order).
struct SplitIds {
  uint64_t new_region_id = 0;
  std::vector<uint64_t> new_peer_ids;
};

class IdSource {
 public:
  virtual ~IdSource() = default;
  // A cluster-unique id, never handed out before.
  virtual absl::StatusOr<uint64_t> AllocId() = 0;

  // Ids for `split_count` regions split off `region` (Ref: pdpb
  // AskBatchSplit; PD checks the region's epoch). By default from AllocId.
  virtual absl::StatusOr<std::vector<SplitIds>> AskBatchSplit(
      const core::region::Region& region, uint32_t split_count) {
    std::vector<SplitIds> out(split_count);
    for (SplitIds& ids : out) {
      absl::StatusOr<uint64_t> region_id = AllocId();
      if (!region_id.ok()) return region_id.status();
      ids.new_region_id = *region_id;
      for (size_t i = 0; i < region.peers.size(); ++i) {
        absl::StatusOr<uint64_t> peer_id = AllocId();
        if (!peer_id.ok()) return peer_id.status();
        ids.new_peer_ids.push_back(*peer_id);
      }
    }
    return out;
  }

  // A split this store's leader proposed was applied: `regions` in key
  // order, the parent among them (Ref: pdpb ReportBatchSplit, sent by
  // TiKV's leader in on_ready_split_region). By default nothing.
  virtual void ReportBatchSplit(
      const std::vector<core::region::Region>& regions) {
    (void)regions;
  }
};

}  // namespace store::raftstore

#endif  // STORE_RAFTSTORE_ID_SOURCE_H_
