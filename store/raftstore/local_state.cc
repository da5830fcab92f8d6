#include "store/raftstore/local_state.h"

#include <algorithm>
#include <string>

#include "core/region/metapb_convert.h"
#include "store/peer/peer_storage.h"
#include "store/raftstore/keys.h"

namespace store::raftstore {
namespace {

using core::env::Cf;
using core::region::PeerRole;

void AddSorted(std::vector<core::raft::NodeId>* ids, core::raft::NodeId id) {
  ids->insert(std::upper_bound(ids->begin(), ids->end(), id), id);
}

}  // namespace

absl::StatusOr<std::optional<raft_serverpb::StoreIdent>> LoadStoreIdent(
    core::env::Engine& engine) {
  auto value = engine.Get(Cf::kRaft, StoreIdentKey());
  if (!value.ok()) return value.status();
  if (!value->has_value()) return std::nullopt;
  raft_serverpb::StoreIdent ident;
  if (!ident.ParseFromString(**value)) {
    return absl::DataLossError("undecodable store ident");
  }
  return ident;
}

absl::Status BootstrapStore(core::env::Engine& engine, uint64_t cluster_id,
                            uint64_t store_id) {
  if (cluster_id == 0 || store_id == 0) {
    return absl::InvalidArgumentError("cluster and store ids must be non-zero");
  }
  auto existing = LoadStoreIdent(engine);
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) {
    const raft_serverpb::StoreIdent& ident = **existing;
    if (ident.cluster_id() == cluster_id && ident.store_id() == store_id) {
      return absl::OkStatus();
    }
    return absl::FailedPreconditionError(
        "engine belongs to cluster " + std::to_string(ident.cluster_id()) +
        " store " + std::to_string(ident.store_id()));
  }
  raft_serverpb::StoreIdent ident;
  ident.set_cluster_id(cluster_id);
  ident.set_store_id(store_id);
  core::env::WriteBatch batch;
  batch.Put(Cf::kRaft, StoreIdentKey(), ident.SerializeAsString());
  return engine.Write(batch, {.sync = true});
}

void RegionStateWrite(
    const metapb::Region& region, raft_serverpb::PeerState state,
    core::env::WriteBatch* batch,
    const std::optional<raft_serverpb::MergeState>& merge_state) {
  raft_serverpb::RegionLocalState local;
  local.set_state(state);
  *local.mutable_region() = region;
  if (merge_state.has_value()) *local.mutable_merge_state() = *merge_state;
  batch->Put(Cf::kRaft, RegionStateKey(region.id()), local.SerializeAsString());
}

absl::StatusOr<std::vector<raft_serverpb::RegionLocalState>> LoadRegionStates(
    core::env::Engine& engine) {
  std::vector<raft_serverpb::RegionLocalState> states;
  const auto snapshot = engine.NewSnapshot();
  auto it = snapshot->NewIterator(
      Cf::kRaft,
      {.lower_bound = RegionMetaMinKey(), .upper_bound = RegionMetaMaxKey()});
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::optional<RegionId> id = DecodeRegionStateKey(it->key());
    raft_serverpb::RegionLocalState state;
    if (!id.has_value() || !state.ParseFromString(std::string(it->value())) ||
        state.region().id() != *id) {
      return absl::DataLossError("undecodable region state at key " +
                                 core::base::EscapeBytes(it->key()));
    }
    states.push_back(std::move(state));
  }
  if (!it->status().ok()) return it->status();
  return states;
}

core::raft::ConfState ConfStateOf(const core::region::Region& region) {
  core::raft::ConfState cs;
  const bool joint = region.InJointState();
  for (const core::region::Peer& peer : region.peers) {
    if (core::region::VotesInIncoming(peer.role))
      AddSorted(&cs.voters, peer.id);
    if (joint && core::region::VotesInOutgoing(peer.role)) {
      AddSorted(&cs.voters_outgoing, peer.id);
    }
    if (peer.role == PeerRole::kLearner) AddSorted(&cs.learners, peer.id);
    if (peer.role == PeerRole::kDemotingVoter) {
      AddSorted(&cs.learners_next, peer.id);
    }
  }
  // A joint configuration entered by ChangePeerV2 is left by an explicit
  // ChangePeerV2 with no changes (PD's leave-joint step), never
  // automatically.
  return cs;
}

void InitialRegionWrite(const core::region::Region& region,
                        const core::raft::HardState& hard_state,
                        core::env::WriteBatch* batch) {
  core::raft::HardState initial{.term = kRaftInitLogTerm,
                                .commit = kRaftInitLogIndex};
  if (hard_state.term > kRaftInitLogTerm) {
    initial.term = hard_state.term;
    initial.vote = hard_state.vote;
  }
  store::InitialStateWrite(region.id, kRaftInitLogIndex, kRaftInitLogTerm,
                           ConfStateOf(region), initial, batch);
  RegionStateWrite(core::region::ToMetapb(region), raft_serverpb::Normal,
                   batch);
}

absl::Status BootstrapRegion(core::env::Engine& engine, uint64_t store_id,
                             const metapb::Region& region) {
  auto parsed = core::region::FromMetapb(region);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(parsed.error().ToString());
  }
  if (parsed->FindPeerOnStore(store_id) == nullptr) {
    return absl::FailedPreconditionError(
        "region " + std::to_string(region.id()) + " has no peer on this store");
  }
  auto existing = engine.Get(Cf::kRaft, RegionStateKey(region.id()));
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) {
    return absl::FailedPreconditionError(
        "region " + std::to_string(region.id()) + " already exists");
  }
  core::env::WriteBatch batch;
  InitialRegionWrite(*parsed, {}, &batch);
  return engine.Write(batch, {.sync = true});
}

}  // namespace store::raftstore
