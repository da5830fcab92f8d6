#include "pd/core/model/convergence.h"

#include <algorithm>
#include <memory>

#include "core/base/check.h"
#include "core/base/prng.h"
#include "pd/core/coordinator/coordinator.h"
#include "pd/core/model/cluster_model.h"
#include "pd/core/schedulers/scheduler.h"

namespace pd::model {

namespace {

using core::region::PeerRole;
constexpr uint64_t kMiB = uint64_t{1} << 20;

coordinator::CoordinatorOptions PdOptions(const ConvergenceOptions& options) {
  coordinator::CoordinatorOptions pd;
  // Shorter than PD's 30 min so that the store-down phase fits in a few
  // dozen rounds; the logic is the same.
  pd.cluster.max_store_down_time_ms = 120'000;
  pd.controller.leader_schedule_limit = options.leader_schedule_limit;
  pd.controller.store_limit_add_peer = options.store_limit_add_peer;
  pd.controller.op.fast_step_timeout_ms = 60'000;
  pd.controller.op.slow_step_timeout_ms = 120'000;
  pd.controller.op.expire_ms = 3 * options.round_ms;
  pd.schedule.split_merge_interval_ms = 60'000;
  pd.schedule.use_joint_consensus = options.use_joint_consensus;
  return pd;
}

class ConvergenceRun {
 public:
  explicit ConvergenceRun(const ConvergenceOptions& options)
      : options_(options),
        prng_(options.seed),
        pd_prng_(prng_.Fork()),
        coordinator_(PdOptions(options), pd_prng_,
                     [this] { return next_pd_id_++; }) {
    coordinator_.AddScheduler(schedulers::NewBalanceLeaderScheduler());
    coordinator_.AddScheduler(schedulers::NewBalanceRegionScheduler());
    coordinator_.AddScheduler(schedulers::NewHotRegionScheduler());
  }

  ConvergenceResult Run() {
    for (StoreId id = 1; id < static_cast<StoreId>(options_.stores); ++id)
      AddStore(id);
    PlaceRegions();
    RunPhase("balance");
    if (!result_.violation) {
      const StoreId victim = 1 + prng_.Uniform(options_.stores - 1);
      model_.KillStore(victim, now_ms_);
      RunPhase("store-down");
    }
    if (!result_.violation) {
      AddStore(options_.stores);
      RunPhase("new-store");
    }
    if (!result_.violation) {
      // An operator removes a store: PD drains it and buries it.
      draining_ = 1 + prng_.Uniform(options_.stores);
      while (!model_.StoreAlive(draining_))
        draining_ = 1 + prng_.Uniform(options_.stores);
      CHECK(coordinator_.mutable_view().SetStoreOffline(draining_).ok());
      RunPhase("offline-store");
    }
    result_.final_region_count = static_cast<int>(model_.regions().size());
    for (const auto& [status, count] :
         coordinator_.controller().counters().ended) {
      result_.operators_ended[std::string(operators::OpStatusName(status))] =
          count;
    }
    result_.trace_hash = TraceHash();
    return result_;
  }

 private:
  void AddStore(StoreId id) {
    model_.AddStore(id, 1'000'000 * kMiB);
    CHECK(coordinator_.mutable_view()
              .PutStore(id, "store-" + std::to_string(id), {}, now_ms_)
              .ok());
  }

  // Picks `count` distinct stores among the first stores, weighted towards
  // higher ids so that the initial placement is skewed.
  std::vector<StoreId> PickStores(size_t count) {
    const StoreId n = options_.stores - 1;
    std::vector<StoreId> picked;
    while (picked.size() < count) {
      const uint64_t total = n * (n + 1) / 2;
      uint64_t draw = prng_.Uniform(total);
      StoreId store = 1;
      while (draw >= store) draw -= store++;
      if (std::find(picked.begin(), picked.end(), store) == picked.end())
        picked.push_back(store);
    }
    return picked;
  }

  uint64_t RandomSize() {
    const uint64_t kind = prng_.Uniform(100);
    if (kind < 2) return (400 + prng_.Uniform(200)) * kMiB;  // oversized: split
    if (kind < 5) return (1 + prng_.Uniform(10)) * kMiB;     // small: merge
    return (60 + prng_.Uniform(140)) * kMiB;
  }

  void PlaceRegions() {
    const uint64_t step = UINT64_MAX / static_cast<uint64_t>(options_.regions);
    uint64_t next_peer_id = 100'000;
    for (int i = 0; i < options_.regions; ++i) {
      ModelRegion region;
      region.region.id = static_cast<RegionId>(i + 1);
      region.region.start_key = i == 0 ? "" : ModelKey(step * i);
      region.region.end_key =
          i + 1 == options_.regions ? "" : ModelKey(step * (i + 1));
      region.region.epoch = {1, 1};
      for (StoreId store : PickStores(3)) {
        region.region.peers.push_back(
            {next_peer_id++, store, PeerRole::kVoter});
      }
      region.leader_store = region.region.peers[prng_.Uniform(3)].store_id;
      region.size_bytes = RandomSize();
      region.keys = region.size_bytes / 1024;
      model_.AddRegion(std::move(region));
    }
  }

  void Round(std::map<std::string, int>& added) {
    now_ms_ += options_.round_ms;
    model_.Tick();
    for (const auto& [store, stats] : model_.StoreHeartbeats()) {
      CHECK(coordinator_.OnStoreHeartbeat(store, stats, now_ms_).ok());
    }
    std::vector<std::pair<RegionId, operators::RegionCommand>> commands;
    for (const cluster::RegionHeartbeat& beat :
         model_.RegionHeartbeats(now_ms_, options_.round_ms)) {
      auto command = coordinator_.OnRegionHeartbeat(beat, now_ms_);
      if (command.ok() && command.value().has_value()) {
        commands.emplace_back(beat.region.id, *command.value());
      }
    }
    for (const auto& [region, command] : commands) {
      (void)core::base::Ignore(model_.Apply(region, command));
    }
    for (const auto& [source, count] : coordinator_.RunRound(now_ms_).added) {
      added[source] += count;
    }
    CheckInvariants();
  }

  void Record(const invariants::Check& check) {
    if (!check.ok() && !result_.violation) result_.violation = check.error();
  }

  void CheckInvariants() {
    std::vector<Region> truth = model_.Regions();
    Record(invariants::RangesDisjoint(truth));
    Record(invariants::RangesCoverKeySpace(truth));
    Record(invariants::EpochMonotonic(previous_truth_, truth));
    auto live = [this](StoreId store) { return model_.StoreAlive(store); };
    for (const Region& region : truth)
      Record(invariants::QuorumAlwaysAvailable(region, live));
    std::vector<Region> view = coordinator_.view().RegionMetas();
    Record(invariants::RangesDisjoint(view));
    Record(invariants::EpochMonotonic(previous_view_, view));
    previous_truth_ = std::move(truth);
    previous_view_ = std::move(view);
  }

  // Fills the spreads and returns whether the goal holds.
  bool Balanced(PhaseResult& phase) {
    std::map<StoreId, int64_t> peers;
    std::map<StoreId, int64_t> leaders;
    // Stores that should hold data: alive and Up in PD (not offline).
    for (const auto& [id, store] : model_.stores()) {
      const cluster::StoreInfo* info = coordinator_.view().GetStore(id);
      if (store.alive && info->state == cluster::StoreState::kUp)
        peers[id] = leaders[id] = 0;
    }
    bool replicas_ok = true;
    for (const auto& [id, region] : model_.regions()) {
      const size_t voters = region.region.IncomingVoters().size();
      replicas_ok = replicas_ok && voters == 3 &&
                    region.region.peers.size() == 3 &&
                    !region.region.InJointState();
      for (const Peer& peer : region.region.peers) {
        if (peers.count(peer.store_id) == 0) replicas_ok = false;
        if (peers.count(peer.store_id)) ++peers[peer.store_id];
      }
      if (leaders.count(region.leader_store)) ++leaders[region.leader_store];
    }
    auto spread = [](const std::map<StoreId, int64_t>& counts, int64_t& total) {
      int64_t low = INT64_MAX;
      int64_t high = 0;
      total = 0;
      for (const auto& [id, count] : counts) {
        low = std::min(low, count);
        high = std::max(high, count);
        total += count;
      }
      return high - low;
    };
    int64_t peer_total = 0;
    int64_t leader_total = 0;
    phase.region_spread = spread(peers, peer_total);
    phase.leader_spread = spread(leaders, leader_total);
    const double live = static_cast<double>(peers.size());
    phase.region_tolerance =
        static_cast<int64_t>(options_.tolerance_ratio * peer_total / live) +
        options_.tolerance_slack;
    phase.leader_tolerance =
        static_cast<int64_t>(options_.tolerance_ratio * leader_total / live) +
        options_.tolerance_slack;
    const bool drained =
        draining_ == 0 || coordinator_.view().GetStore(draining_)->state ==
                              cluster::StoreState::kTombstone;
    return replicas_ok && drained &&
           phase.region_spread <= phase.region_tolerance &&
           phase.leader_spread <= phase.leader_tolerance;
  }

  void RunPhase(const std::string& name) {
    PhaseResult phase;
    phase.name = name;
    for (int round = 1; round <= options_.max_rounds_per_phase; ++round) {
      Round(phase.operators_added);
      phase.rounds = round;
      if (result_.violation) break;
      if (Balanced(phase)) {
        phase.reached = true;
        break;
      }
    }
    result_.phases.push_back(std::move(phase));
  }

  uint64_t TraceHash() const {
    uint64_t hash = 1469598103934665603ull;  // FNV-1a
    auto mix = [&hash](uint64_t value) {
      for (int i = 0; i < 8; ++i) {
        hash ^= (value >> (8 * i)) & 0xff;
        hash *= 1099511628211ull;
      }
    };
    for (const auto& [id, region] : model_.regions()) {
      mix(id);
      mix(region.region.epoch.conf_ver);
      mix(region.region.epoch.version);
      mix(region.leader_store);
      for (const char c : region.region.start_key) mix(static_cast<uint8_t>(c));
      for (const Peer& peer : region.region.peers) {
        mix(peer.id);
        mix(peer.store_id);
        mix(static_cast<uint64_t>(peer.role));
      }
    }
    return hash;
  }

  ConvergenceOptions options_;
  core::base::Prng prng_;
  core::base::Prng pd_prng_;
  uint64_t next_pd_id_ = 1'000'000;
  int64_t now_ms_ = 0;
  ClusterModel model_;
  coordinator::Coordinator coordinator_;
  StoreId draining_ = 0;  // the store set offline in the last phase
  std::vector<Region> previous_truth_;
  std::vector<Region> previous_view_;
  ConvergenceResult result_;
};

}  // namespace

ConvergenceResult RunConvergence(const ConvergenceOptions& options) {
  CHECK_GE(options.stores, 5);
  CHECK_GE(options.regions, 1);
  auto run = std::make_unique<ConvergenceRun>(options);
  return run->Run();
}

}  // namespace pd::model
