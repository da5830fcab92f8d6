#include "store/pd_worker/pd_id_source.h"

#include <string>
#include <utility>

#include "core/region/metapb_convert.h"

namespace store::pd_worker {

using client::pd::HeaderStatus;

PdIdSource::PdIdSource(core::env::Executor& executor, client::pd::PdClient& pd,
                       core::base::Duration timeout)
    : executor_(executor), pd_(pd), timeout_(timeout) {}

PdIdSource::~PdIdSource() { *alive_ = false; }

absl::StatusOr<uint64_t> PdIdSource::AllocId() {
  absl::StatusOr<uint64_t> id = pd_.AllocID(pd_.Now() + timeout_);
  if (!id.ok()) {
    ++stats_.errors;
    return id.status();
  }
  ++stats_.ids_allocated;
  return id;
}

absl::StatusOr<std::vector<raftstore::SplitIds>> PdIdSource::AskBatchSplit(
    const core::region::Region& region, uint32_t split_count) {
  pdpb::AskBatchSplitRequest request;
  *request.mutable_region() = core::region::ToMetapb(region);
  request.set_split_count(split_count);
  auto response =
      pd_.CallLeader<pdpb::AskBatchSplitRequest, pdpb::AskBatchSplitResponse>(
          "/pdpb.PD/AskBatchSplit", request, pd_.Now() + timeout_);
  absl::Status status =
      response.ok() ? HeaderStatus(response->header()) : response.status();
  if (status.ok() && response->ids_size() != static_cast<int>(split_count)) {
    status = absl::InternalError("AskBatchSplit answered " +
                                 std::to_string(response->ids_size()) +
                                 " ids for " + std::to_string(split_count));
  }
  std::vector<raftstore::SplitIds> out;
  for (int i = 0; status.ok() && i < response->ids_size(); ++i) {
    const pdpb::SplitID& ids = response->ids(i);
    if (ids.new_peer_ids_size() != static_cast<int>(region.peers.size())) {
      status = absl::InternalError("AskBatchSplit: peer ids do not match");
      break;
    }
    out.push_back({ids.new_region_id(),
                   {ids.new_peer_ids().begin(), ids.new_peer_ids().end()}});
  }
  if (!status.ok()) {
    ++stats_.errors;
    return status;
  }
  ++stats_.batch_splits_asked;
  return out;
}

void PdIdSource::ReportBatchSplit(
    const std::vector<core::region::Region>& regions) {
  pdpb::ReportBatchSplitRequest request;
  for (const core::region::Region& region : regions) {
    *request.add_regions() = core::region::ToMetapb(region);
  }
  executor_.Spawn(
      "pd-report-split", [this, alive = alive_, request = std::move(request)] {
        auto response = pd_.CallLeader<pdpb::ReportBatchSplitRequest,
                                       pdpb::ReportBatchSplitResponse>(
            "/pdpb.PD/ReportBatchSplit", request, pd_.Now() + timeout_);
        if (!*alive) return;
        const bool ok = response.ok() && HeaderStatus(response->header()).ok();
        ++(ok ? stats_.batch_splits_reported : stats_.errors);
      });
}

}  // namespace store::pd_worker
