#include "sim/nemesis/nemesis.h"

#include <utility>
#include <vector>

#include "core/base/check.h"

namespace sim::nemesis {

using core::base::Duration;
using core::base::Instant;

namespace {

constexpr uint32_t kTraceFault = static_cast<uint32_t>(TraceKind::kUser) + 1;

bool TakesLeader(FaultKind kind) {
  return kind == FaultKind::kCrash || kind == FaultKind::kPause ||
         kind == FaultKind::kClog || kind == FaultKind::kIsolate ||
         kind == FaultKind::kJump;
}

bool IsHostFault(FaultKind kind) {
  switch (kind) {
    case FaultKind::kCrash:
    case FaultKind::kRestart:
    case FaultKind::kPause:
    case FaultKind::kDrift:
    case FaultKind::kJump:
    case FaultKind::kDisk:
    case FaultKind::kCorrupt:
      return true;
    default:
      return false;
  }
}

}  // namespace

Nemesis::Nemesis(host::Hosts& hosts, LeaderView& leaders)
    : hosts_(hosts),
      leaders_(leaders),
      base_network_(hosts.sim().network().options()) {}

void Nemesis::Start(const Schedule& schedule, Duration until) {
  SimLoop& loop = hosts_.loop();
  for (const FaultEvent& event : schedule) {
    if (event.at >= until) continue;
    loop.ScheduleCallback(Instant() + event.at, kNoProcess,
                          [this, event] { Apply(event); });
  }
}

void Nemesis::OnElected(int host) {
  if (stopped_) return;
  std::vector<FaultEvent> armed = std::move(armed_);
  armed_.clear();
  SimLoop& loop = hosts_.loop();
  for (FaultEvent event : armed) {
    event.node = host;
    loop.ScheduleCallback(loop.Now() + event.after, kNoProcess,
                          [this, event] { Apply(event); });
  }
}

void Nemesis::Quiesce() {
  Simulation& sim = hosts_.sim();
  sim.buggify().SetFiring(false);
  sim.network().set_options(base_network_);
  sim.network().Heal();
}

void Nemesis::Apply(FaultEvent event) {
  if (stopped_) return;
  if (event.node == kNextLeaderNode) {
    hosts_.Log("armed " + FormatEvent(event));
    armed_.push_back(event);
    return;
  }
  if (event.node == kLeaderNode && TakesLeader(event.kind)) {
    event.node = leaders_.CurrentLeader();
    if (event.node == kLeaderNode) {
      hosts_.Log("fault " + FormatEvent(event) + ": no leader, skipped");
      return;
    }
  }
  ++applied_;
  hosts_.loop().Trace(
      static_cast<TraceKind>(kTraceFault + static_cast<uint32_t>(event.kind)),
      event.node == 0 ? kNoProcess : hosts_.process(event.node),
      static_cast<uint64_t>(event.at.nanoseconds()));
  hosts_.Log("fault " + FormatEvent(event));
  if (IsHostFault(event.kind)) return ApplyHostFault(event);
  if (event.kind == FaultKind::kDrop || event.kind == FaultKind::kDelay) {
    return ApplyMessageWindow(event);
  }
  ApplyNetworkFault(event);
}

void Nemesis::ApplyHostFault(const FaultEvent& event) {
  const int host = event.node;
  SimLoop& loop = hosts_.loop();
  switch (event.kind) {
    case FaultKind::kCrash:
      hosts_.Crash(host, "fault");
      if (event.duration > Duration::Zero()) {
        hosts_.RestartAfter(host, event.duration);
      }
      return;
    case FaultKind::kRestart:
      return hosts_.Restart(host);
    case FaultKind::kPause:
      return hosts_.Pause(host, event.duration);
    case FaultKind::kDrift:
      return loop.clock(hosts_.process(host)).SetDriftPpm(event.amount);
    case FaultKind::kJump:
      return loop.clock(hosts_.process(host)).JumpRealtime(event.duration);
    case FaultKind::kDisk:
      return hosts_.disk(host).OpenFaultWindow(
          loop.Now() + event.duration, static_cast<double>(event.amount) / 1e6);
    case FaultKind::kCorrupt:
      // Lost unsynced writes, then one damaged stored value.
      hosts_.Crash(host, "corruption");
      hosts_.disk(host).CorruptRandomValue();
      return hosts_.RestartAfter(host, event.duration);
    default:
      UNREACHABLE();
  }
}

std::vector<ProcessId> Nemesis::Processes(const std::vector<int>& hosts) const {
  std::vector<ProcessId> out;
  for (int host : hosts) out.push_back(hosts_.process(host));
  return out;
}

std::vector<ProcessId> Nemesis::AllProcesses() const {
  std::vector<ProcessId> out;
  for (int host = 1; host <= hosts_.size(); ++host) {
    out.push_back(hosts_.process(host));
  }
  return out;
}

void Nemesis::ApplyNetworkFault(const FaultEvent& event) {
  SimNetwork& net = hosts_.sim().network();
  switch (event.kind) {
    case FaultKind::kPartition: {
      Groups groups;
      for (const auto& group : event.groups) groups.push_back(Processes(group));
      return net.Partition(groups);
    }
    case FaultKind::kOneWay:
      return net.PartitionOneWay(Processes(event.groups[0]),
                                 Processes(event.groups[1]));
    case FaultKind::kBlock:
      for (const auto& pair : event.groups) {
        net.Block(hosts_.process(pair[0]), hosts_.process(pair[1]));
        net.Block(hosts_.process(pair[1]), hosts_.process(pair[0]));
      }
      return;
    case FaultKind::kClog:
      return net.ClogProcess(hosts_.process(event.node), event.duration);
    case FaultKind::kSwizzle:
      return net.SwizzleClog(AllProcesses(), event.duration);
    case FaultKind::kHeal:
      // An isolation still waiting for an election is healed too: firing
      // after its heal, it would outlast the schedule.
      std::erase_if(armed_, [](const FaultEvent& armed) {
        return armed.kind == FaultKind::kIsolate;
      });
      return net.Heal();
    case FaultKind::kIsolate: {
      // From the other hosts only: clients still reach it.
      Groups groups = {{hosts_.process(event.node)}, {}};
      for (int host = 1; host <= hosts_.size(); ++host) {
        if (host != event.node) groups[1].push_back(hosts_.process(host));
      }
      return net.Partition(groups);
    }
    default:
      UNREACHABLE();
  }
}

void Nemesis::ApplyMessageWindow(const FaultEvent& event) {
  SimNetwork& net = hosts_.sim().network();
  NetworkOptions options = net.options();
  const bool drop = event.kind == FaultKind::kDrop;
  if (drop) {
    options.drop_probability = static_cast<double>(event.amount) / 1e6;
  } else {
    options.min_latency = base_network_.min_latency + event.after;
  }
  net.set_options(options);
  // The window ends: that knob goes back to the run's own value.
  hosts_.loop().ScheduleCallback(
      hosts_.loop().Now() + event.duration, kNoProcess, [this, drop] {
        SimNetwork& net = hosts_.sim().network();
        NetworkOptions options = net.options();
        if (drop) {
          options.drop_probability = base_network_.drop_probability;
        } else {
          options.min_latency = base_network_.min_latency;
        }
        net.set_options(options);
      });
}

}  // namespace sim::nemesis
