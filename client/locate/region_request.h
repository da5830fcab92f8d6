// RegionRequestSender: sends one request to one region and handles what the
// store answers about the region (tikv/client-go internal/locate/
// region_request.go, SendReq / onRegionError / onSendFail).
//
//   RegionRequestSender sender(cache, transport);
//   absl::StatusOr<kvrpcpb::RawGetResponse> response =
//       sender.SendReq<kvrpcpb::RawGetResponse>(bo, "/tikvpb.Tikv/RawGet",
//                                               request, location.region);
//   if (response->has_region_error()) { back off, locate again, retry }
//
// What SendReq does with each answer:
//   * Sets the request's Context (region id, epoch, peer) from the cache.
//   * NotLeader with a leader: switch to it, retry at once. Without one:
//     next peer, back off BoRegionScheduling, retry.
//   * ServerIsBusy: back off BoTiKVServerBusy, retry the same peer.
//     StaleCommand: BoStaleCmd, retry. MaxTimestampNotSynced:
//     BoMaxTsNotSynced, retry. RegionNotInitialized / ReadIndexNotReady /
//     ProposalInMergingMode / DataIsNotReady: BoMaxRegionNotInitialized or
//     BoRegionScheduling, retry.
//   * EpochNotMatch (cache replaced by current_regions), RegionNotFound,
//     KeyNotInRegion, StoreNotMatch (store address dropped too),
//     RaftEntryTooLarge, DiskFull and anything else: the region is dropped
//     (except RaftEntryTooLarge) and the response is returned with its
//     region error: the caller backs off BoRegionMiss and locates its keys
//     again (they may now span several regions).
//   * A send failure (a gRPC status): next peer (the region is dropped once
//     each failed in a row), back off BoTiKVRPC, retry.
//   * A region the cache no longer holds at that epoch: the response comes
//     back with an EpochNotMatch region error and no current_regions,
//     without a send (client-go's fake region error).
//   * Every backoff is the operation's Backoffer: when its budget is spent
//     SendReq fails with its error.
//
// Thread-affinity: fibres of one executor; any number of them at once.
#ifndef CLIENT_LOCATE_REGION_REQUEST_H_
#define CLIENT_LOCATE_REGION_REQUEST_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/locate/region_cache.h"
#include "client/locate/region_source.h"
#include "client/retry/backoff.h"
#include "core/base/time.h"
#include "proto/errorpb.pb.h"
#include "proto/kvrpcpb.pb.h"

namespace client::locate {

struct RegionRequestStats {
  uint64_t sends = 0;          // requests written to a store
  uint64_t send_failures = 0;  // gRPC statuses
  uint64_t region_errors = 0;  // answers with a region error
};

// Per write operation: whether some attempt may have been proposed.
struct WriteGuard {
  bool maybe_proposed = false;
};

// False for the region errors a store answers only before proposing
// (NotLeader, EpochNotMatch, KeyNotInRegion, StoreNotMatch, ...); true for
// the rest (StaleCommand, ServerIsBusy, RegionNotFound, other), which a
// store also answers for a proposal it has already made.
bool MayHaveBeenProposed(const errorpb::Error& error);

class RegionRequestSender {
 public:
  // `timeout`: one attempt's gRPC deadline (client-go: 20 s for writes,
  // 30 s for point reads, 60 s for scans; one value here).
  RegionRequestSender(
      RegionCache& cache, StoreTransport& transport,
      core::base::Duration timeout = core::base::Duration::Seconds(20))
      : cache_(cache), transport_(transport), timeout_(timeout) {}

  // `write` (null for reads): a request that must not take effect twice.
  // Once an attempt may have been proposed without saying so (a failed
  // send, or a region error a store also answers for a pending proposal:
  // see MayHaveBeenProposed), it is not sent again, now or by a later
  // SendReq with the same guard: UNKNOWN, the outcome is unknown.
  template <typename Response, typename Request>
  absl::StatusOr<Response> SendReq(retry::Backoffer& bo,
                                   std::string_view method, Request request,
                                   const RegionVerId& region,
                                   WriteGuard* write = nullptr);

  RegionCache& cache() { return cache_; }
  const RegionRequestStats& stats() const { return stats_; }

 private:
  // One attempt at the region: the store answered (`bytes`), the send
  // failed and the backoff was slept (kRetry), or the cache no longer holds
  // the region (kCacheMiss).
  struct Attempt {
    enum Kind : uint8_t { kAnswered, kRetry, kCacheMiss } kind;
    std::string bytes;
    RpcContext ctx;
  };
  absl::StatusOr<Attempt> SendOnce(retry::Backoffer& bo,
                                   std::string_view method,
                                   kvrpcpb::Context* context,
                                   const google::protobuf::Message& request,
                                   const RegionVerId& region);
  // Handles `error` from `ctx`; true when the request should be sent again.
  absl::StatusOr<bool> OnRegionError(retry::Backoffer& bo,
                                     const RpcContext& ctx,
                                     const errorpb::Error& error);

  RegionCache& cache_;
  StoreTransport& transport_;
  core::base::Duration timeout_;
  RegionRequestStats stats_;
};

// The region error a request to a region the cache dropped comes back with.
errorpb::Error CacheMissRegionError(const RegionVerId& region);

template <typename Response, typename Request>
absl::StatusOr<Response> RegionRequestSender::SendReq(retry::Backoffer& bo,
                                                      std::string_view method,
                                                      Request request,
                                                      const RegionVerId& region,
                                                      WriteGuard* write) {
  for (;;) {
    if (write != nullptr && write->maybe_proposed) {
      return absl::UnknownError(
          "an earlier attempt may have been applied: outcome unknown");
    }
    absl::StatusOr<Attempt> attempt =
        SendOnce(bo, method, request.mutable_context(), request, region);
    if (!attempt.ok()) return attempt.status();
    if (attempt->kind == Attempt::kRetry) {
      if (write != nullptr) write->maybe_proposed = true;
      continue;
    }
    Response response;
    if (attempt->kind == Attempt::kCacheMiss) {
      *response.mutable_region_error() = CacheMissRegionError(region);
      return response;
    }
    if (!response.ParseFromString(attempt->bytes)) {
      return absl::InternalError("failed to parse " + response.GetTypeName());
    }
    if (!response.has_region_error()) {
      cache_.OnSendSuccess(attempt->ctx);
      return response;
    }
    ++stats_.region_errors;
    if (write != nullptr && MayHaveBeenProposed(response.region_error())) {
      write->maybe_proposed = true;
    }
    absl::StatusOr<bool> again =
        OnRegionError(bo, attempt->ctx, response.region_error());
    if (!again.ok()) return again.status();
    if (!*again) return response;
  }
}

}  // namespace client::locate

#endif  // CLIENT_LOCATE_REGION_REQUEST_H_
