#include "store/raftstore/raft_log_gc.h"

#include <algorithm>
#include <limits>
#include <vector>

namespace store::raftstore {

using core::raft::Index;

std::optional<Index> RaftLogGcCompactIndex(const RaftLogGcState& state,
                                           const RaftLogGcOptions& options) {
  const Index first = state.first_index;
  Index chosen = 0;
  if ((state.applied_index > first &&
       state.applied_index - first >= options.count_limit) ||
      state.log_bytes >= options.size_limit_bytes) {
    chosen = state.applied_index;
  } else if (state.replicated_index < first || state.last_index < first + 3 ||
             state.replicated_index - first < options.threshold) {
    return std::nullopt;
  } else {
    chosen = state.replicated_index;
  }
  // TiKV keeps the chosen entry itself.
  if (chosen == 0 || chosen - 1 < first) return std::nullopt;
  return chosen - 1;
}

RaftLogGcState RaftLogGcStateOf(const core::raft::Raft& raft,
                                Index applied_index) {
  const core::raft::RaftLog& log = raft.raft_log();
  RaftLogGcState state{.applied_index = applied_index,
                       .first_index = log.FirstIndex(),
                       .last_index = log.LastIndex(),
                       .replicated_index = log.LastIndex()};
  for (const auto& [id, progress] : raft.tracker().progress()) {
    state.replicated_index = std::min(state.replicated_index, progress.match);
  }
  if (state.last_index >= state.first_index) {
    std::vector<core::raft::Entry> entries;
    if (log.Slice(state.first_index, state.last_index + 1,
                  std::numeric_limits<uint64_t>::max(), &entries)
            .ok()) {
      for (const core::raft::Entry& entry : entries) {
        state.log_bytes += entry.PayloadSize();
      }
    }
  }
  return state;
}

raft_cmdpb::RaftCmdRequest CompactLogCommand(uint64_t region_id,
                                             const metapb::Peer& peer,
                                             const metapb::RegionEpoch& epoch,
                                             Index compact_index,
                                             core::raft::Term compact_term) {
  raft_cmdpb::RaftCmdRequest cmd;
  raft_cmdpb::RaftRequestHeader* header = cmd.mutable_header();
  header->set_region_id(region_id);
  *header->mutable_peer() = peer;
  *header->mutable_region_epoch() = epoch;
  raft_cmdpb::AdminRequest* admin = cmd.mutable_admin_request();
  admin->set_cmd_type(raft_cmdpb::CompactLog);
  admin->mutable_compact_log()->set_compact_index(compact_index);
  admin->mutable_compact_log()->set_compact_term(compact_term);
  return cmd;
}

}  // namespace store::raftstore
