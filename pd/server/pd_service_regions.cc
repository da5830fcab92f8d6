// PdService, continued: region routing, splits, operators, cluster config
// and GC safe points.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "core/base/check.h"
#include "core/region/metapb_convert.h"
#include "pd/core/operators/operator.h"
#include "pd/server/convert.h"
#include "pd/server/pd_service.h"

namespace pd::server {
namespace {

// Splits asked for in one AskBatchSplit (TiKV asks for a handful).
constexpr uint32_t kMaxSplitCount = 1024;
// SplitRegions: rounds of split operators (1 + retry_limit, at most this
// many), each waiting this long for the stores to report the splits.
constexpr uint64_t kMaxSplitRounds = 4;
constexpr int kSplitPollsPerRound = 30;
constexpr auto kSplitPollInterval = core::base::Duration::Milliseconds(100);

// The region starting exactly at `key`, or null.
const cluster::RegionInfo* RegionStartingAt(const cluster::ClusterView& view,
                                            const std::string& key) {
  const cluster::RegionInfo* info = view.GetRegionByKey(key);
  return info != nullptr && info->region().start_key == key ? info : nullptr;
}

// The keys of `keys` that no region starts at yet.
std::vector<std::string> UnsplitKeys(const cluster::ClusterView& view,
                                     const std::vector<std::string>& keys) {
  std::vector<std::string> unsplit;
  for (const std::string& key : keys) {
    if (!key.empty() && RegionStartingAt(view, key) == nullptr) {
      unsplit.push_back(key);
    }
  }
  return unsplit;
}

// One round: a split operator per region holding unsplit keys, then polls
// until the stores reported them or the round's time is up. False when this
// member stopped leading.
bool SplitRound(PdMember& member, const std::vector<std::string>& keys) {
  coordinator::Coordinator* coordinator = member.coordinator();
  if (coordinator == nullptr) return false;
  std::map<cluster::RegionId, std::vector<core::base::Bytes>> by_region;
  for (const std::string& key : UnsplitKeys(coordinator->view(), keys)) {
    const cluster::RegionInfo* info = coordinator->view().GetRegionByKey(key);
    if (info != nullptr) by_region[info->region().id].push_back(key);
  }
  for (auto& [region_id, split_keys] : by_region) {
    // A rejection (another operator on the region) is retried next round.
    (void)core::base::Ignore(coordinator->SplitRegion(
        region_id, std::move(split_keys), member.NowMonotonicMs()));
  }
  member.NotifyOperatorsAdded();
  for (int poll = 0; poll < kSplitPollsPerRound; ++poll) {
    member.SleepFor(kSplitPollInterval);
    coordinator = member.coordinator();
    if (coordinator == nullptr) return false;
    if (UnsplitKeys(coordinator->view(), keys).empty()) return true;
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------- routing

pdpb::GetRegionResponse PdService::GetRegion(
    const pdpb::GetRegionRequest& request) {
  pdpb::GetRegionResponse response;
  if (!Admit(request.header(), Need::kBootstrapped,
             response.mutable_header())) {
    return response;
  }
  const cluster::ClusterView& view = member_.coordinator()->view();
  // No region for the key: no region in the answer (the client retries).
  if (const cluster::RegionInfo* info =
          view.GetRegionByKey(request.region_key())) {
    FillRegion(*info, &response);
  }
  return response;
}

pdpb::GetRegionResponse PdService::GetPrevRegion(
    const pdpb::GetRegionRequest& request) {
  pdpb::GetRegionResponse response;
  if (!Admit(request.header(), Need::kBootstrapped,
             response.mutable_header())) {
    return response;
  }
  const cluster::ClusterView& view = member_.coordinator()->view();
  const cluster::RegionInfo* at = view.GetRegionByKey(request.region_key());
  if (at == nullptr) return response;
  if (const cluster::RegionInfo* prev = view.PrevRegion(at->region())) {
    FillRegion(*prev, &response);
  }
  return response;
}

pdpb::GetRegionResponse PdService::GetRegionByID(
    const pdpb::GetRegionByIDRequest& request) {
  pdpb::GetRegionResponse response;
  if (!Admit(request.header(), Need::kBootstrapped,
             response.mutable_header())) {
    return response;
  }
  const cluster::ClusterView& view = member_.coordinator()->view();
  if (const cluster::RegionInfo* info = view.GetRegion(request.region_id())) {
    FillRegion(*info, &response);
  }
  return response;
}

pdpb::ScanRegionsResponse PdService::ScanRegions(
    const pdpb::ScanRegionsRequest& request) {
  pdpb::ScanRegionsResponse response;
  if (!Admit(request.header(), Need::kBootstrapped,
             response.mutable_header())) {
    return response;
  }
  const cluster::ClusterView& view = member_.coordinator()->view();
  const size_t limit =
      request.limit() <= 0 ? 0 : static_cast<size_t>(request.limit());
  for (const cluster::RegionInfo* info :
       view.ScanRegions(request.start_key(), limit)) {
    // Regions starting at or after a non-empty end key are outside.
    if (!request.end_key().empty() && !info->region().start_key.empty() &&
        info->region().start_key >= request.end_key()) {
      break;
    }
    FillRegion(*info, response.add_regions());
    *response.add_region_metas() = core::region::ToMetapb(info->region());
    *response.add_leaders() = core::region::ToMetapb(info->leader());
  }
  return response;
}

// ---------------------------------------------------------------- splits

pdpb::AskBatchSplitResponse PdService::AskBatchSplit(
    const pdpb::AskBatchSplitRequest& request) {
  pdpb::AskBatchSplitResponse response;
  pdpb::ResponseHeader* header = response.mutable_header();
  if (!Admit(request.header(), Need::kBootstrapped, header)) return response;
  if (request.split_count() == 0 || request.split_count() > kMaxSplitCount) {
    SetError(
        pdpb::INVALID_VALUE,
        "split count must be in [1, " + std::to_string(kMaxSplitCount) + "]",
        header);
    return response;
  }
  auto region = core::region::FromMetapb(request.region());
  if (!region.ok()) {
    SetError(pdpb::INVALID_VALUE, region.error().ToString(), header);
    return response;
  }
  const cluster::RegionInfo* known =
      member_.coordinator()->view().GetRegion(region->id);
  if (known == nullptr) {
    SetError(pdpb::REGION_NOT_FOUND,
             "region " + std::to_string(region->id) + " not found", header);
    return response;
  }
  if (region->epoch.IsStaleComparedTo(known->region().epoch)) {
    SetError(pdpb::UNKNOWN,
             "region " + std::to_string(region->id) + " has a stale epoch",
             header);
    return response;
  }
  for (uint32_t i = 0; i < request.split_count(); ++i) {
    pdpb::SplitID* split = response.add_ids();
    // Ids are fresh across failover: a failed allocation fails the call.
    auto new_region_id = member_.AllocId();
    if (!new_region_id.ok()) {
      response.clear_ids();
      SetStatus(new_region_id.status(), header);
      return response;
    }
    split->set_new_region_id(*new_region_id);
    for (size_t p = 0; p < region->peers.size(); ++p) {
      auto peer_id = member_.AllocId();
      if (!peer_id.ok()) {
        response.clear_ids();
        SetStatus(peer_id.status(), header);
        return response;
      }
      split->add_new_peer_ids(*peer_id);
    }
  }
  return response;
}

pdpb::ReportBatchSplitResponse PdService::ReportBatchSplit(
    const pdpb::ReportBatchSplitRequest& request) {
  pdpb::ReportBatchSplitResponse response;
  pdpb::ResponseHeader* header = response.mutable_header();
  if (!Admit(request.header(), Need::kBootstrapped, header)) return response;
  if (request.regions_size() < 2) {
    SetError(pdpb::INVALID_VALUE, "a split report needs at least two regions",
             header);
    return response;
  }
  // The regions themselves reach the view with their leaders' heartbeats
  // (Ref: PD handleBatchReportSplit only checks the report).
  for (const metapb::Region& meta : request.regions()) {
    auto region = core::region::FromMetapb(meta);
    if (!region.ok()) {
      SetError(pdpb::INVALID_VALUE, region.error().ToString(), header);
      return response;
    }
  }
  return response;
}

pdpb::GetClusterConfigResponse PdService::GetClusterConfig(
    const pdpb::GetClusterConfigRequest& request) {
  pdpb::GetClusterConfigResponse response;
  if (Admit(request.header(), Need::kBootstrapped, response.mutable_header())) {
    *response.mutable_cluster() = *member_.state().cluster();
  }
  return response;
}

pdpb::ScatterRegionResponse PdService::ScatterRegion(
    const pdpb::ScatterRegionRequest& request) {
  pdpb::ScatterRegionResponse response;
  pdpb::ResponseHeader* header = response.mutable_header();
  if (!Admit(request.header(), Need::kBootstrapped, header)) return response;
  std::vector<uint64_t> ids(request.regions_id().begin(),
                            request.regions_id().end());
  if (ids.empty() && request.region_id() != 0) ids = {request.region_id()};
  if (ids.empty() && request.region().id() != 0) ids = {request.region().id()};
  if (ids.empty()) {
    SetError(pdpb::INVALID_VALUE, "no region to scatter", header);
    return response;
  }
  uint64_t scattered = 0;
  std::string last_error;
  for (uint64_t id : ids) {
    auto outcome = member_.coordinator()->ScatterRegion(
        id, request.group(), member_.NowMonotonicMs());
    if (outcome.ok()) {
      ++scattered;
    } else {
      last_error = "region " + std::to_string(id) + ": " + outcome.error();
    }
  }
  member_.NotifyOperatorsAdded();
  if (scattered == 0) {
    SetError(pdpb::UNKNOWN, "scatter-region failed: " + last_error, header);
    return response;
  }
  response.set_finished_percentage(scattered * 100 / ids.size());
  return response;
}

pdpb::SplitRegionsResponse PdService::SplitRegions(
    const pdpb::SplitRegionsRequest& request) {
  pdpb::SplitRegionsResponse response;
  pdpb::ResponseHeader* header = response.mutable_header();
  if (!Admit(request.header(), Need::kBootstrapped, header)) return response;
  const std::vector<std::string> keys(request.split_keys().begin(),
                                      request.split_keys().end());
  if (keys.empty()) {
    SetError(pdpb::INVALID_VALUE, "no split keys", header);
    return response;
  }
  const uint64_t rounds = std::min(1 + request.retry_limit(), kMaxSplitRounds);
  for (uint64_t round = 0; round < rounds; ++round) {
    if (!SplitRound(member_, keys)) {
      SetNotLeader(header);
      return response;
    }
    if (UnsplitKeys(member_.coordinator()->view(), keys).empty()) break;
  }
  const cluster::ClusterView& view = member_.coordinator()->view();
  uint64_t finished = 0;
  for (const std::string& key : keys) {
    const cluster::RegionInfo* info = RegionStartingAt(view, key);
    if (info == nullptr && !key.empty()) continue;
    ++finished;
    if (info != nullptr) response.add_regions_id(info->region().id);
  }
  response.set_finished_percentage(finished * 100 / keys.size());
  return response;
}

pdpb::GetOperatorResponse PdService::GetOperator(
    const pdpb::GetOperatorRequest& request) {
  pdpb::GetOperatorResponse response;
  pdpb::ResponseHeader* header = response.mutable_header();
  if (!Admit(request.header(), Need::kBootstrapped, header)) return response;
  const operators::Operator* op =
      member_.coordinator()->controller().GetOperator(request.region_id());
  if (op == nullptr) {
    SetError(pdpb::REGION_NOT_FOUND,
             "no operator for region " + std::to_string(request.region_id()),
             header);
    return response;
  }
  response.set_region_id(request.region_id());
  response.set_desc(op->desc());
  response.set_kind(operators::OpKindsToString(op->kinds()));
  response.set_status(pdpb::RUNNING);
  return response;
}

// ---------------------------------------------------------------- GC

pdpb::GetGCSafePointResponse PdService::GetGCSafePoint(
    const pdpb::GetGCSafePointRequest& request) {
  pdpb::GetGCSafePointResponse response;
  pdpb::ResponseHeader* header = response.mutable_header();
  if (!Admit(request.header(), Need::kBootstrapped, header)) return response;
  // A linearizable read: a deposed leader must not answer with an old one.
  absl::Status confirmed = member_.ConfirmLeadership();
  if (!confirmed.ok()) {
    SetStatus(confirmed, header);
    return response;
  }
  response.set_safe_point(member_.state().gc_safe_point());
  return response;
}

pdpb::UpdateGCSafePointResponse PdService::UpdateGCSafePoint(
    const pdpb::UpdateGCSafePointRequest& request) {
  pdpb::UpdateGCSafePointResponse response;
  pdpb::ResponseHeader* header = response.mutable_header();
  if (!Admit(request.header(), Need::kBootstrapped, header)) return response;
  auto outcome = member_.Propose(
      UpdateGcSafePoint{request.safe_point(), member_.NowRealtimeMs()});
  if (!outcome.ok()) {
    SetStatus(outcome.status(), header);
    return response;
  }
  response.set_new_safe_point(outcome->safe_point);
  return response;
}

pdpb::UpdateServiceGCSafePointResponse PdService::UpdateServiceGCSafePoint(
    const pdpb::UpdateServiceGCSafePointRequest& request) {
  pdpb::UpdateServiceGCSafePointResponse response;
  pdpb::ResponseHeader* header = response.mutable_header();
  if (!Admit(request.header(), Need::kBootstrapped, header)) return response;
  if (request.service_id().empty()) {
    SetError(pdpb::INVALID_VALUE, "a service safe point needs a service id",
             header);
    return response;
  }
  auto outcome = member_.Propose(
      UpdateServiceSafePoint{request.service_id(), request.safe_point(),
                             request.ttl(), member_.NowRealtimeMs()});
  if (!outcome.ok()) {
    SetStatus(outcome.status(), header);
    return response;
  }
  if (outcome->error.has_value()) {
    SetError(outcome->error->type, outcome->error->message, header);
    return response;
  }
  response.set_service_id(outcome->service_id);
  response.set_ttl(request.ttl());
  response.set_min_safe_point(outcome->safe_point);
  return response;
}

}  // namespace pd::server
