// What every txnkv request shares: the tikvpb method names, the region
// error backoff (kBoRegionMiss, then locate again) and SendToKey (one
// request to the region holding a key, through the RegionRequestSender,
// until an answer without a region error).
//
// Thread-affinity: fibres of one executor.
#ifndef CLIENT_TXNKV_TXN_RPC_H_
#define CLIENT_TXNKV_TXN_RPC_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/locate/region_cache.h"
#include "client/locate/region_request.h"
#include "client/retry/backoff.h"
#include "core/base/status_macros.h"
#include "proto/errorpb.pb.h"

namespace client::txnkv {

inline constexpr char kKvGet[] = "/tikvpb.Tikv/KvGet";
inline constexpr char kKvBatchGet[] = "/tikvpb.Tikv/KvBatchGet";
inline constexpr char kKvScan[] = "/tikvpb.Tikv/KvScan";
inline constexpr char kKvPrewrite[] = "/tikvpb.Tikv/KvPrewrite";
inline constexpr char kKvCommit[] = "/tikvpb.Tikv/KvCommit";
inline constexpr char kKvBatchRollback[] = "/tikvpb.Tikv/KvBatchRollback";
inline constexpr char kKvCheckTxnStatus[] = "/tikvpb.Tikv/KvCheckTxnStatus";
inline constexpr char kKvCheckSecondaryLocks[] =
    "/tikvpb.Tikv/KvCheckSecondaryLocks";
inline constexpr char kKvResolveLock[] = "/tikvpb.Tikv/KvResolveLock";
inline constexpr char kKvTxnHeartBeat[] = "/tikvpb.Tikv/KvTxnHeartBeat";
inline constexpr char kKvPessimisticLock[] = "/tikvpb.Tikv/KvPessimisticLock";
inline constexpr char kKvPessimisticRollback[] =
    "/tikvpb.Tikv/KVPessimisticRollback";

// client-go's txn backoff budgets (txnkv/transaction, txnsnapshot).
inline constexpr core::base::Duration kPrewriteMaxBackoff =
    core::base::Duration::Seconds(20);
inline constexpr core::base::Duration kCommitMaxBackoff =
    core::base::Duration::Seconds(41);
inline constexpr core::base::Duration kCommitSecondaryMaxBackoff =
    core::base::Duration::Seconds(41);
inline constexpr core::base::Duration kCleanupMaxBackoff =
    core::base::Duration::Seconds(20);
inline constexpr core::base::Duration kPessimisticLockMaxBackoff =
    core::base::Duration::Seconds(20);
inline constexpr core::base::Duration kGetMaxBackoff =
    core::base::Duration::Seconds(20);

absl::Status BackoffRegionError(retry::Backoffer& bo,
                                const errorpb::Error& error);

// Runs `send` on `keys` grouped by region, in key order, one region after
// another; a group whose answer was a region error (`send` gives it back)
// is backed off and grouped again.
using GroupFn = std::function<absl::StatusOr<std::optional<errorpb::Error>>(
    const locate::KeyLocation&, const std::vector<std::string>&)>;
absl::Status ForEachRegion(retry::Backoffer& bo, locate::RegionCache& cache,
                           const std::vector<std::string>& keys,
                           const GroupFn& send);

// `located`, when given, is the region that answered.
template <typename Response, typename Request>
absl::StatusOr<Response> SendToKey(locate::RegionRequestSender& sender,
                                   retry::Backoffer& bo, const char* method,
                                   const std::string& key, Request request,
                                   locate::KeyLocation* located = nullptr) {
  for (;;) {
    ASSIGN_OR_RETURN(locate::KeyLocation location,
                     sender.cache().LocateKey(bo, key));
    ASSIGN_OR_RETURN(Response response,
                     sender.template SendReq<Response>(bo, method, request,
                                                       location.region));
    if (!response.has_region_error()) {
      if (located != nullptr) *located = location;
      return response;
    }
    RETURN_IF_ERROR(BackoffRegionError(bo, response.region_error()));
  }
}

}  // namespace client::txnkv

#endif  // CLIENT_TXNKV_TXN_RPC_H_
