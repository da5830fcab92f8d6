// The simulator's trace: every scheduling decision and fault folds a record
// (true time, process, kind, detail) into one 64-bit hash, so two runs of the
// same seed can be compared by one number, and an optional sink can print
// the records to find where two runs diverge.
#ifndef SIM_LOOP_TRACE_H_
#define SIM_LOOP_TRACE_H_

#include <cstdint>
#include <functional>
#include <ostream>

#include "core/base/time.h"

namespace sim {

using ProcessId = uint32_t;
// "No process": loop-level work, or code running outside any fibre.
inline constexpr ProcessId kNoProcess = UINT32_MAX;

// Record kinds. Each simulator component owns a range; the values are part
// of the hash, so renumbering changes every trace hash (not a problem: hashes
// are compared only between runs of one binary).
enum class TraceKind : uint32_t {
  // SimLoop (1..99).
  kFibreSpawn = 1,
  kFibreRun = 2,
  kFibreWake = 3,
  kFibreFinish = 4,
  kTimerSet = 5,
  kTimerFire = 6,
  kCallback = 7,
  kProcessCrash = 8,
  kProcessRestart = 9,
  kProcessPause = 10,
  kProcessUnpause = 11,
  kStaleEvent = 12,
  // SimNetwork (100..199).
  kNetSend = 100,
  kNetDrop = 101,
  kNetDuplicate = 102,
  kNetDeliver = 103,
  kNetClog = 104,
  kNetPartition = 105,
  kNetHeal = 106,
  kNetStreamSegment = 107,
  kNetStreamBreak = 108,
  kNetConnect = 109,
  // Buggify (200..299).
  kBuggifyFire = 200,
  // Harness and workloads (1000 and up).
  kUser = 1000,
};

struct TraceRecord {
  core::base::Instant at;
  ProcessId process;
  TraceKind kind;
  uint64_t detail;
};

std::ostream& operator<<(std::ostream& out, const TraceRecord& record);

using TraceSink = std::function<void(const TraceRecord&)>;

// Order-sensitive 64-bit fold of trace records.
class TraceHash {
 public:
  void Fold(const TraceRecord& record);
  uint64_t value() const { return hash_; }
  uint64_t records() const { return records_; }

 private:
  uint64_t hash_ = 0x6a09e667f3bcc908ULL;
  uint64_t records_ = 0;
};

}  // namespace sim

#endif  // SIM_LOOP_TRACE_H_
