// Batches of a transaction's keys (client-go 2pc.go groupMutations /
// batched / doActionOnBatches): keys grouped by region, each group cut
// into batches of at most `limit` bytes (txnCommitBatchSize, 16 KiB: keys
// and values for prewrite, keys for the others), the batch holding the
// primary first. RunBatches sends them at once, one fibre and one forked
// Backoffer each; a batch answered with a region error is backed off
// (kBoRegionMiss), its keys grouped and batched again and sent again.
//
// Thread-affinity: fibres of `executor`.
#ifndef CLIENT_TXNKV_BATCHES_H_
#define CLIENT_TXNKV_BATCHES_H_

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/locate/region_cache.h"
#include "client/retry/backoff.h"
#include "core/env/executor.h"
#include "proto/errorpb.pb.h"

namespace client::txnkv {

struct Batch {
  locate::KeyLocation location;
  std::vector<size_t> indexes;  // into BatchPlan::keys, in key order
  bool is_primary = false;
};

struct BatchPlan {
  const std::vector<std::string>* keys = nullptr;
  // A key's bytes toward `limit`.
  std::function<size_t(size_t)> size_of;
  size_t limit = 16 * 1024;
  std::string primary;
};

// What one batch's request met: a region error (the batch is redone), or
// nothing (done), or an error (the action fails).
using BatchFn = std::function<absl::StatusOr<std::optional<errorpb::Error>>(
    retry::Backoffer&, const Batch&)>;

absl::StatusOr<std::vector<Batch>> MakeBatches(
    retry::Backoffer& bo, locate::RegionCache& cache, const BatchPlan& plan,
    const std::vector<size_t>& indexes);

// Runs `fn` on every batch at once; the first error.
absl::Status RunBatches(core::env::Executor& executor, retry::Backoffer& bo,
                        locate::RegionCache& cache, const BatchPlan& plan,
                        const std::vector<Batch>& batches, const BatchFn& fn);

// MakeBatches then RunBatches.
absl::Status DoBatches(core::env::Executor& executor, retry::Backoffer& bo,
                       locate::RegionCache& cache, const BatchPlan& plan,
                       const std::vector<size_t>& indexes, const BatchFn& fn);

// 0..n-1.
std::vector<size_t> AllIndexes(size_t n);

}  // namespace client::txnkv

#endif  // CLIENT_TXNKV_BATCHES_H_
