// PdIdSource: the raftstore's IdSource backed by PD (Ref: TiKV
// components/pd_client ask_batch_split / report_batch_split, used by
// raftstore store/worker/pd.rs): AllocId is PD's AllocID, AskBatchSplit
// PD's AskBatchSplit (PD checks the region's epoch and allocates the ids
// through its replicated allocator), ReportBatchSplit a ReportBatchSplit
// sent from a fibre of its own (best effort: PD learns the regions from
// their leaders' heartbeats anyway).
//
// Thread-affinity: the store's executor. The PdClient and the executor
// must outlive the source; fibres it spawned end quietly once it is gone.
#ifndef STORE_PD_WORKER_PD_ID_SOURCE_H_
#define STORE_PD_WORKER_PD_ID_SOURCE_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "client/pd/pd_client.h"
#include "core/base/time.h"
#include "core/env/executor.h"
#include "store/raftstore/id_source.h"

namespace store::pd_worker {

struct PdIdSourceStats {
  uint64_t ids_allocated = 0;
  uint64_t batch_splits_asked = 0;
  uint64_t batch_splits_reported = 0;
  uint64_t errors = 0;
};

class PdIdSource final : public raftstore::IdSource {
 public:
  // Every call gets `timeout` (PD's client retries within it).
  PdIdSource(core::env::Executor& executor, client::pd::PdClient& pd,
             core::base::Duration timeout = core::base::Duration::Seconds(10));
  ~PdIdSource() override;
  PdIdSource(const PdIdSource&) = delete;
  PdIdSource& operator=(const PdIdSource&) = delete;

  absl::StatusOr<uint64_t> AllocId() override;
  absl::StatusOr<std::vector<raftstore::SplitIds>> AskBatchSplit(
      const core::region::Region& region, uint32_t split_count) override;
  void ReportBatchSplit(
      const std::vector<core::region::Region>& regions) override;

  const PdIdSourceStats& stats() const { return stats_; }

 private:
  core::env::Executor& executor_;
  client::pd::PdClient& pd_;
  core::base::Duration timeout_;
  PdIdSourceStats stats_;
  // Cleared by the destructor: report fibres check it after every park.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace store::pd_worker

#endif  // STORE_PD_WORKER_PD_ID_SOURCE_H_
