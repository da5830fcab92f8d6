#include "runtime/loop/system_clock.h"

#include <sys/random.h>
#include <time.h>

#include "core/base/check.h"

namespace runtime {

namespace {

int64_t ReadClockNs(clockid_t id) {
  timespec now{};
  CHECK_EQ(clock_gettime(id, &now), 0) << "clock_gettime failed";
  return static_cast<int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

}  // namespace

core::base::Instant SystemClock::NowMonotonic() {
  return core::base::Instant::FromNanoseconds(ReadClockNs(CLOCK_MONOTONIC));
}

int64_t SystemClock::NowRealtimeNs() { return ReadClockNs(CLOCK_REALTIME); }

uint64_t SeedFromOs() {
  uint64_t seed = 0;
  CHECK_EQ(getrandom(&seed, sizeof(seed), 0),
           static_cast<ssize_t>(sizeof(seed)))
      << "getrandom failed";
  return seed;
}

}  // namespace runtime
