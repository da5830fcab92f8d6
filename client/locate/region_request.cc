#include "client/locate/region_request.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "core/base/mutant.h"
#include "core/base/status_macros.h"

namespace client::locate {

errorpb::Error CacheMissRegionError(const RegionVerId& region) {
  errorpb::Error error;
  error.set_message(
      absl::StrCat("region ", region.id, " is no longer in the region cache"));
  error.mutable_epoch_not_match();
  return error;
}

bool MayHaveBeenProposed(const errorpb::Error& e) {
  return !(e.has_not_leader() || e.has_epoch_not_match() ||
           e.has_key_not_in_region() || e.has_store_not_match() ||
           e.has_region_not_initialized() || e.has_raft_entry_too_large() ||
           e.has_max_timestamp_not_synced() || e.has_read_index_not_ready() ||
           e.has_proposal_in_merging_mode() || e.has_data_is_not_ready());
}

absl::StatusOr<RegionRequestSender::Attempt> RegionRequestSender::SendOnce(
    retry::Backoffer& bo, std::string_view method, kvrpcpb::Context* context,
    const google::protobuf::Message& request, const RegionVerId& region) {
  absl::StatusOr<std::optional<RpcContext>> ctx =
      cache_.GetRpcContext(bo, region);
  if (!ctx.ok()) return ctx.status();
  if (!ctx->has_value()) return Attempt{Attempt::kCacheMiss, {}, {}};
  RpcContext& to = **ctx;
  context->set_region_id(to.region.id);
  *context->mutable_region_epoch() = to.epoch;
  *context->mutable_peer() = to.peer;
  ++stats_.sends;
  absl::StatusOr<std::string> bytes = transport_.Call(
      to.address, method, request.SerializeAsString(), timeout_);
  if (bytes.ok())
    return Attempt{Attempt::kAnswered, *std::move(bytes), std::move(to)};
  // client-go's onSendFail: the next peer, then back off.
  ++stats_.send_failures;
  cache_.OnSendFail(to);
  RETURN_IF_ERROR(bo.Backoff(
      retry::kBoTiKVRPC,
      absl::Status(bytes.status().code(),
                   absl::StrCat("send to store ", to.peer.store_id(), " (",
                                to.address, "): ", bytes.status().message()))));
  return Attempt{Attempt::kRetry, {}, {}};
}

absl::StatusOr<bool> RegionRequestSender::OnRegionError(
    retry::Backoffer& bo, const RpcContext& ctx, const errorpb::Error& error) {
  const absl::Status why = absl::UnavailableError(
      absl::StrCat("region ", ctx.region.id, " on store ", ctx.peer.store_id(),
                   ": ", error.ShortDebugString()));
  if (error.has_not_leader()) {
    const bool hinted = error.not_leader().has_leader() &&
                        error.not_leader().leader().store_id() != 0;
    cache_.UpdateLeader(ctx.region,
                        hinted ? &error.not_leader().leader() : nullptr);
    if (!hinted) RETURN_IF_ERROR(bo.Backoff(retry::kBoRegionScheduling, why));
    return true;
  }
  if (error.has_server_is_busy()) {
    RETURN_IF_ERROR(bo.Backoff(retry::kBoTiKVServerBusy, why));
    return true;
  }
  if (error.has_stale_command()) {
    RETURN_IF_ERROR(bo.Backoff(retry::kBoStaleCmd, why));
    return true;
  }
  if (error.has_max_timestamp_not_synced()) {
    RETURN_IF_ERROR(bo.Backoff(retry::kBoMaxTsNotSynced, why));
    return true;
  }
  if (error.has_region_not_initialized()) {
    RETURN_IF_ERROR(bo.Backoff(retry::kBoMaxRegionNotInitialized, why));
    return true;
  }
  if (error.has_read_index_not_ready() ||
      error.has_proposal_in_merging_mode() || error.has_data_is_not_ready()) {
    RETURN_IF_ERROR(bo.Backoff(retry::kBoRegionScheduling, why));
    return true;
  }
  if (error.has_epoch_not_match()) {
    // MUTANT: the cache keeps the stale region and its epoch.
    if (!MUTANT(CLIENT_CACHE_KEPT_AFTER_EPOCH_NOT_MATCH)) {
      cache_.OnRegionEpochNotMatch(ctx,
                                   error.epoch_not_match().current_regions());
    }
    return false;
  }
  if (error.has_store_not_match()) {
    cache_.InvalidateStore(ctx.peer.store_id());
  }
  // RaftEntryTooLarge: the caller splits its batch; the region is fine.
  if (!error.has_raft_entry_too_large()) cache_.InvalidateRegion(ctx.region);
  return false;
}

}  // namespace client::locate
