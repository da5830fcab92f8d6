// EpollLoop's own behaviour beyond the env contract (which
// //tests/env:env_conformance_test checks on it and on the simulator): wakes
// from other threads, Shutdown unwinding parked fibres, and worker-pool jobs
// that leave the loop running.
#include "runtime/loop/epoll_loop.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "runtime/loop/worker_pool.h"

namespace runtime {
namespace {

using core::base::Duration;

TEST(EpollLoopTest, PostFromAnotherThreadWakesAnIdleLoop) {
  EpollLoop loop;
  int ran_on_loop = 0;
  std::thread other([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    loop.Post([&] {
      ++ran_on_loop;
      loop.Stop();
    });
  });
  loop.Run();  // Nothing runnable, no timers: only the post can end this.
  other.join();
  EXPECT_EQ(ran_on_loop, 1);
}

TEST(EpollLoopTest, StopFromAnotherThread) {
  EpollLoop loop;
  std::thread other([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    loop.Stop();
  });
  loop.Run();
  other.join();
  SUCCEED();
}

TEST(EpollLoopTest, ShutdownUnwindsParkedFibres) {
  struct Guard {
    int& count;
    ~Guard() { ++count; }
  };
  int unwound = 0;
  bool ran_past_park = false;
  {
    EpollLoop loop;
    auto event = loop.NewEvent();
    for (int i = 0; i < 3; ++i) {
      loop.Spawn("parked", [&] {
        Guard guard{unwound};
        event->Wait();
        ran_past_park = true;
      });
    }
    loop.Spawn("stopper", [&] {
      // Runnable in the next round, which never comes.
      loop.Spawn("never-started", [&] { ran_past_park = true; });
      loop.Stop();
    });
    loop.Run();
    EXPECT_EQ(loop.live_fibres(), 4u);
    loop.Shutdown();
    EXPECT_EQ(loop.live_fibres(), 0u);
  }
  EXPECT_EQ(unwound, 3);
  EXPECT_FALSE(ran_past_park);
}

TEST(EpollLoopTest, PoolJobsDoNotStallTheLoop) {
  EpollLoop loop;
  WorkerPool pool(2);
  int ticks_during_job = 0;
  bool job_done = false;
  loop.Spawn("ticker", [&] {
    while (!job_done) {
      loop.SleepFor(Duration::Milliseconds(5));
      ++ticks_during_job;
    }
  });
  loop.Spawn("caller", [&] {
    const int result = RunOnPool<int>(loop, pool, [] {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      return 42;
    });
    EXPECT_EQ(result, 42);
    job_done = true;
    loop.Stop();
  });
  loop.Run();
  // 200 ms of 5 ms sleeps: dozens of ticks unless the loop was blocked.
  EXPECT_GE(ticks_during_job, 10);
}

TEST(EpollLoopTest, AFibreKilledWhileItsJobRunsIsHarmless) {
  EpollLoop loop;  // Outlives the pool, as the pool requires.
  WorkerPool pool(1);
  loop.Spawn("caller", [&] {
    RunOnPool<int>(loop, pool, [] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      return 1;
    });
    ADD_FAILURE() << "resumed after Shutdown";
  });
  loop.Spawn("stopper", [&] { loop.Stop(); });
  loop.Run();
  loop.Shutdown();  // The job is still running on the worker.
  // The pool's destructor waits for the job; its completion is dropped.
}

}  // namespace
}  // namespace runtime
