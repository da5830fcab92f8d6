#include "sim/nemesis/generator.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <utility>
#include <vector>

#include "core/base/check.h"
#include "sim/nemesis/shapes.h"

namespace sim::nemesis {
namespace {

using core::base::Duration;
using core::base::Prng;

Duration Ms(int64_t ms) { return Duration::Milliseconds(ms); }

int64_t Between(Prng& prng, int64_t low, int64_t high) {
  return prng.UniformInRange(low, high);
}

std::vector<int> Shuffled(int nodes, Prng& prng) {
  std::vector<int> order;
  for (int i = 1; i <= nodes; ++i) order.push_back(i);
  prng.Shuffle(order);
  return order;
}

// Jepsen's majorities-ring on a random ring, as block pairs.
std::vector<std::vector<int>> RingBlocks(int nodes, Prng& prng) {
  std::vector<std::vector<int>> pairs;
  for (const auto& [a, b] : MajorityRing(Shuffled(nodes, prng))) {
    pairs.push_back({a, b});
  }
  return pairs;
}

// A network fault at `at`, healed later (clogs end by themselves). Returns
// when the network is whole again.
Duration AddNetworkFault(const FaultOptions& options, Duration at, Prng& prng,
                         Schedule* out) {
  const int n = options.nodes;
  FaultEvent event{.at = at};
  const std::vector<int> order = Shuffled(n, prng);
  if (prng.OneIn(3)) {
    // Jepsen's favourite: cut the leader off (now, or once elected).
    event.kind = FaultKind::kIsolate;
    event.node = prng.OneIn(2) ? kLeaderNode : kNextLeaderNode;
    if (event.node == kNextLeaderNode) event.after = Ms(Between(prng, 0, 50));
    const Duration heal = at + Ms(Between(prng, 200, 3000));
    out->push_back(event);
    out->push_back(FaultEvent{.at = heal, .kind = FaultKind::kHeal});
    return heal;
  }
  switch (prng.Uniform(options.swizzle ? 6 : 5)) {
    case 0:
      event.kind = FaultKind::kPartition;
      event.groups = IsolateOne(order[0], order);
      break;
    case 1:
      event.kind = FaultKind::kPartition;
      event.groups = Halves(order);
      break;
    case 2:
      event.kind = FaultKind::kOneWay;
      event.groups = Halves(order);
      break;
    case 3:
      if (n >= 4) {
        event.kind = FaultKind::kBlock;
        event.groups = RingBlocks(n, prng);
        break;
      }
      [[fallthrough]];
    case 4:
      event.kind = FaultKind::kClog;
      event.node = order[0];
      event.duration = Ms(Between(prng, 100, 2000));
      out->push_back(event);
      return at + event.duration;
    default:
      // Every host clogged one step after the other, then released.
      event.kind = FaultKind::kSwizzle;
      event.duration = Ms(Between(prng, 20, 300));
      out->push_back(event);
      return at + event.duration * static_cast<int64_t>(2 * n + 1);
  }
  for (auto& group : event.groups) std::sort(group.begin(), group.end());
  const Duration heal = at + Ms(Between(prng, 200, 3000));
  out->push_back(event);
  out->push_back(FaultEvent{.at = heal, .kind = FaultKind::kHeal});
  return heal;
}

// A window of extra message loss or delay.
void AddMessageFault(Duration at, Prng& prng, Schedule* out) {
  FaultEvent event{.at = at, .duration = Ms(Between(prng, 100, 3000))};
  if (prng.OneIn(2)) {
    event.kind = FaultKind::kDrop;
    event.amount = Between(prng, 1000, 200000);
  } else {
    event.kind = FaultKind::kDelay;
    event.after = Ms(Between(prng, 1, 200));
  }
  out->push_back(event);
}

// Leader churn shaped like Figure 8 of the Raft paper: cut the leader off
// (it keeps appending entries nobody gets), crash the next leader almost as
// soon as it wins (its own entries never spread), heal so the first leader
// can win again, and crash it while it re-replicates its old entries.
// Returns when the network is whole again.
Duration AddLeaderChurn(Duration at, Prng& prng, Schedule* out) {
  const Duration heal = at + Ms(Between(prng, 800, 2500));
  out->push_back({.at = at, .kind = FaultKind::kIsolate, .node = kLeaderNode});
  out->push_back({.at = at,
                  .kind = FaultKind::kCrash,
                  .node = kNextLeaderNode,
                  .duration = Ms(Between(prng, 1500, 4000)),
                  .after = Ms(Between(prng, 0, 3))});
  out->push_back({.at = heal, .kind = FaultKind::kHeal});
  out->push_back({.at = heal + Ms(1),
                  .kind = FaultKind::kCrash,
                  .node = kNextLeaderNode,
                  .duration = Ms(Between(prng, 200, 2000)),
                  .after = Ms(Between(prng, 5, 150))});
  return heal;
}

// The leader's wall clock steps 1 to 3 s ahead and, if network faults are
// on and the network is whole (`network_whole` passed), it is cut off at
// once: what it hands out under its lease from then on lies ahead of its
// successor's clock (a failover whose next leader is behind). Returns when
// the network is whole again.
Duration AddLeaderClockFailover(const FaultOptions& options, Duration at,
                                Duration network_whole, Prng& prng,
                                Schedule* out) {
  out->push_back({.at = at,
                  .kind = FaultKind::kJump,
                  .node = kLeaderNode,
                  .duration = Ms(Between(prng, 1000, 3000))});
  if (!options.network || at < network_whole) return network_whole;
  const Duration heal = at + Ms(Between(prng, 1000, 3000));
  out->push_back({.at = at, .kind = FaultKind::kIsolate, .node = kLeaderNode});
  out->push_back({.at = heal, .kind = FaultKind::kHeal});
  return heal;
}

void AddNodeFault(const FaultOptions& options, char kind, Duration at,
                  const std::vector<int>& corruptible, Prng& prng,
                  Schedule* out) {
  const int node = static_cast<int>(1 + prng.Uniform(options.nodes));
  switch (kind) {
    case 'c':
      if (!prng.OneIn(3)) {
        const bool next = prng.OneIn(2);
        out->push_back({.at = at,
                        .kind = FaultKind::kCrash,
                        .node = next ? kNextLeaderNode : kLeaderNode,
                        .duration = Ms(Between(prng, 20, 3000)),
                        .after = next ? Ms(Between(prng, 0, 100)) : Ms(0)});
        break;
      }
      out->push_back({.at = at, .kind = FaultKind::kCrash, .node = node});
      out->push_back({.at = at + Ms(Between(prng, 20, 3000)),
                      .kind = FaultKind::kRestart,
                      .node = node});
      break;
    case 'p':
      out->push_back({.at = at,
                      .kind = FaultKind::kPause,
                      .node = node,
                      .duration = Ms(Between(
                          prng, 10, options.max_pause.milliseconds()))});
      break;
    case 't':
      if (prng.OneIn(2)) {
        out->push_back({.at = at,
                        .kind = FaultKind::kDrift,
                        .node = node,
                        .amount = Between(prng, -100, 100)});
      } else {
        out->push_back({.at = at,
                        .kind = FaultKind::kJump,
                        .node = node,
                        .duration = Ms(Between(prng, -2000, 2000))});
      }
      break;
    case 'd':
      out->push_back({.at = at,
                      .kind = FaultKind::kDisk,
                      .node = node,
                      .duration = Ms(Between(prng, 200, 3000)),
                      .amount = Between(prng, 1000, 100000)});
      break;
    case 'x':
      out->push_back({.at = at,
                      .kind = FaultKind::kCorrupt,
                      .node = corruptible[prng.Uniform(corruptible.size())],
                      .duration = Ms(Between(prng, 100, 2000))});
      break;
  }
}

}  // namespace

std::string FaultOptions::ToString() const {
  std::ostringstream out;
  out << "faults:";
  for (const auto& [on, name] :
       {std::pair{network, "network"}, std::pair{crash, "crash"},
        std::pair{pause, "pause"}, std::pair{clock, "clock"},
        std::pair{disk, "disk"}, std::pair{corruption, "corruption"},
        std::pair{swizzle, "swizzle"}, std::pair{messages, "messages"},
        std::pair{leader_clock_failover, "leader-clock-failover"}}) {
    if (on) out << " " << name;
  }
  out << " every~" << mean_interval.milliseconds()
      << "ms max_pause=" << max_pause.milliseconds()
      << "ms corruptible_nodes=" << corruptible_nodes;
  return out.str();
}

Schedule GenerateSchedule(const FaultOptions& options, Prng& prng) {
  CHECK_GE(options.nodes, 1);
  std::vector<char> classes;  // weighted: network x3, crash x2
  if (options.network) classes.insert(classes.end(), {'n', 'n', 'n'});
  if (options.crash) classes.insert(classes.end(), {'c', 'c'});
  if (options.pause) classes.push_back('p');
  if (options.clock) classes.push_back('t');
  if (options.disk) classes.push_back('d');
  if (options.network && options.crash) classes.push_back('f');
  if (options.messages) classes.push_back('m');
  std::vector<int> corruptible = Shuffled(options.nodes, prng);
  corruptible.resize(std::clamp(options.corruptible_nodes, 0, options.nodes));
  if (options.corruption && !corruptible.empty()) classes.push_back('x');
  Schedule schedule;
  if (classes.empty()) return schedule;
  const double mean = static_cast<double>(options.mean_interval.milliseconds());
  int64_t t_ms = 0;
  // Partitions do not overlap: the next one starts after the heal.
  Duration network_whole;
  while (true) {
    t_ms += std::max<int64_t>(
        50, static_cast<int64_t>(-std::log1p(-prng.NextDouble()) * mean));
    if (Ms(t_ms) >= options.duration) break;
    const char c = classes[prng.Uniform(classes.size())];
    if (c == 'n' || c == 'f') {
      if (Ms(t_ms) < network_whole) continue;
      network_whole = c == 'n'
                          ? AddNetworkFault(options, Ms(t_ms), prng, &schedule)
                          : AddLeaderChurn(Ms(t_ms), prng, &schedule);
    } else if (c == 't' && options.leader_clock_failover && prng.OneIn(2)) {
      network_whole = AddLeaderClockFailover(options, Ms(t_ms), network_whole,
                                             prng, &schedule);
    } else if (c == 'm') {
      AddMessageFault(Ms(t_ms), prng, &schedule);
    } else {
      AddNodeFault(options, c, Ms(t_ms), corruptible, prng, &schedule);
    }
  }
  std::stable_sort(
      schedule.begin(), schedule.end(),
      [](const FaultEvent& a, const FaultEvent& b) { return a.at < b.at; });
  return schedule;
}

bool ApplyFaultClasses(std::string_view spec, FaultOptions* options) {
  if (spec == "swarm") return true;
  const std::pair<bool*, std::string_view> classes[] = {
      {&options->network, "network"}, {&options->crash, "crash"},
      {&options->pause, "pause"},     {&options->clock, "clock"},
      {&options->disk, "disk"},       {&options->corruption, "corruption"},
      {&options->swizzle, "swizzle"}, {&options->messages, "messages"}};
  for (const auto& [on, name] : classes) {
    *on = spec == "all" && name != "swizzle" && name != "messages";
  }
  if (spec == "all" || spec == "none") return true;
  while (!spec.empty()) {
    const size_t comma = std::min(spec.find(','), spec.size());
    const std::string_view item = spec.substr(0, comma);
    spec.remove_prefix(std::min(comma + 1, spec.size()));
    bool found = false;
    for (const auto& [on, name] : classes) {
      if (item == name) *on = found = true;
    }
    if (!found) return false;
  }
  return true;
}

}  // namespace sim::nemesis
