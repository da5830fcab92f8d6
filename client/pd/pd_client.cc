#include "client/pd/pd_client.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/retry/backoff.h"
#include "core/base/check.h"

namespace client::pd {
namespace {

using core::base::Duration;
using core::base::Instant;
using core::base::TimeStamp;

constexpr std::string_view kScheme = "http://";
constexpr std::string_view kTsoMethod = "/pdpb.PD/Tso";

// Why a stream ended: its status, UNAVAILABLE when it ended cleanly (the
// server closed it; a new one is needed either way).
absl::Status StreamEnded(absl::Status status) {
  return status.ok() ? absl::UnavailableError("TSO stream ended") : status;
}

}  // namespace

absl::Status HeaderStatus(const pdpb::ResponseHeader& header) {
  if (!header.has_error()) return absl::OkStatus();
  const std::string& message = header.error().message();
  switch (header.error().type()) {
    case pdpb::NOT_BOOTSTRAPPED:
    case pdpb::ALREADY_BOOTSTRAPPED:
      return absl::FailedPreconditionError(message);
    default:
      return absl::UnknownError(message);
  }
}

absl::StatusOr<std::string> ParseMemberUrl(std::string_view url) {
  std::string_view rest = url;
  if (rest.starts_with(kScheme)) {
    rest.remove_prefix(kScheme.size());
  } else if (rest.find("://") != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("not an http URL: ", std::string(url)));
  }
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  const size_t colon = rest.rfind(':');
  if (rest.empty() || rest.find('/') != std::string_view::npos ||
      colon == std::string_view::npos || colon == 0 ||
      colon + 1 == rest.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not a member URL (http://host:port): ", std::string(url)));
  }
  for (char c : rest.substr(colon + 1)) {
    if (c < '0' || c > '9') {
      return absl::InvalidArgumentError(
          absl::StrCat("bad port in ", std::string(url)));
    }
  }
  return std::string(rest);
}

bool IsNotLeaderHeader(const pdpb::ResponseHeader& header) {
  return header.has_error() &&
         (header.error().message().starts_with("not leader") ||
          header.error().message().starts_with("no leader"));
}

// One caller of GetTimestamps, queued for the dispatcher.
struct PdClient::TsoWaiter {
  uint32_t count = 0;
  std::unique_ptr<core::env::Event> done;
  absl::StatusOr<TsoBatch> result = absl::UnavailableError("pending");
  // The caller gave up (its deadline passed): skipped.
  bool abandoned = false;
};

struct PdClient::TsoStream {
  std::string leader;
  rpc::ClientReaderWriter<pdpb::TsoRequest, pdpb::TsoResponse> call;
};

PdClient::PdClient(core::env::Executor& executor, core::env::Clock& clock,
                   core::env::Network& network, const PdClientOptions& options)
    : executor_(executor),
      clock_(clock),
      network_(network),
      options_(options),
      jitter_(options.jitter_seed),
      tso_wakeup_(executor.NewEvent()),
      alive_(std::make_shared<bool>(true)) {
  CHECK(!options_.members.empty()) << "a PD client needs members";
  for (std::string& member : options_.members) {
    auto address = ParseMemberUrl(member);
    CHECK(address.ok()) << address.status();
    member = *address;
  }
}

PdClient::~PdClient() {
  *alive_ = false;
  if (tso_stream_ != nullptr) tso_stream_->call.Cancel();
  tso_wakeup_->Notify();
  for (auto& [member, channel] : channels_) channel->Close();
}

rpc::Channel& PdClient::channel(const std::string& member) {
  std::unique_ptr<rpc::Channel>& channel = channels_[member];
  if (channel == nullptr) {
    rpc::ChannelOptions options = options_.channel;
    options.target = member;
    channel =
        std::make_unique<rpc::Channel>(executor_, clock_, network_, options);
  }
  return *channel;
}

Duration PdClient::AttemptTimeout(Instant deadline) const {
  return std::max(Duration::Milliseconds(1),
                  std::min(options_.attempt_timeout, deadline - Now()));
}

void PdClient::Backoff(int attempt, Instant deadline) {
  ++stats_.retries;
  ForgetLeader();
  // client/retry's equal jitter: a uniform draw from [half, all] of
  // backoff_initial * 2^attempt (at most backoff_max).
  const Duration step = retry::JitteredSleep(
      options_.backoff_initial, options_.backoff_max, retry::Jitter::kEqual,
      attempt, Duration::Zero(), jitter_);
  executor_.SleepFor(
      std::min(step, std::max(Duration::Zero(), deadline - Now())));
}

void PdClient::LearnLeader(const std::string& leader) {
  if (leader != leader_) ++stats_.leader_changes;
  leader_ = leader;
}

PdClient::HeaderCheck PdClient::CheckHeader(
    const pdpb::ResponseHeader& header) const {
  // A member that has not learnt the cluster id yet answers 0 with its
  // "not leader" error.
  if (IsNotLeaderHeader(header) && header.cluster_id() == 0) {
    return HeaderCheck::kNotLeader;
  }
  if (header.cluster_id() != cluster_id_) return HeaderCheck::kWrongCluster;
  return IsNotLeaderHeader(header) ? HeaderCheck::kNotLeader : HeaderCheck::kOk;
}

absl::Status PdClient::WrongCluster(const pdpb::ResponseHeader& header) const {
  return absl::FailedPreconditionError(
      absl::StrCat("mismatch cluster id: this client's is ", cluster_id_,
                   ", the response's ", header.cluster_id()));
}

absl::Status PdClient::EnsureLeader(Instant deadline) {
  if (!leader_.empty() && cluster_id_ != 0) return absl::OkStatus();
  return UpdateMembers(deadline);
}

absl::Status PdClient::UpdateMembers(Instant deadline) {
  absl::Status last = absl::UnavailableError("no PD leader known");
  const size_t n = options_.members.size();
  for (size_t i = 0; i < n && Now() < deadline; ++i) {
    const std::string member = options_.members[next_member_++ % n];
    auto response = CallMember<pdpb::GetMembersResponse>(
        member, "/pdpb.PD/GetMembers", pdpb::GetMembersRequest(),
        AttemptTimeout(deadline));
    if (!response.ok()) {
      last = response.status();
      continue;
    }
    const uint64_t id = response->header().cluster_id();
    if (id == 0) {
      last = absl::UnavailableError(member + " has no cluster id yet");
      continue;
    }
    if (cluster_id_ != 0 && id != cluster_id_) {
      // Ref: client-go skips a member of another cluster.
      last = WrongCluster(response->header());
      continue;
    }
    cluster_id_ = id;
    if (!response->has_leader() || response->leader().client_urls().empty()) {
      last = absl::UnavailableError(member + " knows no leader");
      continue;
    }
    // Ref: client-go dials leader.client_urls[0], parsed as a URL.
    auto leader = ParseMemberUrl(response->leader().client_urls(0));
    if (!leader.ok()) {
      last = leader.status();
      continue;
    }
    LearnLeader(*leader);
    return absl::OkStatus();
  }
  return last;
}

// ----- TSO

absl::StatusOr<TimeStamp> PdClient::GetTimestamp(Instant deadline) {
  auto batch = GetTimestamps(1, deadline);
  if (!batch.ok()) return batch.status();
  return batch->last;
}

absl::StatusOr<TsoBatch> PdClient::GetTimestamps(uint32_t count,
                                                 Instant deadline) {
  if (count == 0 || count > options_.max_tso_batch_count) {
    return absl::InvalidArgumentError(
        absl::StrCat("TSO count must be in 1..", options_.max_tso_batch_count));
  }
  auto waiter = std::make_shared<TsoWaiter>();
  waiter->count = count;
  waiter->done = executor_.NewEvent();
  tso_queue_.push_back(waiter);
  WakeDispatcher();
  if (!waiter->done->WaitFor(std::max(Duration::Zero(), deadline - Now()))) {
    waiter->abandoned = true;
    return absl::DeadlineExceededError("TSO: deadline passed");
  }
  return waiter->result;
}

void PdClient::WakeDispatcher() {
  tso_wakeup_->Notify();
  if (dispatcher_started_) return;
  dispatcher_started_ = true;
  executor_.Spawn("pd-tso-dispatcher",
                  [this, alive = alive_] { TsoLoop(alive); });
}

std::vector<std::shared_ptr<PdClient::TsoWaiter>> PdClient::TakeTsoBatch(
    uint32_t* count) {
  std::vector<std::shared_ptr<TsoWaiter>> batch;
  *count = 0;
  while (!tso_queue_.empty()) {
    const std::shared_ptr<TsoWaiter>& next = tso_queue_.front();
    if (next->abandoned) {
      tso_queue_.pop_front();
      continue;
    }
    if (*count + next->count > options_.max_tso_batch_count) break;
    *count += next->count;
    batch.push_back(next);
    tso_queue_.pop_front();
  }
  return batch;
}

void PdClient::TsoLoop(std::shared_ptr<bool> alive) {
  std::shared_ptr<core::env::Event> wakeup = tso_wakeup_;
  int attempt = 0;
  while (*alive) {
    uint32_t count = 0;
    std::vector<std::shared_ptr<TsoWaiter>> batch = TakeTsoBatch(&count);
    if (batch.empty()) {
      wakeup->Reset();
      wakeup->Wait();
      continue;
    }
    const Instant deadline = Now() + options_.attempt_timeout;
    absl::StatusOr<pdpb::TsoResponse> response = SendTso(count, deadline);
    if (!*alive) return;
    if (response.ok()) {
      attempt = 0;
      FinishTso(batch, *response);
      continue;
    }
    if (absl::IsFailedPrecondition(response.status())) {
      // Another cluster: every waiter of the batch fails, not retried.
      for (auto& waiter : batch) {
        waiter->result = response.status();
        waiter->done->Notify();
      }
      continue;
    }
    // Ref: tso_dispatcher.go: any stream error drops the stream; the
    // requests are sent again on the next one.
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
      tso_queue_.push_front(*it);
    }
    tso_stream_.reset();
    Backoff(attempt++, deadline);
  }
}

absl::StatusOr<pdpb::TsoResponse> PdClient::SendTso(uint32_t count,
                                                    Instant deadline) {
  absl::Status leader = EnsureLeader(deadline);
  if (!leader.ok()) return leader;
  if (tso_stream_ == nullptr || tso_stream_->leader != leader_) {
    ++stats_.tso_streams;
    tso_stream_ = std::make_unique<TsoStream>(TsoStream{
        leader_, rpc::OpenBidiStream<pdpb::TsoRequest, pdpb::TsoResponse>(
                     channel(leader_), kTsoMethod)});
  }
  pdpb::TsoRequest request;
  request.mutable_header()->set_cluster_id(cluster_id_);
  request.set_count(count);
  request.set_dc_location("global");
  ++stats_.tso_requests;
  TsoStream& stream = *tso_stream_;
  if (!stream.call.Write(request)) return StreamEnded(stream.call.Finish());
  // The stream has no deadline of its own: a watchdog cancels it when the
  // answer is late.
  const core::env::TimerId watchdog = executor_.After(
      AttemptTimeout(deadline), [alive = alive_, this, s = &stream] {
        if (*alive && tso_stream_.get() == s) {
          s->call.call().Cancel(absl::DeadlineExceededError("TSO: no answer"));
        }
      });
  std::optional<pdpb::TsoResponse> response = stream.call.Read();
  executor_.Cancel(watchdog);
  if (!response.has_value()) {
    return StreamEnded(stream.call.Finish());
  }
  switch (CheckHeader(response->header())) {
    case HeaderCheck::kWrongCluster:
      return WrongCluster(response->header());
    case HeaderCheck::kNotLeader:
      return absl::UnavailableError(response->header().error().message());
    case HeaderCheck::kOk:
      break;
  }
  if (response->header().has_error()) {
    return absl::UnavailableError(response->header().error().message());
  }
  if (response->count() != count) {
    // Ref: client-go errors when resp.count != req.count.
    return absl::UnavailableError(absl::StrCat(
        "TSO: asked for ", count, " timestamps, got ", response->count()));
  }
  return *std::move(response);
}

void PdClient::FinishTso(const std::vector<std::shared_ptr<TsoWaiter>>& batch,
                         const pdpb::TsoResponse& response) {
  const uint64_t physical =
      static_cast<uint64_t>(response.timestamp().physical());
  // `logical` is the last of the batch; callers take slices in order.
  uint64_t next = static_cast<uint64_t>(response.timestamp().logical()) + 1 -
                  response.count();
  for (const auto& waiter : batch) {
    waiter->result =
        TsoBatch{TimeStamp::Compose(physical, next),
                 TimeStamp::Compose(physical, next + waiter->count - 1)};
    next += waiter->count;
    ++stats_.tso_callers;
    waiter->done->Notify();
  }
}

// ----- unary calls

absl::StatusOr<pdpb::GetRegionResponse> PdClient::GetRegion(
    std::string_view key, Instant deadline) {
  pdpb::GetRegionRequest request;
  request.set_region_key(std::string(key));
  auto response = CallLeader<pdpb::GetRegionRequest, pdpb::GetRegionResponse>(
      "/pdpb.PD/GetRegion", request, deadline);
  if (!response.ok()) return response.status();
  if (absl::Status s = HeaderStatus(response->header()); !s.ok()) return s;
  return response;
}

absl::StatusOr<pdpb::GetRegionResponse> PdClient::GetPrevRegion(
    std::string_view key, Instant deadline) {
  pdpb::GetRegionRequest request;
  request.set_region_key(std::string(key));
  auto response = CallLeader<pdpb::GetRegionRequest, pdpb::GetRegionResponse>(
      "/pdpb.PD/GetPrevRegion", request, deadline);
  if (!response.ok()) return response.status();
  if (absl::Status s = HeaderStatus(response->header()); !s.ok()) return s;
  return response;
}

absl::StatusOr<pdpb::GetRegionResponse> PdClient::GetRegionByID(
    uint64_t region_id, Instant deadline) {
  pdpb::GetRegionByIDRequest request;
  request.set_region_id(region_id);
  auto response =
      CallLeader<pdpb::GetRegionByIDRequest, pdpb::GetRegionResponse>(
          "/pdpb.PD/GetRegionByID", request, deadline);
  if (!response.ok()) return response.status();
  if (absl::Status s = HeaderStatus(response->header()); !s.ok()) return s;
  return response;
}

absl::StatusOr<pdpb::ScanRegionsResponse> PdClient::ScanRegions(
    std::string_view start_key, std::string_view end_key, int32_t limit,
    Instant deadline) {
  pdpb::ScanRegionsRequest request;
  request.set_start_key(std::string(start_key));
  request.set_end_key(std::string(end_key));
  request.set_limit(limit);
  auto response =
      CallLeader<pdpb::ScanRegionsRequest, pdpb::ScanRegionsResponse>(
          "/pdpb.PD/ScanRegions", request, deadline);
  if (!response.ok()) return response.status();
  if (absl::Status s = HeaderStatus(response->header()); !s.ok()) return s;
  return response;
}

absl::StatusOr<metapb::Store> PdClient::GetStore(uint64_t store_id,
                                                 Instant deadline) {
  pdpb::GetStoreRequest request;
  request.set_store_id(store_id);
  auto response = CallLeader<pdpb::GetStoreRequest, pdpb::GetStoreResponse>(
      "/pdpb.PD/GetStore", request, deadline);
  if (!response.ok()) return response.status();
  if (absl::Status s = HeaderStatus(response->header()); !s.ok()) return s;
  if (!response->has_store()) {
    return absl::NotFoundError(absl::StrCat("no store ", store_id));
  }
  return response->store();
}

absl::StatusOr<std::vector<metapb::Store>> PdClient::GetAllStores(
    Instant deadline) {
  pdpb::GetAllStoresRequest request;
  request.set_exclude_tombstone_stores(true);
  auto response =
      CallLeader<pdpb::GetAllStoresRequest, pdpb::GetAllStoresResponse>(
          "/pdpb.PD/GetAllStores", request, deadline);
  if (!response.ok()) return response.status();
  if (absl::Status s = HeaderStatus(response->header()); !s.ok()) return s;
  return std::vector<metapb::Store>(response->stores().begin(),
                                    response->stores().end());
}

absl::StatusOr<uint64_t> PdClient::AllocID(Instant deadline) {
  auto response = CallLeader<pdpb::AllocIDRequest, pdpb::AllocIDResponse>(
      "/pdpb.PD/AllocID", pdpb::AllocIDRequest(), deadline);
  if (!response.ok()) return response.status();
  if (absl::Status s = HeaderStatus(response->header()); !s.ok()) return s;
  return response->id();
}

absl::StatusOr<uint64_t> PdClient::UpdateGCSafePoint(uint64_t safe_point,
                                                     Instant deadline) {
  pdpb::UpdateGCSafePointRequest request;
  request.set_safe_point(safe_point);
  auto response = CallLeader<pdpb::UpdateGCSafePointRequest,
                             pdpb::UpdateGCSafePointResponse>(
      "/pdpb.PD/UpdateGCSafePoint", request, deadline);
  if (!response.ok()) return response.status();
  if (absl::Status s = HeaderStatus(response->header()); !s.ok()) return s;
  return response->new_safe_point();
}

absl::StatusOr<uint64_t> PdClient::GetGCSafePoint(Instant deadline) {
  auto response =
      CallLeader<pdpb::GetGCSafePointRequest, pdpb::GetGCSafePointResponse>(
          "/pdpb.PD/GetGCSafePoint", pdpb::GetGCSafePointRequest(), deadline);
  if (!response.ok()) return response.status();
  if (absl::Status s = HeaderStatus(response->header()); !s.ok()) return s;
  return response->safe_point();
}

}  // namespace client::pd
