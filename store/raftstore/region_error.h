// The region errors the raftstore answers commands with, as kvproto's
// errorpb.Error (the header of a raft_cmdpb.RaftCmdResponse carries one):
// each arm with the data its client reacts to (reference tikv.md §1.4).
// `message` is a one-line summary for logs.
#ifndef STORE_RAFTSTORE_REGION_ERROR_H_
#define STORE_RAFTSTORE_REGION_ERROR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/base/bytes.h"
#include "proto/errorpb.pb.h"
#include "proto/metapb.pb.h"
#include "proto/raft_cmdpb.pb.h"

namespace store::raftstore {

errorpb::Error NotLeaderError(uint64_t region_id,
                              const std::optional<metapb::Peer>& leader);
errorpb::Error RegionNotFoundError(uint64_t region_id);
errorpb::Error RegionNotInitializedError(uint64_t region_id);
// The region is merging (PrepareMerge applied): it takes no writes.
errorpb::Error ProposalInMergingModeError(uint64_t region_id);
errorpb::Error KeyNotInRegionError(core::base::BytesView key,
                                   const metapb::Region& region);
errorpb::Error EpochNotMatchError(const std::string& why,
                                  std::vector<metapb::Region> current_regions);
errorpb::Error StaleCommandError(const std::string& why);
errorpb::Error ServerIsBusyError(const std::string& reason);
errorpb::Error StoreNotMatchError(uint64_t request_store_id,
                                  uint64_t actual_store_id);
errorpb::Error RaftEntryTooLargeError(uint64_t region_id, uint64_t entry_size);
// An error without an arm: the request cannot be served as it is (a peer id
// that is not this store's, a dropped proposal); the client reloads.
errorpb::Error OtherError(const std::string& message);
// The request names a peer other than this store's (an OtherError whose
// message starts with kMismatchPeerIdPrefix; store/server turns it back
// into a MismatchPeerId region error, so the client reloads the region).
inline constexpr char kMismatchPeerIdPrefix[] = "mismatch peer id: ";
errorpb::Error MismatchPeerIdError(uint64_t request_peer_id,
                                   uint64_t store_peer_id);

// A response carrying only `error` (and the request's uuid).
raft_cmdpb::RaftCmdResponse ErrorResponse(errorpb::Error error,
                                          const std::string& uuid = {});

}  // namespace store::raftstore

#endif  // STORE_RAFTSTORE_REGION_ERROR_H_
