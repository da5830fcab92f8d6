#include "client/txnkv/txn_rpc.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace client::txnkv {

absl::Status BackoffRegionError(retry::Backoffer& bo,
                                const errorpb::Error& error) {
  return bo.Backoff(retry::kBoRegionMiss,
                    absl::UnavailableError(absl::StrCat(
                        "region error: ", error.ShortDebugString())));
}

absl::Status ForEachRegion(retry::Backoffer& bo, locate::RegionCache& cache,
                           const std::vector<std::string>& keys,
                           const GroupFn& send) {
  std::vector<std::vector<std::string>> pending = {keys};
  while (!pending.empty()) {
    std::vector<std::string> batch = std::move(pending.back());
    pending.pop_back();
    ASSIGN_OR_RETURN(auto groups, cache.GroupKeysByRegion(bo, batch));
    for (const auto& group : groups) {
      std::vector<std::string> group_keys;
      for (size_t i : group.indexes) group_keys.push_back(batch[i]);
      ASSIGN_OR_RETURN(std::optional<errorpb::Error> region_error,
                       send(group.location, group_keys));
      if (!region_error.has_value()) continue;
      RETURN_IF_ERROR(BackoffRegionError(bo, *region_error));
      pending.push_back(std::move(group_keys));
    }
  }
  return absl::OkStatus();
}

}  // namespace client::txnkv
