#include "sim/pd/pd_workload.h"

#include <algorithm>
#include <sstream>
#include <utility>

#include "core/base/check.h"
#include "core/base/prng.h"
#include "core/base/timestamp.h"
#include "sim/nemesis/nemesis.h"

namespace sim::pdsim {
namespace {

using core::base::Duration;
using core::base::Instant;
using core::base::Prng;
using core::base::TimeStamp;

// For each op, the largest value among the ops completed before it was
// invoked (0 when none): what a real-time order check compares against.
template <typename Op, typename Value>
std::vector<uint64_t> MaxCompletedBefore(const std::vector<Op>& ops,
                                         Value value) {
  std::vector<const Op*> by_completion;
  for (const Op& op : ops) by_completion.push_back(&op);
  std::sort(by_completion.begin(), by_completion.end(),
            [](const Op* a, const Op* b) {
              return a->completed_ns < b->completed_ns;
            });
  std::vector<uint64_t> prefix_max(by_completion.size() + 1, 0);
  for (size_t i = 0; i < by_completion.size(); ++i) {
    prefix_max[i + 1] = std::max(prefix_max[i], value(*by_completion[i]));
  }
  std::vector<uint64_t> out;
  for (const Op& op : ops) {
    const auto before = std::lower_bound(
        by_completion.begin(), by_completion.end(), op.invoked_ns,
        [](const Op* a, int64_t t) { return a->completed_ns < t; });
    out.push_back(
        prefix_max[static_cast<size_t>(before - by_completion.begin())]);
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------- checks

std::optional<CheckFailure> CheckTsoStrictlyIncreasing(std::vector<TsoOp> ops) {
  const std::vector<uint64_t> before =
      MaxCompletedBefore(ops, [](const TsoOp& op) { return op.last; });
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].first == 0 || ops[i].first > ops[i].last) {
      return CheckFailure{"TsoStrictlyIncreasing", "a malformed batch"};
    }
    if (ops[i].first <= before[i]) {
      std::ostringstream detail;
      detail << "batch [" << ops[i].first << ", " << ops[i].last
             << "] requested at " << ops[i].invoked_ns << "ns is not above "
             << before[i] << ", handed out before it was requested";
      return CheckFailure{"TsoStrictlyIncreasing", detail.str()};
    }
  }
  std::sort(ops.begin(), ops.end(),
            [](const TsoOp& a, const TsoOp& b) { return a.first < b.first; });
  for (size_t i = 1; i < ops.size(); ++i) {
    if (ops[i].first <= ops[i - 1].last) {
      std::ostringstream detail;
      detail << "batches [" << ops[i - 1].first << ", " << ops[i - 1].last
             << "] and [" << ops[i].first << ", " << ops[i].last
             << "] share timestamps";
      return CheckFailure{"TsoStrictlyIncreasing", detail.str()};
    }
  }
  return std::nullopt;
}

std::optional<CheckFailure> CheckIdsUnique(std::vector<uint64_t> ids) {
  std::sort(ids.begin(), ids.end());
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] == 0) return CheckFailure{"IdsUnique", "id 0 handed out"};
    if (i > 0 && ids[i] == ids[i - 1]) {
      return CheckFailure{"IdsUnique",
                          "id " + std::to_string(ids[i]) + " handed out twice"};
    }
  }
  return std::nullopt;
}

std::optional<CheckFailure> CheckSafePointMonotonic(
    std::vector<SafePointOp> ops) {
  const std::vector<uint64_t> before = MaxCompletedBefore(
      ops, [](const SafePointOp& op) { return op.safe_point; });
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].safe_point < before[i]) {
      std::ostringstream detail;
      detail << "a call at " << ops[i].invoked_ns << "ns answered "
             << ops[i].safe_point << ", below the acknowledged " << before[i];
      return CheckFailure{"SafePointMonotonic", detail.str()};
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------- options

PdRunOptions PdRunOptions::Swarm(uint64_t seed) {
  Prng prng(seed ^ 0x7064776f726b6c64ULL);
  PdRunOptions o;
  o.seed = seed;
  o.cluster.simulation = SimulationOptions::Swarm(seed);
  const int sizes[] = {3, 3, 3, 5};
  o.cluster.members = sizes[prng.Uniform(4)];
  ::pd::server::PdMemberOptions& m = o.cluster.member;
  m.tick_interval = Duration::Milliseconds(50);
  m.raft.election_timeout_ticks = static_cast<int>(prng.UniformInRange(10, 20));
  m.raft.heartbeat_interval_ticks = static_cast<int>(prng.UniformInRange(1, 3));
  // Small windows half the time, so that a leader cut off goes through
  // some before it steps down.
  m.id_allocator.step = prng.OneIn(2) ? prng.UniformInRange(4, 40)
                                      : prng.UniformInRange(100, 1000);
  m.id_allocator.refill_below = m.id_allocator.step / 2;
  m.proposal_timeout = Duration::Seconds(2);
  m.allocate_timeout = Duration::Seconds(2);
  // Short logs now and then, so that lagging members catch up by snapshot.
  m.compact_log_entries = prng.OneIn(2) ? 50 : 1000;
  o.cluster.disk.sync_latency_min =
      Duration::Microseconds(prng.UniformInRange(50, 500));
  o.cluster.disk.sync_latency_mean_extra =
      Duration::Microseconds(prng.UniformInRange(100, 2000));
  o.cluster.disk.stall_probability = prng.NextDouble() * 0.005;
  o.clients = static_cast<int>(prng.UniformInRange(2, 4));
  o.think_max = Duration::Milliseconds(prng.UniformInRange(5, 100));
  o.faults.nodes = o.cluster.members;
  o.faults.duration = o.safety_duration;
  o.faults.mean_interval =
      Duration::Milliseconds(prng.UniformInRange(300, 1500));
  for (bool* on : {&o.faults.network, &o.faults.crash, &o.faults.pause,
                   &o.faults.clock, &o.faults.disk, &o.faults.corruption}) {
    *on = prng.Bernoulli(0.8);
  }
  o.faults.corruptible_nodes = (o.cluster.members - 1) / 2;
  o.faults.leader_clock_failover = true;
  // The TSO serves under the Raft lease: it must outlast no pause (the
  // member catches up its ticks before each lease check) and leave a tick
  // for one delivered late (core::raft::Config::lease_ticks).
  o.faults.max_pause = m.tick_interval * m.raft.election_timeout_ticks / 2;
  const int pause_ticks = static_cast<int>(
      (o.faults.max_pause.nanoseconds() + m.tick_interval.nanoseconds() - 1) /
      m.tick_interval.nanoseconds());
  m.raft.lease_ticks =
      std::max(1, m.raft.election_timeout_ticks - 2 - pause_ticks);
  o.callers_per_client = static_cast<int>(prng.UniformInRange(1, 3));
  return o;
}

std::string PdRunOptions::ToString() const {
  const ::pd::server::PdMemberOptions& m = cluster.member;
  std::ostringstream out;
  out << "seed=" << seed << " members=" << cluster.members
      << " tick=" << m.tick_interval.milliseconds()
      << "ms election_ticks=" << m.raft.election_timeout_ticks
      << " heartbeat_ticks=" << m.raft.heartbeat_interval_ticks
      << " lease_ticks=" << m.raft.lease_ticks
      << " id_step=" << m.id_allocator.step
      << " compact_log_entries=" << m.compact_log_entries
      << " clients=" << clients << "x" << callers_per_client
      << " think_max=" << think_max.milliseconds()
      << "ms safety=" << safety_duration.milliseconds()
      << "ms liveness_bound=" << liveness_bound.milliseconds()
      << "ms | disk: " << cluster.disk.ToString() << " | " << faults.ToString()
      << " | " << cluster.simulation.ToString();
  return out.str();
}

nemesis::Schedule DefaultSchedule(const PdRunOptions& options) {
  nemesis::FaultOptions faults = options.faults;
  faults.nodes = options.cluster.members;
  faults.duration = options.safety_duration;
  Prng prng(options.seed ^ 0x66617573636865ULL);
  return nemesis::GenerateSchedule(faults, prng);
}

absl::StatusOr<PdRunOptions> OptionsFor(uint64_t seed,
                                        const runner::RunFlags& flags) {
  if (absl::Status status = runner::ValidateRunFlags(flags); !status.ok()) {
    return status;
  }
  PdRunOptions o = PdRunOptions::Swarm(seed);
  if (flags.nodes != 0) {
    o.cluster.members = flags.nodes;
    o.faults.corruptible_nodes = (flags.nodes - 1) / 2;
  }
  o.safety_duration = Duration::Seconds(flags.safety_seconds);
  o.liveness_bound = Duration::Seconds(flags.liveness_seconds);
  o.faults.nodes = o.cluster.members;
  o.faults.duration = o.safety_duration;
  CHECK(nemesis::ApplyFaultClasses(flags.faults, &o.faults));
  return o;
}

}  // namespace sim::pdsim
