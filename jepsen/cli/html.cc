#include "jepsen/cli/html.h"

#include <algorithm>
#include <map>

#include "jepsen/history/cat.h"

namespace jepsen::cli {
namespace {

using history::Operation;
using history::Outcome;

constexpr int kLaneHeight = 28;
constexpr int kEventWidth = 14;
constexpr int kLabelWidth = 90;

constexpr const char* kStyle = R"(
body { font-family: sans-serif; margin: 16px; color: #222; }
pre { background: #f6f6f6; padding: 8px; white-space: pre-wrap; }
.scroller { overflow-x: auto; overflow-y: hidden; border-top: 1px solid #ccc; padding-bottom: 4px; }
.timeline { position: relative; }
.lane { position: absolute; left: 0; height: 28px; border-bottom: 1px solid #eee; }
.label { position: sticky; left: 0; display: inline-block; padding: 0 4px; font-size: 12px;
         line-height: 28px; color: #555; background: rgba(255, 255, 255, 0.85); z-index: 3; }
.op { position: absolute; height: 20px; top: 4px; border-radius: 3px; font-size: 11px;
      line-height: 20px; overflow: hidden; white-space: nowrap; padding: 0 3px;
      box-sizing: border-box; border: 1px solid #6a6; background: #cfc; }
.fail { background: #ddd; border-color: #999; color: #666; }
.info { background: repeating-linear-gradient(45deg, #fe9, #fe9 6px, #fd7 6px, #fd7 12px);
        border-color: #c90; }
.related { background: #cde3ff; border-color: #69c; }
.blamed { background: #f88; border: 2px solid #c00; font-weight: bold; z-index: 2;
          scroll-margin-left: 600px; scroll-margin-top: 200px; }
.legend span { display: inline-block; padding: 2px 6px; margin-right: 8px; font-size: 12px; }
)";

std::string OpLabel(const history::History& history, const Operation& op) {
  std::string text = Cat(":", op.f());
  if (op.key().has_value()) text += Cat(" ", op.key()->ToEdn());
  const history::Value& shown =
      op.outcome == Outcome::kOk ? op.output() : op.input();
  return text + " " + shown.ToEdn();
}

std::string OpTitle(const history::History& history, const Operation& op) {
  std::string outcome = op.outcome == Outcome::kOk     ? ":ok"
                        : op.outcome == Outcome::kFail ? ":fail"
                                                       : ":info (open)";
  std::string text =
      Cat("process ", op.process, " :", op.f(), " ", op.input().ToEdn(), " -> ",
          outcome, " ", op.output().ToEdn(), "\n",
          history::DescribeOpPosition(history, op.invoke));
  if (op.complete != Operation::kOpen) {
    text += Cat(" to ", history::DescribeOpPosition(history, op.complete));
  }
  return text;
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string RenderTimeline(const history::History& history,
                           const TimelineOptions& options) {
  absl::StatusOr<std::vector<Operation>> paired =
      history::PairOperations(history);
  std::vector<Operation> ops = paired.ok() ? *paired : std::vector<Operation>();
  auto is_in = [](const std::set<size_t>& set, const Operation& op) {
    return set.count(op.invoke) > 0 ||
           (op.complete != Operation::kOpen && set.count(op.complete));
  };
  // The event window: all of it, or max_events around the first blamed op.
  size_t first = 0;
  size_t last = history.ops.size();
  if (last > options.max_events) {
    size_t center = options.blamed.empty() ? 0 : *options.blamed.begin();
    first =
        center > options.max_events / 2 ? center - options.max_events / 2 : 0;
    last = std::min(history.ops.size(), first + options.max_events);
  }
  std::map<int64_t, int> lanes;
  for (const Operation& op : ops) {
    if (op.invoke >= first && op.invoke < last) lanes.emplace(op.process, 0);
  }
  int lane = 0;
  for (auto& [process, index] : lanes) index = lane++;
  const int width =
      kLabelWidth + static_cast<int>(last - first + 1) * kEventWidth;

  std::string html =
      Cat("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>",
          HtmlEscape(options.title), "</title><style>", kStyle,
          "</style></head><body>\n<h2>", HtmlEscape(options.title), "</h2>\n");
  if (!options.summary.empty())
    html += Cat("<pre>", HtmlEscape(options.summary), "</pre>\n");
  html +=
      "<div class=\"legend\"><span class=\"op\" "
      "style=\"position:static\">ok</span>"
      "<span class=\"op info\" style=\"position:static\">info (open)</span>"
      "<span class=\"op fail\" style=\"position:static\">fail</span>"
      "<span class=\"op related\" style=\"position:static\">related</span>"
      "<span class=\"op blamed\" "
      "style=\"position:static\">blamed</span></div>\n";
  if (!options.blamed.empty()) {
    html += "<p><a href=\"#blamed\">Jump to the blamed operation</a></p>\n";
  }
  if (first > 0 || last < history.ops.size()) {
    html += Cat("<p>Showing events ", first, " to ", last - 1, " of ",
                history.ops.size(), ".</p>\n");
  }
  html += Cat("<div class=\"scroller\"><div class=\"timeline\" style=\"width:",
              width, "px;height:", lane * kLaneHeight, "px\">\n");
  for (const auto& [process, index] : lanes) {
    html += Cat("<div class=\"lane\" style=\"top:", index * kLaneHeight,
                "px;width:", width, "px\"><span class=\"label\">process ",
                process, "</span></div>\n");
  }
  bool anchored = false;
  for (const Operation& op : ops) {
    if (op.invoke < first || op.invoke >= last) continue;
    size_t end =
        op.complete == Operation::kOpen ? last : std::min(op.complete, last);
    std::string cls = "op";
    if (op.outcome == Outcome::kFail) cls += " fail";
    if (op.outcome == Outcome::kInfo) cls += " info";
    if (is_in(options.related, op)) cls += " related";
    std::string id;
    if (is_in(options.blamed, op)) {
      cls += " blamed";
      if (!anchored) id = " id=\"blamed\"";
      anchored = true;
    }
    const int left =
        kLabelWidth + static_cast<int>(op.invoke - first) * kEventWidth;
    const int bar =
        std::max(kEventWidth, static_cast<int>(end - op.invoke) * kEventWidth);
    html +=
        Cat("<div", id, " class=\"", cls, "\" style=\"left:", left,
            "px;width:", bar, "px;top:", lanes[op.process] * kLaneHeight + 4,
            "px\" title=\"", HtmlEscape(OpTitle(history, op)), "\">",
            HtmlEscape(OpLabel(history, op)), "</div>\n");
  }
  html += "</div></div>\n</body></html>\n";
  return html;
}

}  // namespace jepsen::cli
