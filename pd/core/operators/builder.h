// Builds the common operators from a region's current state. New peer ids
// are passed in (the PD server allocates them with the ID allocator).
//
// Step order matters for availability: a replacement peer is added as a
// learner, caught up and promoted BEFORE the peer it replaces is removed, so
// no step leaves the region without a live quorum when one other voter is
// down (spec/pd/PdOperator.tla QuorumAlwaysAvailable).
// Ref: PD pkg/schedule/operator/builder.go, create_operator.go.
#ifndef PD_CORE_OPERATORS_BUILDER_H_
#define PD_CORE_OPERATORS_BUILDER_H_

#include <string>
#include <utility>
#include <variant>

#include "core/base/result.h"
#include "pd/core/cluster/cluster_view.h"
#include "pd/core/operators/operator.h"

namespace pd::operators {

struct BuilderOptions {
  // Replace peers through a joint configuration (ChangePeerV2) instead of
  // AddLearner / PromoteLearner / RemovePeer (Ref: PD enable-joint-consensus).
  bool use_joint_consensus = false;
};

struct BuildError {
  std::string reason;
  std::string ToString() const { return "cannot build operator: " + reason; }
};

template <typename T>
using BuildResult = core::base::Result<T, BuildError>;

// Moves the leader to the voter on `to_store`.
BuildResult<Operator> CreateTransferLeaderOperator(std::string desc,
                                                   const RegionInfo& info,
                                                   StoreId to_store,
                                                   uint32_t kinds,
                                                   int64_t now_ms);

// Adds a voter on `to_store`: AddLearner, then PromoteLearner.
BuildResult<Operator> CreateAddPeerOperator(std::string desc,
                                            const RegionInfo& info,
                                            StoreId to_store,
                                            PeerId new_peer_id, uint32_t kinds,
                                            int64_t now_ms);

// Removes the peer on `from_store`, moving the leader away first if needed.
BuildResult<Operator> CreateRemovePeerOperator(std::string desc,
                                               const RegionInfo& info,
                                               StoreId from_store,
                                               uint32_t kinds, int64_t now_ms);

// Replaces the peer on `from_store` by a new one on `to_store` with the same
// role. Simple: [TransferLeader], AddLearner, PromoteLearner, RemovePeer.
// Joint: [TransferLeader], AddLearner, ChangePeerV2Enter{promote, demote},
// ChangePeerV2Leave, RemovePeer.
BuildResult<Operator> CreateMovePeerOperator(
    std::string desc, const RegionInfo& info, StoreId from_store,
    StoreId to_store, PeerId new_peer_id, uint32_t kinds,
    const BuilderOptions& options, int64_t now_ms);

// Splits the region at `split_keys` (empty: the store picks the middle).
Operator CreateSplitOperator(std::string desc, const RegionInfo& info,
                             std::vector<core::base::Bytes> split_keys,
                             uint32_t kinds, int64_t now_ms);

// True when both regions have peers on the same stores with the same roles
// and neither is in a joint state: the precondition of a merge.
bool PeersAligned(const Region& a, const Region& b);

// Merges `source` into the adjacent `target`: an active operator on the
// source and a passive one on the target, to be added together. Requires the
// peers to be aligned already.
BuildResult<std::pair<Operator, Operator>> CreateMergeOperators(
    std::string desc, const RegionInfo& source, const RegionInfo& target,
    int64_t now_ms);

}  // namespace pd::operators

#endif  // PD_CORE_OPERATORS_BUILDER_H_
