// Nemesis, the applier: a schedule's events land on the hosts' processes
// only (a client process keeps reaching every host); a majorities-ring
// block leaves every host a majority of its own; "leader" resolves through
// the LeaderView; and a whole generated schedule, elections included,
// leaves nothing behind: the network whole, every host up and running, the
// per-message options back to the run's own.
#include "sim/nemesis/nemesis.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/base/check.h"
#include "core/base/prng.h"
#include "sim/nemesis/generator.h"
#include "sim/nemesis/shapes.h"

namespace sim::nemesis {
namespace {

using core::base::Duration;
using core::base::Instant;

class FixedLeader final : public LeaderView {
 public:
  int CurrentLeader() override { return leader; }
  int leader = 0;
};

// `n` hosts with trivial drivers, plus one client process.
struct Cluster {
  explicit Cluster(int n, uint64_t seed = 1)
      : sim(SimulationOptions{.seed = seed}), hosts(sim, seed) {
    for (int i = 1; i <= n; ++i) {
      hosts.Add({.name = "n" + std::to_string(i)});
      hosts.Boot(i, [](int) { return std::make_unique<ProcessState>(); });
    }
    client = sim.AddNode({.host = "client"});
  }
  ~Cluster() { sim.loop().Shutdown(); }

  // Whom `host` still reaches (itself included) among the hosts.
  std::set<int> View(int host) {
    std::set<int> view;
    for (int other = 1; other <= hosts.size(); ++other) {
      if (!sim.network().link_faults().IsBlocked(hosts.process(host),
                                                 hosts.process(other))) {
        view.insert(other);
      }
    }
    return view;
  }
  const LinkFaults& links() { return sim.network().link_faults(); }

  Simulation sim;
  host::Hosts hosts;
  ProcessId client = kNoProcess;
  FixedLeader leaders;
};

Schedule Parse(const std::string& text, int hosts) {
  auto schedule = ParseSchedule(text, hosts);
  CHECK(schedule.ok()) << schedule.status();
  return *schedule;
}

TEST(NemesisTest, MajoritiesRingLeavesEveryHostItsOwnMajority) {
  Cluster cluster(5);
  FaultEvent ring{.at = Duration::Milliseconds(10), .kind = FaultKind::kBlock};
  for (const auto& [a, b] : MajorityRing(std::vector<int>{1, 2, 3, 4, 5})) {
    ring.groups.push_back({a, b});
  }
  Nemesis nemesis(cluster.hosts, cluster.leaders);
  nemesis.Start({ring, {.at = Duration::Seconds(1), .kind = FaultKind::kHeal}},
                Duration::Seconds(10));
  cluster.sim.loop().RunFor(Duration::Milliseconds(500));
  std::set<std::set<int>> views;
  for (int host = 1; host <= 5; ++host) {
    EXPECT_EQ(cluster.View(host).size(), 3u) << "host " << host;
    views.insert(cluster.View(host));
    EXPECT_FALSE(
        cluster.links().IsBlocked(cluster.client, cluster.hosts.process(host)));
  }
  EXPECT_EQ(views.size(), 5u) << "no two hosts see the same majority";
  cluster.sim.loop().RunFor(Duration::Seconds(1));
  EXPECT_FALSE(cluster.links().AnyFault());
  EXPECT_EQ(nemesis.applied(), 2u);
}

TEST(NemesisTest, LeaderEventsHitTheCurrentLeaderOrNobody) {
  Cluster cluster(3);
  Nemesis nemesis(cluster.hosts, cluster.leaders);
  nemesis.Start(
      Parse("@10ms isolate leader; @20ms heal; @30ms isolate leader", 3),
      Duration::Seconds(10));
  cluster.leaders.leader = 2;
  cluster.sim.loop().RunFor(Duration::Milliseconds(15));
  EXPECT_EQ(cluster.View(2), std::set<int>{2});
  EXPECT_EQ(cluster.View(1), (std::set<int>{1, 3}));
  EXPECT_FALSE(
      cluster.links().IsBlocked(cluster.client, cluster.hosts.process(2)))
      << "clients still reach an isolated host";
  cluster.leaders.leader = 0;  // No leader at 30 ms: skipped.
  cluster.sim.loop().RunFor(Duration::Milliseconds(100));
  EXPECT_FALSE(cluster.links().AnyFault());
  EXPECT_EQ(nemesis.applied(), 2u);
}

TEST(NemesisTest, ClockJumpsHitTheLeaderOrTheNextOne) {
  Cluster cluster(3);
  Nemesis nemesis(cluster.hosts, cluster.leaders);
  nemesis.Start(
      Parse("@10ms jump leader 1000ms; @20ms jump next-leader -500ms", 3),
      Duration::Seconds(10));
  cluster.leaders.leader = 2;
  cluster.sim.loop().RunFor(Duration::Milliseconds(30));
  const auto realtime_ms = [&](int host) {
    return cluster.sim.loop()
               .clock(cluster.hosts.process(host))
               .NowRealtimeNs() /
           1000000;
  };
  EXPECT_NEAR(realtime_ms(2) - realtime_ms(1), 1000, 1);
  EXPECT_EQ(nemesis.applied(), 1u) << "the next-leader jump is armed";
  nemesis.OnElected(3);
  cluster.sim.loop().RunFor(Duration::Milliseconds(1));
  EXPECT_NEAR(realtime_ms(3) - realtime_ms(1), -500, 1);
}

TEST(NemesisTest, NextLeaderEventsWaitForTheElection) {
  Cluster cluster(3);
  Nemesis nemesis(cluster.hosts, cluster.leaders);
  nemesis.Start(Parse("@10ms crash next-leader+5ms 100ms", 3),
                Duration::Seconds(10));
  cluster.sim.loop().RunFor(Duration::Milliseconds(50));
  EXPECT_EQ(nemesis.applied(), 0u) << "armed, not applied";
  nemesis.OnElected(3);
  cluster.sim.loop().RunFor(Duration::Milliseconds(10));
  EXPECT_FALSE(cluster.hosts.IsUp(3));
  cluster.sim.loop().RunFor(Duration::Milliseconds(200));
  EXPECT_TRUE(cluster.hosts.IsUp(3)) << "restarted after 100 ms";
}

// A generated schedule of every class, with elections every ~half second
// (so next-leader events fire too), ends with nothing left to heal.
TEST(NemesisTest, AGeneratedScheduleHealsEverythingItStarts) {
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    Cluster cluster(5, seed);
    const NetworkOptions base = cluster.sim.network().options();
    FaultOptions options;
    options.nodes = 5;
    options.duration = Duration::Seconds(10);
    options.corruptible_nodes = 2;
    ASSERT_TRUE(
        ApplyFaultClasses("network,crash,pause,clock,disk,corruption,"
                          "swizzle,messages",
                          &options));
    core::base::Prng prng(seed);
    const Schedule schedule = GenerateSchedule(options, prng);
    Nemesis nemesis(cluster.hosts, cluster.leaders);
    nemesis.Start(schedule, Duration::Seconds(1000));
    for (int step = 1; step <= 30; ++step) {
      cluster.leaders.leader = 1 + static_cast<int>(prng.Uniform(5));
      cluster.sim.loop().RunFor(Duration::Milliseconds(500));
      if (prng.OneIn(2)) nemesis.OnElected(cluster.leaders.leader);
    }
    // Past the last event and the longest window after it.
    cluster.sim.loop().RunUntil(
        std::max(cluster.sim.loop().Now(),
                 Instant() + schedule.back().at + Duration::Seconds(5)));
    const Instant now = cluster.sim.loop().Now();
    for (int a = 1; a <= 5; ++a) {
      for (int b = 1; b <= 5; ++b) {
        EXPECT_TRUE(cluster.links().IsOpen(cluster.hosts.process(a),
                                           cluster.hosts.process(b), now))
            << "seed " << seed << ": " << cluster.links().Describe();
      }
    }
    for (int host = 1; host <= 5; ++host) {
      EXPECT_TRUE(cluster.hosts.IsUp(host)) << "seed " << seed;
      EXPECT_FALSE(cluster.sim.loop().IsPaused(cluster.hosts.process(host)));
    }
    EXPECT_EQ(cluster.sim.network().options().drop_probability,
              base.drop_probability);
    EXPECT_EQ(cluster.sim.network().options().min_latency, base.min_latency);
    EXPECT_GT(nemesis.applied(), 5u);
  }
}

}  // namespace
}  // namespace sim::nemesis
