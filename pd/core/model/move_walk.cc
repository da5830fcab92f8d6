#include "pd/core/model/move_walk.h"

#include <algorithm>
#include <vector>

#include "core/base/check.h"
#include "core/base/prng.h"
#include "pd/core/cluster/cluster_view.h"
#include "pd/core/model/cluster_model.h"
#include "pd/core/operators/builder.h"
#include "pd/core/operators/controller.h"

namespace pd::model {

namespace {

using core::region::PeerRole;

constexpr StoreId kStores = 6;

// Builds a model with one region on `voters` distinct stores and maybe one
// dead voter store.
ClusterModel MakeModel(core::base::Prng& prng, int voters,
                       std::vector<StoreId>& placed) {
  ClusterModel model;
  for (StoreId id = 1; id <= kStores; ++id) model.AddStore(id, 1 << 30);
  std::vector<StoreId> stores;
  for (StoreId id = 1; id <= kStores; ++id) stores.push_back(id);
  prng.Shuffle(stores);
  placed.assign(stores.begin(), stores.begin() + voters);
  ModelRegion region;
  region.region.id = 1;
  region.region.epoch = {1, 1};
  for (StoreId store : placed)
    region.region.peers.push_back({100 + store, store, PeerRole::kVoter});
  region.leader_store = placed[prng.Uniform(placed.size())];
  region.size_bytes = 1 << 20;
  model.AddRegion(region);
  if (!prng.OneIn(4)) model.KillStore(placed[prng.Uniform(placed.size())], 0);
  return model;
}

struct Trial {
  ClusterModel model;
  cluster::ClusterView view{cluster::ClusterOptions{}};
  operators::OperatorController controller{operators::ControllerOptions{}};
  int64_t now_ms = 0;

  void Heartbeat(MoveWalkResult& result, bool dispatch) {
    model.Tick();
    for (const cluster::RegionHeartbeat& beat :
         model.RegionHeartbeats(now_ms, 10'000)) {
      if (!view.HandleRegionHeartbeat(beat, now_ms).ok()) continue;
      if (!dispatch) continue;
      auto command =
          controller.Dispatch(*view.GetRegion(beat.region.id), now_ms);
      if (!command || !model.Apply(beat.region.id, *command).ok()) continue;
      ++result.commands_applied;
      auto live = [this](StoreId store) { return model.StoreAlive(store); };
      for (const Region& region : model.Regions()) {
        if (auto check = invariants::QuorumAlwaysAvailable(region, live);
            !check.ok()) {
          result.violation = check.error();
        }
      }
    }
  }
};

}  // namespace

MoveWalkResult RunMoveWalk(const MoveWalkOptions& options) {
  core::base::Prng prng(options.seed);
  MoveWalkResult result;
  for (int t = 0; t < options.trials && !result.violation; ++t) {
    std::vector<StoreId> placed;
    Trial trial{MakeModel(prng, prng.OneIn(4) ? 5 : 3, placed)};
    for (StoreId id = 1; id <= kStores; ++id) {
      CHECK(trial.view.PutStore(id, "", {}, 0).ok());
    }
    trial.Heartbeat(result, /*dispatch=*/false);
    const cluster::RegionInfo* info = trial.view.GetRegion(1);
    CHECK(info != nullptr);
    std::vector<StoreId> targets;
    for (StoreId id = 1; id <= kStores; ++id) {
      if (trial.model.StoreAlive(id) &&
          info->region().FindPeerOnStore(id) == nullptr) {
        targets.push_back(id);
      }
    }
    const StoreId from = placed[prng.Uniform(placed.size())];
    const StoreId to = targets[prng.Uniform(targets.size())];
    auto op = operators::CreateMovePeerOperator(
        "move", *info, from, to, 9'000 + t, operators::kOpRegion,
        {.use_joint_consensus = options.use_joint_consensus}, 0);
    result.trials_run = t + 1;
    if (!op.ok()) continue;
    CHECK(trial.controller.AddOperator(op.value(), trial.view, 0).ok());
    for (int round = 0; round < 20 && !trial.controller.operators().empty();
         ++round) {
      trial.now_ms += 1'000;
      trial.Heartbeat(result, /*dispatch=*/true);
      if (result.violation) break;
    }
    if (trial.controller.counters().ended.count(
            operators::OpStatus::kSuccess) != 0) {
      ++result.operators_succeeded;
    }
  }
  return result;
}

}  // namespace pd::model
