// Clock: where drivers learn the time. Cores never see a Clock; they get ticks
// or a `now` value from their driver.
#ifndef CORE_ENV_CLOCK_H_
#define CORE_ENV_CLOCK_H_

#include <cstdint>

#include "core/base/time.h"

namespace core::env {

class Clock {
 public:
  virtual ~Clock() = default;

  // Monotonic time: never goes backwards within one process lifetime. The
  // simulator may run it faster or slower than other nodes' clocks (drift),
  // but never backwards. Use for timeouts, leases and tick scheduling.
  virtual base::Instant NowMonotonic() = 0;

  // Wall-clock time in nanoseconds since the Unix epoch. May jump in either
  // direction (NTP step, operator error, simulated skew). Use only where a
  // physical time is semantically required (PD's TSO physical part), and
  // always guard against it going backwards.
  virtual int64_t NowRealtimeNs() = 0;
};

}  // namespace core::env

#endif  // CORE_ENV_CLOCK_H_
