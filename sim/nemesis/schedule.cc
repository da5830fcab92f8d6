#include "sim/nemesis/schedule.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <sstream>

#include "core/base/bytes.h"
#include "core/base/check.h"
#include "core/base/numbers.h"

namespace sim::nemesis {
namespace {

using core::base::Duration;
using core::base::QuoteExcerpt;

// A kind's name and the words it takes (for FaultKindName, the parser and
// its usage messages).
struct KindSyntax {
  FaultKind kind;
  const char* name;
  const char* usage;
  size_t min_args;
  size_t max_args;
};
constexpr const char* kAnyTarget = "<host|leader|next-leader[+<ms>ms]>";
constexpr KindSyntax kKinds[] = {
    {FaultKind::kCrash, "crash", "<host|leader|next-leader[+<ms>ms]> [<ms>ms]",
     1, 2},
    {FaultKind::kRestart, "restart", "<host>", 1, 1},
    {FaultKind::kPause, "pause", "<host|leader> <ms>ms", 2, 2},
    {FaultKind::kPartition, "partition", "<hosts>|<hosts>[|...]", 1, 1},
    {FaultKind::kOneWay, "oneway", "<hosts>-><hosts>", 1, 1},
    {FaultKind::kBlock, "block", "<host>-<host>[,<host>-<host>...]", 1, 1},
    {FaultKind::kClog, "clog", "<host|leader> <ms>ms", 2, 2},
    {FaultKind::kHeal, "heal", "", 0, 0},
    {FaultKind::kDrift, "drift", "<host> <ppm>", 2, 2},
    {FaultKind::kJump, "jump",
     "<host|leader|next-leader[+<ms>ms]> <signed ms>ms", 2, 2},
    {FaultKind::kDisk, "disk", "<host> <ms>ms <ppm>", 3, 3},
    {FaultKind::kCorrupt, "corrupt", "<host> <ms>ms", 2, 2},
    {FaultKind::kIsolate, "isolate", kAnyTarget, 1, 1},
    {FaultKind::kSwizzle, "swizzle", "<step ms>ms", 1, 1},
    {FaultKind::kDrop, "drop", "<ppm> <ms>ms", 2, 2},
    {FaultKind::kDelay, "delay", "<extra ms>ms <ms>ms", 2, 2},
};

constexpr int64_t kMillion = 1000000;

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

std::string Range(int64_t min, int64_t max) {
  return "[" + std::to_string(min) + ", " + std::to_string(max) + "]";
}

// Which targets an event accepts besides a host number.
enum class Targets { kHostOrLeader, kAny };

// Parses the words of one event, each against its range; the first word
// that does not fit leaves its reason in why().
class WordParser {
 public:
  explicit WordParser(int hosts) : hosts_(hosts) {}

  // Whole milliseconds in [min_ms, kMaxScheduleMs], written "<n>ms".
  bool Ms(std::string_view word, int64_t min_ms, Duration* value) {
    std::string_view digits = word;
    const std::optional<int64_t> ms =
        ConsumeSuffix(&digits, "ms")
            ? core::base::ParseInteger<int64_t>(digits, min_ms, kMaxScheduleMs)
            : std::nullopt;
    if (!ms) {
      return Fail(QuoteExcerpt(word) + ": want whole milliseconds in " +
                  Range(min_ms, kMaxScheduleMs) + ", written like 250ms");
    }
    *value = Duration::Milliseconds(*ms);
    return true;
  }

  // A probability in parts per million.
  bool Ppm(std::string_view word, int64_t* value) {
    const auto ppm = core::base::ParseInteger<int64_t>(word, 0, kMillion);
    if (!ppm)
      return Fail(QuoteExcerpt(word) + ": want ppm in " + Range(0, kMillion));
    *value = *ppm;
    return true;
  }

  // A clock rate offset, strictly inside (-10^6, 10^6) ppm.
  bool Drift(std::string_view word, int64_t* value) {
    const auto ppm =
        core::base::ParseInteger<int64_t>(word, -kMillion + 1, kMillion - 1);
    if (!ppm) {
      return Fail(QuoteExcerpt(word) + ": want a drift in ppm in " +
                  Range(-kMillion + 1, kMillion - 1));
    }
    *value = *ppm;
    return true;
  }

  bool Node(std::string_view word, int* node) {
    const auto value = core::base::ParseInteger<int>(word, 1, hosts_);
    if (!value)
      return Fail(QuoteExcerpt(word) + ": want a host in " + Range(1, hosts_));
    *node = *value;
    return true;
  }

  // A host, "leader" (kLeaderNode) or, for Targets::kAny,
  // "next-leader[+<ms>ms]" (kNextLeaderNode, the delay into `after`).
  bool Target(std::string_view word, Targets targets, int* node,
              Duration* after) {
    if (word == "leader") {
      *node = kLeaderNode;
      return true;
    }
    std::string_view rest = word;
    if (targets == Targets::kAny && ConsumePrefix(&rest, "next-leader")) {
      *node = kNextLeaderNode;
      *after = Duration::Zero();
      if (rest.empty()) return true;
      if (!ConsumePrefix(&rest, "+"))
        return Fail(QuoteExcerpt(word) + ": want " + kAnyTarget);
      return Ms(rest, 0, after);
    }
    if (core::base::ParseInteger<int>(word, 1, hosts_)) return Node(word, node);
    return Fail(QuoteExcerpt(word) + ": want a host in " + Range(1, hosts_) +
                (targets == Targets::kAny ? ", leader or next-leader[+<ms>ms]"
                                          : " or leader"));
  }

  bool Groups(FaultKind kind, std::string_view word,
              std::vector<std::vector<int>>* groups);

  bool Fail(std::string why) {
    if (why_.empty()) why_ = std::move(why);
    return false;
  }
  const std::string& why() const { return why_; }

 private:
  bool List(std::string_view text, char separator, std::vector<int>* out) {
    for (std::string_view item : Split(text, std::string_view(&separator, 1))) {
      int node = 0;
      if (!Node(item, &node)) return false;
      out->push_back(node);
    }
    return true;
  }

  const int hosts_;
  std::string why_;
};

// partition: "1,2|3"; oneway: "1->2,3"; block: "1-3,2-4".
bool WordParser::Groups(FaultKind kind, std::string_view word,
                        std::vector<std::vector<int>>* groups) {
  std::vector<std::string_view> parts;
  if (kind == FaultKind::kPartition) {
    parts = Split(word, "|");
  } else if (kind == FaultKind::kOneWay) {
    parts = Split(word, "->");
    if (parts.size() != 2)
      return Fail(QuoteExcerpt(word) + ": want <hosts>-><hosts>");
  } else {
    parts = Split(word, ",");
  }
  for (std::string_view part : parts) {
    groups->emplace_back();
    const char separator = kind == FaultKind::kBlock ? '-' : ',';
    if (!List(part, separator, &groups->back())) return false;
    if (kind == FaultKind::kBlock && groups->back().size() != 2) {
      return Fail(QuoteExcerpt(part) + ": want a pair <host>-<host>");
    }
  }
  if (kind == FaultKind::kPartition && groups->size() < 2) {
    return Fail(QuoteExcerpt(word) + ": want at least two groups, like 1,2|3");
  }
  return true;
}

std::string FormatTarget(const FaultEvent& e) {
  if (e.node == kLeaderNode) return "leader";
  if (e.node != kNextLeaderNode) return std::to_string(e.node);
  if (e.after == Duration::Zero()) return "next-leader";
  return "next-leader+" + std::to_string(e.after.milliseconds()) + "ms";
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

// Parses the words after the kind (their count already checked) into
// `event`; false, with the reason in `words.why()`, if one does not fit.
bool ParseArguments(const std::vector<std::string_view>& args,
                    WordParser& words, FaultEvent* event) {
  int* node = &event->node;
  Duration* duration = &event->duration;
  switch (event->kind) {
    case FaultKind::kHeal:
      return true;
    case FaultKind::kRestart:
      return words.Node(args[0], node);
    case FaultKind::kIsolate:
      return words.Target(args[0], Targets::kAny, node, &event->after);
    case FaultKind::kCrash:
      return words.Target(args[0], Targets::kAny, node, &event->after) &&
             (args.size() == 1 || words.Ms(args[1], 1, duration));
    case FaultKind::kPause:
    case FaultKind::kClog:
      return words.Target(args[0], Targets::kHostOrLeader, node, nullptr) &&
             words.Ms(args[1], 0, duration);
    case FaultKind::kJump:
      return words.Target(args[0], Targets::kAny, node, &event->after) &&
             words.Ms(args[1], -kMaxScheduleMs, duration);
    case FaultKind::kCorrupt:
      return words.Node(args[0], node) && words.Ms(args[1], 0, duration);
    case FaultKind::kDrift:
      return words.Node(args[0], node) && words.Drift(args[1], &event->amount);
    case FaultKind::kDisk:
      return words.Node(args[0], node) && words.Ms(args[1], 0, duration) &&
             words.Ppm(args[2], &event->amount);
    case FaultKind::kPartition:
    case FaultKind::kOneWay:
    case FaultKind::kBlock:
      return words.Groups(event->kind, args[0], &event->groups);
    case FaultKind::kSwizzle:
      return words.Ms(args[0], 1, duration);
    case FaultKind::kDrop:
      return words.Ppm(args[0], &event->amount) &&
             words.Ms(args[1], 0, duration);
    case FaultKind::kDelay:
      return words.Ms(args[0], 0, &event->after) &&
             words.Ms(args[1], 0, duration);
  }
  return false;
}

absl::StatusOr<FaultEvent> ParseEvent(std::string_view line, int hosts) {
  std::vector<std::string_view> words;
  for (std::string_view word : Split(line, " ")) {
    if (!word.empty()) words.push_back(word);
  }
  auto bad = [&](const std::string& why) {
    return absl::InvalidArgumentError("fault event " + QuoteExcerpt(line) +
                                      ": " + why);
  };
  if (words.size() < 2 || !ConsumePrefix(&words[0], "@")) {
    return bad("want @<time>ms <kind> ...");
  }
  WordParser parser(hosts);
  FaultEvent event;
  if (!parser.Ms(words[0], 0, &event.at)) return bad("time " + parser.why());
  const auto* kind =
      std::find_if(std::begin(kKinds), std::end(kKinds),
                   [&](const KindSyntax& k) { return words[1] == k.name; });
  if (kind == std::end(kKinds)) {
    return bad("unknown kind " + QuoteExcerpt(words[1]));
  }
  event.kind = kind->kind;
  const std::vector<std::string_view> args(words.begin() + 2, words.end());
  const std::string usage =
      "usage: @<time>ms " + std::string(kind->name) +
      (*kind->usage != '\0' ? " " + std::string(kind->usage) : "");
  if (args.size() < kind->min_args || args.size() > kind->max_args) {
    return bad(usage);
  }
  if (!ParseArguments(args, parser, &event)) {
    return bad(parser.why() + " (" + usage + ")");
  }
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
  for (const KindSyntax& k : kKinds) {
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
