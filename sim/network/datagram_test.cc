// SimNetwork datagrams: every fault class is observable (drop rate,
// duplicates, reordering, heavy-tailed latency, one-way and symmetric
// partitions blocking exactly the intended directions, clogs and
// swizzle-clog delaying without loss, heal), crashes lose in-flight traffic,
// and a randomized workload replays bit-exactly from its seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/base/check.h"
#include "sim/network/sim_network.h"

namespace sim {
namespace {

using core::base::Duration;
using core::base::Instant;

std::string Addr(ProcessId p) { return "n" + std::to_string(p) + ":7000"; }

// N processes, each with a datagram socket on n<i>:7000 bound at creation.
class Cluster {
 public:
  Cluster(int n, const NetworkOptions& options, uint64_t seed = 1)
      : loop_(MakeLoopOptions(seed)), network_(loop_, options) {
    for (int i = 0; i < n; ++i) {
      const ProcessId p = loop_.AddProcess({});
      network_.Attach(p, "n" + std::to_string(p));
      Rebind(p);
    }
  }
  ~Cluster() { loop_.Shutdown(); }

  void Rebind(ProcessId p) {
    auto socket = network_.endpoint(p).Bind(Addr(p));
    CHECK(socket.ok()) << socket.status();
    sockets_[p] = std::move(*socket);
  }
  // Starts a fibre on `p` that records every datagram it receives.
  void StartReceiver(ProcessId p) {
    loop_.executor(p).Spawn("receiver", [this, p] {
      while (true) {
        auto datagram = sockets_[p]->Receive(std::nullopt);
        if (!datagram.ok()) return;
        received_[p].push_back(
            {datagram->from, datagram->payload, loop_.Now()});
      }
    });
  }
  void Send(ProcessId from, ProcessId to, std::string payload) {
    CHECK(sockets_[from]->Send(Addr(to), std::move(payload)).ok());
  }
  // Sends `count` datagrams from `from` to `to`, 1 us apart, payload i.
  void SendSequence(ProcessId from, ProcessId to, int count) {
    loop_.executor(from).Spawn("sender", [this, from, to, count] {
      for (int i = 0; i < count; ++i) {
        Send(from, to, std::to_string(i));
        loop_.executor(from).SleepFor(Duration::Microseconds(1));
      }
    });
  }

  struct Received {
    Address from;
    std::string payload;
    Instant at;
  };
  std::vector<Received>& received(ProcessId p) { return received_[p]; }
  std::vector<int> Numbers(ProcessId p) {
    std::vector<int> numbers;
    for (const Received& r : received_[p])
      numbers.push_back(std::stoi(r.payload));
    return numbers;
  }
  SimLoop& loop() { return loop_; }
  SimNetwork& network() { return network_; }

 private:
  static SimLoopOptions MakeLoopOptions(uint64_t seed) {
    SimLoopOptions options;
    options.seed = seed;
    return options;
  }
  SimLoop loop_;
  SimNetwork network_;
  std::map<ProcessId, std::unique_ptr<core::env::DatagramSocket>> sockets_;
  std::map<ProcessId, std::vector<Received>> received_;
};

NetworkOptions Quiet() {
  NetworkOptions options;
  options.slow_probability = 0;
  return options;
}

TEST(DatagramTest, DeliversWithTheSenderAddressAfterTheMinimumLatency) {
  Cluster cluster(2, Quiet());
  cluster.StartReceiver(1);
  cluster.Send(0, 1, "hello");
  cluster.loop().RunFor(Duration::Seconds(1));
  ASSERT_EQ(cluster.received(1).size(), 1u);
  EXPECT_EQ(cluster.received(1)[0].from, "n0:7000");
  EXPECT_EQ(cluster.received(1)[0].payload, "hello");
  EXPECT_GE(cluster.received(1)[0].at, Instant() + Quiet().min_latency);
}

TEST(DatagramTest, DropRateMatchesTheOptions) {
  NetworkOptions options = Quiet();
  options.drop_probability = 0.3;
  Cluster cluster(2, options);
  cluster.StartReceiver(1);
  cluster.SendSequence(0, 1, 2000);
  cluster.loop().RunFor(Duration::Seconds(1));
  const double delivered = cluster.received(1).size() / 2000.0;
  EXPECT_NEAR(delivered, 0.7, 0.04);
  EXPECT_EQ(cluster.network().stats().datagrams_dropped +
                cluster.network().stats().datagrams_delivered,
            2000u);
}

TEST(DatagramTest, DuplicatesArriveTwice) {
  NetworkOptions options = Quiet();
  options.duplicate_probability = 0.2;
  Cluster cluster(2, options);
  cluster.StartReceiver(1);
  cluster.SendSequence(0, 1, 2000);
  cluster.loop().RunFor(Duration::Seconds(1));
  std::map<int, int> copies;
  for (int n : cluster.Numbers(1)) ++copies[n];
  int duplicated = 0;
  for (const auto& [n, count] : copies) {
    EXPECT_LE(count, 2);
    if (count == 2) ++duplicated;
  }
  EXPECT_EQ(copies.size(), 2000u) << "nothing lost";
  EXPECT_NEAR(duplicated / 2000.0, 0.2, 0.03);
}

int Inversions(const std::vector<int>& numbers) {
  int inversions = 0;
  for (size_t i = 1; i < numbers.size(); ++i) {
    if (numbers[i] < numbers[i - 1]) ++inversions;
  }
  return inversions;
}

TEST(DatagramTest, ReorderingIsOnlyWhereRequested) {
  NetworkOptions fifo = Quiet();
  fifo.mean_extra_latency = Duration::Zero();  // Constant latency.
  Cluster ordered(2, fifo);
  ordered.StartReceiver(1);
  ordered.SendSequence(0, 1, 500);
  ordered.loop().RunFor(Duration::Seconds(1));
  ASSERT_EQ(ordered.Numbers(1).size(), 500u);
  EXPECT_EQ(Inversions(ordered.Numbers(1)), 0);

  NetworkOptions reorder = fifo;
  reorder.reorder_probability = 0.2;
  reorder.reorder_max_delay = Duration::Microseconds(50);
  Cluster shuffled(2, reorder);
  shuffled.StartReceiver(1);
  shuffled.SendSequence(0, 1, 500);
  shuffled.loop().RunFor(Duration::Seconds(1));
  ASSERT_EQ(shuffled.Numbers(1).size(), 500u) << "reordering loses nothing";
  EXPECT_GT(Inversions(shuffled.Numbers(1)), 20);
}

TEST(DatagramTest, LatencyHasAHeavyTailUnderTheCap) {
  NetworkOptions options;
  options.slow_probability = 0.05;
  options.max_latency = Duration::Seconds(1);
  Cluster cluster(2, options);
  cluster.StartReceiver(1);
  const int kCount = 2000;
  cluster.loop().executor(0).Spawn("sender", [&] {
    for (int i = 0; i < kCount; ++i) {
      cluster.Send(0, 1, std::to_string(cluster.loop().Now().nanoseconds()));
      cluster.loop().executor(0).SleepFor(Duration::Microseconds(10));
    }
  });
  cluster.loop().RunFor(Duration::Seconds(5));
  std::vector<int64_t> latencies_us;
  for (const auto& r : cluster.received(1)) {
    latencies_us.push_back((r.at.nanoseconds() - std::stoll(r.payload)) / 1000);
  }
  ASSERT_EQ(latencies_us.size(), static_cast<size_t>(kCount));
  std::sort(latencies_us.begin(), latencies_us.end());
  EXPECT_GE(latencies_us.front(), 100);                // min_latency
  EXPECT_LT(latencies_us[kCount / 2], 1000);           // Fast path: ~0.4 ms.
  EXPECT_GT(latencies_us[kCount * 99 / 100], 10'000);  // Pareto tail.
  EXPECT_LE(latencies_us.back(), 1'000'000);           // The cap.
}

// Sends one datagram along every ordered pair and returns which arrived.
std::set<Path> Reachable(Cluster& cluster, int n) {
  for (ProcessId p = 0; p < static_cast<ProcessId>(n); ++p) {
    cluster.received(p).clear();
  }
  for (ProcessId a = 0; a < static_cast<ProcessId>(n); ++a) {
    for (ProcessId b = 0; b < static_cast<ProcessId>(n); ++b) {
      if (a != b) cluster.Send(a, b, std::to_string(a));
    }
  }
  cluster.loop().RunFor(Duration::Seconds(3));
  std::set<Path> reachable;
  for (ProcessId b = 0; b < static_cast<ProcessId>(n); ++b) {
    for (const auto& r : cluster.received(b)) {
      reachable.insert({static_cast<ProcessId>(std::stoi(r.payload)), b});
    }
  }
  return reachable;
}

std::set<Path> AllPaths(int n) {
  std::set<Path> paths;
  for (ProcessId a = 0; a < static_cast<ProcessId>(n); ++a) {
    for (ProcessId b = 0; b < static_cast<ProcessId>(n); ++b) {
      if (a != b) paths.insert({a, b});
    }
  }
  return paths;
}

TEST(DatagramPartitionTest, OneWayBlockLosesOnlyThatDirection) {
  Cluster cluster(3, Quiet());
  for (ProcessId p = 0; p < 3; ++p) cluster.StartReceiver(p);
  cluster.network().Block(0, 1);
  std::set<Path> expected = AllPaths(3);
  expected.erase({0, 1});
  EXPECT_EQ(Reachable(cluster, 3), expected);
  cluster.network().Heal();
  EXPECT_EQ(Reachable(cluster, 3), AllPaths(3)) << "heal restores";
}

TEST(DatagramPartitionTest, AsymmetricPartitionBlocksOneSideOnly) {
  Cluster cluster(4, Quiet());
  for (ProcessId p = 0; p < 4; ++p) cluster.StartReceiver(p);
  cluster.network().PartitionOneWay({0, 1}, {2, 3});
  std::set<Path> expected = AllPaths(4);
  for (ProcessId a : {0, 1}) {
    for (ProcessId b : {2, 3}) expected.erase({a, b});
  }
  EXPECT_EQ(Reachable(cluster, 4), expected);
}

TEST(DatagramPartitionTest, SymmetricPartitionCutsBothWays) {
  Cluster cluster(5, Quiet());
  for (ProcessId p = 0; p < 5; ++p) cluster.StartReceiver(p);
  cluster.network().Partition({{2}, {0, 1, 3, 4}});
  std::set<Path> expected = AllPaths(5);
  for (ProcessId p = 0; p < 5; ++p) {
    expected.erase({2, p});
    expected.erase({p, 2});
  }
  EXPECT_EQ(Reachable(cluster, 5), expected);
  cluster.network().Heal();
  cluster.network().Partition({{0, 3}, {1, 2, 4}});
  const std::set<Path> reachable = Reachable(cluster, 5);
  // Two components of sizes 2 and 3: 2*1 + 3*2 paths, all symmetric.
  EXPECT_EQ(reachable.size(), 8u);
  for (const Path& path : reachable) {
    EXPECT_TRUE(reachable.count({path.second, path.first}));
  }
}

TEST(DatagramClogTest, ClogDelaysWithoutLoss) {
  Cluster cluster(2, Quiet());
  cluster.StartReceiver(1);
  cluster.StartReceiver(0);
  cluster.network().Clog(0, 1, Duration::Milliseconds(500));
  cluster.SendSequence(0, 1, 100);
  cluster.Send(1, 0, "999");  // The reverse direction is not clogged.
  cluster.loop().RunFor(Duration::Milliseconds(400));
  EXPECT_TRUE(cluster.received(1).empty());
  EXPECT_EQ(cluster.received(0).size(), 1u);
  cluster.loop().RunFor(Duration::Milliseconds(200));
  EXPECT_EQ(cluster.received(1).size(), 100u);
  for (const auto& r : cluster.received(1)) {
    EXPECT_GE(r.at, Instant() + Duration::Milliseconds(500));
  }
}

TEST(DatagramClogTest, SwizzleClogsOneByOneAndUnclogsInAnotherOrder) {
  Cluster cluster(4, Quiet(), /*seed=*/3);
  const std::vector<ProcessId> all = {0, 1, 2, 3};
  cluster.network().SwizzleClog(all, Duration::Seconds(1));
  std::vector<ProcessId> clog_order, unclog_order;
  std::set<ProcessId> clogged;
  for (int step = 0; step < 9; ++step) {
    cluster.loop().RunFor(step == 0 ? Duration::Milliseconds(1)
                                    : Duration::Seconds(1));
    for (ProcessId p : all) {
      const bool was = clogged.count(p) > 0;
      const bool is = cluster.network().link_faults().IsProcessClogged(
          p, cluster.loop().Now());
      if (!was && is) clog_order.push_back(p);
      if (was && !is) unclog_order.push_back(p);
      if (is) {
        clogged.insert(p);
      } else {
        clogged.erase(p);
      }
    }
  }
  EXPECT_EQ(clog_order.size(), 4u);
  EXPECT_EQ(unclog_order.size(), 4u);
  EXPECT_NE(clog_order, unclog_order);
  EXPECT_FALSE(cluster.network().link_faults().AnyFault());
}

TEST(DatagramCrashTest, CrashLosesInFlightDatagramsAndClosesSockets) {
  NetworkOptions options = Quiet();
  options.min_latency = Duration::Milliseconds(10);
  options.mean_extra_latency = Duration::Zero();
  Cluster cluster(2, options);
  cluster.StartReceiver(1);
  cluster.Send(0, 1, "in flight to the victim");
  cluster.Send(1, 0, "in flight from the victim");
  cluster.loop().RunFor(Duration::Milliseconds(5));
  cluster.loop().Crash(1);
  cluster.loop().Restart(1);
  cluster.Rebind(1);  // The old socket's address was released by the crash.
  cluster.StartReceiver(1);
  cluster.StartReceiver(0);
  cluster.loop().RunFor(Duration::Milliseconds(50));
  EXPECT_TRUE(cluster.received(1).empty());
  EXPECT_TRUE(cluster.received(0).empty());
  cluster.Send(0, 1, "after restart");
  cluster.loop().RunFor(Duration::Milliseconds(50));
  ASSERT_EQ(cluster.received(1).size(), 1u);
  EXPECT_EQ(cluster.received(1)[0].payload, "after restart");
}

TEST(DatagramSocketTest, ReceiveTimesOutAndCloseCancelsWaiters) {
  Cluster cluster(1, Quiet());
  SimLoop& loop = cluster.loop();
  auto socket = *cluster.network().endpoint(0).Bind("n0:0");
  EXPECT_NE(socket->local_address(), "n0:0") << "port 0 picks a port";
  absl::Status timed_out, cancelled;
  Instant timed_out_at;
  loop.executor(0).Spawn("timeout", [&] {
    timed_out = socket->Receive(Duration::Milliseconds(25)).status();
    timed_out_at = loop.Now();
    cancelled = socket->Receive(std::nullopt).status();
  });
  loop.executor(0).Spawn("closer", [&] {
    loop.executor(0).SleepFor(Duration::Milliseconds(100));
    socket->Close();
  });
  loop.Run();
  EXPECT_EQ(timed_out.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(timed_out_at, Instant() + Duration::Milliseconds(25));
  EXPECT_EQ(cancelled.code(), absl::StatusCode::kCancelled);
}

TEST(DatagramSocketTest, BindRejectsBadAddresses) {
  Cluster cluster(2, Quiet());
  core::env::Network& network = cluster.network().endpoint(0);
  EXPECT_EQ(network.Bind("n1:80").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(network.Bind("n0").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(network.Bind("n0:99999").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(network.Bind("n0:7000").status().code(),
            absl::StatusCode::kAlreadyExists);
}

// A randomized workload under every per-message fault and a partition:
// datagrams, sleeps, yields, timers and events, all drawn from the seed.
uint64_t PingWorkloadHash(uint64_t seed) {
  core::base::Prng options_prng(seed);
  std::vector<std::unique_ptr<core::env::Event>> events;  // Outlive fibres.
  Cluster cluster(3, NetworkOptions::Random(options_prng), seed);
  for (ProcessId p = 0; p < 3; ++p) {
    cluster.StartReceiver(p);
    core::env::Executor& executor = cluster.loop().executor(p);
    events.push_back(executor.NewEvent());
    core::env::Event& event = *events.back();
    executor.Spawn("pinger", [&cluster, &executor, &event, p] {
      core::env::Random& random = cluster.loop().random(p);
      for (int i = 0; i < 200; ++i) {
        cluster.Send(p, static_cast<ProcessId>(random.Uniform(3)), "1");
        if (random.Uniform(4) == 0) {
          // A timer on its own fibre wakes this one through an event.
          executor.After(Duration::Microseconds(random.Uniform(300)),
                         [&event] { event.Notify(); });
          event.WaitFor(Duration::Microseconds(random.Uniform(600)));
          event.Reset();
        } else if (random.Uniform(3) == 0) {
          executor.Yield();
        } else {
          executor.SleepFor(Duration::Microseconds(random.Uniform(500)));
        }
      }
    });
  }
  cluster.loop().RunFor(Duration::Milliseconds(200));
  cluster.network().Partition({{0}, {1, 2}});
  cluster.loop().RunFor(Duration::Milliseconds(200));
  cluster.network().Heal();
  cluster.loop().RunFor(Duration::Seconds(3));
  return cluster.loop().trace_hash();
}

TEST(DatagramDeterminismTest, SameSeedSameHash) {
  std::set<uint64_t> hashes;
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    const uint64_t hash = PingWorkloadHash(seed);
    EXPECT_EQ(hash, PingWorkloadHash(seed)) << "seed " << seed;
    hashes.insert(hash);
  }
  EXPECT_EQ(hashes.size(), 8u);
}

}  // namespace
}  // namespace sim
