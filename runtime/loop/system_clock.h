// SystemClock: the runtime's Clock. NowMonotonic reads CLOCK_MONOTONIC
// (never goes backwards, unaffected by NTP steps), NowRealtimeNs reads
// CLOCK_REALTIME (may jump either way; PD's TSO guards against it).
//
// Thread-safety: stateless; any thread.
#ifndef RUNTIME_LOOP_SYSTEM_CLOCK_H_
#define RUNTIME_LOOP_SYSTEM_CLOCK_H_

#include <cstdint>

#include "core/base/time.h"
#include "core/env/clock.h"

namespace runtime {

class SystemClock final : public core::env::Clock {
 public:
  core::base::Instant NowMonotonic() override;
  int64_t NowRealtimeNs() override;
};

// A seed for SeededRandom from the operating system (getrandom); the caller
// logs it so that a run's random choices can be replayed.
uint64_t SeedFromOs();

}  // namespace runtime

#endif  // RUNTIME_LOOP_SYSTEM_CLOCK_H_
