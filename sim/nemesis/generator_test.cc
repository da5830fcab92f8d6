// GenerateSchedule, for any fault options: a function of its seed; only the
// enabled classes appear; every fault it starts ends within the schedule
// (cuts are followed by a heal before the next cut, crashes by a restart,
// windows have a bounded length); and over a few seeds it draws every
// network shape (the kinds the old sim/network NetworkNemesis injected).
#include "sim/nemesis/generator.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <set>

#include "core/base/prng.h"

namespace sim::nemesis {
namespace {

using core::base::Duration;

Schedule Generate(uint64_t seed, const FaultOptions& options) {
  core::base::Prng prng(seed);
  return GenerateSchedule(options, prng);
}

FaultOptions ArbitraryOptions() {
  FaultOptions o;
  o.nodes = *rc::gen::inRange(1, 8);
  o.duration = Duration::Milliseconds(*rc::gen::inRange(0, 30000));
  o.mean_interval = Duration::Milliseconds(*rc::gen::inRange(50, 2000));
  for (bool* on :
       {&o.network, &o.crash, &o.pause, &o.clock, &o.disk, &o.corruption,
        &o.swizzle, &o.messages, &o.leader_clock_failover}) {
    *on = *rc::gen::arbitrary<bool>();
  }
  o.max_pause = Duration::Milliseconds(*rc::gen::inRange(10, 1000));
  o.corruptible_nodes = *rc::gen::inRange(0, o.nodes + 1);
  return o;
}

// The kinds the enabled classes may produce.
std::set<FaultKind> AllowedKinds(const FaultOptions& o) {
  std::set<FaultKind> kinds;
  if (o.network) {
    kinds.insert({FaultKind::kPartition, FaultKind::kOneWay, FaultKind::kBlock,
                  FaultKind::kClog, FaultKind::kIsolate, FaultKind::kHeal});
    if (o.swizzle) kinds.insert(FaultKind::kSwizzle);
  }
  if (o.crash) kinds.insert({FaultKind::kCrash, FaultKind::kRestart});
  if (o.pause) kinds.insert(FaultKind::kPause);
  if (o.clock) kinds.insert({FaultKind::kDrift, FaultKind::kJump});
  if (o.disk) kinds.insert(FaultKind::kDisk);
  if (o.corruption) kinds.insert(FaultKind::kCorrupt);
  if (o.messages) kinds.insert({FaultKind::kDrop, FaultKind::kDelay});
  return kinds;
}

bool IsCut(FaultKind kind) {
  return kind == FaultKind::kPartition || kind == FaultKind::kOneWay ||
         kind == FaultKind::kBlock || kind == FaultKind::kIsolate;
}

RC_GTEST_PROP(GeneratorProperty, IsAFunctionOfTheSeed, ()) {
  const FaultOptions options = ArbitraryOptions();
  const uint64_t seed = *rc::gen::arbitrary<uint64_t>();
  RC_ASSERT(Generate(seed, options) == Generate(seed, options));
}

TEST(GeneratorTest, DifferentSeedsGiveDifferentSchedules) {
  std::set<std::string> schedules;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    schedules.insert(FormatSchedule(Generate(seed, FaultOptions{})));
  }
  EXPECT_EQ(schedules.size(), 20u);
}

RC_GTEST_PROP(GeneratorProperty, OnlyEnabledClassesAppear, ()) {
  const FaultOptions options = ArbitraryOptions();
  const std::set<FaultKind> allowed = AllowedKinds(options);
  const Schedule schedule = Generate(*rc::gen::arbitrary<uint64_t>(), options);
  for (const FaultEvent& e : schedule) {
    RC_ASSERT(allowed.count(e.kind) == 1u);
  }
  if (allowed.empty()) RC_ASSERT(schedule.empty());
}

// Every fault that lasts is ended by the schedule itself: a cut by a heal
// before the next cut (cuts never overlap), a crash without a restart delay
// by a later restart of that host, every window by its own bounded length;
// events start within [0, duration) and the schedule is sorted.
RC_GTEST_PROP(GeneratorProperty, EveryFaultItStartsEnds, ()) {
  const FaultOptions o = ArbitraryOptions();
  const Schedule schedule = Generate(*rc::gen::arbitrary<uint64_t>(), o);
  bool cut = false;
  std::map<int, int> down;  // host -> crashes still awaiting a restart
  for (size_t i = 0; i < schedule.size(); ++i) {
    const FaultEvent& e = schedule[i];
    if (i > 0) RC_ASSERT(schedule[i - 1].at <= e.at);
    RC_ASSERT(e.at >= Duration::Zero());
    if (e.at >= o.duration) {
      // Only the ends of faults, and the second crash of a leader churn
      // (just after its heal), may fall after the schedule's duration.
      RC_ASSERT(e.kind == FaultKind::kHeal || e.kind == FaultKind::kRestart ||
                (e.kind == FaultKind::kCrash && e.node == kNextLeaderNode));
    }
    if (IsCut(e.kind)) {
      RC_ASSERT(!cut);
      cut = true;
    } else if (e.kind == FaultKind::kHeal) {
      cut = false;
    } else if (e.kind == FaultKind::kCrash && e.duration == Duration::Zero()) {
      RC_ASSERT(e.node >= 1);
      ++down[e.node];
    } else if (e.kind == FaultKind::kRestart) {
      RC_ASSERT(down[e.node] > 0);
      if (--down[e.node] == 0) down.erase(e.node);
    }
    switch (e.kind) {
      case FaultKind::kPause:
        RC_ASSERT(e.duration > Duration::Zero() && e.duration <= o.max_pause);
        break;
      case FaultKind::kClog:
      case FaultKind::kSwizzle:
      case FaultKind::kDisk:
      case FaultKind::kDrop:
      case FaultKind::kDelay:
      case FaultKind::kCorrupt:
        RC_ASSERT(e.duration > Duration::Zero());
        RC_ASSERT(e.duration <= Duration::Seconds(3));
        break;
      default:
        break;
    }
  }
  RC_ASSERT(!cut);
  RC_ASSERT(down.empty());
}

// Corruption hits at most `corruptible_nodes` hosts, so a majority keeps
// its disk.
RC_GTEST_PROP(GeneratorProperty, CorruptionStaysWithinItsHosts, ()) {
  FaultOptions o = ArbitraryOptions();
  o.corruption = true;
  std::set<int> corrupted;
  for (const FaultEvent& e : Generate(*rc::gen::arbitrary<uint64_t>(), o)) {
    if (e.kind == FaultKind::kCorrupt) corrupted.insert(e.node);
  }
  RC_ASSERT(corrupted.size() <= static_cast<size_t>(o.corruptible_nodes));
}

// Over 50 seeds of 5 hosts every network shape shows up: isolate one
// (a 1|4 partition), halves (2|3), one-way halves, the majorities ring,
// a clog, a swizzle-clog, and isolating the leader now or once elected.
TEST(GeneratorTest, DrawsEveryNetworkShape) {
  FaultOptions options;
  options.nodes = 5;
  ASSERT_TRUE(ApplyFaultClasses("network,swizzle", &options));
  std::set<std::string> shapes;
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    for (const FaultEvent& e : Generate(seed, options)) {
      switch (e.kind) {
        case FaultKind::kPartition:
          shapes.insert(e.groups[0].size() == 1 ? "isolate-one" : "halves");
          break;
        case FaultKind::kOneWay:
          shapes.insert("one-way-halves");
          break;
        case FaultKind::kBlock:
          // The ring of 5 cuts each host from the two across the ring.
          EXPECT_EQ(e.groups.size(), 5u) << FormatEvent(e);
          shapes.insert("majorities-ring");
          break;
        case FaultKind::kIsolate:
          shapes.insert(e.node == kLeaderNode ? "isolate-leader"
                                              : "isolate-next-leader");
          break;
        case FaultKind::kClog:
        case FaultKind::kSwizzle:
          shapes.insert(std::string(FaultKindName(e.kind)));
          break;
        default:
          break;
      }
    }
  }
  EXPECT_EQ(shapes,
            (std::set<std::string>{"isolate-one", "halves", "one-way-halves",
                                   "majorities-ring", "isolate-leader",
                                   "isolate-next-leader", "clog", "swizzle"}));
}

// The opt-in classes appear only when asked for, and "all" keeps its old
// meaning (so the sweeps of MEASUREMENTS.md replay unchanged).
TEST(GeneratorTest, SwizzleAndMessageFaultsAreOptIn) {
  FaultOptions options;
  options.nodes = 5;
  ASSERT_TRUE(ApplyFaultClasses("all", &options));
  EXPECT_FALSE(options.swizzle || options.messages);
  std::set<FaultKind> kinds;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    for (const FaultEvent& e : Generate(seed, options)) kinds.insert(e.kind);
  }
  EXPECT_FALSE(kinds.count(FaultKind::kSwizzle) ||
               kinds.count(FaultKind::kDrop));
  ASSERT_TRUE(ApplyFaultClasses("network,messages,swizzle", &options));
  EXPECT_FALSE(options.crash);
  kinds.clear();
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    for (const FaultEvent& e : Generate(seed, options)) kinds.insert(e.kind);
  }
  for (FaultKind k : {FaultKind::kSwizzle, FaultKind::kDrop, FaultKind::kDelay,
                      FaultKind::kBlock, FaultKind::kOneWay}) {
    EXPECT_TRUE(kinds.count(k)) << FaultKindName(k);
  }
  EXPECT_FALSE(ApplyFaultClasses("network,bogus", &options));
}

// leader_clock_failover (the PD workload's): some clock faults jump the
// leader ahead and isolate it at the same instant; off, as for every other
// workload, no jump targets the leader and the draws are unchanged.
TEST(GeneratorTest, LeaderClockFailoverIsOptIn) {
  FaultOptions options;
  ASSERT_TRUE(ApplyFaultClasses("all", &options));
  const auto leader_jumps = [&](uint64_t seed) {
    int jumps = 0;
    const Schedule schedule = Generate(seed, options);
    for (size_t i = 0; i < schedule.size(); ++i) {
      const FaultEvent& e = schedule[i];
      if (e.kind != FaultKind::kJump || e.node != kLeaderNode) continue;
      ++jumps;
      EXPECT_GE(e.duration, Duration::Seconds(1)) << FormatEvent(e);
      EXPECT_LE(e.duration, Duration::Seconds(3)) << FormatEvent(e);
    }
    return jumps;
  };
  const Schedule before = Generate(7, options);
  int jumps = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) jumps += leader_jumps(seed);
  EXPECT_EQ(jumps, 0);
  options.leader_clock_failover = true;
  EXPECT_NE(Generate(7, options), before);
  bool isolated_with_jump = false;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    jumps += leader_jumps(seed);
    const Schedule schedule = Generate(seed, options);
    for (size_t i = 0; i + 1 < schedule.size(); ++i) {
      const FaultEvent& a = schedule[i];
      const FaultEvent& b = schedule[i + 1];
      isolated_with_jump |= a.kind == FaultKind::kJump &&
                            a.node == kLeaderNode &&
                            b.kind == FaultKind::kIsolate &&
                            b.node == kLeaderNode && a.at == b.at;
    }
  }
  EXPECT_GT(jumps, 0);
  EXPECT_TRUE(isolated_with_jump);
  options.leader_clock_failover = false;
  EXPECT_EQ(Generate(7, options), before);
}

}  // namespace
}  // namespace sim::nemesis
