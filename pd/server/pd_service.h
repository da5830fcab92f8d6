// PdService: the pdpb.PD service of one member, as typed handlers: one
// method per RPC, taking the request message and returning the response;
// each bidi stream (Tso, RegionHeartbeat) is a handler object, opened per
// stream and fed its requests in order. The gRPC binding (rpc/, later)
// only decodes, calls and encodes.
//
// Handlers block their fibre (Raft proposals, lease confirmation), so the
// binding runs each call, and each stream, on a fibre of its own.
//
// Errors travel in the response header (pdpb.ResponseHeader.error), never as
// a crash:
//   * a member that does not lead answers every RPC but GetMembers with
//     "not leader: the leader is <name> at <client URL>" (or "no leader
//     known"); GetMembers is answered by every member, with the leader
//     (clients then reconnect there; reference/interop.md §0, §2.3);
//   * a request whose header carries another cluster id is refused
//     ("mismatch cluster id, need N but got M");
//   * cluster RPCs before Bootstrap: NOT_BOOTSTRAPPED;
//   * unknown store, tombstone store, stale epoch, malformed region or
//     store, count 0: a message naming the problem.
// Every header carries the cluster id (0 only before the first leader drew
// one).
//
// Ref: PD server/grpc_service.go (validateRequest, header, errorHeader).
//
// Thread-affinity: the member's executor.
#ifndef PD_SERVER_PD_SERVICE_H_
#define PD_SERVER_PD_SERVICE_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "pd/server/pd_member.h"
#include "proto/pdpb.pb.h"

namespace pd::server {

class PdService {
 public:
  // Listens for the member's new operators (PushNewOperators) until
  // destroyed.
  explicit PdService(PdMember& member);
  ~PdService();
  PdService(const PdService&) = delete;
  PdService& operator=(const PdService&) = delete;

  pdpb::GetMembersResponse GetMembers(const pdpb::GetMembersRequest& request);
  pdpb::BootstrapResponse Bootstrap(const pdpb::BootstrapRequest& request);
  pdpb::IsBootstrappedResponse IsBootstrapped(
      const pdpb::IsBootstrappedRequest& request);
  pdpb::AllocIDResponse AllocID(const pdpb::AllocIDRequest& request);
  pdpb::GetStoreResponse GetStore(const pdpb::GetStoreRequest& request);
  pdpb::PutStoreResponse PutStore(const pdpb::PutStoreRequest& request);
  pdpb::GetAllStoresResponse GetAllStores(
      const pdpb::GetAllStoresRequest& request);
  pdpb::StoreHeartbeatResponse StoreHeartbeat(
      const pdpb::StoreHeartbeatRequest& request);
  pdpb::GetRegionResponse GetRegion(const pdpb::GetRegionRequest& request);
  pdpb::GetRegionResponse GetPrevRegion(const pdpb::GetRegionRequest& request);
  pdpb::GetRegionResponse GetRegionByID(
      const pdpb::GetRegionByIDRequest& request);
  pdpb::ScanRegionsResponse ScanRegions(
      const pdpb::ScanRegionsRequest& request);
  pdpb::AskBatchSplitResponse AskBatchSplit(
      const pdpb::AskBatchSplitRequest& request);
  pdpb::ReportBatchSplitResponse ReportBatchSplit(
      const pdpb::ReportBatchSplitRequest& request);
  pdpb::GetClusterConfigResponse GetClusterConfig(
      const pdpb::GetClusterConfigRequest& request);
  // Not supported yet: a header error saying so.
  pdpb::ScatterRegionResponse ScatterRegion(
      const pdpb::ScatterRegionRequest& request);
  pdpb::SplitRegionsResponse SplitRegions(
      const pdpb::SplitRegionsRequest& request);
  pdpb::GetOperatorResponse GetOperator(
      const pdpb::GetOperatorRequest& request);
  pdpb::GetGCSafePointResponse GetGCSafePoint(
      const pdpb::GetGCSafePointRequest& request);
  pdpb::UpdateGCSafePointResponse UpdateGCSafePoint(
      const pdpb::UpdateGCSafePointRequest& request);
  pdpb::UpdateServiceGCSafePointResponse UpdateServiceGCSafePoint(
      const pdpb::UpdateServiceGCSafePointRequest& request);

  // One Tso stream: a response per request, `count` timestamps each
  // (Ref: reference/interop.md §2.1 row 2). On an error the response has
  // count 0 and a header error; the binding may end the stream.
  class TsoStream {
   public:
    explicit TsoStream(PdService& service) : service_(service) {}
    pdpb::TsoResponse Handle(const pdpb::TsoRequest& request);

   private:
    PdService& service_;
  };

  // Where one heartbeat stream's responses go, one at a time and in order
  // (pd_service.cc); shared by the stream and PushNewOperators.
  class HeartbeatOutbox;
  using HeartbeatWrite =
      std::function<bool(const pdpb::RegionHeartbeatResponse&)>;

  // One RegionHeartbeat stream from a store: each heartbeat updates the
  // cluster view; the answer, when there is one, is the next operator step
  // for the region (or an error header for a refused heartbeat). The
  // stream is the store's (the leader's store id of its heartbeats; the
  // newest stream of a store wins), so PushNewOperators sends operators
  // for regions that store leads on it too.
  class RegionHeartbeatStream {
   public:
    // `write` sends a response on the wire (false once the stream broke);
    // null: nothing is sent (tests that look at Handle's answers only).
    RegionHeartbeatStream(PdService& service, HeartbeatWrite write);
    ~RegionHeartbeatStream();
    std::optional<pdpb::RegionHeartbeatResponse> Handle(
        const pdpb::RegionHeartbeatRequest& request);
    // Handle, then sends the answer (after any push already queued); false
    // once the stream is broken.
    bool HandleAndSend(const pdpb::RegionHeartbeatRequest& request);

   private:
    PdService& service_;
    std::shared_ptr<HeartbeatOutbox> outbox_;
    uint64_t store_id_ = 0;
  };

  std::unique_ptr<TsoStream> OpenTso() {
    return std::make_unique<TsoStream>(*this);
  }
  std::unique_ptr<RegionHeartbeatStream> OpenRegionHeartbeat(
      HeartbeatWrite write = nullptr) {
    return std::make_unique<RegionHeartbeatStream>(*this, std::move(write));
  }

  // Sends the first step of every operator added since the last call to
  // the heartbeat stream of its region's leader store (Ref: PD
  // hbstream.SendMsg from the operator controller). Without it a region
  // that changes nothing waits for its leader's periodic heartbeat
  // (region_heartbeat_interval, 60 s in TiKV) before PD's scheduling
  // reaches it: a new cluster's first region stayed on one store. A
  // region whose leader store has no stream is left to its heartbeat.
  // May park on a stream whose send window is full.
  void PushNewOperators();

  PdMember& member() { return member_; }

 private:
  enum class Need : uint8_t { kLeader, kBootstrapped };

  // Fills `header` with the cluster id; false (with the error set) when the
  // request may not be served here: not the leader, another cluster id, or
  // (kBootstrapped) the cluster is not bootstrapped.
  bool Admit(const pdpb::RequestHeader& request, Need need,
             pdpb::ResponseHeader* header);
  void SetNotLeader(pdpb::ResponseHeader* header);
  // A member error (not leader, timeout, ...) as a header error.
  void SetStatus(const absl::Status& status, pdpb::ResponseHeader* header);
  void FillMember(NodeId id, pdpb::Member* member) const;

  PdMember& member_;
  // The newest heartbeat stream of each store, by store id.
  std::map<uint64_t, std::shared_ptr<HeartbeatOutbox>> heartbeat_outboxes_;
};

// Sets `header`'s error.
void SetError(pdpb::ErrorType type, const std::string& message,
              pdpb::ResponseHeader* header);

}  // namespace pd::server

#endif  // PD_SERVER_PD_SERVICE_H_
