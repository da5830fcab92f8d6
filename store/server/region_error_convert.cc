#include "store/server/region_error_convert.h"

#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "core/region/metapb_convert.h"
#include "store/raftstore/region_error.h"

namespace store::server {
namespace {

using core::region::FromMetapb;
using core::region::ToMetapb;
namespace st = store::storage;

storage::EngineError Region(st::RegionError error) {
  return storage::EngineError(std::move(error));
}

st::EpochNotMatch EpochNotMatchOf(const errorpb::EpochNotMatch& e) {
  st::EpochNotMatch out;
  for (const metapb::Region& region : e.current_regions()) {
    auto converted = FromMetapb(region);
    if (converted.ok()) out.current_regions.push_back(*std::move(converted));
  }
  return out;
}

// The decimal number right after `marker` in `text` (left as is if none).
void ParseNumberAfter(std::string_view text, std::string_view marker,
                      uint64_t* out) {
  const size_t at = text.find(marker);
  if (at == std::string_view::npos) return;
  uint64_t value = 0;
  for (char c : text.substr(at + marker.size())) {
    if (c < '0' || c > '9') break;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = value;
}

}  // namespace

storage::EngineError FromErrorpb(const errorpb::Error& e) {
  if (e.has_not_leader()) {
    st::NotLeader out{.region_id = e.not_leader().region_id()};
    if (e.not_leader().has_leader()) {
      auto leader = FromMetapb(e.not_leader().leader());
      if (leader.ok()) out.leader = *leader;
    }
    return Region(out);
  }
  if (e.has_region_not_found()) {
    return Region(st::RegionNotFound{e.region_not_found().region_id()});
  }
  if (e.has_region_not_initialized()) {
    return Region(st::RegionNotFound{e.region_not_initialized().region_id()});
  }
  if (e.has_key_not_in_region()) {
    const errorpb::KeyNotInRegion& k = e.key_not_in_region();
    return Region(
        st::KeyNotInRegion{k.key(), k.region_id(), k.start_key(), k.end_key()});
  }
  if (e.has_epoch_not_match())
    return Region(EpochNotMatchOf(e.epoch_not_match()));
  if (e.has_server_is_busy()) {
    return Region(st::ServerIsBusy{e.server_is_busy().reason(),
                                   e.server_is_busy().backoff_ms()});
  }
  if (e.has_stale_command() || e.has_read_index_not_ready()) {
    return Region(st::StaleCommand{});
  }
  if (e.has_store_not_match()) {
    return Region(st::StoreNotMatch{e.store_not_match().request_store_id(),
                                    e.store_not_match().actual_store_id()});
  }
  if (e.has_raft_entry_too_large()) {
    return Region(st::RaftEntryTooLarge{e.raft_entry_too_large().region_id(),
                                        e.raft_entry_too_large().entry_size()});
  }
  if (e.has_max_timestamp_not_synced()) {
    return Region(st::MaxTimestampNotSynced{});
  }
  // A peer id that is not this store's (the client's cache names a peer
  // since removed and re-added): a region error, so the client reloads;
  // as a status it reached the client as a storage error and the client
  // retried the same peer until it gave up (the cluster sweep, seed 56).
  if (absl::StartsWith(e.message(), raftstore::kMismatchPeerIdPrefix)) {
    st::MismatchPeerId out;
    ParseNumberAfter(e.message(), "request for peer ", &out.request_peer_id);
    ParseNumberAfter(e.message(), "this store's is peer ", &out.store_peer_id);
    return Region(out);
  }
  return storage::EngineError(absl::InvalidArgumentError(e.message()));
}

namespace {

struct ToProto {
  errorpb::Error out;
  void operator()(const st::NotLeader& e) {
    out.mutable_not_leader()->set_region_id(e.region_id);
    if (e.leader.has_value()) {
      *out.mutable_not_leader()->mutable_leader() = ToMetapb(*e.leader);
    }
  }
  void operator()(const st::RegionNotFound& e) {
    out.mutable_region_not_found()->set_region_id(e.region_id);
  }
  void operator()(const st::KeyNotInRegion& e) {
    errorpb::KeyNotInRegion* k = out.mutable_key_not_in_region();
    k->set_key(e.key);
    k->set_region_id(e.region_id);
    k->set_start_key(e.start_key);
    k->set_end_key(e.end_key);
  }
  void operator()(const st::EpochNotMatch& e) {
    errorpb::EpochNotMatch* m = out.mutable_epoch_not_match();
    for (const st::Region& region : e.current_regions) {
      *m->add_current_regions() = ToMetapb(region);
    }
  }
  void operator()(const st::StaleCommand&) { out.mutable_stale_command(); }
  void operator()(const st::ServerIsBusy& e) {
    out.mutable_server_is_busy()->set_reason(e.reason);
    out.mutable_server_is_busy()->set_backoff_ms(e.backoff_ms);
  }
  void operator()(const st::StoreNotMatch& e) {
    out.mutable_store_not_match()->set_request_store_id(e.request_store_id);
    out.mutable_store_not_match()->set_actual_store_id(e.actual_store_id);
  }
  // errorpb has no MismatchPeerId arm in our subset: TiKV answers it with
  // a message only (the client reloads the region).
  void operator()(const st::MismatchPeerId&) {}
  void operator()(const st::RaftEntryTooLarge& e) {
    out.mutable_raft_entry_too_large()->set_region_id(e.region_id);
    out.mutable_raft_entry_too_large()->set_entry_size(e.entry_size);
  }
  void operator()(const st::MaxTimestampNotSynced&) {
    out.mutable_max_timestamp_not_synced();
  }
};

}  // namespace

errorpb::Error ToErrorpb(const storage::RegionError& error) {
  ToProto visitor;
  std::visit(visitor, error);
  visitor.out.set_message(st::RegionErrorToString(error));
  return std::move(visitor.out);
}

}  // namespace store::server
