// RegionSnapshot: one region's data as of an engine snapshot, in user keys
// (TiKV's components/raftstore/src/store/region_snapshot.rs). Reads and
// seeks take user keys and return user keys: the data prefix ('z', keys.h)
// is added and stripped here, and every iterator is bounded by the
// region's [start_key, end_key) intersected with the caller's bounds, so a
// read never sees a neighbour region's data (or local state). A point Get
// outside the region reads nothing.
#ifndef STORE_RAFTSTORE_REGION_SNAPSHOT_H_
#define STORE_RAFTSTORE_REGION_SNAPSHOT_H_

#include <memory>

#include "core/env/engine.h"
#include "core/region/region.h"

namespace store::raftstore {

std::shared_ptr<const core::env::Snapshot> NewRegionSnapshot(
    std::shared_ptr<const core::env::Snapshot> engine_snapshot,
    const core::region::Region& region);

}  // namespace store::raftstore

#endif  // STORE_RAFTSTORE_REGION_SNAPSHOT_H_
