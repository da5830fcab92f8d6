// FaultSchedule: the faults one run injects, as data. A run's faults are a
// pure function of its seed (GenerateFaultSchedule), or given explicitly
// (a file or an inline string) to replay a shrunk schedule; either way the
// harness applies exactly these events, so deleting events (delta
// debugging) gives another valid run.
//
// Text form, one event per line (or separated by ';'), times and durations
// in milliseconds, nodes numbered from 1:
//   @1250ms crash 2               crash node 2 (volatile state and unsynced
//                                 writes lost, first lost batch maybe torn)
//   @3000ms restart 2             restart it from its disk (if down)
//   @3100ms crash leader 800ms    crash whichever node leads then, and
//                                 restart it 800 ms later
//   @3200ms isolate leader        partition the leader from everyone else
//   @3300ms crash next-leader+20ms 500ms
//                                 20 ms after the next election (won after
//                                 3300 ms), crash the winner; restart it
//                                 500 ms later ("isolate next-leader" too)
//   @1400ms pause 1 300ms         stop scheduling node 1 for 300 ms
//   @2000ms partition 1,2|3       symmetric partition between groups
//   @2100ms oneway 1->2,3         traffic from 1 to 2 and 3 is lost
//   @2200ms block 1-3,2-4         symmetric blocks of the listed pairs
//   @2500ms clog 2 800ms          traffic to and from 2 waits 800 ms
//   @4000ms heal                  remove every partition and clog
//   @4100ms drift 2 -80           node 2's clock runs at -80 ppm from now
//   @4200ms jump 2 -500ms         node 2's wall clock steps back 500 ms
//   @4300ms disk 3 2000ms 5000    node 3's writes and syncs fail with
//                                 probability 5000 ppm for 2 s
//   @4400ms corrupt 3 500ms       crash node 3, damage one stored value,
//                                 restart it 500 ms later
// "leader" (allowed for crash, pause, clog and isolate) is resolved when
// the event fires: the node that leads the highest term (nothing happens if
// none does). "next-leader" (crash and isolate) waits for the next node to
// win an election (Jepsen-style targeting of fresh leaders, which is what
// the Figure 8 scenario of the Raft paper needs). Unknown kinds, malformed
// numbers and out-of-range nodes are parse errors.
#ifndef SIM_REGISTER_FAULT_SCHEDULE_H_
#define SIM_REGISTER_FAULT_SCHEDULE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/base/prng.h"
#include "core/base/time.h"

namespace sim::register_kv {

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
  // node (kLeaderNode: the leader when the event fires).
  int node = 0;
  // partition: the groups; oneway: {from, to}; block: the pairs.
  std::vector<std::vector<int>> groups;
  // pause, clog, jump (signed), disk (window), corrupt (until restart),
  // crash (until restart; zero: no automatic restart).
  core::base::Duration duration;
  // drift: ppm; disk: failure probability in ppm.
  int64_t amount = 0;
  // kNextLeaderNode: how long after the election the fault hits.
  core::base::Duration after;
  bool operator==(const FaultEvent&) const = default;
};

using FaultSchedule = std::vector<FaultEvent>;

// Which fault classes a generated schedule uses, and their bounds.
struct FaultScheduleOptions {
  int nodes = 3;
  // Events fall in [0, duration).
  core::base::Duration duration = core::base::Duration::Seconds(20);
  // Mean gap between fault decisions.
  core::base::Duration mean_interval = core::base::Duration::Milliseconds(700);
  bool network = true;
  bool crash = true;
  bool pause = true;
  bool clock = true;
  bool disk = true;
  bool corruption = true;
  core::base::Duration max_pause = core::base::Duration::Milliseconds(500);
  // Corruption only hits this many nodes (at most a minority), so that a
  // majority always keeps its disk.
  int corruptible_nodes = 1;
  std::string ToString() const;
};

FaultSchedule GenerateFaultSchedule(const FaultScheduleOptions& options,
                                    core::base::Prng& prng);

// One event per line ('\n') or per ';'-separated item.
std::string FormatFaultEvent(const FaultEvent& event);
std::string FormatFaultSchedule(const FaultSchedule& schedule,
                                std::string_view separator = "\n");
// Inverse of FormatFaultSchedule (either separator, blank items and
// '#' comments ignored). Nodes must be in [1, nodes].
absl::StatusOr<FaultSchedule> ParseFaultSchedule(std::string_view text,
                                                 int nodes);

}  // namespace sim::register_kv

#endif  // SIM_REGISTER_FAULT_SCHEDULE_H_
