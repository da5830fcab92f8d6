#include "sim/pd/pd_client.h"

#include <optional>
#include <utility>

#include "core/base/check.h"
#include "sim/pd/pd_host.h"

namespace sim::pdsim {
namespace {

constexpr std::string_view kScheme = "http://";

}  // namespace

bool IsNotLeaderHeader(const pdpb::ResponseHeader& header) {
  return header.has_error() &&
         header.error().message().starts_with("not leader");
}

struct PdClient::Pending {
  std::unique_ptr<core::env::Event> done;
  std::optional<ReplyFrame> reply;
};

PdClient::PdClient(core::env::Executor& executor, core::env::Clock& clock,
                   core::env::Network& network, const PdClientOptions& options)
    : executor_(executor),
      clock_(clock),
      network_(network),
      options_(options),
      transport_(executor, clock, network, {.local_address = options.address}) {
  CHECK(!options_.members.empty()) << "a PD client needs members";
}

PdClient::~PdClient() = default;

absl::Status PdClient::Start() {
  auto server = store::transport::TransportServer::Start(
      executor_, network_, {.listen_address = options_.address},
      [this](const core::env::Address& from, std::string frame) {
        OnFrame(from, std::move(frame));
      });
  if (!server.ok()) return server.status();
  server_ = *std::move(server);
  return absl::OkStatus();
}

absl::Status PdClient::Call(const core::env::Address& to,
                            std::string_view method,
                            const google::protobuf::Message& request,
                            google::protobuf::Message* response,
                            uint64_t stream_id, bool* answered) {
  const uint64_t call_id = ++next_call_;
  Pending pending{executor_.NewEvent(), std::nullopt};
  pending_[call_id] = &pending;
  struct Forget {
    std::map<uint64_t, Pending*>& map;
    uint64_t key;
    ~Forget() { map.erase(key); }
  } forget{pending_, call_id};
  const bool queued =
      transport_.Send(to, EncodeCall({call_id, stream_id, std::string(method),
                                      request.SerializeAsString()}));
  if (!queued) return absl::UnavailableError("call to " + to + " dropped");
  if (!pending.done->WaitFor(options_.call_timeout)) {
    return absl::DeadlineExceededError("no reply from " + to);
  }
  const ReplyFrame& reply = *pending.reply;
  if (reply.code != absl::StatusCode::kOk) {
    return absl::Status(reply.code, reply.message);
  }
  if (answered != nullptr) *answered = reply.has_payload;
  if (reply.has_payload && !response->ParseFromString(reply.payload)) {
    return absl::DataLossError("the reply does not parse");
  }
  return absl::OkStatus();
}

void PdClient::OnFrame(const core::env::Address&, std::string frame) {
  auto reply = DecodeReply(frame);
  if (!reply.ok()) return;
  auto it = pending_.find(reply->call_id);
  if (it == pending_.end()) return;  // late: its caller gave up
  it->second->reply = *std::move(reply);
  it->second->done->Notify();
}

void PdClient::Backoff(bool forget_leader) {
  ++retries_;
  if (forget_leader) leader_.clear();
  executor_.SleepFor(options_.retry_backoff);
}

absl::Status PdClient::RefreshLeader() {
  absl::Status last = absl::UnavailableError("no PD leader known");
  for (size_t i = 0; i < options_.members.size(); ++i) {
    const core::env::Address& member =
        options_.members[next_member_++ % options_.members.size()];
    pdpb::GetMembersResponse response;
    last = Call(member, "/pdpb.PD/GetMembers", pdpb::GetMembersRequest(),
                &response);
    if (!last.ok()) continue;
    if (response.header().cluster_id() != 0) {
      cluster_id_ = response.header().cluster_id();
    }
    if (!response.has_leader() || response.leader().client_urls().empty()) {
      continue;
    }
    // Ref: client-go parses leader.client_urls[0] as a URL.
    const std::string& url = response.leader().client_urls(0);
    if (!url.starts_with(kScheme)) {
      return absl::DataLossError("leader URL without a scheme: " + url);
    }
    if (cluster_id_ == 0) continue;
    leader_ = url.substr(kScheme.size());
    return absl::OkStatus();
  }
  return last;
}

absl::StatusOr<pdpb::TsoResponse> PdClient::Tso(uint32_t count,
                                                core::base::Instant deadline) {
  absl::Status last = absl::UnavailableError("no PD leader known");
  while (Now() < deadline) {
    if (leader_.empty() || cluster_id_ == 0) {
      last = RefreshLeader();
      if (!last.ok()) {
        Backoff(true);
        continue;
      }
    }
    if (tso_stream_ == 0 || tso_stream_to_ != leader_) {
      tso_stream_ = ++next_stream_;
      tso_stream_to_ = leader_;
    }
    pdpb::TsoRequest request;
    request.mutable_header()->set_cluster_id(cluster_id_);
    request.set_count(count);
    request.set_dc_location("global");
    pdpb::TsoResponse response;
    last = Call(leader_, kTsoMethod, request, &response, tso_stream_);
    if (last.ok() && !response.header().has_error() &&
        response.count() == count) {
      return response;
    }
    if (last.ok()) {
      last = absl::UnavailableError(response.header().error().message());
    }
    // Ref: client-go: any stream error re-creates the stream.
    tso_stream_ = 0;
    Backoff(true);
  }
  return last;
}

}  // namespace sim::pdsim
