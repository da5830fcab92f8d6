// LinkFaults: which directed process-to-process paths are partitioned
// (blocked: traffic is lost) or clogged (traffic waits until the clog ends):
// the state behind SimNetwork's link-cut primitives. Which links to cut (the
// partition shapes: isolate one, halves, majorities-ring) is the nemesis's
// choice: sim/nemesis/shapes.h.
//
// A path from a process to itself (loopback) is never blocked or clogged.
// Pure bookkeeping: no time source; clogs carry their end instant and the
// caller passes `now`.
#ifndef SIM_NETWORK_LINK_FAULTS_H_
#define SIM_NETWORK_LINK_FAULTS_H_

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/base/time.h"
#include "sim/loop/trace.h"

namespace sim {

using Path = std::pair<ProcessId, ProcessId>;  // (from, to)
using Groups = std::vector<std::vector<ProcessId>>;

class LinkFaults {
 public:
  // One-way partition: traffic from `from` to `to` is lost.
  void Block(ProcessId from, ProcessId to);
  void Unblock(ProcessId from, ProcessId to);
  // Symmetric partition: every pair of processes in different groups is
  // blocked both ways. Processes in no group are not affected.
  void Partition(const Groups& groups);
  // Asymmetric partition: traffic from each of `from` to each of `to` is
  // lost; the reverse direction still flows.
  void PartitionOneWay(const std::vector<ProcessId>& from,
                       const std::vector<ProcessId>& to);

  // Traffic from `from` to `to` waits until `until` (extends, never
  // shortens, an existing clog). Use kForever for "until Unclog".
  void Clog(ProcessId from, ProcessId to, core::base::Instant until);
  void Unclog(ProcessId from, ProcessId to);
  // Clogs every path into and out of `process`.
  void ClogProcess(ProcessId process, core::base::Instant until);
  void UnclogProcess(ProcessId process);

  // Removes every partition and clog.
  void Heal();

  bool IsBlocked(ProcessId from, ProcessId to) const;
  bool IsClogged(ProcessId from, ProcessId to, core::base::Instant now) const;
  bool IsProcessClogged(ProcessId process, core::base::Instant now) const;
  bool IsOpen(ProcessId from, ProcessId to, core::base::Instant now) const {
    return !IsBlocked(from, to) && !IsClogged(from, to, now);
  }
  // The latest instant at which a current finite clog of the path ends (the
  // path may still be clogged afterwards by an indefinite clog).
  core::base::Instant ClogEnd(ProcessId from, ProcessId to) const;
  bool AnyFault() const;
  std::string Describe() const;

  static constexpr core::base::Instant kForever =
      core::base::Instant::FromNanoseconds(INT64_MAX);

 private:
  std::set<Path> blocked_;
  std::map<Path, core::base::Instant> path_clogs_;
  std::map<ProcessId, core::base::Instant> process_clogs_;
};

}  // namespace sim

#endif  // SIM_NETWORK_LINK_FAULTS_H_
