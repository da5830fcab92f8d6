// Split and merge as pure functions over region descriptions, with TiKV's
// epoch rules. The store applies them when the admin command commits; PD's
// cluster model applies them in simulation.
//
// Ref: TiKV raftstore apply.rs exec_batch_split / exec_commit_merge;
// reference/tikv.md §3 (split, merge, region epoch).
#ifndef CORE_REGION_SPLIT_MERGE_H_
#define CORE_REGION_SPLIT_MERGE_H_

#include <string>
#include <variant>
#include <vector>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "core/region/region.h"

namespace core::region {

// A split key is empty, outside (start_key, end_key), or not strictly above
// the previous split key.
struct InvalidSplitKey {
  base::Bytes key;
  std::string reason;
  std::string ToString() const;
};

// The request does not fit the region (wrong number of new ids, ...).
struct InvalidArgument {
  std::string reason;
  std::string ToString() const { return "invalid argument: " + reason; }
};

// Merge needs source and target to touch: source.end == target.start or
// target.end == source.start.
struct NotAdjacent {
  RegionId source_id = 0;
  RegionId target_id = 0;
  std::string ToString() const;
};

// Merge needs both regions to have peers on the same stores with the same
// roles, and neither may be in a joint state.
struct PeersNotAligned {
  RegionId source_id = 0;
  RegionId target_id = 0;
  std::string ToString() const;
};

using SplitError =
    std::variant<EpochNotMatch, InvalidSplitKey, InvalidArgument>;
using MergeError =
    std::variant<EpochNotMatch, NotAdjacent, PeersNotAligned, InvalidArgument>;

// Ids for one new region produced by a split: the region id and one peer id
// per peer of the parent, in the parent's peer order (Ref: pdpb.SplitID).
struct SplitIds {
  RegionId region_id = 0;
  std::vector<PeerId> peer_ids;
};

struct SplitRequest {
  // The epoch the request was built against; both components are checked.
  RegionEpoch epoch;
  // Strictly increasing keys strictly inside (start_key, end_key).
  std::vector<base::Bytes> split_keys;
  // One entry per split key.
  std::vector<SplitIds> new_ids;
  // When true the parent keeps its id for the rightmost range and the new
  // regions take the ranges to its left (TiKV right-derive-when-split);
  // otherwise the parent keeps the leftmost range.
  bool right_derive = true;
};

// Splits `region` at `request.split_keys` into split_keys.size() + 1 regions,
// returned in key order. They tile the parent's range exactly, all get
// version = parent.version + split_keys.size() (version +1 per new region),
// keep the parent's conf_ver, and have peers on the parent's stores with the
// parent's roles. Never crashes on bad input.
base::Result<std::vector<Region>, SplitError> Split(
    const Region& region, const SplitRequest& request);

struct MergeRequest {
  RegionEpoch source_epoch;
  RegionEpoch target_epoch;
};

// Merges `source` into `target` (Ref: TiKV CommitMerge). The result keeps the
// target's id, peers and conf_ver, covers the union of the two ranges, and has
// version = max(source.version, target.version) + 1 so that it supersedes
// both. Errors when an epoch is stale, the ranges are not adjacent, or the
// peers are not aligned.
base::Result<Region, MergeError> Merge(const Region& source,
                                       const Region& target,
                                       const MergeRequest& request);

}  // namespace core::region

#endif  // CORE_REGION_SPLIT_MERGE_H_
