// Simulation: a cluster harness builds N nodes, each with its own Env
// (clock, random stream, executor, network endpoint, harness-owned engine);
// drivers restart from durable state after a crash; buggify sites reach the
// trace; and a whole swarm-configured run replays bit-exactly from its seed.
#include "sim/simulation/simulation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/base/check.h"

namespace sim {
namespace {

using core::base::Duration;
using core::env::Cf;

// A small ordered in-memory engine (everything written is durable), enough
// for a driver to keep state across restarts.
class MapEngine final : public core::env::Engine {
 public:
  using Map = std::map<std::pair<Cf, std::string>, std::string>;

  absl::Status Write(const core::env::WriteBatch& batch,
                     const core::env::WriteOptions&) override {
    for (const auto& op : batch.ops()) {
      switch (op.kind) {
        case core::env::WriteBatch::OpKind::kPut:
          data_[{op.cf, op.key}] = op.value;
          break;
        case core::env::WriteBatch::OpKind::kDelete:
          data_.erase({op.cf, op.key});
          break;
        case core::env::WriteBatch::OpKind::kDeleteRange:
          data_.erase(data_.lower_bound({op.cf, op.key}),
                      data_.lower_bound({op.cf, op.value}));
          break;
      }
    }
    return absl::OkStatus();
  }
  absl::Status Sync() override { return absl::OkStatus(); }
  absl::StatusOr<std::optional<std::string>> Get(
      Cf cf, std::string_view key) override {
    auto it = data_.find({cf, std::string(key)});
    if (it == data_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  std::shared_ptr<const core::env::Snapshot> NewSnapshot() override {
    return std::make_shared<Snapshot>(data_);
  }

 private:
  class Iterator final : public core::env::Iterator {
   public:
    explicit Iterator(std::vector<std::pair<std::string, std::string>> rows)
        : rows_(std::move(rows)), pos_(rows_.size()) {}
    bool Valid() const override { return pos_ < rows_.size(); }
    void SeekToFirst() override { pos_ = 0; }
    void SeekToLast() override {
      pos_ = rows_.empty() ? rows_.size() : rows_.size() - 1;
    }
    void Seek(std::string_view target) override { pos_ = LowerBound(target); }
    void SeekForPrev(std::string_view target) override {
      const size_t upper = LowerBound(target);
      if (upper < rows_.size() && rows_[upper].first == target) {
        pos_ = upper;
      } else {
        pos_ = upper == 0 ? rows_.size() : upper - 1;
      }
    }
    void Next() override { ++pos_; }
    void Prev() override { pos_ = pos_ == 0 ? rows_.size() : pos_ - 1; }
    std::string_view key() const override { return rows_[pos_].first; }
    std::string_view value() const override { return rows_[pos_].second; }
    absl::Status status() const override { return absl::OkStatus(); }

   private:
    size_t LowerBound(std::string_view target) const {
      return std::lower_bound(rows_.begin(), rows_.end(), target,
                              [](const auto& row, std::string_view t) {
                                return row.first < t;
                              }) -
             rows_.begin();
    }
    std::vector<std::pair<std::string, std::string>> rows_;
    size_t pos_;
  };

  class Snapshot final : public core::env::Snapshot {
   public:
    explicit Snapshot(Map data) : data_(std::move(data)) {}
    absl::StatusOr<std::optional<std::string>> Get(
        Cf cf, std::string_view key) const override {
      auto it = data_.find({cf, std::string(key)});
      if (it == data_.end()) return std::optional<std::string>();
      return std::optional<std::string>(it->second);
    }
    std::unique_ptr<core::env::Iterator> NewIterator(
        Cf cf, const core::env::IteratorOptions& options) const override {
      std::vector<std::pair<std::string, std::string>> rows;
      for (const auto& [key, value] : data_) {
        if (key.first != cf) continue;
        if (options.lower_bound && key.second < *options.lower_bound) continue;
        if (options.upper_bound && key.second >= *options.upper_bound) continue;
        rows.emplace_back(key.second, value);
      }
      return std::make_unique<Iterator>(std::move(rows));
    }

   private:
    Map data_;
  };

  Map data_;
};

// A node driver: counts its boots in the engine, gossips its boot count to
// random peers every 10 ms (sometimes later, via a fault point reached
// through its Env) and logs what it hears.
class GossipNode final : public ProcessState {
 public:
  GossipNode(core::env::Env env, const std::string& host, int peers,
             std::vector<std::string>* log)
      : env_(env), peers_(peers), log_(log) {
    auto boots = env_.engine.Get(Cf::kDefault, "boots");
    CHECK(boots.ok());
    boots_ = boots->has_value() ? std::stoi(**boots) + 1 : 1;
    core::env::WriteBatch batch;
    batch.Put(Cf::kDefault, "boots", std::to_string(boots_));
    CHECK(env_.engine.Write(batch, {.sync = true}).ok());
    socket_ = *env_.network.Bind(host + ":9000");
    env_.executor.Spawn("gossip", [this] { Gossip(); });
    env_.executor.Spawn("listen", [this] { Listen(); });
  }
  int boots() const { return boots_; }

 private:
  void Gossip() {
    while (true) {
      env_.executor.SleepFor(Duration::Milliseconds(10));
      if (FAULT_POINT(env_.faults)) {
        env_.executor.SleepFor(Duration::Milliseconds(25));
      }
      const uint64_t peer = env_.random.Uniform(peers_);
      (void)socket_->Send("n" + std::to_string(peer) + ":9000",
                          std::to_string(boots_));
    }
  }
  void Listen() {
    while (true) {
      auto datagram = socket_->Receive(std::nullopt);
      if (!datagram.ok()) return;
      log_->push_back(std::to_string(env_.clock.NowMonotonic().nanoseconds()) +
                      " " + socket_->local_address() + "<-" + datagram->from +
                      ":" + datagram->payload);
    }
  }

  core::env::Env env_;
  int peers_;
  std::vector<std::string>* log_;
  int boots_ = 0;
  std::unique_ptr<core::env::DatagramSocket> socket_;
};

constexpr int kNodes = 3;

struct Cluster {
  explicit Cluster(const SimulationOptions& options) : sim(options) {
    for (int i = 0; i < kNodes; ++i) {
      const std::string host = "n" + std::to_string(i);
      const ProcessId node = sim.AddNode({.host = host, .clock = {}});
      sim.loop().Boot(node, [this, node, host] {
        return std::make_unique<GossipNode>(sim.MakeEnv(node, engines[node]),
                                            host, kNodes, &log);
      });
    }
  }
  GossipNode& node(ProcessId id) {
    return *static_cast<GossipNode*>(sim.loop().state(id));
  }

  // Engines are the nodes' durable state: declared before the simulation,
  // so they outlive its fibres.
  std::map<ProcessId, MapEngine> engines;
  std::vector<std::string> log;
  Simulation sim;
};

TEST(SimulationTest, EveryNodeHasItsOwnEnvironment) {
  SimulationOptions options;
  options.max_drift_ppm = 1000;
  options.max_skew = Duration::Seconds(1);
  Cluster cluster(options);
  std::set<uint64_t> first_draws;
  std::set<int64_t> realtimes;
  cluster.sim.loop().RunFor(Duration::Seconds(10));
  for (ProcessId node = 0; node < kNodes; ++node) {
    first_draws.insert(cluster.sim.loop().random(node).NextU64());
    realtimes.insert(cluster.sim.loop().clock(node).NowRealtimeNs());
  }
  EXPECT_EQ(first_draws.size(), 3u) << "random streams differ per node";
  EXPECT_EQ(realtimes.size(), 3u) << "clocks are skewed per node";
  EXPECT_GT(cluster.log.size(), 1000u) << "the nodes talk";
}

TEST(SimulationTest, ARestartedNodeResumesFromItsDurableState) {
  Cluster cluster(SimulationOptions{});
  cluster.sim.loop().RunFor(Duration::Seconds(1));
  EXPECT_EQ(cluster.node(1).boots(), 1);
  cluster.sim.loop().Crash(1);
  cluster.sim.loop().RunFor(Duration::Seconds(1));
  cluster.sim.loop().Restart(1);
  EXPECT_EQ(cluster.node(1).boots(), 2);
  cluster.log.clear();
  cluster.sim.loop().RunFor(Duration::Seconds(1));
  // The restarted node gossips its new boot count and hears the others.
  bool heard_new_count = false, restarted_hears = false;
  for (const std::string& line : cluster.log) {
    if (line.find("<-n1:9000:2") != std::string::npos) heard_new_count = true;
    if (line.find(" n1:9000<-") != std::string::npos) restarted_hears = true;
  }
  EXPECT_TRUE(heard_new_count);
  EXPECT_TRUE(restarted_hears);
}

TEST(SimulationTest, BuggifyFiresReachTheTrace) {
  SimulationOptions options;
  options.buggify.activation_probability = 1.0;
  Cluster cluster(options);
  uint64_t fires = 0;
  cluster.sim.loop().SetTraceSink([&](const TraceRecord& record) {
    if (record.kind == TraceKind::kBuggifyFire) ++fires;
  });
  cluster.sim.loop().RunFor(Duration::Seconds(1));
  EXPECT_GT(fires, 0u);
  ASSERT_EQ(cluster.sim.buggify().Sites().size(), 1u);
  EXPECT_EQ(cluster.sim.buggify().Sites()[0].fires, fires);
}

// The liveness phase of a run stops the fault points without changing which
// sites are active.
TEST(SimulationTest, FaultPointsStopFiringOnRequest) {
  SimulationOptions options;
  options.buggify.activation_probability = 1.0;
  Cluster cluster(options);
  uint64_t fires = 0;
  cluster.sim.loop().SetTraceSink([&](const TraceRecord& record) {
    if (record.kind == TraceKind::kBuggifyFire) ++fires;
  });
  cluster.sim.buggify().SetFiring(false);
  cluster.sim.loop().RunFor(Duration::Seconds(1));
  EXPECT_EQ(fires, 0u);
  ASSERT_EQ(cluster.sim.buggify().Sites().size(), 1u);
  EXPECT_TRUE(cluster.sim.buggify().Sites()[0].active);
  EXPECT_GT(cluster.sim.buggify().Sites()[0].evaluations, 0u);
  cluster.sim.buggify().SetFiring(true);
  cluster.sim.loop().RunFor(Duration::Seconds(1));
  EXPECT_GT(fires, 0u);
}

std::string SwarmRun(uint64_t seed) {
  Cluster cluster(SimulationOptions::Swarm(seed));
  std::string out = cluster.sim.Header();
  cluster.sim.loop().RunFor(Duration::Seconds(2));
  cluster.sim.loop().Crash(2);
  cluster.sim.network().Partition({{0}, {1, 2}});
  cluster.sim.loop().RunFor(Duration::Seconds(1));
  cluster.sim.loop().Restart(2);
  cluster.sim.network().Heal();
  cluster.sim.loop().RunFor(Duration::Seconds(2));
  return out + std::to_string(cluster.log.size()) + " " + cluster.sim.Footer();
}

TEST(SimulationTest, ASwarmRunReplaysFromItsSeed) {
  const std::string first = SwarmRun(11);
  EXPECT_EQ(first, SwarmRun(11));
  EXPECT_NE(first, SwarmRun(12));
  EXPECT_EQ(first.rfind("simulation seed=11 ", 0), 0u) << first;
}

}  // namespace
}  // namespace sim
