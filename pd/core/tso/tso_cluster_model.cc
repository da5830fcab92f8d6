#include "pd/core/tso/tso_cluster_model.h"

#include <algorithm>
#include <vector>

#include "core/base/check.h"
#include "core/base/prng.h"
#include "pd/core/tso/tso.h"

namespace pd::tso {

namespace {

struct Write {
  int node = 0;
  PersistRequest request;
};

class Cluster {
 public:
  Cluster(const TsoClusterModelOptions& options)
      : options_(options), prng_(options.seed) {
    TsoOptions tso_options;
    tso_options.max_logical = options.max_logical;
    for (int i = 0; i < options.nodes; ++i) {
      nodes_.emplace_back(tso_options);
      skew_ms_.push_back(0);
    }
  }

  TsoClusterModelResult Run() {
    Elect();
    for (int step = 0; step < options_.steps && !result_.violation; ++step) {
      Step();
    }
    return result_;
  }

 private:
  int64_t Now(int node) const { return real_ms_ + skew_ms_[node]; }

  void Elect() {
    const int previous = leader_;
    leader_ = static_cast<int>(prng_.Uniform(nodes_.size()));
    if (previous >= 0) {
      nodes_[previous].StepDown();
      ++result_.failovers;
    }
    // Writes of the old leadership fail once it is gone.
    for (const Write& write : in_flight_) {
      nodes_[write.node].OnPersistFailed(write.request);
    }
    in_flight_.clear();
    nodes_[leader_].BecomeLeader(Now(leader_), storage_bound_ms_);
  }

  void CollectRequests() {
    if (auto request = nodes_[leader_].TakePersistRequest()) {
      in_flight_.push_back({leader_, *request});
    }
  }

  void DeliverOrLoseWrite() {
    if (in_flight_.empty()) return;
    const size_t index = prng_.Uniform(in_flight_.size());
    const Write write = in_flight_[index];
    in_flight_.erase(in_flight_.begin() + index);
    if (prng_.OneIn(8)) {
      ++result_.writes_lost;
      nodes_[write.node].OnPersistFailed(write.request);
      return;
    }
    storage_bound_ms_ = std::max(storage_bound_ms_, write.request.bound_ms);
    nodes_[write.node].OnPersisted(write.request);
  }

  void Allocate() {
    const int64_t count = 1 + prng_.Uniform(options_.max_logical / 4);
    auto result = nodes_[leader_].Allocate(count);
    if (!result.ok()) {
      if (std::holds_alternative<WindowNotPersisted>(result.error())) {
        ++result_.not_persisted_errors;
      } else if (std::holds_alternative<LogicalExhausted>(result.error())) {
        ++result_.logical_exhausted_errors;
      }
      return;
    }
    const TimeStamp last = result.value();
    const TimeStamp first(last.value() - static_cast<uint64_t>(count - 1));
    ++result_.issued;
    // The batch is [first, last]; checking (previous, first) and the batch's
    // own order covers every timestamp handed out.
    std::vector<TimeStamp> window;
    if (!last_issued_.IsZero()) window.push_back(last_issued_);
    window.push_back(first);
    if (last != first) window.push_back(last);
    if (auto check = invariants::TsoStrictlyIncreasing(window); !check.ok()) {
      result_.violation = check.error();
    }
    last_issued_ = last;
  }

  void JumpClock() {
    const int node = static_cast<int>(prng_.Uniform(nodes_.size()));
    const int64_t skew =
        prng_.UniformInRange(-options_.max_skew_ms, options_.max_skew_ms);
    if (skew < skew_ms_[node]) ++result_.clock_jumps_back;
    skew_ms_[node] = skew;
  }

  void Step() {
    real_ms_ += static_cast<int64_t>(prng_.Uniform(60));
    const uint64_t action = prng_.Uniform(100);
    if (action < 40) {
      Allocate();
    } else if (action < 65) {
      nodes_[leader_].Tick(Now(leader_));
    } else if (action < 85) {
      DeliverOrLoseWrite();
    } else if (action < 95) {
      JumpClock();
    } else {
      Elect();
    }
    CollectRequests();
  }

  TsoClusterModelOptions options_;
  core::base::Prng prng_;
  std::vector<Tso> nodes_;
  std::vector<int64_t> skew_ms_;
  int64_t real_ms_ = 10'000;
  int leader_ = -1;
  int64_t storage_bound_ms_ = 0;
  std::vector<Write> in_flight_;
  TimeStamp last_issued_;
  TsoClusterModelResult result_;
};

}  // namespace

TsoClusterModelResult RunTsoClusterModel(
    const TsoClusterModelOptions& options) {
  CHECK_GE(options.nodes, 1);
  Cluster cluster(options);
  return cluster.Run();
}

}  // namespace pd::tso
