#include "pd/server/pd_service.h"

#include <deque>
#include <string>
#include <utility>

#include "core/base/check.h"
#include "core/region/metapb_convert.h"
#include "pd/server/convert.h"

namespace pd::server {
namespace {

namespace base = core::base;

std::map<std::string, std::string> LabelsOf(const metapb::Store& store) {
  std::map<std::string, std::string> labels;
  for (const metapb::StoreLabel& label : store.labels()) {
    labels[label.key()] = label.value();
  }
  return labels;
}

// The outcome's refusal, if any, into the header.
bool Refused(const CommandOutcome& outcome, pdpb::ResponseHeader* header) {
  if (!outcome.error.has_value()) return false;
  SetError(outcome.error->type, outcome.error->message, header);
  return true;
}

}  // namespace

void SetError(pdpb::ErrorType type, const std::string& message,
              pdpb::ResponseHeader* header) {
  header->mutable_error()->set_type(type);
  header->mutable_error()->set_message(message);
}

// ---------------------------------------------------------------- helpers

PdService::PdService(PdMember& member) : member_(member) {
  member_.set_operators_added_listener([this] { PushNewOperators(); });
}

PdService::~PdService() { member_.set_operators_added_listener(nullptr); }

bool PdService::Admit(const pdpb::RequestHeader& request, Need need,
                      pdpb::ResponseHeader* header) {
  const PdState& state = member_.state();
  header->set_cluster_id(state.cluster_id());
  if (!member_.IsLeader()) {
    SetNotLeader(header);
    return false;
  }
  if (request.cluster_id() != state.cluster_id()) {
    SetError(pdpb::UNKNOWN,
             "mismatch cluster id, need " + std::to_string(state.cluster_id()) +
                 " but got " + std::to_string(request.cluster_id()),
             header);
    return false;
  }
  if (need == Need::kBootstrapped && !state.bootstrapped()) {
    SetError(pdpb::NOT_BOOTSTRAPPED,
             "cluster " + std::to_string(state.cluster_id()) +
                 " is not bootstrapped",
             header);
    return false;
  }
  return true;
}

void PdService::SetNotLeader(pdpb::ResponseHeader* header) {
  const NodeId leader = member_.leader_id();
  auto it = member_.options().members.find(leader);
  if (leader == member_.id() || it == member_.options().members.end()) {
    // A leader still catching up counts as no leader for clients.
    SetError(pdpb::UNKNOWN, "not leader: no leader known", header);
    return;
  }
  SetError(pdpb::UNKNOWN,
           "not leader: the leader is " + it->second.name + " at " +
               ClientUrl(it->second),
           header);
}

void PdService::SetStatus(const absl::Status& status,
                          pdpb::ResponseHeader* header) {
  if (IsNotLeader(status)) return SetNotLeader(header);
  SetError(pdpb::UNKNOWN, status.ToString(), header);
}

void PdService::FillMember(NodeId id, pdpb::Member* member) const {
  const MemberInfo& info = member_.options().members.at(id);
  member->set_name(info.name);
  member->set_member_id(id);
  member->add_peer_urls(PeerUrl(info));
  member->add_client_urls(ClientUrl(info));
}

// ---------------------------------------------------------------- members

pdpb::GetMembersResponse PdService::GetMembers(const pdpb::GetMembersRequest&) {
  pdpb::GetMembersResponse response;
  pdpb::ResponseHeader* header = response.mutable_header();
  header->set_cluster_id(member_.state().cluster_id());
  for (const auto& [id, info] : member_.options().members) {
    FillMember(id, response.add_members());
  }
  const NodeId leader = member_.leader_id();
  if (member_.options().members.count(leader) != 0) {
    FillMember(leader, response.mutable_leader());
    FillMember(leader, response.mutable_etcd_leader());
  }
  if (member_.state().cluster_id() == 0) {
    // Clients need a non-zero id: they retry until the first leader drew it.
    SetError(pdpb::UNKNOWN, "cluster id not known yet", header);
  }
  return response;
}

// ---------------------------------------------------------------- bootstrap

pdpb::BootstrapResponse PdService::Bootstrap(
    const pdpb::BootstrapRequest& request) {
  pdpb::BootstrapResponse response;
  pdpb::ResponseHeader* header = response.mutable_header();
  if (!Admit(request.header(), Need::kLeader, header)) return response;
  if (member_.state().bootstrapped()) {
    SetError(pdpb::ALREADY_BOOTSTRAPPED,
             "cluster " + std::to_string(member_.state().cluster_id()) +
                 " is already bootstrapped",
             header);
    return response;
  }
  if (auto invalid = ValidateBootstrap(request.store(), request.region())) {
    SetError(invalid->type, invalid->message, header);
    return response;
  }
  auto outcome =
      member_.Propose(BootstrapCluster{request.store(), request.region()});
  if (!outcome.ok()) {
    SetStatus(outcome.status(), header);
    return response;
  }
  if (Refused(*outcome, header)) return response;
  // The coordinator learns what was applied (a new leader loads it).
  if (coordinator::Coordinator* coordinator = member_.coordinator()) {
    const int64_t now_ms = member_.NowMonotonicMs();
    (void)base::Ignore(coordinator->mutable_view().PutStore(
        request.store().id(), request.store().address(),
        LabelsOf(request.store()), now_ms));
    auto region = core::region::FromMetapb(request.region());
    const core::region::Peer* leader =
        region->FindPeerOnStore(request.store().id());
    (void)base::Ignore(coordinator->OnRegionHeartbeat(
        {.region = *region, .leader = *leader}, now_ms));
  }
  return response;
}

pdpb::IsBootstrappedResponse PdService::IsBootstrapped(
    const pdpb::IsBootstrappedRequest& request) {
  pdpb::IsBootstrappedResponse response;
  if (!Admit(request.header(), Need::kLeader, response.mutable_header())) {
    return response;
  }
  response.set_bootstrapped(member_.state().bootstrapped());
  return response;
}

pdpb::AllocIDResponse PdService::AllocID(const pdpb::AllocIDRequest& request) {
  pdpb::AllocIDResponse response;
  pdpb::ResponseHeader* header = response.mutable_header();
  if (!Admit(request.header(), Need::kLeader, header)) return response;
  auto id = member_.AllocId();
  if (!id.ok()) {
    SetStatus(id.status(), header);
    return response;
  }
  response.set_id(*id);
  return response;
}

// ---------------------------------------------------------------- stores

pdpb::GetStoreResponse PdService::GetStore(
    const pdpb::GetStoreRequest& request) {
  pdpb::GetStoreResponse response;
  pdpb::ResponseHeader* header = response.mutable_header();
  if (!Admit(request.header(), Need::kBootstrapped, header)) return response;
  const metapb::Store* store = member_.state().FindStore(request.store_id());
  if (store == nullptr) {
    SetError(pdpb::UNKNOWN,
             "invalid store ID " + std::to_string(request.store_id()) +
                 ", not found",
             header);
    return response;
  }
  *response.mutable_store() = *store;
  coordinator::Coordinator* coordinator = member_.coordinator();
  const cluster::StoreInfo* info =
      coordinator == nullptr ? nullptr
                             : coordinator->view().GetStore(store->id());
  if (info != nullptr) {
    *response.mutable_stats() =
        StoreStatsToPdpb(*info, coordinator->view().RegionStatsOf(store->id()));
    response.mutable_store()->set_last_heartbeat(info->last_heartbeat_ms *
                                                 1'000'000);
  }
  return response;
}

pdpb::PutStoreResponse PdService::PutStore(
    const pdpb::PutStoreRequest& request) {
  pdpb::PutStoreResponse response;
  pdpb::ResponseHeader* header = response.mutable_header();
  if (!Admit(request.header(), Need::kBootstrapped, header)) return response;
  const metapb::Store& store = request.store();
  if (store.id() == 0 || store.address().empty()) {
    SetError(pdpb::INVALID_VALUE, "a store needs an id and an address", header);
    return response;
  }
  auto outcome = member_.Propose(server::PutStore{store});
  if (!outcome.ok()) {
    SetStatus(outcome.status(), header);
    return response;
  }
  if (Refused(*outcome, header)) return response;
  if (coordinator::Coordinator* coordinator = member_.coordinator()) {
    (void)base::Ignore(coordinator->mutable_view().PutStore(
        store.id(), store.address(), LabelsOf(store),
        member_.NowMonotonicMs()));
  }
  return response;
}

pdpb::GetAllStoresResponse PdService::GetAllStores(
    const pdpb::GetAllStoresRequest& request) {
  pdpb::GetAllStoresResponse response;
  if (!Admit(request.header(), Need::kBootstrapped,
             response.mutable_header())) {
    return response;
  }
  for (const auto& [id, store] : member_.state().stores()) {
    if (request.exclude_tombstone_stores() &&
        store.state() == metapb::Tombstone) {
      continue;
    }
    *response.add_stores() = store;
  }
  return response;
}

pdpb::StoreHeartbeatResponse PdService::StoreHeartbeat(
    const pdpb::StoreHeartbeatRequest& request) {
  pdpb::StoreHeartbeatResponse response;
  pdpb::ResponseHeader* header = response.mutable_header();
  if (!Admit(request.header(), Need::kBootstrapped, header)) return response;
  const uint64_t store_id = request.stats().store_id();
  const metapb::Store* store = member_.state().FindStore(store_id);
  if (store == nullptr) {
    SetError(pdpb::UNKNOWN, "store " + std::to_string(store_id) + " not found",
             header);
    return response;
  }
  if (store->state() == metapb::Tombstone) {
    SetError(pdpb::STORE_TOMBSTONE,
             "store " + std::to_string(store_id) + " is removed", header);
    return response;
  }
  coordinator::Coordinator* coordinator = member_.coordinator();
  CHECK(coordinator != nullptr) << "a leader without a coordinator";
  auto handled = coordinator->OnStoreHeartbeat(
      store_id, StoreStatsFromPdpb(request.stats()), member_.NowMonotonicMs());
  if (!handled.ok()) {
    SetError(pdpb::UNKNOWN, core::region::ErrorToString(handled.error()),
             header);
  }
  return response;
}

// ---------------------------------------------------------------- streams

pdpb::TsoResponse PdService::TsoStream::Handle(
    const pdpb::TsoRequest& request) {
  pdpb::TsoResponse response;
  pdpb::ResponseHeader* header = response.mutable_header();
  if (!service_.Admit(request.header(), Need::kLeader, header)) {
    return response;
  }
  if (request.count() == 0) {
    SetError(pdpb::INVALID_VALUE, "TSO count must be at least 1", header);
    return response;
  }
  auto ts = service_.member_.AllocateTimestamps(request.count());
  if (!ts.ok()) {
    service_.SetStatus(ts.status(), header);
    return response;
  }
  response.set_count(request.count());
  pdpb::Timestamp* timestamp = response.mutable_timestamp();
  timestamp->set_physical(static_cast<int64_t>(ts->physical_ms()));
  timestamp->set_logical(static_cast<int64_t>(ts->logical()));
  return response;
}

// ---------------------------------------------------------------- heartbeats

class PdService::HeartbeatOutbox {
 public:
  explicit HeartbeatOutbox(HeartbeatWrite write) : write_(std::move(write)) {}

  // Queues `response`; the first fibre to find the outbox idle writes until
  // it is empty, so two fibres never write the stream at once and
  // responses keep their order. False once a write failed.
  bool Send(pdpb::RegionHeartbeatResponse response) {
    if (broken_ || !write_) return !broken_;
    queue_.push_back(std::move(response));
    if (writing_) return true;
    writing_ = true;
    while (!queue_.empty() && !broken_) {
      pdpb::RegionHeartbeatResponse next = std::move(queue_.front());
      queue_.pop_front();
      if (!write_(next)) broken_ = true;
    }
    writing_ = false;
    return !broken_;
  }
  void Close() { broken_ = true; }

 private:
  HeartbeatWrite write_;
  std::deque<pdpb::RegionHeartbeatResponse> queue_;
  bool writing_ = false;
  bool broken_ = false;
};

PdService::RegionHeartbeatStream::RegionHeartbeatStream(PdService& service,
                                                        HeartbeatWrite write)
    : service_(service),
      outbox_(std::make_shared<HeartbeatOutbox>(std::move(write))) {}

PdService::RegionHeartbeatStream::~RegionHeartbeatStream() {
  outbox_->Close();
  auto it = service_.heartbeat_outboxes_.find(store_id_);
  if (it != service_.heartbeat_outboxes_.end() && it->second == outbox_) {
    service_.heartbeat_outboxes_.erase(it);
  }
}

bool PdService::RegionHeartbeatStream::HandleAndSend(
    const pdpb::RegionHeartbeatRequest& request) {
  std::optional<pdpb::RegionHeartbeatResponse> response = Handle(request);
  // Keep a reference: the stream may end while the write parks.
  std::shared_ptr<HeartbeatOutbox> outbox = outbox_;
  return !response.has_value() || outbox->Send(std::move(*response));
}

void PdService::PushNewOperators() {
  coordinator::Coordinator* coordinator = member_.coordinator();
  if (coordinator == nullptr) return;
  for (auto& [region_id, command] :
       coordinator->TakeNewCommands(member_.NowMonotonicMs())) {
    const cluster::RegionInfo* info = coordinator->view().GetRegion(region_id);
    if (info == nullptr) continue;
    auto it = heartbeat_outboxes_.find(info->leader().store_id);
    if (it == heartbeat_outboxes_.end()) continue;
    pdpb::RegionHeartbeatResponse response = CommandToPdpb(command, *info);
    response.mutable_header()->set_cluster_id(member_.state().cluster_id());
    std::shared_ptr<HeartbeatOutbox> outbox = it->second;
    (void)outbox->Send(std::move(response));
    // A write may have parked: the coordinator may have changed.
    coordinator = member_.coordinator();
    if (coordinator == nullptr) return;
  }
}

std::optional<pdpb::RegionHeartbeatResponse>
PdService::RegionHeartbeatStream::Handle(
    const pdpb::RegionHeartbeatRequest& request) {
  pdpb::RegionHeartbeatResponse refused;
  pdpb::ResponseHeader* header = refused.mutable_header();
  if (!service_.Admit(request.header(), Need::kBootstrapped, header)) {
    return refused;
  }
  auto heartbeat = RegionHeartbeatFromPdpb(request);
  if (!heartbeat.ok()) {
    SetError(pdpb::INVALID_VALUE, heartbeat.error().ToString(), header);
    return refused;
  }
  if (const uint64_t store_id = request.leader().store_id();
      store_id != 0 && store_id != store_id_) {
    store_id_ = store_id;
    service_.heartbeat_outboxes_[store_id] = outbox_;
  }
  PdMember& member = service_.member_;
  coordinator::Coordinator* coordinator = member.coordinator();
  CHECK(coordinator != nullptr) << "a leader without a coordinator";
  auto command =
      coordinator->OnRegionHeartbeat(*heartbeat, member.NowMonotonicMs());
  if (!command.ok()) {
    // Ref: PD: a stale heartbeat is answered with an error, not applied.
    SetError(pdpb::UNKNOWN, core::region::ErrorToString(command.error()),
             header);
    return refused;
  }
  // Region metadata PD has not saved yet is persisted (a new leader loads
  // it), without holding the stream up.
  auto saved = member.state().regions().find(request.region().id());
  if (saved == member.state().regions().end() ||
      saved->second.SerializeAsString() !=
          core::region::ToMetapb(heartbeat->region).SerializeAsString()) {
    member.ProposeInBackground(
        PutRegion{core::region::ToMetapb(heartbeat->region)});
  }
  if (!command->has_value()) return std::nullopt;
  const cluster::RegionInfo* info =
      coordinator->view().GetRegion(heartbeat->region.id);
  CHECK(info != nullptr) << "a region accepted and not in the view";
  pdpb::RegionHeartbeatResponse response = CommandToPdpb(**command, *info);
  *response.mutable_header() = *header;
  return response;
}

}  // namespace pd::server
