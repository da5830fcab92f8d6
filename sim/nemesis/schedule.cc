#include "sim/nemesis/schedule.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <sstream>

#include "core/base/check.h"

namespace sim::nemesis {
namespace {

using core::base::Duration;

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
    {FaultKind::kIsolate, "isolate"}, {FaultKind::kSwizzle, "swizzle"},
    {FaultKind::kDrop, "drop"},       {FaultKind::kDelay, "delay"},
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

// A probability in parts per million.
bool ParsePpm(std::string_view text, int64_t* value) {
  return ParseInt(text, value) && *value >= 0 && *value <= 1000000;
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

// Parses the words after the kind into `event`; false if they do not fit.
bool ParseArguments(const std::vector<std::string_view>& args, int nodes,
                    FaultEvent* event) {
  const size_t n = args.size();
  int* node = &event->node;
  Duration* duration = &event->duration;
  switch (event->kind) {
    case FaultKind::kHeal:
      return n == 0;
    case FaultKind::kRestart:
      return n == 1 && ParseNode(args[0], nodes, node);
    case FaultKind::kIsolate:
      return n == 1 && ParseTarget(args[0], nodes, node, true, &event->after);
    case FaultKind::kCrash:
      return (n == 1 || n == 2) &&
             ParseTarget(args[0], nodes, node, true, &event->after) &&
             (n == 1 ||
              (ParseMs(args[1], duration) && *duration > Duration::Zero()));
    case FaultKind::kPause:
    case FaultKind::kClog:
      return n == 2 && ParseTarget(args[0], nodes, node, false, nullptr) &&
             ParseMs(args[1], duration) && *duration >= Duration::Zero();
    case FaultKind::kJump:
    case FaultKind::kCorrupt:
      return n == 2 && ParseNode(args[0], nodes, node) &&
             ParseMs(args[1], duration) &&
             (event->kind == FaultKind::kJump || *duration >= Duration::Zero());
    case FaultKind::kDrift:
      return n == 2 && ParseNode(args[0], nodes, node) &&
             ParseInt(args[1], &event->amount) &&
             std::abs(event->amount) < 1000000;
    case FaultKind::kDisk:
      return n == 3 && ParseNode(args[0], nodes, node) &&
             ParseMs(args[1], duration) && ParsePpm(args[2], &event->amount);
    case FaultKind::kPartition:
    case FaultKind::kOneWay:
    case FaultKind::kBlock:
      return n == 1 && ParseGroups(event->kind, args[0], nodes, &event->groups);
    case FaultKind::kSwizzle:
      return n == 1 && ParseMs(args[0], duration) &&
             *duration > Duration::Zero();
    case FaultKind::kDrop:
      return n == 2 && ParsePpm(args[0], &event->amount) &&
             ParseMs(args[1], duration) && *duration >= Duration::Zero();
    case FaultKind::kDelay:
      return n == 2 && ParseMs(args[0], &event->after) &&
             event->after >= Duration::Zero() && ParseMs(args[1], duration) &&
             *duration >= Duration::Zero();
  }
  return false;
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
  const std::vector<std::string_view> args(words.begin() + 2, words.end());
  if (!ParseArguments(args, nodes, &event)) return bad("bad arguments");
  return event;
}

std::string MsText(Duration d) {
  return std::to_string(d.milliseconds()) + "ms";
}

// The words after the kind (each with a leading space).
std::string FormatArguments(const FaultEvent& e) {
  const std::string node = " " + FormatTarget(e);
  switch (e.kind) {
    case FaultKind::kHeal:
      return "";
    case FaultKind::kRestart:
    case FaultKind::kIsolate:
      return node;
    case FaultKind::kCrash:
      return e.duration > Duration::Zero() ? node + " " + MsText(e.duration)
                                           : node;
    case FaultKind::kPause:
    case FaultKind::kClog:
    case FaultKind::kJump:
    case FaultKind::kCorrupt:
      return node + " " + MsText(e.duration);
    case FaultKind::kDrift:
      return node + " " + std::to_string(e.amount);
    case FaultKind::kDisk:
      return node + " " + MsText(e.duration) + " " + std::to_string(e.amount);
    case FaultKind::kPartition:
    case FaultKind::kOneWay:
    case FaultKind::kBlock:
      return " " + FormatGroups(e);
    case FaultKind::kSwizzle:
      return " " + MsText(e.duration);
    case FaultKind::kDrop:
      return " " + std::to_string(e.amount) + " " + MsText(e.duration);
    case FaultKind::kDelay:
      return " " + MsText(e.after) + " " + MsText(e.duration);
  }
  return "";
}

}  // namespace

std::string_view FaultKindName(FaultKind kind) {
  for (const KindName& k : kKindNames) {
    if (k.kind == kind) return k.name;
  }
  return "unknown";
}

std::string FormatEvent(const FaultEvent& e) {
  return "@" + MsText(e.at) + " " + std::string(FaultKindName(e.kind)) +
         FormatArguments(e);
}

std::string FormatSchedule(const Schedule& schedule,
                           std::string_view separator) {
  std::string out;
  for (const FaultEvent& event : schedule) {
    if (!out.empty()) out.append(separator);
    out += FormatEvent(event);
  }
  return out;
}

absl::StatusOr<Schedule> ParseSchedule(std::string_view text, int hosts) {
  Schedule schedule;
  std::vector<std::string_view> items;
  for (std::string_view line : Split(text, "\n")) {
    for (std::string_view item : Split(line, ";")) items.push_back(item);
  }
  for (std::string_view item : items) {
    item = Strip(item);
    if (item.empty() || item[0] == '#') continue;
    auto event = ParseEvent(item, hosts);
    if (!event.ok()) return event.status();
    schedule.push_back(*std::move(event));
  }
  std::stable_sort(
      schedule.begin(), schedule.end(),
      [](const FaultEvent& a, const FaultEvent& b) { return a.at < b.at; });
  return schedule;
}

}  // namespace sim::nemesis
