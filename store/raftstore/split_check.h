// The split checker (Ref: TiKV components/raftstore/src/coprocessor/
// split_check/{size,keys}.rs and the split-check worker): a region whose
// data (every data CF) exceeds region-max-size or region-max-keys is split
// at the first key where the running size reaches region-split-size or the
// running count region-split-keys, scanning the CFs merged in key order.
// The store measures first with Engine::ApproximateSize (cheap) and scans
// only a region over the limit.
//
// Not done: TiKV's half checker and table checker, and cutting a split key
// between the versions of one MVCC key (the storage layer's key encoding
// must truncate the timestamp: TiKV does so for keys of the write CF).
//
// Pure over core::env::Snapshot.
#ifndef STORE_RAFTSTORE_SPLIT_CHECK_H_
#define STORE_RAFTSTORE_SPLIT_CHECK_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/env/engine.h"
#include "core/region/region.h"
#include "proto/metapb.pb.h"
#include "proto/raft_cmdpb.pb.h"
#include "store/raftstore/id_source.h"

namespace store::raftstore {

struct SplitCheckOptions {
  // TiKV split-region-check-tick-interval (10 s) in base ticks.
  int tick_interval_ticks = 10;
  // TiKV region-max-size / region-split-size (before v8.3).
  uint64_t region_max_size_bytes = uint64_t{144} << 20;
  uint64_t region_split_size_bytes = uint64_t{96} << 20;
  // TiKV region-max-keys / region-split-keys.
  uint64_t region_max_keys = 1'440'000;
  uint64_t region_split_keys = 960'000;
};

// The size of `region` over every data CF, as the engine estimates it.
absl::StatusOr<core::env::RangeSize> RegionApproximateSize(
    core::env::Engine& engine, const core::region::Region& region);

bool OverSplitLimits(const core::env::RangeSize& size,
                     const SplitCheckOptions& options);

// The user key to split `region` at, as `snapshot` shows it: nullopt when
// its exact size is within the limits or no key inside it qualifies.
absl::StatusOr<std::optional<std::string>> FindSplitKey(
    const core::env::Snapshot& snapshot, const core::region::Region& region,
    const SplitCheckOptions& options);

// A BatchSplit of `region` at `split_key` from `peer`, creating region
// `new_region_id` with `new_peer_ids` (one per peer of `region`), the
// parent keeping the right part (TiKV right-derive-when-split).
raft_cmdpb::RaftCmdRequest BatchSplitCommand(
    const core::region::Region& region, const metapb::Peer& peer,
    const std::string& split_key, uint64_t new_region_id,
    const std::vector<uint64_t>& new_peer_ids);
// A BatchSplit at every key of `split_keys` (ascending, inside the region),
// split i creating the region of `ids[i]`; the parent keeps the rightmost
// part.
raft_cmdpb::RaftCmdRequest BatchSplitCommand(
    const core::region::Region& region, const metapb::Peer& peer,
    const std::vector<std::string>& split_keys,
    const std::vector<SplitIds>& ids);

}  // namespace store::raftstore

#endif  // STORE_RAFTSTORE_SPLIT_CHECK_H_
