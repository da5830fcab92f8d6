// Store's split-check fibre (store.h, split_check.h).
#include "store/raftstore/store.h"

#include <vector>

namespace store::raftstore {

void Store::SplitCheckLoop() {
  const core::base::Duration interval =
      options_.tick_interval * options_.split_check.tick_interval_ticks;
  while (!closed_ && !halted_) {
    env_.executor.SleepFor(interval);
    std::vector<uint64_t> leading;
    for (const auto& [id, peer] : peers_) {
      if (peer->initialized() && peer->is_leader()) leading.push_back(id);
    }
    for (uint64_t region_id : leading) {
      if (closed_ || halted_) return;
      MaybeSplit(region_id);
    }
  }
}

void Store::MaybeSplit(uint64_t region_id) {
  const PeerFsm* peer = FindPeer(region_id);
  if (peer == nullptr || !peer->is_leader()) return;
  const core::region::Region region = peer->region();
  auto size = RegionApproximateSize(env_.engine, region);
  if (!size.ok() || !OverSplitLimits(*size, options_.split_check)) return;
  ++stats_.split_checks_scanned;
  auto split_key =
      FindSplitKey(*env_.engine.NewSnapshot(), region, options_.split_check);
  if (!split_key.ok() || !split_key->has_value()) return;
  // A failure (PD unreachable) is retried at the next check.
  (void)ProposeSplit(region_id, region, **split_key);
}

absl::Status Store::ProposeSplit(uint64_t region_id,
                                 const core::region::Region& measured,
                                 const std::string& split_key) {
  auto ids = options_.id_source->AskBatchSplit(measured, 1);
  if (!ids.ok()) return ids.status();
  if (ids->size() != 1 ||
      ids->front().new_peer_ids.size() != measured.peers.size()) {
    return absl::InternalError("split ids do not match the region");
  }
  // The ids may have taken a while: the region must still be the measured
  // one, and led here.
  const PeerFsm* peer = FindPeer(region_id);
  if (closed_ || halted_ || peer == nullptr || !peer->is_leader() ||
      peer->region().epoch != measured.epoch) {
    return absl::AbortedError("the region changed");
  }
  ++stats_.splits_proposed;
  Propose(BatchSplitCommand(measured, peer->peer(), {split_key}, *ids),
          [](raft_cmdpb::RaftCmdResponse) {});
  return absl::OkStatus();
}

}  // namespace store::raftstore
