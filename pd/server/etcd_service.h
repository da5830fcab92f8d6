// The other services stock clients call on the PD port (reference/interop.md
// §0, §2.2): the etcd v3 subset client-go's transactional client needs
// (etcdserverpb.KV Range / Put / DeleteRange on single keys and prefixes,
// etcdserverpb.Cluster/MemberList), backed by PD's replicated state so that
// keys such as /tidb/store/gcworker/saved_safe_point survive failover, and
// grpc.health.v1.Health/Check.
//
// Errors are gRPC statuses (etcd has no error header): a member that does
// not lead answers KV calls with kUnavailable "etcdserver: not leader" (the
// etcd client moves to another endpoint); options this subset does not
// model (historical revisions, leases, sorting other than by key,
// revision filters, Txn) are kUnimplemented or kOutOfRange, never ignored.
// Range reads are linearizable unless `serializable` is set.
//
// Thread-affinity: the member's executor; handlers block their fibre.
#ifndef PD_SERVER_ETCD_SERVICE_H_
#define PD_SERVER_ETCD_SERVICE_H_

#include "absl/status/statusor.h"
#include "pd/server/pd_member.h"
#include "proto/etcdserverpb.pb.h"
#include "proto/health.pb.h"

namespace pd::server {

class EtcdService {
 public:
  explicit EtcdService(PdMember& member) : member_(member) {}

  absl::StatusOr<etcdserverpb::RangeResponse> Range(
      const etcdserverpb::RangeRequest& request);
  absl::StatusOr<etcdserverpb::PutResponse> Put(
      const etcdserverpb::PutRequest& request);
  absl::StatusOr<etcdserverpb::DeleteRangeResponse> DeleteRange(
      const etcdserverpb::DeleteRangeRequest& request);
  absl::StatusOr<etcdserverpb::TxnResponse> Txn(
      const etcdserverpb::TxnRequest& request);
  // Every member answers, with every member's URLs.
  absl::StatusOr<etcdserverpb::MemberListResponse> MemberList(
      const etcdserverpb::MemberListRequest& request);

 private:
  void FillHeader(etcdserverpb::ResponseHeader* header) const;

  PdMember& member_;
};

class HealthService {
 public:
  explicit HealthService(PdMember& member) : member_(member) {}

  // SERVING while the member runs ("" and the PD services), NOT_SERVING
  // once it halted; kNotFound for a service it does not have.
  absl::StatusOr<grpc::health::v1::HealthCheckResponse> Check(
      const grpc::health::v1::HealthCheckRequest& request);

 private:
  PdMember& member_;
};

}  // namespace pd::server

#endif  // PD_SERVER_ETCD_SERVICE_H_
