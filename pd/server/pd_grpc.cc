#include "pd/server/pd_grpc.h"

#include <string>
#include <type_traits>

#include "proto/etcdserverpb.pb.h"
#include "proto/health.pb.h"
#include "proto/pdpb.pb.h"

namespace pd::server {
namespace {

template <typename T>
struct IsStatusOr : std::false_type {};
template <typename T>
struct IsStatusOr<absl::StatusOr<T>> : std::true_type {};

// A typed handler (returning a message or a StatusOr of one) as a unary
// method of `registry`.
template <typename Request, typename Response, typename Handler>
void AddUnary(rpc::ServiceRegistry& registry, std::string method,
              Handler handler) {
  registry.AddUnary<Request, Response>(
      std::move(method),
      [handler](rpc::ServerCall&,
                const Request& request) -> absl::StatusOr<Response> {
        auto response = handler(request);
        if constexpr (IsStatusOr<decltype(response)>::value) {
          return response;
        } else {
          return absl::StatusOr<Response>(std::move(response));
        }
      });
}

#define PD_UNARY(Method, Request, Response) \
  AddUnary<pdpb::Request, pdpb::Response>(  \
      registry, "/pdpb.PD/" #Method,        \
      [&pd](const auto& request) { return pd.Method(request); })

void AddPdUnary(PdService& pd, rpc::ServiceRegistry& registry) {
  PD_UNARY(GetMembers, GetMembersRequest, GetMembersResponse);
  PD_UNARY(Bootstrap, BootstrapRequest, BootstrapResponse);
  PD_UNARY(IsBootstrapped, IsBootstrappedRequest, IsBootstrappedResponse);
  PD_UNARY(AllocID, AllocIDRequest, AllocIDResponse);
  PD_UNARY(GetStore, GetStoreRequest, GetStoreResponse);
  PD_UNARY(PutStore, PutStoreRequest, PutStoreResponse);
  PD_UNARY(GetAllStores, GetAllStoresRequest, GetAllStoresResponse);
  PD_UNARY(StoreHeartbeat, StoreHeartbeatRequest, StoreHeartbeatResponse);
  PD_UNARY(GetRegion, GetRegionRequest, GetRegionResponse);
  PD_UNARY(GetPrevRegion, GetRegionRequest, GetRegionResponse);
  PD_UNARY(GetRegionByID, GetRegionByIDRequest, GetRegionResponse);
  PD_UNARY(ScanRegions, ScanRegionsRequest, ScanRegionsResponse);
  PD_UNARY(AskBatchSplit, AskBatchSplitRequest, AskBatchSplitResponse);
  PD_UNARY(ReportBatchSplit, ReportBatchSplitRequest, ReportBatchSplitResponse);
  PD_UNARY(GetClusterConfig, GetClusterConfigRequest, GetClusterConfigResponse);
  PD_UNARY(ScatterRegion, ScatterRegionRequest, ScatterRegionResponse);
  PD_UNARY(SplitRegions, SplitRegionsRequest, SplitRegionsResponse);
  PD_UNARY(GetOperator, GetOperatorRequest, GetOperatorResponse);
  PD_UNARY(GetGCSafePoint, GetGCSafePointRequest, GetGCSafePointResponse);
  PD_UNARY(UpdateGCSafePoint, UpdateGCSafePointRequest,
           UpdateGCSafePointResponse);
  PD_UNARY(UpdateServiceGCSafePoint, UpdateServiceGCSafePointRequest,
           UpdateServiceGCSafePointResponse);
}

#undef PD_UNARY

void AddPdStreams(PdService& pd, rpc::ServiceRegistry& registry) {
  registry.AddBidiStreaming<pdpb::TsoRequest, pdpb::TsoResponse>(
      std::string(kTsoMethod),
      [&pd](
          rpc::ServerCall&,
          rpc::ServerReaderWriter<pdpb::TsoRequest, pdpb::TsoResponse> stream) {
        auto tso = pd.OpenTso();
        while (auto request = stream.Read()) {
          if (!stream.Write(tso->Handle(*request))) break;
        }
        return absl::OkStatus();
      });
  registry.AddBidiStreaming<pdpb::RegionHeartbeatRequest,
                            pdpb::RegionHeartbeatResponse>(
      std::string(kRegionHeartbeatMethod),
      [&pd](rpc::ServerCall&,
            rpc::ServerReaderWriter<pdpb::RegionHeartbeatRequest,
                                    pdpb::RegionHeartbeatResponse>
                stream) {
        // Shared: PD's pushes (PushNewOperators) write it from other
        // fibres, possibly after this handler returned.
        auto shared = std::make_shared<rpc::ServerReaderWriter<
            pdpb::RegionHeartbeatRequest, pdpb::RegionHeartbeatResponse>>(
            std::move(stream));
        auto heartbeats = pd.OpenRegionHeartbeat(
            [shared](const pdpb::RegionHeartbeatResponse& response) {
              return shared->Write(response);
            });
        while (auto request = shared->Read()) {
          if (!heartbeats->HandleAndSend(*request)) break;
        }
        return absl::OkStatus();
      });
}

void AddEtcdAndHealth(EtcdService& etcd, HealthService& health,
                      rpc::ServiceRegistry& registry) {
  namespace e = etcdserverpb;
  AddUnary<e::RangeRequest, e::RangeResponse>(
      registry, "/etcdserverpb.KV/Range",
      [&etcd](const auto& request) { return etcd.Range(request); });
  AddUnary<e::PutRequest, e::PutResponse>(
      registry, "/etcdserverpb.KV/Put",
      [&etcd](const auto& request) { return etcd.Put(request); });
  AddUnary<e::DeleteRangeRequest, e::DeleteRangeResponse>(
      registry, "/etcdserverpb.KV/DeleteRange",
      [&etcd](const auto& request) { return etcd.DeleteRange(request); });
  AddUnary<e::TxnRequest, e::TxnResponse>(
      registry, "/etcdserverpb.KV/Txn",
      [&etcd](const auto& request) { return etcd.Txn(request); });
  AddUnary<e::MemberListRequest, e::MemberListResponse>(
      registry, "/etcdserverpb.Cluster/MemberList",
      [&etcd](const auto& request) { return etcd.MemberList(request); });
  namespace h = grpc::health::v1;
  AddUnary<h::HealthCheckRequest, h::HealthCheckResponse>(
      registry, "/grpc.health.v1.Health/Check",
      [&health](const auto& request) { return health.Check(request); });
}

}  // namespace

void RegisterPdServices(PdService& pd, EtcdService& etcd, HealthService& health,
                        rpc::ServiceRegistry& registry) {
  AddPdUnary(pd, registry);
  AddPdStreams(pd, registry);
  AddEtcdAndHealth(etcd, health, registry);
}

}  // namespace pd::server
