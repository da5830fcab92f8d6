#include "sim/register/fault_schedule.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <sstream>

#include "core/base/check.h"

namespace sim::register_kv {
namespace {

using core::base::Duration;
using core::base::Prng;

struct KindName {
  FaultKind kind;
  const char* name;
};
constexpr KindName kKindNames[] = {
    {FaultKind::kCrash, "crash"},     {FaultKind::kRestart, "restart"},
    {FaultKind::kPause, "pause"},     {FaultKind::kPartition, "partition"},
    {FaultKind::kOneWay, "oneway"},   {FaultKind::kBlock, "block"},
    {FaultKind::kClog, "clog"},       {FaultKind::kHeal, "heal"},
    {FaultKind::kDrift, "drift"},     {FaultKind::kJump, "jump"},
    {FaultKind::kDisk, "disk"},       {FaultKind::kCorrupt, "corrupt"},
    {FaultKind::kIsolate, "isolate"},
};

Duration Ms(int64_t ms) { return Duration::Milliseconds(ms); }

// Splits on every occurrence of `separator` (empty items kept).
std::vector<std::string_view> Split(std::string_view text,
                                    std::string_view separator) {
  std::vector<std::string_view> items;
  while (true) {
    const size_t at = text.find(separator);
    items.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return items;
    text.remove_prefix(at + separator.size());
  }
}

std::string_view Strip(std::string_view text) {
  while (!text.empty() &&
         std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() &&
         std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

bool ConsumePrefix(std::string_view* text, std::string_view prefix) {
  if (text->substr(0, prefix.size()) != prefix) return false;
  text->remove_prefix(prefix.size());
  return true;
}

bool ConsumeSuffix(std::string_view* text, std::string_view suffix) {
  if (text->size() < suffix.size() ||
      text->substr(text->size() - suffix.size()) != suffix) {
    return false;
  }
  text->remove_suffix(suffix.size());
  return true;
}

template <typename Items>
std::string Join(const Items& items, std::string_view separator) {
  std::ostringstream out;
  bool first = true;
  for (const auto& item : items) {
    if (!first) out << separator;
    out << item;
    first = false;
  }
  return out.str();
}

int64_t Between(Prng& prng, int64_t low, int64_t high) {
  return prng.UniformInRange(low, high);
}

std::vector<int> Shuffled(int nodes, Prng& prng) {
  std::vector<int> order;
  for (int i = 1; i <= nodes; ++i) order.push_back(i);
  prng.Shuffle(order);
  return order;
}

// Jepsen's majorities-ring: on a random ring each node keeps only its
// nearest neighbours (a majority with itself); every other pair is blocked.
std::vector<std::vector<int>> RingBlocks(int nodes, Prng& prng) {
  const std::vector<int> ring = Shuffled(nodes, prng);
  // Neighbours kept on each side: with itself, a majority.
  const int reach = (nodes / 2) / 2;
  std::vector<std::vector<int>> pairs;
  for (int i = 0; i < nodes; ++i) {
    for (int j = i + 1; j < nodes; ++j) {
      const int d = std::min(j - i, nodes - (j - i));
      if (d > reach) {
        pairs.push_back(
            {std::min(ring[i], ring[j]), std::max(ring[i], ring[j])});
      }
    }
  }
  std::sort(pairs.begin(), pairs.end());
  return pairs;
}

// A network fault at `at`, healed later (clogs end by themselves). Returns
// when the network is whole again.
Duration AddNetworkFault(const FaultScheduleOptions& options, Duration at,
                         Prng& prng, FaultSchedule* out) {
  const int n = options.nodes;
  FaultEvent event{.at = at};
  const std::vector<int> order = Shuffled(n, prng);
  const std::vector<int> first(order.begin(), order.begin() + n / 2);
  const std::vector<int> second(order.begin() + n / 2, order.end());
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
  switch (prng.Uniform(5)) {
    case 0:  // isolate one node
      event.kind = FaultKind::kPartition;
      event.groups = {{order[0]},
                      std::vector<int>(order.begin() + 1, order.end())};
      break;
    case 1:
      event.kind = FaultKind::kPartition;
      event.groups = {first, second};
      break;
    case 2:
      event.kind = FaultKind::kOneWay;
      event.groups = {first, second};
      break;
    case 3:
      if (n >= 4) {
        event.kind = FaultKind::kBlock;
        event.groups = RingBlocks(n, prng);
        break;
      }
      [[fallthrough]];
    default:
      event.kind = FaultKind::kClog;
      event.node = order[0];
      event.duration = Ms(Between(prng, 100, 2000));
      out->push_back(event);
      return at + event.duration;
  }
  for (auto& group : event.groups) std::sort(group.begin(), group.end());
  const Duration heal = at + Ms(Between(prng, 200, 3000));
  out->push_back(event);
  out->push_back(FaultEvent{.at = heal, .kind = FaultKind::kHeal});
  return heal;
}

// Leader churn shaped like Figure 8 of the Raft paper: cut the leader off
// (it keeps appending entries nobody gets), crash the next leader almost as
// soon as it wins (its own entries never spread), heal so the first leader
// can win again, and crash it while it re-replicates its old entries.
// Returns when the network is whole again.
Duration AddLeaderChurn(Duration at, Prng& prng, FaultSchedule* out) {
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

void AddNodeFault(const FaultScheduleOptions& options, char kind, Duration at,
                  const std::vector<int>& corruptible, Prng& prng,
                  FaultSchedule* out) {
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

bool ParseInt(std::string_view text, int64_t* value) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *value);
  return ec == std::errc() && ptr == end;
}

bool ParseMs(std::string_view text, Duration* value) {
  int64_t ms = 0;
  if (!ConsumeSuffix(&text, "ms") || !ParseInt(text, &ms)) return false;
  *value = Ms(ms);
  return true;
}

bool ParseNode(std::string_view text, int nodes, int* node) {
  int64_t value = 0;
  if (text == "leader") return false;
  if (!ParseInt(text, &value) || value < 1 || value > nodes) return false;
  *node = static_cast<int>(value);
  return true;
}

// A node number, "leader" (kLeaderNode) or, with `next` allowed,
// "next-leader[+<ms>ms]" (kNextLeaderNode, the delay into `after`).
bool ParseTarget(std::string_view text, int nodes, int* node, bool next,
                 Duration* after) {
  if (text == "leader") {
    *node = kLeaderNode;
    return true;
  }
  if (next && ConsumePrefix(&text, "next-leader")) {
    *node = kNextLeaderNode;
    *after = Duration::Zero();
    return text.empty() || (ConsumePrefix(&text, "+") && ParseMs(text, after) &&
                            *after >= Duration::Zero());
  }
  return ParseNode(text, nodes, node);
}

std::string FormatTarget(const FaultEvent& e) {
  if (e.node == kLeaderNode) return "leader";
  if (e.node != kNextLeaderNode) return std::to_string(e.node);
  if (e.after == Duration::Zero()) return "next-leader";
  return "next-leader+" + std::to_string(e.after.milliseconds()) + "ms";
}

bool ParseList(std::string_view text, char separator, int nodes,
               std::vector<int>* out) {
  for (std::string_view item : Split(text, std::string_view(&separator, 1))) {
    int node = 0;
    if (!ParseNode(item, nodes, &node)) return false;
    out->push_back(node);
  }
  return true;
}

bool ParseGroups(FaultKind kind, std::string_view text, int nodes,
                 std::vector<std::vector<int>>* groups) {
  std::vector<std::string_view> parts;
  if (kind == FaultKind::kPartition) {
    parts = Split(text, "|");
  } else if (kind == FaultKind::kOneWay) {
    parts = Split(text, "->");
    if (parts.size() != 2) return false;
  } else {
    parts = Split(text, ",");
  }
  for (std::string_view part : parts) {
    groups->emplace_back();
    const char separator = kind == FaultKind::kBlock ? '-' : ',';
    if (!ParseList(part, separator, nodes, &groups->back())) return false;
    if (kind == FaultKind::kBlock && groups->back().size() != 2) return false;
  }
  return groups->size() >= (kind == FaultKind::kBlock ? 1u : 2u);
}

std::string FormatGroups(const FaultEvent& event) {
  std::vector<std::string> parts;
  const char* inner = event.kind == FaultKind::kBlock ? "-" : ",";
  for (const auto& group : event.groups) {
    parts.push_back(Join(group, inner));
  }
  const char* outer = event.kind == FaultKind::kPartition ? "|"
                      : event.kind == FaultKind::kOneWay  ? "->"
                                                          : ",";
  return Join(parts, outer);
}

absl::StatusOr<FaultEvent> ParseEvent(std::string_view line, int nodes) {
  std::vector<std::string_view> words;
  for (std::string_view word : Split(line, " ")) {
    if (!word.empty()) words.push_back(word);
  }
  auto bad = [&](const char* why) {
    return absl::InvalidArgumentError("fault event '" + std::string(line) +
                                      "': " + why);
  };
  FaultEvent event;
  if (words.size() < 2 || !ConsumePrefix(&words[0], "@") ||
      !ParseMs(words[0], &event.at) || event.at < Duration::Zero()) {
    return bad("expected @<time>ms <kind> ...");
  }
  const auto* kind =
      std::find_if(std::begin(kKindNames), std::end(kKindNames),
                   [&](const KindName& k) { return words[1] == k.name; });
  if (kind == std::end(kKindNames)) return bad("unknown kind");
  event.kind = kind->kind;
  const size_t args = words.size() - 2;
  const auto arg = [&](size_t i) { return words[2 + i]; };
  bool ok = false;
  switch (event.kind) {
    case FaultKind::kHeal:
      ok = args == 0;
      break;
    case FaultKind::kRestart:
      ok = args == 1 && ParseNode(arg(0), nodes, &event.node);
      break;
    case FaultKind::kIsolate:
      ok = args == 1 &&
           ParseTarget(arg(0), nodes, &event.node, true, &event.after);
      break;
    case FaultKind::kCrash:
      ok = (args == 1 || args == 2) &&
           ParseTarget(arg(0), nodes, &event.node, true, &event.after) &&
           (args == 1 || (ParseMs(arg(1), &event.duration) &&
                          event.duration > Duration::Zero()));
      break;
    case FaultKind::kPause:
    case FaultKind::kClog:
      ok = args == 2 &&
           ParseTarget(arg(0), nodes, &event.node, false, &event.after) &&
           ParseMs(arg(1), &event.duration) &&
           event.duration >= Duration::Zero();
      break;
    case FaultKind::kJump:
    case FaultKind::kCorrupt:
      ok = args == 2 && ParseNode(arg(0), nodes, &event.node) &&
           ParseMs(arg(1), &event.duration) &&
           (event.kind == FaultKind::kJump ||
            event.duration >= Duration::Zero());
      break;
    case FaultKind::kDrift:
      ok = args == 2 && ParseNode(arg(0), nodes, &event.node) &&
           ParseInt(arg(1), &event.amount) && std::abs(event.amount) < 1000000;
      break;
    case FaultKind::kDisk:
      ok = args == 3 && ParseNode(arg(0), nodes, &event.node) &&
           ParseMs(arg(1), &event.duration) &&
           ParseInt(arg(2), &event.amount) && event.amount >= 0 &&
           event.amount <= 1000000;
      break;
    case FaultKind::kPartition:
    case FaultKind::kOneWay:
    case FaultKind::kBlock:
      ok = args == 1 && ParseGroups(event.kind, arg(0), nodes, &event.groups);
      break;
  }
  if (!ok) return bad("bad arguments");
  return event;
}

}  // namespace

std::string_view FaultKindName(FaultKind kind) {
  for (const KindName& k : kKindNames) {
    if (k.kind == kind) return k.name;
  }
  return "unknown";
}

std::string FaultScheduleOptions::ToString() const {
  std::ostringstream out;
  out << "faults:";
  for (const auto& [on, name] :
       {std::pair{network, "network"}, std::pair{crash, "crash"},
        std::pair{pause, "pause"}, std::pair{clock, "clock"},
        std::pair{disk, "disk"}, std::pair{corruption, "corruption"}}) {
    if (on) out << " " << name;
  }
  out << " every~" << mean_interval.milliseconds()
      << "ms max_pause=" << max_pause.milliseconds()
      << "ms corruptible_nodes=" << corruptible_nodes;
  return out.str();
}

FaultSchedule GenerateFaultSchedule(const FaultScheduleOptions& options,
                                    Prng& prng) {
  CHECK_GE(options.nodes, 1);
  std::vector<char> classes;  // weighted: network x3, crash x2
  if (options.network) classes.insert(classes.end(), {'n', 'n', 'n'});
  if (options.crash) classes.insert(classes.end(), {'c', 'c'});
  if (options.pause) classes.push_back('p');
  if (options.clock) classes.push_back('t');
  if (options.disk) classes.push_back('d');
  if (options.network && options.crash) classes.push_back('f');
  std::vector<int> corruptible = Shuffled(options.nodes, prng);
  corruptible.resize(std::clamp(options.corruptible_nodes, 0, options.nodes));
  if (options.corruption && !corruptible.empty()) classes.push_back('x');
  FaultSchedule schedule;
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
    } else {
      AddNodeFault(options, c, Ms(t_ms), corruptible, prng, &schedule);
    }
  }
  std::stable_sort(
      schedule.begin(), schedule.end(),
      [](const FaultEvent& a, const FaultEvent& b) { return a.at < b.at; });
  return schedule;
}

std::string FormatFaultEvent(const FaultEvent& e) {
  std::ostringstream out;
  out << "@" << e.at.milliseconds() << "ms " << FaultKindName(e.kind);
  const std::string node = FormatTarget(e);
  switch (e.kind) {
    case FaultKind::kHeal:
      break;
    case FaultKind::kRestart:
    case FaultKind::kIsolate:
      out << " " << node;
      break;
    case FaultKind::kCrash:
      out << " " << node;
      if (e.duration > Duration::Zero()) {
        out << " " << e.duration.milliseconds() << "ms";
      }
      break;
    case FaultKind::kPause:
    case FaultKind::kClog:
    case FaultKind::kJump:
    case FaultKind::kCorrupt:
      out << " " << node << " " << e.duration.milliseconds() << "ms";
      break;
    case FaultKind::kDrift:
      out << " " << e.node << " " << e.amount;
      break;
    case FaultKind::kDisk:
      out << " " << e.node << " " << e.duration.milliseconds() << "ms "
          << e.amount;
      break;
    case FaultKind::kPartition:
    case FaultKind::kOneWay:
    case FaultKind::kBlock:
      out << " " << FormatGroups(e);
      break;
  }
  return out.str();
}

std::string FormatFaultSchedule(const FaultSchedule& schedule,
                                std::string_view separator) {
  std::string out;
  for (const FaultEvent& event : schedule) {
    if (!out.empty()) out.append(separator);
    out += FormatFaultEvent(event);
  }
  return out;
}

absl::StatusOr<FaultSchedule> ParseFaultSchedule(std::string_view text,
                                                 int nodes) {
  FaultSchedule schedule;
  std::vector<std::string_view> items;
  for (std::string_view line : Split(text, "\n")) {
    for (std::string_view item : Split(line, ";")) items.push_back(item);
  }
  for (std::string_view item : items) {
    item = Strip(item);
    if (item.empty() || item[0] == '#') continue;
    auto event = ParseEvent(item, nodes);
    if (!event.ok()) return event.status();
    schedule.push_back(*std::move(event));
  }
  std::stable_sort(
      schedule.begin(), schedule.end(),
      [](const FaultEvent& a, const FaultEvent& b) { return a.at < b.at; });
  return schedule;
}

}  // namespace sim::register_kv
