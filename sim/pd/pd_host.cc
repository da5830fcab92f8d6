#include "sim/pd/pd_host.h"

#include <type_traits>
#include <utility>

#include "core/base/check.h"

namespace sim::pdsim {
namespace {

using core::base::Duration;
namespace server = ::pd::server;

// A stream nobody wrote to for this long is dropped (its client has long
// moved on: a crash, a new stream after a failover).
constexpr Duration kStreamIdle = Duration::Seconds(60);
constexpr size_t kStreamQueueCapacity = 1024;

template <typename T>
struct IsStatusOr : std::false_type {};
template <typename T>
struct IsStatusOr<absl::StatusOr<T>> : std::true_type {};

// A typed handler as a bytes-in, bytes-out unary method.
template <typename Request, typename Handler>
std::function<absl::StatusOr<std::string>(std::string_view)> Bind(
    Handler handler) {
  return [handler](std::string_view payload) -> absl::StatusOr<std::string> {
    Request request;
    if (!request.ParseFromArray(payload.data(),
                                static_cast<int>(payload.size()))) {
      return absl::InvalidArgumentError("the request does not parse");
    }
    auto response = handler(request);
    if constexpr (IsStatusOr<decltype(response)>::value) {
      if (!response.ok()) return response.status();
      return response->SerializeAsString();
    } else {
      return response.SerializeAsString();
    }
  };
}

}  // namespace

struct PdHost::Stream {
  Stream(core::env::Executor& executor, core::env::Clock& clock)
      : inbox(executor, clock, kStreamQueueCapacity) {}
  core::env::Channel<CallFrame> inbox;
};

absl::StatusOr<std::unique_ptr<PdHost>> PdHost::Create(
    core::env::Env env, const server::PdMemberOptions& options,
    server::PdMemberObserver* observer) {
  auto member = server::PdMember::Create(env, options, observer);
  if (!member.ok()) return member.status();
  return std::unique_ptr<PdHost>(new PdHost(env, *std::move(member)));
}

PdHost::PdHost(core::env::Env env, std::unique_ptr<server::PdMember> member)
    : env_(env),
      member_(std::move(member)),
      pd_(*member_),
      etcd_(*member_),
      health_(*member_),
      transport_(env.executor, env.clock, env.network,
                 {.local_address = member_->info().client_address}) {
  AddMethods();
}

PdHost::~PdHost() = default;

#define PD_UNARY(Method, Request)                    \
  unary_["/pdpb.PD/" #Method] = Bind<pdpb::Request>( \
      [this](const pdpb::Request& request) { return pd_.Method(request); })

void PdHost::AddMethods() {
  PD_UNARY(GetMembers, GetMembersRequest);
  PD_UNARY(Bootstrap, BootstrapRequest);
  PD_UNARY(IsBootstrapped, IsBootstrappedRequest);
  PD_UNARY(AllocID, AllocIDRequest);
  PD_UNARY(GetStore, GetStoreRequest);
  PD_UNARY(PutStore, PutStoreRequest);
  PD_UNARY(GetAllStores, GetAllStoresRequest);
  PD_UNARY(StoreHeartbeat, StoreHeartbeatRequest);
  PD_UNARY(GetRegion, GetRegionRequest);
  PD_UNARY(GetPrevRegion, GetRegionRequest);
  PD_UNARY(GetRegionByID, GetRegionByIDRequest);
  PD_UNARY(ScanRegions, ScanRegionsRequest);
  PD_UNARY(AskBatchSplit, AskBatchSplitRequest);
  PD_UNARY(ReportBatchSplit, ReportBatchSplitRequest);
  PD_UNARY(GetClusterConfig, GetClusterConfigRequest);
  PD_UNARY(ScatterRegion, ScatterRegionRequest);
  PD_UNARY(SplitRegions, SplitRegionsRequest);
  PD_UNARY(GetOperator, GetOperatorRequest);
  PD_UNARY(GetGCSafePoint, GetGCSafePointRequest);
  PD_UNARY(UpdateGCSafePoint, UpdateGCSafePointRequest);
  PD_UNARY(UpdateServiceGCSafePoint, UpdateServiceGCSafePointRequest);
  unary_["/etcdserverpb.KV/Range"] = Bind<etcdserverpb::RangeRequest>(
      [this](const auto& request) { return etcd_.Range(request); });
  unary_["/etcdserverpb.KV/Put"] = Bind<etcdserverpb::PutRequest>(
      [this](const auto& request) { return etcd_.Put(request); });
  unary_["/etcdserverpb.KV/DeleteRange"] =
      Bind<etcdserverpb::DeleteRangeRequest>(
          [this](const auto& request) { return etcd_.DeleteRange(request); });
  unary_["/etcdserverpb.KV/Txn"] = Bind<etcdserverpb::TxnRequest>(
      [this](const auto& request) { return etcd_.Txn(request); });
  unary_["/etcdserverpb.Cluster/MemberList"] =
      Bind<etcdserverpb::MemberListRequest>(
          [this](const auto& request) { return etcd_.MemberList(request); });
  unary_["/grpc.health.v1.Health/Check"] =
      Bind<grpc::health::v1::HealthCheckRequest>(
          [this](const auto& request) { return health_.Check(request); });
}

#undef PD_UNARY

void PdHost::Start() {
  member_->Start();
  env_.executor.Spawn("pd-calls", [this] {
    auto server = store::transport::TransportServer::Start(
        env_.executor, env_.network,
        {.listen_address = member_->info().client_address},
        [this](const core::env::Address& from, std::string frame) {
          OnFrame(from, std::move(frame));
        });
    CHECK(server.ok()) << "PD client address: " << server.status();
    server_ = *std::move(server);
  });
}

void PdHost::OnFrame(const core::env::Address& from, std::string frame) {
  auto call = DecodeCall(frame);
  if (!call.ok()) return;  // garbage: ignored
  ++calls_;
  if (call->stream_id == 0) {
    env_.executor.Spawn(
        "pd-call", [this, from, c = *std::move(call)] { ServeUnary(from, c); });
    return;
  }
  const auto key = std::make_pair(from, call->stream_id);
  auto it = streams_.find(key);
  if (it == streams_.end()) {
    auto stream = std::make_shared<Stream>(env_.executor, env_.clock);
    it = streams_.emplace(key, stream).first;
    env_.executor.Spawn("pd-stream",
                        [this, from, method = call->method, stream] {
                          ServeStream(from, method, stream);
                        });
  }
  const uint64_t call_id = call->call_id;
  if (!it->second->inbox.TrySend(*std::move(call))) {
    Reply(from, {.call_id = call_id,
                 .code = absl::StatusCode::kResourceExhausted,
                 .message = "stream queue full"});
  }
}

void PdHost::ServeUnary(core::env::Address from, CallFrame call) {
  auto method = unary_.find(call.method);
  if (method == unary_.end()) {
    return Reply(from, {.call_id = call.call_id,
                        .code = absl::StatusCode::kUnimplemented,
                        .message = "unknown method " + call.method});
  }
  absl::StatusOr<std::string> response = method->second(call.payload);
  if (!response.ok()) {
    return Reply(from, {.call_id = call.call_id,
                        .code = response.status().code(),
                        .message = std::string(response.status().message())});
  }
  Reply(from, {.call_id = call.call_id,
               .has_payload = true,
               .payload = *std::move(response)});
}

void PdHost::ServeStream(core::env::Address from, std::string method,
                         std::shared_ptr<Stream> stream) {
  auto tso = pd_.OpenTso();
  auto heartbeats = pd_.OpenRegionHeartbeat();
  while (true) {
    auto call = stream->inbox.ReceiveFor(kStreamIdle);
    if (!call.ok()) break;
    ReplyFrame reply{.call_id = call->call_id};
    if (method == kTsoMethod) {
      pdpb::TsoRequest request;
      if (request.ParseFromString(call->payload)) {
        reply.has_payload = true;
        reply.payload = tso->Handle(request).SerializeAsString();
      } else {
        reply.code = absl::StatusCode::kInvalidArgument;
      }
    } else if (method == kRegionHeartbeatMethod) {
      pdpb::RegionHeartbeatRequest request;
      if (request.ParseFromString(call->payload)) {
        auto response = heartbeats->Handle(request);
        reply.has_payload = response.has_value();
        if (response) reply.payload = response->SerializeAsString();
      } else {
        reply.code = absl::StatusCode::kInvalidArgument;
      }
    } else {
      reply.code = absl::StatusCode::kUnimplemented;
      reply.message = "unknown stream " + method;
    }
    Reply(from, std::move(reply));
  }
  for (auto it = streams_.begin(); it != streams_.end(); ++it) {
    if (it->second == stream) {
      streams_.erase(it);
      break;
    }
  }
}

void PdHost::Reply(const core::env::Address& to, ReplyFrame reply) {
  (void)transport_.Send(to, EncodeReply(reply));
}

}  // namespace sim::pdsim
