#include "sim/cluster/cluster_workload.h"

#include <algorithm>
#include <sstream>
#include <utility>

#include "core/base/check.h"
#include "core/base/prng.h"

namespace sim::cluster {
namespace {

using core::base::Prng;

// Ticks (rounded up) that `d` spans.
int TicksIn(Duration d, Duration tick) {
  return static_cast<int>((d.nanoseconds() + tick.nanoseconds() - 1) /
                          tick.nanoseconds());
}

void DrawPd(Prng& prng, ::pd::server::PdMemberOptions& m) {
  m.tick_interval = Duration::Milliseconds(50);
  m.raft.election_timeout_ticks = static_cast<int>(prng.UniformInRange(10, 20));
  m.raft.heartbeat_interval_ticks = static_cast<int>(prng.UniformInRange(1, 3));
  m.proposal_timeout = Duration::Seconds(2);
  m.allocate_timeout = Duration::Seconds(2);
  m.compact_log_entries = prng.OneIn(2) ? 50 : 1000;
}

}  // namespace

// ---------------------------------------------------------------- check

std::optional<std::string> CheckAckedWritesReadable(
    const std::vector<WriteRecord>& writes,
    const std::map<std::string, std::optional<std::string>>& final_values) {
  for (const auto& [key, value] : final_values) {
    // The latest invocation of an acknowledged write of the key: a write
    // that completed before it cannot be the last.
    int64_t last_acked_invoked = -1;
    for (const WriteRecord& w : writes) {
      if (w.key == key && w.acked) {
        last_acked_invoked = std::max(last_acked_invoked, w.invoked_ns);
      }
    }
    if (!value.has_value()) {
      if (last_acked_invoked < 0) continue;
      return "key " + key + " reads as absent after an acknowledged write";
    }
    bool may_be_last = false;
    for (const WriteRecord& w : writes) {
      if (w.key != key || w.value != *value) continue;
      may_be_last = w.completed_ns < 0 || w.completed_ns >= last_acked_invoked;
    }
    if (!may_be_last) {
      return "key " + key + " reads as " + *value +
             ", overwritten by an acknowledged write invoked at " +
             std::to_string(last_acked_invoked) + "ns (or never written)";
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------- options

ClusterRunOptions ClusterRunOptions::Swarm(uint64_t seed) {
  Prng prng(seed ^ 0x636c75737465722aULL);
  ClusterRunOptions o;
  o.seed = seed;
  ClusterOptions& c = o.cluster;
  c.seed = seed;
  c.simulation = SimulationOptions::Swarm(seed);
  c.pd_members = 3;
  c.stores = static_cast<int>(prng.UniformInRange(3, 5));
  c.tick_interval = Duration::Milliseconds(50);
  c.election_timeout_ticks = static_cast<int>(prng.UniformInRange(10, 20));
  DrawPd(prng, c.pd_member);
  c.disk.sync_latency_min =
      Duration::Microseconds(prng.UniformInRange(50, 500));
  c.disk.sync_latency_mean_extra =
      Duration::Microseconds(prng.UniformInRange(100, 2000));
  c.disk.stall_probability = prng.NextDouble() * 0.005;
  o.clients = static_cast<int>(prng.UniformInRange(2, 4));
  o.keys = static_cast<int>(prng.UniformInRange(1, 4));
  o.think_max = Duration::Milliseconds(prng.UniformInRange(5, 100));
  o.churn_interval = Duration::Milliseconds(prng.UniformInRange(500, 4000));
  o.max_splits = static_cast<int>(prng.UniformInRange(0, 8));
  o.faults.nodes = o.hosts();
  o.faults.duration = o.safety_duration;
  o.faults.mean_interval =
      Duration::Milliseconds(prng.UniformInRange(300, 1500));
  for (bool* on : {&o.faults.network, &o.faults.crash, &o.faults.pause,
                   &o.faults.clock, &o.faults.disk}) {
    *on = prng.Bernoulli(0.8);
  }
  // Not yet: a store that finds its disk damaged stays down for good,
  // which PD's replica repair (after max_peer_down_duration) must cover.
  o.faults.corruption = false;
  o.faults.corruptible_nodes = 0;
  // Leases (PD's TSO, the stores' reads) outlast no pause and leave a tick
  // for one delivered late (core::raft::Config::lease_ticks).
  ::pd::server::PdMemberOptions& m = c.pd_member;
  o.faults.max_pause = std::min(m.tick_interval * m.raft.election_timeout_ticks,
                                c.tick_interval * c.election_timeout_ticks) /
                       2;
  m.raft.lease_ticks =
      std::max(1, m.raft.election_timeout_ticks - 2 -
                      TicksIn(o.faults.max_pause, m.tick_interval));
  c.lease_ticks = std::max(1, c.election_timeout_ticks - 2 -
                                  TicksIn(o.faults.max_pause, c.tick_interval));
  return o;
}

std::string ClusterRunOptions::ToString() const {
  const ::pd::server::PdMemberOptions& m = cluster.pd_member;
  std::ostringstream out;
  out << "seed=" << seed << " pd_members=" << cluster.pd_members
      << " stores=" << cluster.stores
      << " tick=" << cluster.tick_interval.milliseconds()
      << "ms election_ticks=" << cluster.election_timeout_ticks
      << " lease_ticks=" << cluster.lease_ticks
      << " | pd: tick=" << m.tick_interval.milliseconds()
      << "ms election_ticks=" << m.raft.election_timeout_ticks
      << " heartbeat_ticks=" << m.raft.heartbeat_interval_ticks
      << " lease_ticks=" << m.raft.lease_ticks
      << " compact_log_entries=" << m.compact_log_entries
      << " | clients=" << clients << " keys=" << keys
      << " think_max=" << think_max.milliseconds()
      << "ms op_backoff=" << op_backoff.milliseconds()
      << "ms rpc_timeout=" << rpc_timeout.milliseconds()
      << "ms churn_interval=" << churn_interval.milliseconds()
      << "ms max_splits=" << max_splits
      << " safety=" << safety_duration.milliseconds()
      << "ms liveness_bound=" << liveness_bound.milliseconds()
      << "ms | disk: " << cluster.disk.ToString() << " | " << faults.ToString()
      << " | " << cluster.simulation->ToString();
  return out.str();
}

nemesis::Schedule DefaultSchedule(const ClusterRunOptions& options) {
  nemesis::FaultOptions faults = options.faults;
  faults.nodes = options.hosts();
  faults.duration = options.safety_duration;
  Prng prng(options.seed ^ 0x66617573636865ULL);
  return nemesis::GenerateSchedule(faults, prng);
}

absl::StatusOr<ClusterRunOptions> OptionsFor(uint64_t seed,
                                             const runner::RunFlags& flags) {
  if (absl::Status status = runner::ValidateRunFlags(flags); !status.ok()) {
    return status;
  }
  ClusterRunOptions o = ClusterRunOptions::Swarm(seed);
  if (flags.nodes != 0) o.cluster.stores = flags.nodes;
  if (o.cluster.stores < 3) {
    return runner::BadFlag("nodes", std::to_string(flags.nodes),
                           "0 or 3 to 9 stores for --workload=cluster");
  }
  o.safety_duration = Duration::Seconds(flags.safety_seconds);
  o.liveness_bound = Duration::Seconds(flags.liveness_seconds);
  o.faults.nodes = o.hosts();
  o.faults.duration = o.safety_duration;
  CHECK(nemesis::ApplyFaultClasses(flags.faults, &o.faults));
  // "all" turns corruption on; this workload cannot lose a store yet.
  o.faults.corruption = false;
  return o;
}

}  // namespace sim::cluster
