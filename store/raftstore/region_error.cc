#include "store/raftstore/region_error.h"

#include <utility>

#include "core/base/bytes.h"

namespace store::raftstore {
namespace {

std::string Region(uint64_t region_id) {
  return "region " + std::to_string(region_id);
}

}  // namespace

errorpb::Error NotLeaderError(uint64_t region_id,
                              const std::optional<metapb::Peer>& leader) {
  errorpb::Error error;
  error.set_message(Region(region_id) + ": not leader" +
                    (leader.has_value()
                         ? ", leader is peer " + std::to_string(leader->id())
                         : ", no leader known"));
  error.mutable_not_leader()->set_region_id(region_id);
  if (leader.has_value())
    *error.mutable_not_leader()->mutable_leader() = *leader;
  return error;
}

errorpb::Error RegionNotFoundError(uint64_t region_id) {
  errorpb::Error error;
  error.set_message(Region(region_id) + " not found");
  error.mutable_region_not_found()->set_region_id(region_id);
  return error;
}

errorpb::Error RegionNotInitializedError(uint64_t region_id) {
  errorpb::Error error;
  error.set_message(Region(region_id) + " not initialized");
  error.mutable_region_not_initialized()->set_region_id(region_id);
  return error;
}

errorpb::Error ProposalInMergingModeError(uint64_t region_id) {
  errorpb::Error error;
  error.set_message(Region(region_id) + " is merging");
  error.mutable_proposal_in_merging_mode()->set_region_id(region_id);
  return error;
}

errorpb::Error KeyNotInRegionError(core::base::BytesView key,
                                   const metapb::Region& region) {
  errorpb::Error error;
  error.set_message("key " + core::base::EscapeBytes(key) + " not in " +
                    Region(region.id()));
  errorpb::KeyNotInRegion* arm = error.mutable_key_not_in_region();
  arm->set_key(std::string(key));
  arm->set_region_id(region.id());
  arm->set_start_key(region.start_key());
  arm->set_end_key(region.end_key());
  return error;
}

errorpb::Error EpochNotMatchError(const std::string& why,
                                  std::vector<metapb::Region> current_regions) {
  errorpb::Error error;
  error.set_message("epoch not match: " + why);
  for (metapb::Region& region : current_regions) {
    *error.mutable_epoch_not_match()->add_current_regions() = std::move(region);
  }
  return error;
}

errorpb::Error StaleCommandError(const std::string& why) {
  errorpb::Error error;
  error.set_message("stale command: " + why);
  error.mutable_stale_command();
  return error;
}

errorpb::Error ServerIsBusyError(const std::string& reason) {
  errorpb::Error error;
  error.set_message("server is busy: " + reason);
  error.mutable_server_is_busy()->set_reason(reason);
  return error;
}

errorpb::Error StoreNotMatchError(uint64_t request_store_id,
                                  uint64_t actual_store_id) {
  errorpb::Error error;
  error.set_message("store not match: request for store " +
                    std::to_string(request_store_id) + ", this is store " +
                    std::to_string(actual_store_id));
  error.mutable_store_not_match()->set_request_store_id(request_store_id);
  error.mutable_store_not_match()->set_actual_store_id(actual_store_id);
  return error;
}

errorpb::Error RaftEntryTooLargeError(uint64_t region_id, uint64_t entry_size) {
  errorpb::Error error;
  error.set_message(Region(region_id) + ": raft entry of " +
                    std::to_string(entry_size) + " bytes is too large");
  error.mutable_raft_entry_too_large()->set_region_id(region_id);
  error.mutable_raft_entry_too_large()->set_entry_size(entry_size);
  return error;
}

errorpb::Error OtherError(const std::string& message) {
  errorpb::Error error;
  error.set_message(message);
  return error;
}

errorpb::Error MismatchPeerIdError(uint64_t request_peer_id,
                                   uint64_t store_peer_id) {
  return OtherError(std::string(kMismatchPeerIdPrefix) + "request for peer " +
                    std::to_string(request_peer_id) +
                    ", this store's is peer " + std::to_string(store_peer_id));
}

raft_cmdpb::RaftCmdResponse ErrorResponse(errorpb::Error error,
                                          const std::string& uuid) {
  raft_cmdpb::RaftCmdResponse response;
  *response.mutable_header()->mutable_error() = std::move(error);
  response.mutable_header()->set_uuid(uuid);
  return response;
}

}  // namespace store::raftstore
