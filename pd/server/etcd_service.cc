#include "pd/server/etcd_service.h"

#include <algorithm>
#include <string>

namespace pd::server {
namespace {

using etcdserverpb::RangeRequest;

absl::Status EtcdNotLeader() {
  return absl::UnavailableError("etcdserver: not leader");
}

// A member error as etcd's clients understand it.
absl::Status EtcdStatus(const absl::Status& status) {
  return IsNotLeader(status) ? EtcdNotLeader() : status;
}

void FillKeyValue(const EtcdEntry& entry, bool keys_only,
                  mvccpb::KeyValue* out) {
  out->set_key(entry.first);
  out->set_create_revision(entry.second.create_revision);
  out->set_mod_revision(entry.second.mod_revision);
  out->set_version(entry.second.version);
  if (!keys_only) out->set_value(entry.second.value);
}

// What this subset cannot answer faithfully.
absl::Status CheckRangeSupported(const RangeRequest& request,
                                 int64_t revision) {
  if (request.key().empty()) {
    return absl::InvalidArgumentError("etcdserver: key is not provided");
  }
  if (request.revision() > 0 && request.revision() != revision) {
    // No history is kept: only the current revision can be read.
    return absl::OutOfRangeError(
        "etcdserver: mvcc: required revision has been compacted");
  }
  if (request.sort_order() != RangeRequest::NONE &&
      request.sort_target() != RangeRequest::KEY) {
    return absl::UnimplementedError("etcd range: sorting other than by key");
  }
  if (request.min_mod_revision() != 0 || request.max_mod_revision() != 0 ||
      request.min_create_revision() != 0 ||
      request.max_create_revision() != 0) {
    return absl::UnimplementedError("etcd range: revision filters");
  }
  return absl::OkStatus();
}

}  // namespace

void EtcdService::FillHeader(etcdserverpb::ResponseHeader* header) const {
  header->set_cluster_id(member_.state().cluster_id());
  header->set_member_id(member_.id());
  header->set_revision(member_.state().etcd_revision());
  header->set_raft_term(member_.raw_node().raft().term());
}

absl::StatusOr<etcdserverpb::RangeResponse> EtcdService::Range(
    const RangeRequest& request) {
  if (!member_.IsLeader()) return EtcdNotLeader();
  absl::Status supported =
      CheckRangeSupported(request, member_.state().etcd_revision());
  if (!supported.ok()) return supported;
  if (!request.serializable()) {
    absl::Status confirmed = member_.ConfirmLeadership();
    if (!confirmed.ok()) return EtcdStatus(confirmed);
  }
  const PdState& state = member_.state();
  std::vector<EtcdEntry> entries =
      state.EtcdRange(request.key(), request.range_end(), 0);
  if (request.sort_order() == RangeRequest::DESCEND) {
    std::reverse(entries.begin(), entries.end());
  }
  etcdserverpb::RangeResponse response;
  FillHeader(response.mutable_header());
  response.set_count(static_cast<int64_t>(entries.size()));
  if (request.count_only()) return response;
  const size_t limit = request.limit() <= 0
                           ? entries.size()
                           : static_cast<size_t>(request.limit());
  for (size_t i = 0; i < entries.size() && i < limit; ++i) {
    FillKeyValue(entries[i], request.keys_only(), response.add_kvs());
  }
  response.set_more(entries.size() > limit);
  return response;
}

absl::StatusOr<etcdserverpb::PutResponse> EtcdService::Put(
    const etcdserverpb::PutRequest& request) {
  if (!member_.IsLeader()) return EtcdNotLeader();
  if (request.key().empty()) {
    return absl::InvalidArgumentError("etcdserver: key is not provided");
  }
  if (request.lease() != 0) {
    return absl::NotFoundError("etcdserver: requested lease not found");
  }
  if (request.ignore_value() || request.ignore_lease()) {
    return absl::UnimplementedError("etcd put: ignore_value / ignore_lease");
  }
  auto outcome = member_.Propose(EtcdPut{request.key(), request.value()});
  if (!outcome.ok()) return EtcdStatus(outcome.status());
  if (outcome->error.has_value()) {
    return absl::InvalidArgumentError(outcome->error->message);
  }
  etcdserverpb::PutResponse response;
  FillHeader(response.mutable_header());
  response.mutable_header()->set_revision(outcome->revision);
  if (request.prev_kv() && !outcome->previous.empty()) {
    FillKeyValue(outcome->previous.front(), false, response.mutable_prev_kv());
  }
  return response;
}

absl::StatusOr<etcdserverpb::DeleteRangeResponse> EtcdService::DeleteRange(
    const etcdserverpb::DeleteRangeRequest& request) {
  if (!member_.IsLeader()) return EtcdNotLeader();
  if (request.key().empty()) {
    return absl::InvalidArgumentError("etcdserver: key is not provided");
  }
  auto outcome =
      member_.Propose(EtcdDeleteRange{request.key(), request.range_end()});
  if (!outcome.ok()) return EtcdStatus(outcome.status());
  etcdserverpb::DeleteRangeResponse response;
  FillHeader(response.mutable_header());
  response.mutable_header()->set_revision(outcome->revision);
  response.set_deleted(outcome->deleted);
  if (request.prev_kv()) {
    for (const EtcdEntry& entry : outcome->previous) {
      FillKeyValue(entry, false, response.add_prev_kvs());
    }
  }
  return response;
}

absl::StatusOr<etcdserverpb::TxnResponse> EtcdService::Txn(
    const etcdserverpb::TxnRequest&) {
  return absl::UnimplementedError("etcd Txn is not served by this PD");
}

absl::StatusOr<etcdserverpb::MemberListResponse> EtcdService::MemberList(
    const etcdserverpb::MemberListRequest&) {
  etcdserverpb::MemberListResponse response;
  FillHeader(response.mutable_header());
  for (const auto& [id, info] : member_.options().members) {
    etcdserverpb::Member* member = response.add_members();
    member->set_id(id);
    member->set_name(info.name);
    member->add_peerurls(PeerUrl(info));
    member->add_clienturls(ClientUrl(info));
  }
  return response;
}

absl::StatusOr<grpc::health::v1::HealthCheckResponse> HealthService::Check(
    const grpc::health::v1::HealthCheckRequest& request) {
  const std::string& service = request.service();
  if (!service.empty() && service != "pdpb.PD" &&
      service != "etcdserverpb.KV" && service != "etcdserverpb.Cluster") {
    return absl::NotFoundError("unknown service " + service);
  }
  grpc::health::v1::HealthCheckResponse response;
  response.set_status(member_.started() && !member_.halted()
                          ? grpc::health::v1::HealthCheckResponse::SERVING
                          : grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  return response;
}

}  // namespace pd::server
