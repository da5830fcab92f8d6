// Fibre: switching, killing parked and never-started fibres (stacks unwound,
// nothing leaks, no further code runs), nested resumes, stack reuse, and the
// guard page. Run under --config=asan too: it checks the switch annotations.
#include "fibre/fibre.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace fibre {
namespace {

constexpr size_t kStackBytes = 256 * 1024;

TEST(FibreTest, ResumeAndSuspendAlternate) {
  StackPool pool(kStackBytes, 8);
  std::vector<int> trace;
  Fibre* self = nullptr;
  Fibre fibre(pool, [&] {
    for (int i = 0; i < 3; ++i) {
      trace.push_back(i);
      self->Suspend();
    }
  });
  self = &fibre;
  EXPECT_FALSE(fibre.started());
  for (int i = 0; i < 3; ++i) {
    fibre.Resume();
    EXPECT_EQ(trace.size(), static_cast<size_t>(i + 1));
    EXPECT_FALSE(fibre.finished());
  }
  fibre.Resume();
  EXPECT_TRUE(fibre.finished());
  EXPECT_EQ(trace, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(pool.outstanding(), 0u) << "a finished fibre returns its stack";
}

TEST(FibreTest, ManyFibresInterleave) {
  StackPool pool(kStackBytes, 64);
  constexpr int kFibres = 200;
  constexpr int kRounds = 50;
  std::vector<std::unique_ptr<Fibre>> fibres(kFibres);
  std::vector<int> counts(kFibres, 0);
  for (int f = 0; f < kFibres; ++f) {
    fibres[f] = std::make_unique<Fibre>(pool, [&, f] {
      // A local array keeps ASan's stack instrumentation busy.
      char scratch[512];
      for (int r = 0; r < kRounds; ++r) {
        scratch[r % sizeof(scratch)] = static_cast<char>(r);
        ++counts[f];
        fibres[f]->Suspend();
      }
      EXPECT_EQ(scratch[1], 1);
    });
  }
  for (int r = 0; r <= kRounds; ++r) {
    for (auto& fibre : fibres) fibre->Resume();
  }
  for (int f = 0; f < kFibres; ++f) {
    EXPECT_EQ(counts[f], kRounds);
    EXPECT_TRUE(fibres[f]->finished());
  }
  EXPECT_EQ(pool.outstanding(), 0u);
  EXPECT_GT(pool.cached(), 0u) << "stacks are recycled";
}

struct Flag {
  bool* destroyed;
  ~Flag() { *destroyed = true; }
};

TEST(FibreTest, KillUnwindsAParkedFibre) {
  StackPool pool(kStackBytes, 8);
  bool destroyed = false;
  bool ran_past_suspend = false;
  Fibre* self = nullptr;
  Fibre fibre(pool, [&] {
    Flag flag{&destroyed};
    // Heap memory owned by the stack: ASan's leak check fails the test if
    // the unwinding skips this destructor.
    auto owned = std::make_unique<std::string>(1000, 'x');
    self->Suspend();
    ran_past_suspend = true;
  });
  self = &fibre;
  fibre.Resume();
  EXPECT_FALSE(destroyed);
  fibre.Kill();
  EXPECT_TRUE(destroyed);
  EXPECT_FALSE(ran_past_suspend);
  EXPECT_TRUE(fibre.finished());
  EXPECT_EQ(pool.outstanding(), 0u);
}

TEST(FibreTest, KillBeforeStartSkipsTheBody) {
  StackPool pool(kStackBytes, 8);
  bool ran = false;
  auto captured = std::make_shared<int>(7);
  Fibre fibre(pool, [&ran, captured] { ran = true; });
  EXPECT_EQ(captured.use_count(), 2);
  fibre.Kill();
  EXPECT_FALSE(ran);
  EXPECT_EQ(captured.use_count(), 1) << "the body's captures are destroyed";
  EXPECT_EQ(pool.outstanding(), 0u);
}

TEST(FibreTest, DestroyingAParkedFibreKillsIt) {
  StackPool pool(kStackBytes, 8);
  bool destroyed = false;
  {
    Fibre* self = nullptr;
    Fibre fibre(pool, [&] {
      Flag flag{&destroyed};
      self->Suspend();
    });
    self = &fibre;
    fibre.Resume();
  }
  EXPECT_TRUE(destroyed);
  EXPECT_EQ(pool.outstanding(), 0u);
}

TEST(FibreTest, OneFibreCanKillAnother) {
  StackPool pool(kStackBytes, 8);
  bool victim_destroyed = false;
  Fibre* victim_self = nullptr;
  Fibre victim(pool, [&] {
    Flag flag{&victim_destroyed};
    victim_self->Suspend();
  });
  victim_self = &victim;
  victim.Resume();
  Fibre* killer_self = nullptr;
  bool killer_resumed = false;
  Fibre killer(pool, [&] {
    victim.Kill();  // A nested switch: killer -> victim -> killer.
    EXPECT_TRUE(victim_destroyed);
    killer_self->Suspend();
    killer_resumed = true;
  });
  killer_self = &killer;
  killer.Resume();
  EXPECT_TRUE(victim.finished());
  killer.Resume();
  EXPECT_TRUE(killer_resumed);
  EXPECT_TRUE(killer.finished());
}

int Recurse(int depth) {
  volatile char frame[1024];
  frame[0] = static_cast<char>(depth);
  if (depth == 0) return frame[0];
  return Recurse(depth - 1) + frame[0];
}

TEST(FibreTest, DeepStacksFit) {
  StackPool pool(kStackBytes, 8);
  int result = -1;
  Fibre fibre(pool, [&] { result = Recurse(100); });  // About 100 KiB.
  fibre.Resume();
  EXPECT_TRUE(fibre.finished());
  EXPECT_EQ(result, 100 * 101 / 2);
}

TEST(FibreDeathTest, OverflowHitsTheGuardPage) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        StackPool pool(64 * 1024, 1);
        Fibre fibre(pool, [] { Recurse(10000); });  // About 10 MiB.
        fibre.Resume();
      },
      "");
}

}  // namespace
}  // namespace fibre
