// SimLoop: virtual time, the Executor contract (spawn, yield, sleep, events,
// timers), seeded tie-breaking and determinism, and process faults (crash,
// restart, pause) including crashes that destroy parked fibres.
#include "sim/loop/sim_loop.h"
#include "sim/loop/tie_order_workload.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace sim {
namespace {

using core::base::Duration;
using core::base::Instant;

Instant At(Duration d) { return Instant() + d; }

ProcessOptions Named(std::string name) {
  ProcessOptions options;
  options.name = std::move(name);
  return options;
}

SimLoopOptions Seed(uint64_t seed) {
  SimLoopOptions options;
  options.seed = seed;
  return options;
}

TEST(SimLoopTest, AnHourLongSleepFinishesInstantly) {
  SimLoop loop(SimLoopOptions{});
  const ProcessId p = loop.AddProcess({});
  bool done = false;
  loop.executor(p).Spawn("sleeper", [&] {
    loop.executor(p).SleepFor(Duration::Seconds(3600));
    done = true;
  });
  const auto wall_start = std::chrono::steady_clock::now();
  loop.Run();
  const auto wall = std::chrono::steady_clock::now() - wall_start;
  EXPECT_TRUE(done);
  EXPECT_EQ(loop.Now(), At(Duration::Seconds(3600)));
  EXPECT_LT(wall, std::chrono::seconds(1));
  EXPECT_TRUE(loop.Idle());
}

TEST(SimLoopTest, SpawnedFibreRunsOnlyAfterTheCallerBlocks) {
  SimLoop loop(SimLoopOptions{});
  const ProcessId p = loop.AddProcess({});
  std::vector<std::string> order;
  core::env::Executor& executor = loop.executor(p);
  executor.Spawn("parent", [&] {
    executor.Spawn("child", [&] { order.push_back("child"); });
    order.push_back("parent before yield");
    executor.Yield();
    order.push_back("parent after yield");
  });
  loop.Run();
  ASSERT_EQ(order.size(), 3u);
  EXPECT_EQ(order[0], "parent before yield");
  EXPECT_EQ(loop.Now(), Instant()) << "yield does not move time";
}

TEST(SimLoopTest, RunUntilAndRunForAdvanceTimeEvenWhenIdle) {
  SimLoop loop(SimLoopOptions{});
  const ProcessId p = loop.AddProcess({});
  int ticks = 0;
  loop.executor(p).Spawn("ticker", [&] {
    while (true) {
      loop.executor(p).SleepFor(Duration::Milliseconds(10));
      ++ticks;
    }
  });
  loop.RunFor(Duration::Milliseconds(95));
  EXPECT_EQ(ticks, 9);
  EXPECT_EQ(loop.Now(), At(Duration::Milliseconds(95)));
  loop.RunUntil(At(Duration::Milliseconds(100)));
  EXPECT_EQ(ticks, 10) << "events due exactly at the deadline run";
  loop.Shutdown();
}

TEST(SimLoopTest, StopEndsRunEarly) {
  SimLoop loop(SimLoopOptions{});
  const ProcessId p = loop.AddProcess({});
  loop.executor(p).Spawn("stopper", [&] {
    loop.executor(p).SleepFor(Duration::Seconds(1));
    loop.Stop();
    loop.executor(p).SleepFor(Duration::Seconds(1));
  });
  loop.RunFor(Duration::Seconds(10));
  EXPECT_EQ(loop.Now(), At(Duration::Seconds(1)));
  EXPECT_FALSE(loop.Idle());
}

// Ref: core/env/executor.h, Event: level-triggered, wakes every waiter.
TEST(SimEventTest, LevelTriggeredAndWakesAllWaiters) {
  SimLoop loop(SimLoopOptions{});
  const ProcessId p = loop.AddProcess({});
  core::env::Executor& executor = loop.executor(p);
  std::unique_ptr<core::env::Event> event = executor.NewEvent();
  int woken = 0;
  for (int i = 0; i < 5; ++i) {
    executor.Spawn("waiter", [&] {
      event->Wait();
      ++woken;
    });
  }
  executor.Spawn("notifier", [&] {
    executor.SleepFor(Duration::Milliseconds(5));
    EXPECT_EQ(woken, 0);
    event->Notify();
  });
  loop.Run();
  EXPECT_EQ(woken, 5);
  EXPECT_TRUE(event->IsSet());
  // Set: Wait returns at once. Reset: it parks again.
  bool passed = false;
  executor.Spawn("late", [&] {
    event->Wait();
    passed = true;
    event->Reset();
    EXPECT_FALSE(event->WaitFor(Duration::Milliseconds(7)));
  });
  const Instant before = loop.Now();
  loop.Run();
  EXPECT_TRUE(passed);
  EXPECT_EQ(loop.Now(), before + Duration::Milliseconds(7));
}

TEST(SimEventTest, WaitForReturnsTrueWhenNotifiedBeforeTheTimeout) {
  SimLoop loop(SimLoopOptions{});
  const ProcessId p = loop.AddProcess({});
  core::env::Executor& executor = loop.executor(p);
  auto event = executor.NewEvent();
  bool result = false;
  Instant woke_at;
  executor.Spawn("waiter", [&] {
    result = event->WaitFor(Duration::Seconds(10));
    woke_at = loop.Now();
  });
  executor.Spawn("notifier", [&] {
    executor.SleepFor(Duration::Seconds(2));
    event->Notify();
  });
  loop.Run();
  EXPECT_TRUE(result);
  EXPECT_EQ(woke_at, At(Duration::Seconds(2)));
  // The stale timeout at 10 s is still queued; it must not wake anything.
  EXPECT_EQ(loop.Now(), At(Duration::Seconds(10)));
}

TEST(SimTimerTest, FiresOnAFreshFibreAndCancelPreventsIt) {
  SimLoop loop(SimLoopOptions{});
  const ProcessId p = loop.AddProcess({});
  core::env::Executor& executor = loop.executor(p);
  std::vector<int64_t> fired_ms;
  executor.Spawn("setter", [&] {
    executor.After(Duration::Milliseconds(30), [&] {
      fired_ms.push_back(loop.Now().nanoseconds() / 1'000'000);
      // Timer callbacks run on their own fibre, so they may block.
      executor.SleepFor(Duration::Milliseconds(1));
      fired_ms.push_back(loop.Now().nanoseconds() / 1'000'000);
    });
    const core::env::TimerId cancelled = executor.After(
        Duration::Milliseconds(20), [&] { fired_ms.push_back(-1); });
    executor.SleepFor(Duration::Milliseconds(10));
    executor.Cancel(cancelled);
    executor.Cancel(cancelled);  // Unknown now: a no-op.
    executor.Cancel(12345);
  });
  loop.Run();
  EXPECT_EQ(fired_ms, (std::vector<int64_t>{30, 31}));
}

TEST(SimLoopTest, DriftScalesSleepsInTrueTime) {
  SimLoop loop(SimLoopOptions{});
  ProcessOptions slow;
  slow.clock.drift_ppm = -500'000;  // Runs at half speed.
  const ProcessId p = loop.AddProcess(slow);
  Instant woke;
  loop.executor(p).Spawn("sleeper", [&] {
    loop.executor(p).SleepFor(Duration::Seconds(1));
    woke = loop.Now();
    EXPECT_GE(loop.clock(p).NowMonotonic(), Instant() + Duration::Seconds(1));
  });
  loop.Run();
  EXPECT_EQ(woke, At(Duration::Seconds(2)));
}

// A drift change while a fibre sleeps: the wake computed at the old rate
// comes too early for the new one, and the sleep must continue.
TEST(SimLoopTest, DriftChangeMidSleepNeverWakesEarly) {
  SimLoop loop(SimLoopOptions{});
  const ProcessId p = loop.AddProcess({});
  Instant woke;
  loop.executor(p).Spawn("sleeper", [&] {
    loop.executor(p).SleepFor(Duration::Seconds(1));
    woke = loop.Now();
    EXPECT_GE(loop.clock(p).NowMonotonic(), Instant() + Duration::Seconds(1));
  });
  loop.RunFor(Duration::Milliseconds(500));
  loop.clock(p).SetDriftPpm(-500'000);  // Half speed from 0.5 s on.
  loop.Run();
  // 0.5 s of monotonic time left at half speed: 1 s more of true time.
  EXPECT_EQ(woke, At(Duration::Milliseconds(1500)));
}

// Three fibres become runnable at the same instant; the seed decides their
// order, and across seeds every order shows up.
TEST(SimLoopTest, SeedBreaksTiesAmongRunnableFibres) {
  EXPECT_EQ(DistinctTieOrders(200), 6u);
}

// A randomized workload: 3 processes x 8 fibres sleeping, yielding, notifying
// and waiting on shared events with timeouts, and setting and cancelling
// timers, all driven by each process's seeded Random.
struct WorkloadResult {
  uint64_t trace_hash;
  std::vector<std::string> log;
};

WorkloadResult RunWorkload(uint64_t seed) {
  SimLoop loop(Seed(seed));
  WorkloadResult result;
  std::vector<std::unique_ptr<core::env::Event>> events;
  for (int p = 0; p < 3; ++p) loop.AddProcess({});
  for (ProcessId p = 0; p < 3; ++p) {
    events.push_back(loop.executor(p).NewEvent());
  }
  for (ProcessId p = 0; p < 3; ++p) {
    core::env::Executor& executor = loop.executor(p);
    core::env::Random& random = loop.random(p);
    for (int f = 0; f < 8; ++f) {
      executor.Spawn("worker", [&, p, f] {
        for (int step = 0; step < 30; ++step) {
          result.log.push_back(std::to_string(loop.Now().nanoseconds()) + " " +
                               std::to_string(p) + "/" + std::to_string(f));
          switch (random.Uniform(5)) {
            case 0:
              executor.SleepFor(Duration::Microseconds(random.Uniform(2000)));
              break;
            case 1:
              executor.Yield();
              break;
            case 2:
              events[p]->Notify();
              events[p]->Reset();
              break;
            case 3:
              events[p]->WaitFor(Duration::Microseconds(random.Uniform(3000)));
              break;
            default: {
              const auto id = executor.After(
                  Duration::Microseconds(random.Uniform(1000)), [&, p] {
                    result.log.push_back("timer " + std::to_string(p));
                  });
              if (random.Bernoulli(0.3)) executor.Cancel(id);
              break;
            }
          }
        }
      });
    }
  }
  loop.Run();
  result.trace_hash = loop.trace_hash();
  loop.Shutdown();
  return result;
}

TEST(SimLoopDeterminismTest, SameSeedSameTraceDifferentSeedDifferentTrace) {
  std::set<uint64_t> hashes;
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    const WorkloadResult first = RunWorkload(seed);
    const WorkloadResult second = RunWorkload(seed);
    EXPECT_EQ(first.trace_hash, second.trace_hash) << "seed " << seed;
    EXPECT_EQ(first.log, second.log) << "seed " << seed;
    EXPECT_GT(first.log.size(), 3u * 8u * 30u);
    hashes.insert(first.trace_hash);
  }
  EXPECT_EQ(hashes.size(), 12u) << "every seed gives its own trace";
}

// --- Process faults ---------------------------------------------------------

struct Flag {
  bool* destroyed;
  ~Flag() { *destroyed = true; }
};

TEST(SimCrashTest, CrashDestroysParkedFibresAndCancelsTimers) {
  SimLoop loop(SimLoopOptions{});
  const ProcessId victim = loop.AddProcess(Named("victim"));
  const ProcessId other = loop.AddProcess(Named("other"));
  core::env::Executor& executor = loop.executor(victim);
  auto event = executor.NewEvent();
  bool sleeper_destroyed = false, waiter_destroyed = false;
  bool ran_after_crash = false, timer_fired = false;
  std::vector<ProcessId> observed;
  loop.AddCrashObserver([&](ProcessId p) {
    observed.push_back(p);
    EXPECT_EQ(loop.live_fibres(p), 0u) << "observers run after the fibres die";
  });
  executor.Spawn("sleeper", [&] {
    Flag flag{&sleeper_destroyed};
    auto heap = std::make_unique<std::string>(4096, 'z');  // Leak-checked.
    executor.SleepFor(Duration::Seconds(5));
    ran_after_crash = true;
  });
  executor.Spawn("waiter", [&] {
    Flag flag{&waiter_destroyed};
    event->WaitFor(Duration::Seconds(3));
    ran_after_crash = true;
  });
  executor.After(Duration::Seconds(2), [&] { timer_fired = true; });
  loop.executor(other).Spawn("nemesis", [&] {
    loop.executor(other).SleepFor(Duration::Seconds(1));
    // Spawned but never started: the crash must skip its body.
    executor.Spawn("never started", [&] { ran_after_crash = true; });
    loop.Crash(victim);
  });
  loop.Run();
  EXPECT_TRUE(sleeper_destroyed);
  EXPECT_TRUE(waiter_destroyed);
  EXPECT_FALSE(ran_after_crash);
  EXPECT_FALSE(timer_fired);
  EXPECT_EQ(observed, std::vector<ProcessId>{victim});
  EXPECT_FALSE(loop.IsUp(victim));
  EXPECT_EQ(loop.live_fibres(victim), 0u);
  EXPECT_EQ(loop.incarnation(victim), 1u);
  EXPECT_EQ(loop.stack_pool().outstanding(), 0u);
  // Spawning on a crashed process does nothing.
  executor.Spawn("ignored", [&] { ran_after_crash = true; });
  loop.Run();
  EXPECT_FALSE(ran_after_crash);
}

// A driver built by a factory; its destructor must run after its fibres are
// gone (they reference it).
class CountingDriver : public ProcessState {
 public:
  CountingDriver(SimLoop& loop, ProcessId p, int* boots, int* alive)
      : alive_(alive) {
    ++*boots;
    ++*alive;
    loop.executor(p).Spawn("driver loop", [this, &loop, p] {
      while (true) {
        loop.executor(p).SleepFor(Duration::Milliseconds(10));
        ++ticks_;
        EXPECT_EQ(*alive_, 1) << "the driver outlives its fibres";
      }
    });
  }
  ~CountingDriver() override { --*alive_; }

 private:
  int* alive_;
  int ticks_ = 0;
};

TEST(SimCrashTest, RestartRebuildsTheDriverFromTheFactory) {
  SimLoop loop(SimLoopOptions{});
  const ProcessId p = loop.AddProcess({});
  int boots = 0, alive = 0;
  loop.Boot(p, [&] {
    return std::make_unique<CountingDriver>(loop, p, &boots, &alive);
  });
  loop.RunFor(Duration::Milliseconds(55));
  loop.Crash(p);
  EXPECT_EQ(alive, 0);
  EXPECT_EQ(loop.state(p), nullptr);
  loop.RunFor(Duration::Milliseconds(50));
  loop.Restart(p);
  EXPECT_TRUE(loop.IsUp(p));
  EXPECT_EQ(boots, 2);
  EXPECT_EQ(alive, 1);
  loop.RunFor(Duration::Milliseconds(50));
  EXPECT_EQ(loop.live_fibres(p), 1u);
  loop.Shutdown();
  EXPECT_EQ(alive, 0);
}

TEST(SimCrashTest, AFibreCanCrashItsOwnProcess) {
  SimLoop loop(SimLoopOptions{});
  const ProcessId p = loop.AddProcess({});
  bool destroyed = false, after = false, sibling_destroyed = false;
  core::env::Executor& executor = loop.executor(p);
  executor.Spawn("sibling", [&] {
    Flag flag{&sibling_destroyed};
    executor.SleepFor(Duration::Seconds(100));
  });
  executor.Spawn("suicide", [&] {
    Flag flag{&destroyed};
    executor.SleepFor(Duration::Seconds(1));
    loop.Crash(p);
    after = true;
  });
  loop.Run();
  EXPECT_TRUE(destroyed);
  EXPECT_TRUE(sibling_destroyed);
  EXPECT_FALSE(after);
  EXPECT_EQ(loop.live_fibres(p), 0u);
  EXPECT_EQ(loop.stack_pool().outstanding(), 0u);
}

TEST(SimPauseTest, PausedFibresWaitButTheClockRuns) {
  SimLoop loop(SimLoopOptions{});
  const ProcessId p = loop.AddProcess({});
  std::vector<int64_t> woke_ms;
  core::env::Executor& executor = loop.executor(p);
  executor.Spawn("ticker", [&] {
    for (int i = 0; i < 4; ++i) {
      executor.SleepFor(Duration::Milliseconds(10));
      woke_ms.push_back(loop.clock(p).NowMonotonic().nanoseconds() / 1'000'000);
    }
  });
  loop.RunFor(Duration::Milliseconds(15));
  loop.Pause(p, Duration::Milliseconds(100));
  EXPECT_TRUE(loop.IsPaused(p));
  loop.RunFor(Duration::Milliseconds(200));
  // Woke at 10; the wake due at 20 waited for the pause to end at 115.
  EXPECT_EQ(woke_ms, (std::vector<int64_t>{10, 115, 125, 135}));
  EXPECT_FALSE(loop.IsPaused(p));
}

TEST(SimPauseTest, UnpauseEndsAPauseEarly) {
  SimLoop loop(SimLoopOptions{});
  const ProcessId p = loop.AddProcess({});
  Instant woke;
  loop.executor(p).Spawn("sleeper", [&] {
    loop.executor(p).SleepFor(Duration::Milliseconds(10));
    woke = loop.Now();
  });
  loop.RunFor(Duration::Milliseconds(1));  // The sleeper parks.
  loop.Pause(p, Duration::Seconds(60));
  loop.RunFor(Duration::Milliseconds(29));
  loop.Unpause(p);
  loop.Run();
  EXPECT_EQ(woke, At(Duration::Milliseconds(30)));
}

TEST(SimLoopTest, ShutdownDestroysParkedFibresWithoutLeaks) {
  SimLoop loop(SimLoopOptions{});
  bool destroyed = false;
  for (int p = 0; p < 4; ++p) {
    const ProcessId id = loop.AddProcess({});
    for (int f = 0; f < 50; ++f) {
      loop.executor(id).Spawn("parked", [&loop, id, &destroyed] {
        Flag flag{&destroyed};
        auto heap = std::make_unique<std::vector<int>>(100);
        loop.executor(id).SleepFor(Duration::Seconds(1000));
      });
    }
  }
  loop.RunFor(Duration::Seconds(1));
  EXPECT_EQ(loop.live_fibres(0), 50u);
  loop.Shutdown();
  EXPECT_TRUE(destroyed);
  EXPECT_EQ(loop.stack_pool().outstanding(), 0u);
}

TEST(SimLoopTest, TraceSinkSeesEveryRecord) {
  SimLoop loop(SimLoopOptions{});
  const ProcessId p = loop.AddProcess({});
  uint64_t seen = 0;
  loop.SetTraceSink([&](const TraceRecord&) { ++seen; });
  loop.executor(p).Spawn(
      "f", [&] { loop.executor(p).SleepFor(Duration::Milliseconds(1)); });
  loop.Run();
  EXPECT_EQ(seen, loop.trace_records());
  EXPECT_GE(seen, 4u);  // Spawn, run, wake, finish.
}

}  // namespace
}  // namespace sim
