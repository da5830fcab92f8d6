#include "store/pd_worker/bootstrap.h"

#include <optional>
#include <string>
#include <utility>

#include "core/base/status_macros.h"
#include "store/peer/peer_storage.h"
#include "store/raftstore/keys.h"
#include "store/raftstore/local_state.h"

namespace store::pd_worker {
namespace {

using client::pd::HeaderStatus;
using client::pd::PdClient;
using core::base::Instant;
using core::env::Cf;

// The epoch of a cluster's first region (Ref: TiKV
// bootstrap.rs prepare_bootstrap_cluster: conf_ver 1, version 1).
constexpr uint64_t kFirstRegionConfVer = 1;
constexpr uint64_t kFirstRegionVersion = 1;

struct Ident {
  uint64_t cluster_id = 0;
  uint64_t store_id = 0;
};

// The engine's ident, or a new store id from PD persisted with PD's
// cluster id. An ident of another cluster is refused.
absl::StatusOr<Ident> LoadOrAllocIdent(PdClient& pd, core::env::Engine& engine,
                                       Instant deadline) {
  if (pd.cluster_id() == 0) RETURN_IF_ERROR(pd.UpdateMembers(deadline));
  ASSIGN_OR_RETURN(std::optional<raft_serverpb::StoreIdent> ident,
                   raftstore::LoadStoreIdent(engine));
  if (ident.has_value()) {
    if (ident->cluster_id() != pd.cluster_id()) {
      return absl::FailedPreconditionError("the engine belongs to cluster " +
                                           std::to_string(ident->cluster_id()) +
                                           ", PD serves cluster " +
                                           std::to_string(pd.cluster_id()));
    }
    return Ident{ident->cluster_id(), ident->store_id()};
  }
  ASSIGN_OR_RETURN(const uint64_t store_id, pd.AllocID(deadline));
  RETURN_IF_ERROR(raftstore::BootstrapStore(engine, pd.cluster_id(), store_id));
  return Ident{pd.cluster_id(), store_id};
}

absl::StatusOr<std::optional<metapb::Region>> LoadPreparedRegion(
    core::env::Engine& engine) {
  ASSIGN_OR_RETURN(std::optional<std::string> value,
                   engine.Get(Cf::kRaft, raftstore::PrepareBootstrapKey()));
  if (!value.has_value()) return std::nullopt;
  metapb::Region region;
  if (!region.ParseFromString(*value)) {
    return absl::DataLossError("undecodable prepared bootstrap region");
  }
  return region;
}

// Writes `region` as prepared: the prepare key first, then the region
// (unless a crash between the two left only the key), each synced.
absl::Status WritePreparedRegion(core::env::Engine& engine, uint64_t store_id,
                                 const metapb::Region& region) {
  core::env::WriteBatch prepare;
  prepare.Put(Cf::kRaft, raftstore::PrepareBootstrapKey(),
              region.SerializeAsString());
  RETURN_IF_ERROR(engine.Write(prepare, {.sync = true}));
  ASSIGN_OR_RETURN(
      std::optional<std::string> existing,
      engine.Get(Cf::kRaft, raftstore::RegionStateKey(region.id())));
  if (existing.has_value()) return absl::OkStatus();
  return raftstore::BootstrapRegion(engine, store_id, region);
}

// A new first region [-inf, +inf) with one voter on this store.
absl::StatusOr<metapb::Region> NewFirstRegion(PdClient& pd, uint64_t store_id,
                                              Instant deadline) {
  ASSIGN_OR_RETURN(const uint64_t region_id, pd.AllocID(deadline));
  ASSIGN_OR_RETURN(const uint64_t peer_id, pd.AllocID(deadline));
  metapb::Region region;
  region.set_id(region_id);
  region.mutable_region_epoch()->set_conf_ver(kFirstRegionConfVer);
  region.mutable_region_epoch()->set_version(kFirstRegionVersion);
  metapb::Peer* peer = region.add_peers();
  peer->set_id(peer_id);
  peer->set_store_id(store_id);
  return region;
}

// Removes the prepared region (another store's region won): its state, its
// Raft state and the prepare key, in one synced batch (Ref: TiKV
// clear_prepare_bootstrap_cluster).
absl::Status RemovePreparedRegion(core::env::Engine& engine,
                                  uint64_t region_id) {
  core::env::WriteBatch batch;
  batch.Delete(Cf::kRaft, raftstore::RegionStateKey(region_id));
  store::ClearPeerStateWrite(region_id, &batch);
  batch.Delete(Cf::kRaft, raftstore::PrepareBootstrapKey());
  return engine.Write(batch, {.sync = true});
}

absl::Status ClearPrepareKey(core::env::Engine& engine) {
  core::env::WriteBatch batch;
  batch.Delete(Cf::kRaft, raftstore::PrepareBootstrapKey());
  return engine.Write(batch, {.sync = true});
}

// PD's Bootstrap with the prepared region; true when the cluster's first
// region is ours. Ref: TiKV node.rs bootstrap_cluster.
absl::StatusOr<bool> SettleBootstrap(PdClient& pd, core::env::Engine& engine,
                                     const metapb::Store& store,
                                     const metapb::Region& region,
                                     Instant deadline) {
  pdpb::BootstrapRequest request;
  *request.mutable_store() = store;
  *request.mutable_region() = region;
  ASSIGN_OR_RETURN(
      pdpb::BootstrapResponse response,
      (pd.CallLeader<pdpb::BootstrapRequest, pdpb::BootstrapResponse>(
          "/pdpb.PD/Bootstrap", request, deadline)));
  const bool already =
      response.header().has_error() &&
      response.header().error().type() == pdpb::ALREADY_BOOTSTRAPPED;
  if (!already) {
    RETURN_IF_ERROR(HeaderStatus(response.header()));
    RETURN_IF_ERROR(ClearPrepareKey(engine));
    return true;
  }
  // Bootstrapped: by this store (an answer lost), or by another.
  ASSIGN_OR_RETURN(pdpb::GetRegionResponse first,
                   pd.GetRegionByID(region.id(), deadline));
  if (first.has_region() && first.region().id() == region.id()) {
    RETURN_IF_ERROR(ClearPrepareKey(engine));
    return true;
  }
  RETURN_IF_ERROR(RemovePreparedRegion(engine, region.id()));
  return false;
}

absl::StatusOr<bool> IsBootstrapped(PdClient& pd, Instant deadline) {
  ASSIGN_OR_RETURN(
      pdpb::IsBootstrappedResponse response,
      (pd.CallLeader<pdpb::IsBootstrappedRequest, pdpb::IsBootstrappedResponse>(
          "/pdpb.PD/IsBootstrapped", pdpb::IsBootstrappedRequest(), deadline)));
  RETURN_IF_ERROR(HeaderStatus(response.header()));
  return response.bootstrapped();
}

absl::Status PutStore(PdClient& pd, const metapb::Store& store,
                      Instant deadline) {
  pdpb::PutStoreRequest request;
  *request.mutable_store() = store;
  ASSIGN_OR_RETURN(
      pdpb::PutStoreResponse response,
      (pd.CallLeader<pdpb::PutStoreRequest, pdpb::PutStoreResponse>(
          "/pdpb.PD/PutStore", request, deadline)));
  return HeaderStatus(response.header());
}

}  // namespace

absl::StatusOr<BootstrapResult> BootstrapNode(
    client::pd::PdClient& pd, core::env::Engine& engine,
    const metapb::Store& store_template, core::base::Instant deadline) {
  ASSIGN_OR_RETURN(const Ident ident, LoadOrAllocIdent(pd, engine, deadline));
  metapb::Store store = store_template;
  store.set_id(ident.store_id);
  BootstrapResult result{.cluster_id = ident.cluster_id,
                         .store_id = ident.store_id};
  // A region prepared before a crash is settled as it is: a new one would
  // leave two first regions behind if the old one had won.
  ASSIGN_OR_RETURN(std::optional<metapb::Region> prepared,
                   LoadPreparedRegion(engine));
  if (!prepared.has_value()) {
    ASSIGN_OR_RETURN(const bool bootstrapped, IsBootstrapped(pd, deadline));
    if (!bootstrapped) {
      ASSIGN_OR_RETURN(prepared, NewFirstRegion(pd, ident.store_id, deadline));
    }
  }
  if (prepared.has_value()) {
    RETURN_IF_ERROR(WritePreparedRegion(engine, ident.store_id, *prepared));
    ASSIGN_OR_RETURN(result.bootstrapped_cluster,
                     SettleBootstrap(pd, engine, store, *prepared, deadline));
  }
  RETURN_IF_ERROR(PutStore(pd, store, deadline));
  return result;
}

}  // namespace store::pd_worker
