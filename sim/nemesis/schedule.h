// Schedule: the faults one run injects, as data: the simulator's one fault
// vocabulary. A run's faults are a pure function of its seed
// (GenerateSchedule, generator.h), or given explicitly (a file or an
// inline string) to replay a shrunk schedule; either way the applier
// (nemesis.h) applies exactly these events, so deleting events (delta
// debugging) gives another valid run.
//
// Text form, one event per line (or separated by ';'), times and durations
// in milliseconds, hosts numbered from 1:
//   @1250ms crash 2               crash host 2 (volatile state and unsynced
//                                 writes lost, first lost batch maybe torn)
//   @3000ms restart 2             restart it from its disk (if down)
//   @3100ms crash leader 800ms    crash whichever host leads then, and
//                                 restart it 800 ms later
//   @3200ms isolate leader        partition the leader from the other hosts
//   @3300ms crash next-leader+20ms 500ms
//                                 20 ms after the next election (won after
//                                 3300 ms), crash the winner; restart it
//                                 500 ms later ("isolate next-leader" too)
//   @1400ms pause 1 300ms         stop scheduling host 1 for 300 ms
//   @2000ms partition 1,2|3       symmetric partition between groups
//   @2100ms oneway 1->2,3         traffic from 1 to 2 and 3 is lost
//   @2200ms block 1-3,2-4         symmetric blocks of the listed pairs (a
//                                 majorities ring is written this way)
//   @2500ms clog 2 800ms          traffic to and from 2 waits 800 ms
//   @2600ms swizzle 100ms         FoundationDB's swizzle-clog: clog every
//                                 host one by one every 100 ms, then unclog
//                                 them one by one in another order
//   @2700ms drop 20000 500ms      every datagram is also lost with
//                                 probability 20000 ppm for 500 ms
//   @2800ms delay 40ms 500ms      every message takes 40 ms longer for 500 ms
//   @4000ms heal                  remove every partition and clog
//   @4100ms drift 2 -80           host 2's clock runs at -80 ppm from now
//   @4200ms jump 2 -500ms         host 2's wall clock steps back 500 ms
//   @4250ms jump next-leader -1500ms
//                                 the next election's winner's wall clock
//                                 steps back 1500 ms as it wins (before it
//                                 serves as leader: a successor behind the
//                                 time its predecessor handed out)
//   @4300ms disk 3 2000ms 5000    host 3's writes and syncs fail (EIO or
//                                 ENOSPC) with probability 5000 ppm for 2 s
//   @4400ms corrupt 3 500ms       crash host 3, damage one stored value,
//                                 restart it 500 ms later
// "leader" (allowed for crash, pause, clog, isolate and jump) is resolved
// when the event fires: the host that leads the highest term (nothing
// happens if none does). "next-leader" (crash, isolate and jump) waits for the
// next host to win an election (Jepsen-style targeting of fresh leaders, which
// is what the Figure 8 scenario of the Raft paper needs).
//
// Every field has a range, and anything outside it is a parse error naming
// the word, its range and the kind's usage (never wrapped or clamped):
// times and durations are whole milliseconds in [0, kMaxScheduleMs] (a
// jump in [-kMaxScheduleMs, kMaxScheduleMs]; crash restart delays and
// swizzle steps at least 1 ms), probabilities in [0, 10^6] ppm, drift in
// (-10^6, 10^6) ppm, hosts in [1, hosts]. Unknown kinds and a wrong number
// of words are errors too.
#ifndef SIM_NEMESIS_SCHEDULE_H_
#define SIM_NEMESIS_SCHEDULE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/base/time.h"

namespace sim::nemesis {

// The largest time or duration a schedule may give: 10^12 ms, about 31
// years of simulated time. Far beyond any run, and far enough below
// Duration's range (about 292 years) that a time plus a few durations
// cannot reach it.
inline constexpr int64_t kMaxScheduleMs = 1000LL * 1000 * 1000 * 1000;

// The values are part of the trace (a fault's trace kind is kUser + 1 +
// kind): append new kinds at the end.
enum class FaultKind : uint8_t {
  kCrash,
  kRestart,
  kPause,
  kPartition,
  kOneWay,
  kBlock,
  kClog,
  kHeal,
  kDrift,
  kJump,
  kDisk,
  kCorrupt,
  kIsolate,
  kSwizzle,
  kDrop,
  kDelay,
};

// FaultEvent::node values meaning "the current leader" and "the winner of
// the next election".
inline constexpr int kLeaderNode = 0;
inline constexpr int kNextLeaderNode = -1;
std::string_view FaultKindName(FaultKind kind);

struct FaultEvent {
  core::base::Duration at;
  FaultKind kind = FaultKind::kHeal;
  // crash, restart, pause, clog, drift, jump, disk, corrupt, isolate: the
  // host (kLeaderNode: the leader when the event fires; kNextLeaderNode:
  // the next election's winner, for crash, isolate and jump).
  int node = 0;
  // partition: the groups; oneway: {from, to}; block: the pairs.
  std::vector<std::vector<int>> groups;
  // pause, clog, jump (signed), disk, drop and delay (the window), corrupt
  // (until restart), crash (until restart; zero: no automatic restart),
  // swizzle (the step).
  core::base::Duration duration;
  // drift: ppm; disk and drop: failure probability in ppm; delay: extra
  // milliseconds.
  int64_t amount = 0;
  // kNextLeaderNode: how long after the election the fault hits.
  core::base::Duration after;
  bool operator==(const FaultEvent&) const = default;
};

using Schedule = std::vector<FaultEvent>;

// One event per line ('\n') or per ';'-separated item.
std::string FormatEvent(const FaultEvent& event);
std::string FormatSchedule(const Schedule& schedule,
                           std::string_view separator = "\n");
// Inverse of FormatSchedule (either separator, blank items and '#'
// comments ignored), sorted by time (stable). Hosts must be in [1, hosts].
absl::StatusOr<Schedule> ParseSchedule(std::string_view text, int hosts);

}  // namespace sim::nemesis

#endif  // SIM_NEMESIS_SCHEDULE_H_
