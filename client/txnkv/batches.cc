#include "client/txnkv/batches.h"

#include <utility>

#include "client/locate/run_all.h"
#include "client/txnkv/txn_rpc.h"
#include "core/base/status_macros.h"

namespace client::txnkv {

std::vector<size_t> AllIndexes(size_t n) {
  std::vector<size_t> all(n);
  for (size_t i = 0; i < n; ++i) all[i] = i;
  return all;
}

absl::StatusOr<std::vector<Batch>> MakeBatches(
    retry::Backoffer& bo, locate::RegionCache& cache, const BatchPlan& plan,
    const std::vector<size_t>& indexes) {
  std::vector<std::string> subset;
  subset.reserve(indexes.size());
  for (size_t i : indexes) subset.push_back((*plan.keys)[i]);
  ASSIGN_OR_RETURN(auto groups, cache.GroupKeysByRegion(bo, subset));
  std::vector<Batch> batches;
  for (const auto& group : groups) {
    size_t bytes = 0;
    bool fresh = true;
    for (size_t local : group.indexes) {
      const size_t index = indexes[local];
      const size_t size = plan.size_of ? plan.size_of(index) : 0;
      if (fresh || bytes + size > plan.limit) {
        batches.push_back({group.location, {}, false});
        bytes = 0;
        fresh = false;
      }
      batches.back().indexes.push_back(index);
      bytes += size;
      if ((*plan.keys)[index] == plan.primary) batches.back().is_primary = true;
    }
  }
  for (size_t i = 1; i < batches.size(); ++i) {
    if (batches[i].is_primary) std::swap(batches[0], batches[i]);
  }
  return batches;
}

absl::Status RunBatches(core::env::Executor& executor, retry::Backoffer& bo,
                        locate::RegionCache& cache, const BatchPlan& plan,
                        const std::vector<Batch>& batches, const BatchFn& fn) {
  // One Backoffer per concurrent batch (forked in order: runs replay).
  std::vector<retry::Backoffer> forks;
  for (size_t i = 0; i < batches.size(); ++i) {
    forks.push_back(batches.size() == 1 ? bo : bo.Fork());
  }
  std::vector<std::function<absl::Status()>> tasks;
  for (size_t i = 0; i < batches.size(); ++i) {
    tasks.push_back([&, i]() -> absl::Status {
      retry::Backoffer& child = forks[i];
      ASSIGN_OR_RETURN(std::optional<errorpb::Error> region_error,
                       fn(child, batches[i]));
      if (!region_error.has_value()) return absl::OkStatus();
      RETURN_IF_ERROR(BackoffRegionError(child, *region_error));
      return DoBatches(executor, child, cache, plan, batches[i].indexes, fn);
    });
  }
  return locate::RunAll(executor, "txn-batch", std::move(tasks));
}

absl::Status DoBatches(core::env::Executor& executor, retry::Backoffer& bo,
                       locate::RegionCache& cache, const BatchPlan& plan,
                       const std::vector<size_t>& indexes, const BatchFn& fn) {
  ASSIGN_OR_RETURN(std::vector<Batch> batches,
                   MakeBatches(bo, cache, plan, indexes));
  return RunBatches(executor, bo, cache, plan, batches, fn);
}

}  // namespace client::txnkv
