// The whole-cluster workload (--workload=cluster of //sim/runner:sim; issues
// 12, 14 and 16): sim/cluster's Cluster (3 PD members, 3 to 5 stores booted
// from empty disks through PD) under the one nemesis (sim/nemesis:
// partitions, crashes and pauses of stores and PD members, clock drift and
// jumps, disk faults, per-message windows when asked), with real clients
// (client/rawkv's RawClient on the simulated network, recorded by
// client/record) doing raw Get / Put / CompareAndSwap on a few contended
// keys with unique values, and cluster churn from the workload: forced
// splits (tikvpb SplitRegion at random keys) and PD scatters (pdpb
// ScatterRegion: peer moves and leader transfers) on a seeded schedule,
// besides PD's own balance schedulers. Then the faults heal and, within the
// liveness bound, the cluster must converge. Checked:
//   Linearizable         (jepsen/linear, a CAS register per key) the raw
//                        history, final reads included;
//   AckedWritesReadable  after healing every key reads as its last
//                        acknowledged write or a write that may follow it;
//   ReplicasIdentical    every peer of every region holds the same data on
//                        its disk (CF default over the region's range);
//   Convergence          PD has a leader, every region a leader and all
//                        its peers applied to the same index, the clients'
//                        final reads succeed (verdict no-convergence).
// Hosts for schedules: 1..pd_members are the PD members, then the stores.
#ifndef SIM_CLUSTER_CLUSTER_WORKLOAD_H_
#define SIM_CLUSTER_CLUSTER_WORKLOAD_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/base/time.h"
#include "sim/cluster/cluster.h"
#include "sim/nemesis/generator.h"
#include "sim/nemesis/schedule.h"
#include "sim/runner/run_flags.h"
#include "sim/runner/workload.h"

namespace sim::cluster {

struct ClusterRunOptions {
  uint64_t seed = 1;
  ClusterOptions cluster;
  nemesis::FaultOptions faults;
  Duration safety_duration = Duration::Seconds(20);
  Duration liveness_bound = Duration::Seconds(30);
  int clients = 3;
  int keys = 3;
  Duration think_max = Duration::Milliseconds(50);
  // One raw operation's backoff budget and one RPC's deadline.
  Duration op_backoff = Duration::Seconds(4);
  Duration rpc_timeout = Duration::Seconds(1);
  // Churn: a split or a scatter every churn_interval on average, at most
  // max_splits splits.
  Duration churn_interval = Duration::Seconds(2);
  int max_splits = 6;

  // Every knob drawn from the seed (swarm testing).
  static ClusterRunOptions Swarm(uint64_t seed);
  std::string ToString() const;
  int hosts() const { return cluster.pd_members + cluster.stores; }
};

// A write the clients made: acknowledged (ok) or of unknown outcome (info,
// completed_ns -1).
struct WriteRecord {
  std::string key;
  std::string value;
  int64_t invoked_ns = 0;
  int64_t completed_ns = -1;
  bool acked = false;
};

// AckedWritesReadable: `final_values` (key -> what a read after every write
// ended returned) against the writes. A value passes when no acknowledged
// write of its key was invoked after its write completed (so it may be the
// last), and absence only when no write of the key was acknowledged.
// Returns why it fails, or nullopt.
std::optional<std::string> CheckAckedWritesReadable(
    const std::vector<WriteRecord>& writes,
    const std::map<std::string, std::optional<std::string>>& final_values);

nemesis::Schedule DefaultSchedule(const ClusterRunOptions& options);
runner::WorkloadResult RunCluster(const ClusterRunOptions& options,
                                  const nemesis::Schedule* schedule,
                                  const runner::RunHooks& hooks);

// The options of `seed` under `flags` (--nodes: the number of stores).
absl::StatusOr<ClusterRunOptions> OptionsFor(uint64_t seed,
                                             const runner::RunFlags& flags);

class ClusterWorkload final : public runner::Workload {
 public:
  std::string_view name() const override { return "cluster"; }
  absl::StatusOr<std::unique_ptr<runner::SeedRun>> Configure(
      uint64_t seed, const runner::RunFlags& flags) const override;
};

}  // namespace sim::cluster

#endif  // SIM_CLUSTER_CLUSTER_WORKLOAD_H_
